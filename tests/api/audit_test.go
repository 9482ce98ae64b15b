//go:build integration

package api_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/auth"
	"backoffice/shared/store"
)

// auditStory is what a fresh owner did, for the audit tests: invite
// someone (who accepts), rename them, deactivate them.
type auditStory struct {
	owner, target                       person
	ownerToken, refresh, inviteToken    string
	inviteReq, updateReq, deactivateReq string // X-Request-Id of the changes
}

func newAuditStory(t *testing.T) auditStory {
	t.Helper()
	var s auditStory
	s.owner = newActive(t, uniqueEmail("auditor"), auth.OwnerRoleID)
	s.ownerToken, s.refresh = login(t, s.owner.Email)
	email := uniqueEmail("audited")
	inv := invite(t, s.ownerToken, email)
	expect(t, inv, 201)
	s.inviteReq = inv.Header.Get("X-Request-Id")
	s.target = person{ID: inv.JSON["staff"].(map[string]any)["id"].(string), Email: email}
	s.inviteToken = st.MailLink(t, email, "").Token
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": s.inviteToken, "password": password}), 204)
	u := call(t, "PATCH", "/staff/"+s.target.ID, s.ownerToken, map[string]any{"firstName": "Renamed", "locale": "de"})
	expect(t, u, 200)
	s.updateReq = u.Header.Get("X-Request-Id")
	d := call(t, "POST", "/staff/"+s.target.ID+"/deactivate", s.ownerToken, nil)
	expect(t, d, 200)
	s.deactivateReq = d.Header.Get("X-Request-Id")
	return s
}

// auditPage lists one page of GET /audit with the query.
func auditPage(t *testing.T, token string, q url.Values) (answer, []map[string]any) {
	t.Helper()
	a := call(t, "GET", "/audit?"+q.Encode(), token, nil)
	expect(t, a, 200)
	return a, itemsOf(t, a)
}

func actionsOf(items []map[string]any) []string {
	out := []string{}
	for _, e := range items {
		out = append(out, e["action"].(string))
	}
	return out
}

func eventIDs(items []map[string]any) []string {
	out := []string{}
	for _, e := range items {
		out = append(out, e["id"].(string))
	}
	return out
}

func TestAuditOfAnOwnersChanges(t *testing.T) {
	s := newAuditStory(t)
	a, items := auditPage(t, s.ownerToken, url.Values{"actorId": {s.owner.ID}})
	// The owner's own acceptance and sign-in come first; then the three changes.
	want := []string{"staff.deactivate", "staff.update", "staff.invite", "staff.login", "staff.accept_invitation"}
	if got := actionsOf(items); !slices.Equal(got, want) || a.JSON["nextCursor"] != nil {
		t.Fatalf("actions %v, want %v: %s", got, want, a.Raw)
	}
	var prev time.Time
	for i, e := range items {
		at, err := time.Parse(time.RFC3339Nano, e["at"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && at.After(prev) {
			t.Errorf("event %d (%s) is newer than the one before it", i, e["action"])
		}
		prev = at
		actor := e["actor"].(map[string]any)
		if actor["id"] != s.owner.ID || actor["email"] != s.owner.Email || e["summary"] == "" || e["requestId"] == "" {
			t.Errorf("event %v", e)
		}
	}
	for i, req := range []string{s.deactivateReq, s.updateReq, s.inviteReq} {
		e := items[i]
		if e["targetType"] != "staff" || e["targetId"] != s.target.ID || e["requestId"] != req {
			t.Errorf("%s: target %v/%v, requestId %v (want %s)", e["action"], e["targetType"], e["targetId"], e["requestId"], req)
		}
	}
	changes := func(e map[string]any) map[string]any { c, _ := e["changes"].(map[string]any); return c }
	wantUpdate := map[string]any{
		"firstName": map[string]any{"before": "Ina", "after": "Renamed"},
		"locale":    map[string]any{"before": "nl", "after": "de"},
	}
	if got := changes(items[1]); !equalJSON(got, wantUpdate) {
		t.Errorf("update changes %v, want %v", got, wantUpdate)
	}
	wantDeactivate := map[string]any{"status": map[string]any{"before": "active", "after": "inactive"}}
	if got := changes(items[0]); !equalJSON(got, wantDeactivate) {
		t.Errorf("deactivate changes %v, want %v", got, wantDeactivate)
	}

	// Never a password or a token, anywhere in the log of either person.
	ta, targetItems := auditPage(t, s.ownerToken, url.Values{"targetType": {"staff"}, "targetId": {s.target.ID}})
	oa, ownerAsTarget := auditPage(t, s.ownerToken, url.Values{"targetType": {"staff"}, "targetId": {s.owner.ID}})
	raw := a.Raw + ta.Raw + oa.Raw
	for name, secret := range map[string]string{"password": password, "invitation token": s.inviteToken,
		"access token": s.ownerToken, "refresh token": s.refresh} {
		if strings.Contains(raw, secret) {
			t.Errorf("the audit log holds the %s", name)
		}
	}
	for _, e := range append(append(slices.Clone(items), targetItems...), ownerAsTarget...) {
		for field := range changes(e) {
			if f := strings.ToLower(field); strings.Contains(f, "password") || strings.Contains(f, "token") || strings.Contains(f, "hash") {
				t.Errorf("%s records a change of %s", e["action"], field)
			}
		}
	}

	// By target: everything that happened to that person, whoever did it.
	if got, want := actionsOf(targetItems), []string{"staff.deactivate", "staff.update", "staff.accept_invitation", "staff.invite"}; !slices.Equal(got, want) {
		t.Fatalf("target's events %v, want %v", got, want)
	}
	if actor := targetItems[2]["actor"].(map[string]any); actor["id"] != s.target.ID {
		t.Errorf("acceptance by %v, want the person", actor)
	}
	for _, e := range targetItems {
		if e["targetId"] != s.target.ID {
			t.Errorf("event of another target: %v", e)
		}
	}

	// Actor and target together; actor and action; action alone.
	_, both := auditPage(t, s.ownerToken, url.Values{"actorId": {s.owner.ID}, "targetType": {"staff"}, "targetId": {s.target.ID}})
	if got := eventIDs(both); !slices.Equal(got, eventIDs(items[:3])) {
		t.Errorf("actor and target: %v, want %v", actionsOf(both), actionsOf(items[:3]))
	}
	_, updates := auditPage(t, s.ownerToken, url.Values{"actorId": {s.owner.ID}, "action": {"staff.update"}})
	if got := eventIDs(updates); !slices.Equal(got, []string{items[1]["id"].(string)}) {
		t.Errorf("actor and action: %v", actionsOf(updates))
	}
	_, allUpdates := auditPage(t, s.ownerToken, url.Values{"action": {"staff.update"}, "limit": {"100"}})
	if !slices.Contains(eventIDs(allUpdates), items[1]["id"].(string)) {
		t.Errorf("action alone misses the update")
	}
	for _, e := range allUpdates {
		if e["action"] != "staff.update" {
			t.Errorf("action filter let through %v", e["action"])
		}
	}
	_, staffOnly := auditPage(t, s.ownerToken, url.Values{"targetType": {"staff"}, "limit": {"50"}})
	for _, e := range staffOnly {
		if e["targetType"] != "staff" {
			t.Errorf("targetType filter let through %v", e["targetType"])
		}
	}

	// Bounds at the exact times of events include them.
	_, bounded := auditPage(t, s.ownerToken, url.Values{"actorId": {s.owner.ID},
		"from": {items[2]["at"].(string)}, "to": {items[1]["at"].(string)}})
	if got := actionsOf(bounded); !slices.Equal(got, []string{"staff.update", "staff.invite"}) {
		t.Errorf("from invite to update: %v", got)
	}
	_, after := auditPage(t, s.ownerToken, url.Values{"actorId": {s.owner.ID}, "from": {time.Now().Add(time.Minute).UTC().Format(time.RFC3339)},
		"to": {time.Now().Add(2 * time.Minute).UTC().Format(time.RFC3339)}})
	if len(after) != 0 {
		t.Errorf("events in the future: %v", actionsOf(after))
	}

	// Bad queries.
	for _, q := range []string{"actorId=nope", "targetId=" + s.target.ID, "from=yesterday", "to=2020-13-01T00:00:00Z",
		"from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z", "limit=0", "limit=101", "limit=x", "action=" + strings.Repeat("a", 101)} {
		expect(t, call(t, "GET", "/audit?"+q, s.ownerToken, nil), 422, "validation_failed")
	}

	// audit.read is needed.
	nobody := newActive(t, uniqueEmail("noaudit"))
	tok, _ := login(t, nobody.Email)
	expect(t, call(t, "GET", "/audit?actorId="+s.owner.ID, tok, nil), 403, "forbidden")
}

// equalJSON compares decoded JSON values.
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !equalJSON(v, y[k]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

// walkAudit pages through q one event at a time, pausing between pages as a
// reader would; it returns the ids seen.
func walkAudit(t *testing.T, token string, q url.Values, pause time.Duration) []string {
	t.Helper()
	q.Set("limit", "1")
	var seen []string
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		a, items := auditPage(t, token, q)
		if len(items) > 1 {
			t.Fatalf("limit=1 gave %d events", len(items))
		}
		seen = append(seen, eventIDs(items)...)
		next, _ := a.JSON["nextCursor"].(string)
		if next == "" {
			return seen
		}
		if pages == 0 {
			bad := url.Values{}
			for k, v := range q {
				bad[k] = v
			}
			bad.Set("cursor", tamper(next))
			expect(t, call(t, "GET", "/audit?"+bad.Encode(), token, nil), 400, "invalid_cursor")
			bad.Set("cursor", next)
			bad.Set("action", "staff.update") // another query
			expect(t, call(t, "GET", "/audit?"+bad.Encode(), token, nil), 400, "invalid_cursor")
		}
		q.Set("cursor", next)
		time.Sleep(pause)
	}
}

// limit=1 walks the events once each, in order; cursors can not be changed
// or moved to another query.
func TestAuditPaging(t *testing.T) {
	s := newAuditStory(t)
	_, all := auditPage(t, s.ownerToken, url.Values{"actorId": {s.owner.ID}})
	want := eventIDs(all)
	if len(want) != 5 {
		t.Fatalf("%d events, want 5", len(want))
	}
	bounds := url.Values{"actorId": {s.owner.ID}, "from": {"2000-01-01T00:00:00Z"},
		"to": {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}
	if got := walkAudit(t, s.ownerToken, bounds, 0); !slices.Equal(got, want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
}

// Without from and to, a reader who takes a second before asking for the
// next page still gets it.
func TestAuditPagingWithDefaultTimeBounds(t *testing.T) {
	s := newAuditStory(t)
	_, all := auditPage(t, s.ownerToken, url.Values{"actorId": {s.owner.ID}})
	if got := walkAudit(t, s.ownerToken, url.Values{"actorId": {s.owner.ID}}, 1100*time.Millisecond); !slices.Equal(got, eventIDs(all)) {
		t.Fatalf("paged %v, want %v", got, eventIDs(all))
	}
}

// from and to in whole seconds (as a date picker sends them) bound events
// by time: an event at 10:00:07.3 is after from=10:00:07 and after
// to=10:00:07.
func TestAuditBoundsInWholeSeconds(t *testing.T) {
	s := newAuditStory(t)
	base := url.Values{"actorId": {s.owner.ID}, "targetType": {"staff"}, "targetId": {s.target.ID}}
	_, all := auditPage(t, s.ownerToken, base)
	if len(all) != 3 {
		t.Fatalf("%d events, want 3: %v", len(all), actionsOf(all))
	}
	first, _ := time.Parse(time.RFC3339Nano, all[2]["at"].(string))
	last, _ := time.Parse(time.RFC3339Nano, all[0]["at"].(string))
	q := url.Values{}
	for k, v := range base {
		q[k] = v
	}
	q.Set("from", first.Truncate(time.Second).Format(time.RFC3339))
	q.Set("to", last.Truncate(time.Second).Add(time.Second).Format(time.RFC3339))
	_, got := auditPage(t, s.ownerToken, q)
	if !slices.Equal(eventIDs(got), eventIDs(all)) {
		t.Errorf("from %s to %s: %v, want %v (events at %s … %s)", q.Get("from"), q.Get("to"),
			actionsOf(got), actionsOf(all), all[2]["at"], all[0]["at"])
	}
	q.Del("from")
	q.Set("to", first.Truncate(time.Second).Format(time.RFC3339))
	if _, got := auditPage(t, s.ownerToken, q); len(got) != 0 {
		t.Errorf("to %s: %v, want none (the first event is at %s)", q.Get("to"), actionsOf(got), all[2]["at"])
	}
}

// A window that has not begun: from after now without to is an empty page
// (to defaults to now, which is before from), from every partition the
// filters pick; an explicit to before from stays 422.
func TestAuditFutureWindowIsEmpty(t *testing.T) {
	s := newAuditStory(t)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, q := range []url.Values{
		{"from": {future}},
		{"from": {future}, "actorId": {s.owner.ID}},
		{"from": {future}, "targetType": {"staff"}, "targetId": {s.target.ID}},
		{"from": {future}, "action": {"staff.update"}, "limit": {"5"}},
	} {
		a, items := auditPage(t, s.ownerToken, q)
		if raw, ok := a.JSON["items"].([]any); !ok || len(raw) != 0 || len(items) != 0 || a.JSON["nextCursor"] != nil {
			t.Errorf("%s: %v, want an empty page", q.Encode(), a.JSON)
		}
	}
	// The same events are there for a window that has begun.
	if _, items := auditPage(t, s.ownerToken, url.Values{"actorId": {s.owner.ID}, "from": {time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}}); len(items) == 0 {
		t.Error("no events in the last hour")
	}
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	expect(t, call(t, "GET", "/audit?"+url.Values{"from": {future}, "to": {past}}.Encode(), s.ownerToken, nil), 422, "validation_failed")
	expect(t, call(t, "GET", "/audit?"+url.Values{"from": {"not a time"}}.Encode(), s.ownerToken, nil), 422, "validation_failed")
}

// The retention setting reaches every event, whether made by a signed-in
// caller (read with the auth record), at login (with the auth record) or
// through a mail link (with the person): their ttl is now + that many days.
func TestAuditRetentionSettingApplies(t *testing.T) {
	restoreSettings(t)
	ownerPerson, owner := newOwner(t)
	expect(t, call(t, "PATCH", "/settings", owner, map[string]any{"auditRetentionDays": 45}), 200)

	expect(t, call(t, "PATCH", "/auth/me", owner, map[string]any{"firstName": "Retained"}), 200)
	login(t, ownerPerson.Email)
	email := uniqueEmail("retained-customer")
	expect(t, createCustomer(t, owner, email, nil), 201)
	tok := customerLink(t, email)
	expect(t, call(t, "POST", "/customer-auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 204)

	want := time.Now().Add(45 * 24 * time.Hour).Unix()
	db := testStore()
	for _, action := range []string{"staff.update_self", "staff.login", "customer.create"} {
		checkRetention(t, db, "AUDIT#ACTOR#"+ownerPerson.ID, action, want)
	}
	var c struct {
		ID string `dynamodbav:"personId"`
	}
	if err := db.Get(context.Background(), store.EmailKey(store.RealmCustomer, email), &c, true); err != nil {
		t.Fatal(err)
	}
	checkRetention(t, db, "AUDIT#ACTOR#"+c.ID, "customer.accept_invitation", want)
}

// checkRetention finds the newest event of action in an actor partition and
// checks its ttl is within a minute of want.
func checkRetention(t *testing.T, db *store.Store, partition, action string, want int64) {
	t.Helper()
	out, err := db.DB.Query(context.Background(), &dynamodb.QueryInput{
		TableName: &db.Table, IndexName: aws.String(store.IndexByLastName), ScanIndexForward: aws.Bool(false),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: partition}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range out.Items {
		var ev struct {
			Action string `dynamodbav:"action"`
			TTL    int64  `dynamodbav:"ttl"`
		}
		if err := store.Unmarshal(it, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Action == action {
			if d := ev.TTL - want; d < -60 || d > 60 {
				t.Errorf("%s: ttl %d, want about %d (45 days)", action, ev.TTL, want)
			}
			return
		}
	}
	t.Errorf("no %s event in %s", action, partition)
}
