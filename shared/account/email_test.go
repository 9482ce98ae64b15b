package account

import (
	"testing"
	"time"

	"backoffice/shared/store"
)

func TestSetEmailDecidesWhenTheAddressChanges(t *testing.T) {
	now := time.Date(2026, 11, 30, 14, 5, 7, 0, time.UTC)
	s := &Service{Realm: Staff}

	// Never signed in: at once.
	invited := &store.Person{ID: "P1", Email: "old@x.nl", Status: store.StatusInvited}
	if c := s.SetEmail(invited, "new@x.nl", now); c == nil || !c.immediate || invited.Email != "new@x.nl" || invited.PendingEmail != "" {
		t.Fatalf("invited: %+v %+v", c, invited)
	}

	// Signed in: nothing moves, the change waits for its link.
	active := &store.Person{ID: "P2", Email: "old@x.nl", Status: store.StatusActive, Sub: "sub-2"}
	c := s.SetEmail(active, "new@x.nl", now)
	if c == nil || c.immediate || c.raw == "" || active.Email != "old@x.nl" || active.PendingEmail != "new@x.nl" || active.PendingEmailHash == "" {
		t.Fatalf("active: %+v %+v", c, active)
	}
	if active.PendingEmailExpires != "2026-12-01T14:05:07Z" || active.PendingEmailSentAt != "2026-11-30T14:05:07Z" {
		t.Fatalf("dates: %+v", active)
	}
	hash := active.PendingEmailHash
	for _, same := range []string{"old@x.nl", "new@x.nl"} {
		if c := s.SetEmail(active, same, now.Add(48*time.Hour)); c != nil || active.PendingEmailHash != hash {
			t.Errorf("%s again: %+v", same, c)
		}
	}
	// Another address replaces the pending one, remembering it to drop.
	c = s.SetEmail(active, "other@x.nl", now)
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
