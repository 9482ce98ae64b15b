package ids

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
)

func TestNewIsValidAndSorted(t *testing.T) {
	a := New()
	time.Sleep(2 * time.Millisecond)
	b := New()
	if !Valid(a) || !Valid(b) || a == b || !(a < b) {
		t.Fatalf("ids %q %q", a, b)
	}
	for _, bad := range []string{"", "x", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAVX", "01arz3ndektsv4rrffq69g5fav", "../../etc/passwd", "01ARZ3NDEKTSV4RRFFQ69G5FAI", "01ARZ3NDEKTSV4RRFFQ69G5FAU"} {
		if Valid(bad) {
			t.Errorf("Valid(%q)", bad)
		}
	}
}

// The encoding is the ULID library's, bit for bit, and the time is in front.
func TestEncodingMatchesTheULIDSpec(t *testing.T) {
	for i := 0; i < 1000; i++ {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		if got, want := encode(b), ulid.ULID(b).String(); got != want {
			t.Fatalf("encode(%x) = %s, want %s", b, got, want)
		}
	}
	id, err := ulid.Parse(New())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(ulid.Time(id.Time())); d < 0 || d > time.Second {
		t.Fatalf("the id's time is %s off", d)
	}
}
