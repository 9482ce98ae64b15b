// Package ids makes resource ids: ULIDs, sortable by creation time and URL-safe.
package ids

import (
	"crypto/rand"
	"regexp"
	"time"

	"github.com/oklog/ulid/v2"
)

// New returns a fresh ULID.
func New() string {
	return ulid.MustNew(ulid.Timestamp(time.Now()), rand.Reader).String()
}

var pattern = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// Valid reports whether s looks like an id this API made; anything else is
// answered 404 without a database read.
func Valid(s string) bool { return pattern.MatchString(s) }
