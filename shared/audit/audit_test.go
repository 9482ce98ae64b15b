package audit

import (
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
