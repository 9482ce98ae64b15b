package audit

import (
	"testing"
	"time"
)

func TestNewKeysAndRetention(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	e := New(Actor{ID: "P1", Email: "a@x.nl", RequestID: "r1"}, "staff.invite", "staff", "P2", "Invited b@x.nl", now, 0)
	if e.PK != "AUDIT#2026-11" || e.GSI1PK != "AUDIT#ACTOR#P1" || e.GSI2PK != "AUDIT#TARGET#staff#P2" {
		t.Fatalf("keys %+v", e)
	}
	if e.TTL != now.Add(DefaultRetention).Unix() || e.RequestID != "r1" {
		t.Fatalf("ttl/request %+v", e)
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
