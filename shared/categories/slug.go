package categories

import (
	"strings"
	"unicode"

	"backoffice/shared/text"
)

// Slug derives the URL part of a name: folded (lowercase, no accents),
// letters and digits kept, every other run of characters one hyphen.
// "Heren & Dames — Schoenen" → "heren-dames-schoenen".
func Slug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range text.Fold(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	return b.String()
}
