// Package text normalises user input: email addresses, names and the folded
// forms used for case- and accent-insensitive sorting and prefix search.
package text

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// ErrInvalidEmail is returned for anything that is not a plain address.
var ErrInvalidEmail = errors.New("invalid email address")

// Email validates a plain address ("name@example.com", no display name) and
// returns the one form it is stored, compared and sent in: Unicode NFC,
// lowercased, the domain IDNA-encoded ("müller.de" → "xn--mller-kva.de",
// which SES requires and which keeps one address one string). Cognito
// usernames compare case-sensitively, so every address is normalised before
// it is stored or sent to Cognito. A local part (before @) must be ASCII:
// SES can not deliver to internationalised mailboxes (SMTPUTF8), so such an
// address is refused here rather than accepted and never reached.
func Email(s string) (string, error) {
	// Control characters are refused before trimming: TrimSpace would
	// quietly drop a trailing newline or tab, which no typed address has.
	if HasControl(s) {
		return "", ErrInvalidEmail
	}
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 || !utf8.ValidString(s) {
		return "", ErrInvalidEmail
	}
	s = norm.NFC.String(s)
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", ErrInvalidEmail
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || !isASCII(local) {
		return "", ErrInvalidEmail
	}
	domain, err = idna.Lookup.ToASCII(domain)
	if err != nil || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", ErrInvalidEmail
	}
	out := strings.ToLower(local + "@" + domain)
	if len(out) > 254 {
		return "", ErrInvalidEmail
	}
	return out, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// EmailDomain is the part after @, for logs that must not hold full addresses.
func EmailDomain(email string) string {
	_, domain, _ := strings.Cut(email, "@")
	return domain
}

// Fold lowercases s and strips accents, so "Müller", "MULLER" and "muller"
// sort and match alike. ß becomes ss, like German collation does.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø' || r == 'Ø':
			b.WriteRune('o')
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case r == 'ł' || r == 'Ł':
			b.WriteRune('l')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.TrimSpace(b.String())
}

// HasControl reports whether s contains control characters (tabs and
// newlines included): none belong in names, emails or single-line fields.
func HasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// CleanLine trims s and collapses inner runs of spaces; it does not accept
// control characters (check with HasControl first).
func CleanLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
