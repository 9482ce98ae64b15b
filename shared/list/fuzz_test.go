package list

import (
	"errors"
	"testing"

	"backoffice/shared/problem"
)

// FuzzCursor: only cursors this signer made decode; anything else is
// invalid_cursor, never a panic.
func FuzzCursor(f *testing.F) {
	s := NewSigner("key")
	good, _ := s.Encode(position{Shape: "x", Source: 1, After: map[string]map[string]string{"p": {"pk": "A"}}})
	f.Add(good)
	f.Add("")
	f.Add("abc.def")
	f.Add(good + "x")
	f.Fuzz(func(t *testing.T, cursor string) {
		var pos position
		err := s.Decode(cursor, &pos)
		if err != nil && !errors.Is(err, problem.InvalidCursor) {
			t.Fatalf("%q: %v", cursor, err)
		}
	})
}
