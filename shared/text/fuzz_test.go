package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEmail: an accepted address is lowercase, trimmed, ASCII (IDNA), free of
// control characters, and normalising it again changes nothing.
func FuzzEmail(f *testing.F) {
	for _, seed := range []string{"A@X.nl", " a@b.co ", "a@b", "\"q\"@x.nl", "a\x00@x.nl", "Jan <j@x.nl>", "ü@x.de", "a@müller.de"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Email(in)
		if err != nil {
			return
		}
		if got != strings.ToLower(got) || got != strings.TrimSpace(got) || !isASCII(got) || HasControl(got) || len(got) > 254 {
			t.Fatalf("Email(%q) = %q", in, got)
		}
		if again, err := Email(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, got, again, err)
		}
	})
}

// FuzzFold: folding is idempotent, so stored sort keys and folded queries
// always compare alike.
func FuzzFold(f *testing.F) {
	for _, seed := range []string{"Müller", "ÆRØ", "ß", "İstanbul", "ﬁ"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !utf8.ValidString(in) {
			return
		}
		once := Fold(in)
		if Fold(once) != once {
			t.Fatalf("Fold not idempotent: %q -> %q -> %q", in, once, Fold(once))
		}
	})
}
