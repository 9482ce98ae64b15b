package directory

import (
	"errors"
	"strings"
	"testing"

	"backoffice/shared/problem"
)

func TestCheckPassword(t *testing.T) {
	for _, ok := range []string{"correct horse battery", "ümlaute-über-12", strings.Repeat("x", 256)} {
		if err := CheckPassword("password", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "short", "elevenchars", " leading space x", "trailing space x ", strings.Repeat("x", 257), "\xff\xfe invalid utf8"} {
		err := CheckPassword("newPassword", bad)
		p, ok := problem.As(err)
		if !ok || !errors.Is(err, problem.ValidationFailed) || p.Fields[0].Field != "newPassword" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
