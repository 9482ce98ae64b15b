package mail

import "testing"

func TestHumanTime(t *testing.T) {
	t.Parallel()
	tests := []struct{ lang, in, want string }{
		{"nl", "2026-11-30T14:05:00Z", "30 november 2026 om 14:05 (UTC)"},
		{"en", "2026-11-30T14:05:00Z", "30 November 2026 at 14:05 (UTC)"},
		{"de", "2026-03-01T09:07:59Z", "1. März 2026 um 09:07 Uhr (UTC)"},
		{"en", "2026-01-01T01:30:00+02:00", "31 December 2025 at 23:30 (UTC)"},
		{"nl", "", ""},
	}
	for _, tt := range tests {
		got, err := humanTime(tt.lang, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("humanTime(%s, %s) = %q, %v; want %q", tt.lang, tt.in, got, err, tt.want)
		}
	}
	if _, err := humanTime("en", "30-11-2026"); err == nil {
		t.Error("want an error for a non-RFC 3339 time")
	}
}
