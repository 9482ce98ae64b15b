package outbox

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/mail"
)

var testNow = time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC)

// testKeys are the link keys of this package's tests: the first makes new
// links, the second is an older one still configured.
const testKeys = "test-key-new-0123456789abcdef0123456789 test-key-old-0123456789abcdef0123456789"

func init() { UseLinkKeys(func() (string, error) { return testKeys, nil }) }

const linkPage = "https://api.example.com/accept-invitation"

// secretLinkOf is the link the mail of outbox item id must carry.
func secretLinkOf(t *testing.T, id string) string {
	t.Helper()
	keys, err := linkKeys.get()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := keys[0].Derive(id)
	return linkPage + "#token=" + raw
}

type rig struct {
	db     *fakeDB
	sender *fakeSender
	logs   *bytes.Buffer
	p      *Processor
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{db: newFakeDB(), sender: &fakeSender{failOn: map[int]bool{}}, logs: &bytes.Buffer{}}
	r.p = &Processor{
		DB: r.db, Table: "table", Sender: r.sender, From: "noreply@shop.example",
		Now: func() time.Time { return testNow },
		Log: slog.New(slog.NewJSONHandler(r.logs, nil)),
	}
	r.db.put(map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "SETTINGS"}, "sk": &types.AttributeValueMemberS{Value: "SETTINGS"},
		"shopName":      &types.AttributeValueMemberS{Value: "Bäckerei Müller"},
		"defaultLocale": &types.AttributeValueMemberS{Value: "de"},
		"seatLimit":     &types.AttributeValueMemberN{Value: "5"},
	})
	return r
}

// queue stores an outbox item as the causing transaction would and returns
// its stream record.
func (r *rig) queue(t *testing.T, it Item, seq string) events.DynamoDBEventRecord {
	t.Helper()
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		t.Fatal(err)
	}
	r.db.put(av)
	return record("INSERT", it.PK, it.SK, seq)
}

func record(name, pk, sk, seq string) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{
		EventName: name,
		Change: events.DynamoDBStreamRecord{
			Keys:           map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute(pk), "sk": events.NewStringAttribute(sk)},
			SequenceNumber: seq,
		},
	}
}

func (r *rig) handle(t *testing.T, recs ...events.DynamoDBEventRecord) []string {
	t.Helper()
	resp, err := r.p.Handle(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed
}

func (r *rig) stored(t *testing.T, id string) Item {
	t.Helper()
	var it Item
	if err := attributevalue.UnmarshalMap(r.db.item(pkPrefix+id, sortKey), &it); err != nil {
		t.Fatal(err)
	}
	return it
}

func invitation(id, locale, to string) Item {
	keys, _ := linkKeys.get()
	return Link{OutboxID: id, KeyID: keys[0].ID}.Item(mail.Invitation, locale, to, map[string]string{
		"firstName": "Anna", "inviterName": "Piet", "email": to, "expiresAt": "2026-11-30T14:05:00Z",
	}, linkPage, testNow.Add(-time.Minute))
}

func TestSendsOnceAndMarksSent(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	rec := r.queue(t, invitation("A", "nl", "anna@example.com"), "100")

	if failed := r.handle(t, rec); len(failed) != 0 {
		t.Fatalf("failures %v", failed)
	}
	if len(r.sender.sent) != 1 {
		t.Fatalf("sent %d mails; want 1", len(r.sender.sent))
	}
	e := r.sender.sent[0]
	if e.To != "anna@example.com" || e.From != "=?utf-8?q?B=C3=A4ckerei_M=C3=BCller?= <noreply@shop.example>" {
		t.Errorf("addresses: to %q from %q", e.To, e.From)
	}
	if e.Subject != "Je bent uitgenodigd voor de backoffice van Bäckerei Müller" {
		t.Errorf("subject %q", e.Subject)
	}
	link := secretLinkOf(t, "A")
	if !strings.Contains(e.Text, link) || !strings.Contains(e.HTML, link) {
		t.Error("the link, with the token derived again, must be in both parts")
	}

	it := r.stored(t, "A")
	if it.Status != StatusSent || it.MessageID != "msg-1" || it.SentAt != "2026-11-23T14:05:00Z" {
		t.Errorf("stored %+v", it)
	}
	if it.Data != nil {
		t.Errorf("data must be removed once sent, got %v", it.Data)
	}
	if want := testNow.Add(7 * 24 * time.Hour).Unix(); it.TTL != want {
		t.Errorf("ttl %d; want %d", it.TTL, want)
	}

	// A redelivered record finds the item sent and sends nothing.
	if failed := r.handle(t, rec); len(failed) != 0 || r.sender.calls != 1 {
		t.Errorf("redelivery: failures %v, calls %d", failed, r.sender.calls)
	}
}

func TestRetryAfterSendFailureSendsEachMailOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.sender.failOn[2] = true
	recs := []events.DynamoDBEventRecord{
		r.queue(t, invitation("A", "en", "a@example.com"), "100"),
		r.queue(t, invitation("B", "en", "b@example.com"), "200"),
		r.queue(t, invitation("C", "en", "c@example.com"), "300"),
	}

	failed := r.handle(t, recs...)
	if len(failed) != 1 || failed[0] != "200" {
		t.Fatalf("failures %v; want [200]", failed)
	}
	if r.stored(t, "B").Status != StatusPending || r.stored(t, "C").Status != StatusSent {
		t.Fatal("B should wait for the retry, C should be sent")
	}
	// The runtime retries from the failed record onwards.
	if failed := r.handle(t, recs[1:]...); len(failed) != 0 {
		t.Fatalf("retry failures %v", failed)
	}
	count := map[string]int{}
	for _, e := range r.sender.sent {
		count[e.To]++
	}
	for _, to := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if count[to] != 1 {
			t.Errorf("%s got %d mails; want 1", to, count[to])
		}
	}
	if r.db.gets["SETTINGS"] != 2 {
		t.Errorf("settings read %d times over 2 batches; want once per batch", r.db.gets["SETTINGS"])
	}
}

func TestUpdateFailureIsRetried(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.db.failUpdates = 1
	rec := r.queue(t, invitation("A", "en", "a@example.com"), "100")
	if failed := r.handle(t, rec); len(failed) != 1 {
		t.Fatalf("failures %v; want the record", failed)
	}
	if r.stored(t, "A").Status != StatusPending {
		t.Fatal("the item must stay pending")
	}
	if failed := r.handle(t, rec); len(failed) != 0 || r.stored(t, "A").Status != StatusSent {
		t.Fatalf("retry: failures %v, item %+v", failed, r.stored(t, "A"))
	}
}

func TestSkipsItemsNoLongerPending(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	sent := invitation("A", "en", "a@example.com")
	sent.Status, sent.MessageID = StatusSent, "earlier"
	failedItem := invitation("B", "en", "b@example.com")
	failedItem.Status = StatusFailed
	recs := []events.DynamoDBEventRecord{r.queue(t, sent, "1"), r.queue(t, failedItem, "2"), record("INSERT", "OUTBOX#gone", "OUTBOX", "3")}

	if failed := r.handle(t, recs...); len(failed) != 0 || r.sender.calls != 0 || r.db.updates != 0 {
		t.Errorf("failures %v, sends %d, updates %d; want none", failed, r.sender.calls, r.db.updates)
	}
	if r.stored(t, "A").MessageID != "earlier" {
		t.Error("a sent item must not change")
	}
}

func TestRenderFailureMarksFailed(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	broken := invitation("A", "en", "a@example.com")
	broken.LinkKey = "" // an invitation without a link is useless
	broken.Data["link"] = ""
	broken.Data["expiresAt"] = "not a time"
	rec := r.queue(t, broken, "100")

	if failed := r.handle(t, rec); len(failed) != 0 {
		t.Fatalf("a permanent failure must not be retried: %v", failed)
	}
	if r.sender.calls != 0 {
		t.Error("nothing may be sent")
	}
	it := r.stored(t, "A")
	if it.Status != StatusFailed || !strings.Contains(it.Reason, "link") || it.GSI4PK != "" || it.GSI4SK != "" {
		t.Errorf("stored %+v; want failed, out of the pending index", it)
	}
	if it.Data["firstName"] != "Anna" {
		t.Errorf("keep data for diagnosis: %v", it.Data)
	}
	if !strings.Contains(r.logs.String(), `"status":"failed"`) {
		t.Errorf("want a failed line in the log:\n%s", r.logs)
	}
}

// An address the mail service refuses for good is parked as failed, not
// retried: a retry would be refused again and hold up the mails behind it.
func TestUndeliverableMailIsParkedNotRetried(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.sender.refuse = map[int]bool{1: true}
	recs := []events.DynamoDBEventRecord{
		r.queue(t, invitation("A", "en", "nobody@example.com"), "100"),
		r.queue(t, invitation("B", "en", "b@example.com"), "200"),
	}
	if failed := r.handle(t, recs...); len(failed) != 0 {
		t.Fatalf("a refused mail must not be retried: %v", failed)
	}
	a, b := r.stored(t, "A"), r.stored(t, "B")
	if a.Status != StatusFailed || !strings.Contains(a.Reason, "MessageRejected") || strings.Contains(a.Reason, "nobody@example.com") {
		t.Errorf("A = %+v; want failed, with the reason and without the address", a)
	}
	if b.Status != StatusSent {
		t.Errorf("B = %+v; the mail behind it must go out", b)
	}
}

func TestIgnoresOtherRecords(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	it := invitation("A", "en", "a@example.com")
	r.queue(t, it, "1")
	recs := []events.DynamoDBEventRecord{
		record("MODIFY", it.PK, it.SK, "2"),
		record("REMOVE", it.PK, it.SK, "3"),
		record("INSERT", "STAFF#1", "PROFILE", "4"),
		record("INSERT", "OUTBOX#1", "OTHER", "5"),
		{EventName: "INSERT", Change: events.DynamoDBStreamRecord{Keys: map[string]events.DynamoDBAttributeValue{"pk": events.NewNumberAttribute("1")}}},
	}
	if failed := r.handle(t, recs...); len(failed) != 0 || r.sender.calls != 0 || len(r.db.gets) != 0 {
		t.Errorf("failures %v, sends %d, gets %v; want nothing", failed, r.sender.calls, r.db.gets)
	}
}

func TestFillsShopNameAndLocaleFromSettings(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	it := NewItem("A", mail.PasswordChanged, "", "a@example.com", map[string]string{"firstName": "Anna"}, testNow)
	own := NewItem("B", mail.PasswordChanged, "en", "b@example.com", map[string]string{"shopName": "Own Name"}, testNow)
	r.handle(t, r.queue(t, it, "1"), r.queue(t, own, "2"))
	if len(r.sender.sent) != 2 {
		t.Fatalf("sent %d", len(r.sender.sent))
	}
	first := r.sender.sent[0]
	if first.Subject != "Dein Passwort für das Backoffice von Bäckerei Müller wurde geändert" {
		t.Errorf("subject %q: want German (settings) with the shop name", first.Subject)
	}
	if !strings.Contains(first.Text, "am 23. November 2026 um 14:05 Uhr (UTC)") {
		t.Errorf("changedAt should default to when the mail was queued:\n%s", first.Text)
	}
	if second := r.sender.sent[1]; second.From != `"Own Name" <noreply@shop.example>` || !strings.HasPrefix(second.Subject, "Your password") {
		t.Errorf("item values win: from %q subject %q", second.From, second.Subject)
	}
	if r.db.gets["SETTINGS"] != 1 {
		t.Errorf("settings read %d times; want once per batch", r.db.gets["SETTINGS"])
	}
}

func TestLogsNoAddressesOrLinks(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.sender.failOn[1] = true
	rec := r.queue(t, invitation("A", "en", "Anna.Smit@Example.com"), "1")
	r.handle(t, rec)
	r.handle(t, rec)

	logs := r.logs.String()
	for _, secret := range []string{"Anna.Smit", "anna.smit", "SECRET-TOKEN", "#token="} {
		if strings.Contains(logs, secret) {
			t.Errorf("log leaks %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{`"status":"retry"`, `"status":"sent"`, `"recipientDomain":"example.com"`, `"outboxId":"A"`, `"messageId":"msg-2"`, `"template":"invitation"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, "\n"); n != 2 {
		t.Errorf("want one line per attempt, got %d:\n%s", n, logs)
	}
}
