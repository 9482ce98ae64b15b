package tokens

import "testing"

func TestNew(t *testing.T) {
	raw, hash := New()
	if !WellFormed(raw) || Hash(raw) != hash || len(hash) != 64 {
		t.Fatalf("raw %q hash %q", raw, hash)
	}
	other, _ := New()
	if other == raw {
		t.Fatal("tokens repeat")
	}
	for _, bad := range []string{"", "abc", raw + "x", raw[:42] + "!"} {
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q)", bad)
		}
	}
}
