package audit

import (
	"context"
	"testing"
	"time"
)

func TestNewKeysAndRetention(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	e := New(Actor{ID: "P1", Email: "a@x.nl", RequestID: "r1"}, "staff.invite", "staff", "P2", "Invited b@x.nl", now)
	if e.PK != "AUDIT#2026-11" || e.GSI1PK != "AUDIT#ACTOR#P1" || e.GSI2PK != "AUDIT#TARGET#staff#P2" {
		t.Fatalf("keys %+v", e)
	}
	if e.TTL != now.Add(DefaultRetention).Unix() || e.RequestID != "r1" {
		t.Fatalf("ttl/request %+v", e)
	}
	kept := New(Actor{ID: "P1", Retention: 45 * 24 * time.Hour}, "staff.update", "staff", "P2", "Updated", now)
	if kept.TTL != now.Add(45*24*time.Hour).Unix() {
		t.Fatalf("ttl %d, want the actor's retention of 45 days", kept.TTL)
	}
}

func TestDiff(t *testing.T) {
	got := Diff(map[string]any{"firstName": "Jan", "locale": "nl", "gone": 1},
		map[string]any{"firstName": "Jan", "locale": "de", "roleIds": []string{"a"}})
	if len(got) != 3 || got["locale"].Before != "nl" || got["locale"].After != "de" || got["gone"].After != nil {
		t.Fatalf("diff %+v", got)
	}
	if Diff(map[string]any{"a": 1}, map[string]any{"a": 1}) != nil {
		t.Fatal("no change must give nil")
	}
}

// A window wholly in the future: without "to" it is an empty page (no read
// at all); an explicit "to" before "from" stays an error.
func TestFutureWindow(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	future := now.Add(time.Hour).Format(time.RFC3339)
	q, err := ParseQuery(map[string]string{"from": future}, now)
	if err != nil {
		t.Fatalf("from after now without to: %v", err)
	}
	items, next, err := (&Reader{}).List(context.Background(), q) // no store: nothing is read
	if err != nil || items == nil || len(items) != 0 || next != nil {
		t.Fatalf("future window: %v %v %v", items, next, err)
	}
	if _, err := ParseQuery(map[string]string{"from": future, "to": now.Format(time.RFC3339)}, now); err == nil {
		t.Fatal("an explicit to before from is accepted")
	}
	if q, err := ParseQuery(map[string]string{"from": now.Add(-time.Hour).Format(time.RFC3339)}, now); err != nil || q.empty || !q.To.Equal(now) {
		t.Fatalf("from in the past: %+v %v", q, err)
	}
}
