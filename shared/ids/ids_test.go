package ids

import "testing"

func TestNewIsValidAndSorted(t *testing.T) {
	a := New()
	b := New()
	if !Valid(a) || !Valid(b) || a == b {
		t.Fatalf("ids %q %q", a, b)
	}
	for _, bad := range []string{"", "x", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAVX", "01arz3ndektsv4rrffq69g5fav", "../../etc/passwd"} {
		if Valid(bad) {
			t.Errorf("Valid(%q)", bad)
		}
	}
}
