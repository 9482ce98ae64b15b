package outbox

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"backoffice/shared/mail"
	"backoffice/shared/tokens"
)

// A new link stores only what can not open it: the item holds the page and
// the key's id, the issuer gets the hash; the token the sender derives
// from the key and the item's id hashes to exactly that.
func TestNewLinkStoresNoToken(t *testing.T) {
	l, err := NewLink()
	if err != nil {
		t.Fatal(err)
	}
	it := l.Item(mail.PasswordReset, "en", "a@example.com", map[string]string{"firstName": "Anna"}, linkPage, testNow)
	if it.ID != l.OutboxID || it.LinkKey != l.KeyID || it.Data["link"] != linkPage {
		t.Fatalf("item %+v for link %+v", it, l)
	}
	link, err := tokenLink(&it)
	if err != nil {
		t.Fatal(err)
	}
	raw := strings.TrimPrefix(link, linkPage+"#token=")
	if !tokens.WellFormed(raw) || tokens.Hash(raw) != l.Hash {
		t.Fatalf("derived link %q does not match the stored hash", link)
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		t.Fatal(err)
	}
	if s := avDump(av); strings.Contains(s, raw) {
		t.Fatalf("the item holds the token: %s", s)
	}
	if other, _ := NewLink(); other.OutboxID == l.OutboxID || other.Hash == l.Hash {
		t.Fatal("two links share an id or a token")
	}
}

func avDump(v any) string { return fmt.Sprintf("%#v", v) }

// A mail queued before a rotation goes out with the key that made its
// token, as long as the parameter still lists it; one whose key was
// dropped is parked as failed (no retry can send it).
func TestOlderKeySendsRetiredKeyFails(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	keys, _ := linkKeys.get()
	older := invitation("OLD", "en", "old@example.com")
	older.LinkKey = keys[1].ID
	retired := invitation("GONE", "en", "gone@example.com")
	retired.LinkKey = "0000000000000000"
	if failed := r.handle(t, r.queue(t, older, "1"), r.queue(t, retired, "2")); len(failed) != 0 {
		t.Fatalf("failures %v", failed)
	}
	raw, _ := keys[1].Derive("OLD")
	if len(r.sender.sent) != 1 || !strings.Contains(r.sender.sent[0].Text, linkPage+"#token="+raw) {
		t.Fatalf("sent %+v; want the older key's link to old@", r.sender.sent)
	}
	if it := r.stored(t, "GONE"); it.Status != StatusFailed || !strings.Contains(it.Reason, "no longer configured") {
		t.Errorf("retired key: %+v", it)
	}
}

// Keys that can not be read (SSM down) leave the mail pending, retried.
func TestKeyReadFailureIsRetried(t *testing.T) {
	t.Parallel()
	src := &keySource{load: func() (string, error) { return "", errors.New("ssm down") }}
	it := invitation("A", "en", "a@example.com")
	if _, err := src.link(&it); err == nil || errors.Is(err, errKeyRetired) {
		t.Fatalf("err %v; want a retryable error", err)
	}
	src.load = func() (string, error) { return testKeys, nil }
	if _, err := src.link(&it); err != nil {
		t.Fatalf("a failed read must not be remembered: %v", err)
	}
}
