//go:build integration

package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/staff"
)

// newOwner makes an extra owner for a test and signs them in.
func newOwner(t *testing.T) (person, string) {
	t.Helper()
	p := newActive(t, uniqueEmail("owner"), auth.OwnerRoleID)
	access, _ := login(t, p.Email)
	return p, access
}

func invite(t *testing.T, token, email string, roleIDs ...string) answer {
	t.Helper()
	if roleIDs == nil {
		roleIDs = []string{}
	}
	return call(t, "POST", "/staff/invitations", token, map[string]any{
		"email": email, "firstName": "Ina", "lastName": "Invited", "roleIds": roleIDs, "locale": "nl",
	})
}

func TestInviteAcceptLoginAndDeadLinks(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("invitee")
	a := invite(t, owner, email, auth.AdminRoleID)
	expect(t, a, 201)
	staff := a.JSON["staff"].(map[string]any)
	if a.Header.Get("Location") != "/staff/"+staff["id"].(string) || staff["status"] != "invited" || a.JSON["emailQueued"] != true {
		t.Fatalf("invite answer: %s", a.Raw)
	}
	first := st.MailLink(t, email, "").Token

	// Resend: a new link; the first one dies.
	expect(t, call(t, "POST", "/staff/"+staff["id"].(string)+"/invitation", owner, nil), http.StatusAccepted)
	second := st.MailLink(t, email, "").Token
	if second == first {
		t.Fatal("resend reused the token")
	}
	expect(t, call(t, "POST", "/auth/invitations/inspect", "", map[string]any{"token": first}), 400, "invalid_token")

	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": second, "password": password}), 204)
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": second, "password": password}), 400, "invalid_token")
	access, _ := login(t, email)
	me := call(t, "GET", "/auth/me", access, nil)
	expect(t, me, 200)
	if me.str("locale") != "nl" || me.JSON["roles"].([]any)[0].(map[string]any)["id"] != auth.AdminRoleID {
		t.Fatalf("me: %s", me.Raw)
	}
	got := call(t, "GET", "/staff/"+staff["id"].(string), owner, nil)
	expect(t, got, 200)
	if got.str("status") != "active" || got.JSON["invitation"] != nil {
		t.Fatalf("get: %s", got.Raw)
	}
}

func TestEmailUniquenessIgnoresCase(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("case")
	expect(t, invite(t, owner, email), 201)
	expect(t, invite(t, owner, strings.ToUpper(email)), 409, "email_taken")
}

func TestParallelInvitesOfOneEmail(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("race")
	var wg sync.WaitGroup
	statuses := make(chan int, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- invite(t, owner, email).Status
		}()
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts[201] != 1 || counts[409] != 19 {
		t.Fatalf("statuses %v, want one 201 and nineteen 409", counts)
	}
}

func TestDeactivateStopsTokensAtOnceAndActivateRestores(t *testing.T) {
	_, owner := newOwner(t)
	p := newActive(t, uniqueEmail("deact"))
	access, refresh := login(t, p.Email)
	expect(t, call(t, "GET", "/auth/me", access, nil), 200)

	d := call(t, "POST", "/staff/"+p.ID+"/deactivate", owner, nil)
	expect(t, d, 200)
	if d.str("status") != "inactive" {
		t.Fatalf("deactivate: %s", d.Raw)
	}
	expect(t, call(t, "GET", "/auth/me", access, nil), 401, "unauthenticated")
	expect(t, call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": refresh}), 401, "unauthenticated")
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": p.Email, "password": password}), 401, "invalid_credentials")

	expect(t, call(t, "POST", "/staff/"+p.ID+"/activate", owner, nil), 200)
	fresh, _ := login(t, p.Email)
	expect(t, call(t, "GET", "/auth/me", fresh, nil), 200)
	// The old token stays dead: it was issued before the deactivation.
	expect(t, call(t, "GET", "/auth/me", access, nil), 401, "unauthenticated")
}

func TestNobodyDeactivatesThemselfAndStaleIfMatch(t *testing.T) {
	me, owner := newOwner(t)
	expect(t, call(t, "POST", "/staff/"+me.ID+"/deactivate", owner, nil), 409, "self_action")
	p := newActive(t, uniqueEmail("stale"))
	expect(t, call(t, "POST", "/staff/"+p.ID+"/deactivate", owner, nil, "If-Match", `"99"`), 412, "precondition_failed")
	expect(t, call(t, "POST", "/staff/01ARZ3NDEKTSV4RRFFQ69G5FAV/deactivate", owner, nil), 404, "not_found")
	expect(t, call(t, "POST", "/staff/not-an-id/deactivate", owner, nil), 404, "not_found")
}

func TestAdminCanNotActOnOwnersOrGrantOwner(t *testing.T) {
	other, _ := newOwner(t)
	admin := newActive(t, uniqueEmail("admin"), auth.AdminRoleID)
	adminToken, _ := login(t, admin.Email)
	// admin lacks staff.deactivate and staff.invite: 403 before any rule.
	expect(t, call(t, "POST", "/staff/"+other.ID+"/deactivate", adminToken, nil), 403, "forbidden")
	expect(t, invite(t, adminToken, uniqueEmail("x"), auth.OwnerRoleID), 403, "forbidden")
	// admin may read staff.
	expect(t, call(t, "GET", "/staff/"+other.ID, adminToken, nil), 200)
}

func TestDeleteThenReinviteSameEmail(t *testing.T) {
	_, owner := newOwner(t)
	p := newActive(t, uniqueEmail("gone"))
	access, _ := login(t, p.Email)

	expect(t, call(t, "DELETE", "/staff/"+p.ID, owner, nil), 204)
	expect(t, call(t, "GET", "/staff/"+p.ID, owner, nil), 404, "not_found")
	expect(t, call(t, "GET", "/auth/me", access, nil), 401, "unauthenticated")
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": p.Email, "password": password}), 401, "invalid_credentials")

	again := invite(t, owner, p.Email)
	expect(t, again, 201)
	tok := st.MailLink(t, p.Email, "").Token
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": "another good password"}), 204)
	a := call(t, "POST", "/auth/login", "", map[string]any{"email": p.Email, "password": "another good password"})
	expect(t, a, 200)
}

func TestDeleteInvitedRevokesInvitation(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("revoked")
	a := invite(t, owner, email)
	expect(t, a, 201)
	tok := st.MailLink(t, email, "").Token
	id := a.JSON["staff"].(map[string]any)["id"].(string)
	expect(t, call(t, "DELETE", "/staff/"+id, owner, nil), 204)
	expect(t, call(t, "POST", "/auth/invitations/inspect", "", map[string]any{"token": tok}), 400, "invalid_token")
	expect(t, invite(t, owner, email), 201)
}

func TestUpdateStaffRolesTakeEffectOnNextRequest(t *testing.T) {
	_, owner := newOwner(t)
	p := newActive(t, uniqueEmail("promoted"))
	access, _ := login(t, p.Email)
	expect(t, call(t, "GET", "/staff/"+p.ID, access, nil), 403, "forbidden")

	got := call(t, "GET", "/staff/"+p.ID, owner, nil)
	etag := got.Header.Get("ETag")
	u := call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"firstName": "Zoë", "locale": "de", "roleIds": []string{auth.AdminRoleID}}, "If-Match", etag)
	expect(t, u, 200)
	if u.str("firstName") != "Zoë" || u.str("locale") != "de" || len(u.JSON["roles"].([]any)) != 1 {
		t.Fatalf("update: %s", u.Raw)
	}
	expect(t, call(t, "GET", "/staff/"+p.ID, access, nil), 200) // admin holds staff.read now
	expect(t, call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"lastName": "X"}, "If-Match", etag), 412, "precondition_failed")

	expect(t, call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"roleIds": []string{}}), 200)
	expect(t, call(t, "GET", "/staff/"+p.ID, access, nil), 403, "forbidden")
}

func TestUpdateStaffEmail(t *testing.T) {
	_, owner := newOwner(t)
	active := newActive(t, uniqueEmail("fixed"))
	access, _ := login(t, active.Email)
	// Someone who has signed in keeps the address until the new one
	// confirms it (emailchange_test.go follows it through).
	moved := uniqueEmail("moved")
	u := call(t, "PATCH", "/staff/"+active.ID, owner, map[string]any{"email": moved})
	expect(t, u, 200)
	if u.str("email") != active.Email || pendingOf(u)["email"] != moved {
		t.Fatalf("update: %s", u.Raw)
	}
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": active.Email, "password": password}), 200)
	expect(t, call(t, "GET", "/auth/me", access, nil), 200)
	// Taken by someone else (here: an invited person) is refused.
	other := uniqueEmail("taken")
	expect(t, invite(t, owner, other), 201)
	expect(t, call(t, "PATCH", "/staff/"+active.ID, owner, map[string]any{"email": other}), 409, "email_taken")
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": active.Email, "password": password}), 200)

	old := uniqueEmail("typo")
	a := invite(t, owner, old)
	expect(t, a, 201)
	id := a.JSON["staff"].(map[string]any)["id"].(string)
	fixed := uniqueEmail("fixed-typo")
	u = call(t, "PATCH", "/staff/"+id, owner, map[string]any{"email": strings.ToUpper(fixed)})
	expect(t, u, 200)
	if u.str("email") != fixed {
		t.Fatalf("email %q, want %q", u.str("email"), fixed)
	}
	expect(t, invite(t, owner, fixed), 409, "email_taken")
	expect(t, invite(t, owner, old), 201) // the old address is free again
	expect(t, call(t, "PATCH", "/staff/"+id, owner, map[string]any{"email": "not an email"}), 422, "validation_failed")
	expect(t, call(t, "PATCH", "/staff/"+id, owner, map[string]any{"roleIds": []string{"nope"}}), 422, "validation_failed")
	expect(t, call(t, "PATCH", "/staff/"+id, owner, map[string]any{"roleIds": []string{"01ARZ3NDEKTSV4RRFFQ69G5FAV"}}), 422, "validation_failed")
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("idem")
	body := map[string]any{"email": email, "firstName": "Ida", "lastName": "Idem", "roleIds": []string{}}
	first := call(t, "POST", "/staff/invitations", owner, body, "Idempotency-Key", "key-"+email)
	expect(t, first, 201)
	again := call(t, "POST", "/staff/invitations", owner, body, "Idempotency-Key", "key-"+email)
	expect(t, again, 201)
	if again.Raw != first.Raw || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs:\n%s\n%s", first.Raw, again.Raw)
	}
	other := map[string]any{"email": uniqueEmail("idem2"), "firstName": "Ida", "lastName": "Idem", "roleIds": []string{}}
	expect(t, call(t, "POST", "/staff/invitations", owner, other, "Idempotency-Key", "key-"+email), 422, "validation_failed")
	// Without the key, the same body is a second request: the address is taken.
	expect(t, call(t, "POST", "/staff/invitations", owner, body), 409, "email_taken")
	st.MailLink(t, email, "")
	st.WaitStreams(t)
	if n := countMails(t, email, ""); n != 1 {
		t.Fatalf("%d invitation mails, want 1", n)
	}
}

func TestExpiredInvitationIsRefused(t *testing.T) {
	db := testStore()
	eightDaysAgo := func() time.Time { return time.Now().UTC().Add(-8 * 24 * time.Hour) }
	svc := &staff.Service{Store: db, Now: eightDaysAgo}
	email := uniqueEmail("late")
	if _, err := svc.Invite(context.Background(), audit.System, "Test",
		staff.InviteInput{Email: email, FirstName: "Late", LastName: "Comer"}, st.URL); err != nil {
		t.Fatal(err)
	}
	tok := st.MailLink(t, email, "").Token
	expect(t, call(t, "POST", "/auth/invitations/inspect", "", map[string]any{"token": tok}), 400, "invalid_token")
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 400, "invalid_token")
	// The profile says so too, so the backoffice can offer a resend.
	_, owner := newOwner(t)
	list := call(t, "GET", "/staff?status=invited&q="+email, owner, nil)
	expect(t, list, 200)
	items := list.JSON["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["invitation"].(map[string]any)["expired"] != true {
		t.Fatalf("list: %s", list.Raw)
	}
}
