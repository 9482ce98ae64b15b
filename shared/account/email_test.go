package account

import (
	"testing"
	"time"

	"backoffice/shared/outbox"
	"backoffice/shared/store"
)

func init() {
	outbox.UseLinkKeys(func() (string, error) { return "account-test-key-0123456789abcdef0123456789", nil })
}

// set is SetEmail for tests: an error (no key) fails the test.
func set(t *testing.T, s *Service, p *store.Person, email string, now time.Time) *EmailChange {
	t.Helper()
	c, err := s.SetEmail(p, email, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSetEmailDecidesWhenTheAddressChanges(t *testing.T) {
	now := time.Date(2026, 11, 30, 14, 5, 7, 0, time.UTC)
	s := &Service{Realm: Staff}

	// Never signed in: at once.
	invited := &store.Person{ID: "P1", Email: "old@x.nl", Status: store.StatusInvited}
	if c := set(t, s, invited, "new@x.nl", now); c == nil || !c.immediate || invited.Email != "new@x.nl" || invited.PendingEmail != "" {
		t.Fatalf("invited: %+v %+v", c, invited)
	}

	// Signed in: nothing moves, the change waits for its link.
	active := &store.Person{ID: "P2", Email: "old@x.nl", Status: store.StatusActive, Sub: "sub-2"}
	c := set(t, s, active, "new@x.nl", now)
	if c == nil || c.immediate || c.link.Hash != active.PendingEmailHash || c.link.OutboxID == "" || active.Email != "old@x.nl" || active.PendingEmail != "new@x.nl" || active.PendingEmailHash == "" {
		t.Fatalf("active: %+v %+v", c, active)
	}
	if active.PendingEmailExpires != "2026-12-01T14:05:07Z" || active.PendingEmailSentAt != "2026-11-30T14:05:07Z" {
		t.Fatalf("dates: %+v", active)
	}
	hash := active.PendingEmailHash
	for _, same := range []string{"old@x.nl", "new@x.nl"} {
		if c := set(t, s, active, same, now.Add(48*time.Hour)); c != nil || active.PendingEmailHash != hash {
			t.Errorf("%s again: %+v", same, c)
		}
	}
	// Another address replaces the pending one, remembering it to drop.
	c = set(t, s, active, "other@x.nl", now)
	if c == nil || c.prev.PendingEmail != "new@x.nl" || active.PendingEmail != "other@x.nl" || active.PendingEmailHash == hash {
		t.Fatalf("replaced: %+v %+v", c, active)
	}

	v := PendingView(active, now)
	if v == nil || v.Email != "other@x.nl" || v.Expired {
		t.Fatalf("view: %+v", v)
	}
	if v := PendingView(active, now.Add(EmailChangeLifetime)); !v.Expired {
		t.Fatal("a change is expired at its expiry")
	}
	if PendingView(invited, now) != nil {
		t.Fatal("no pending change, no view")
	}
}
