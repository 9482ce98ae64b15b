package mail

import "testing"

func TestFromAddress(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, address, want string }{
		{"Bäckerei Müller", "noreply@x.nl", "=?utf-8?q?B=C3=A4ckerei_M=C3=BCller?= <noreply@x.nl>"},
		{"Jansen Shop", "noreply@x.nl", `"Jansen Shop" <noreply@x.nl>`},
		{"", "noreply@x.nl", "noreply@x.nl"},
		{"", "Backoffice <noreply@x.nl>", `"Backoffice" <noreply@x.nl>`},
		{"Shop", "Backoffice <noreply@x.nl>", `"Shop" <noreply@x.nl>`},
	}
	for _, tt := range tests {
		if got := FromAddress(tt.name, tt.address); got != tt.want {
			t.Errorf("FromAddress(%q, %q) = %q; want %q", tt.name, tt.address, got, tt.want)
		}
	}
}
