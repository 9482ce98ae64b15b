package categories

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"backoffice/shared/text"
)

// FuzzInput: any body either fails validation or leaves a clean one-line
// name with a slug that is lowercase, hyphen-separated and stable.
func FuzzInput(f *testing.F) {
	for _, seed := range []string{`{"name":"Heren & Dames"}`, `{"name":"  a  b "}`, `{"name":"Ǆemal"}`, `{"name":"-x-"}`,
		`{"name":"a","parentId":null,"thumbnailUrl":"https://x.nl/a.png"}`, `{"name":"ﬁ","description":"a\nb"}`, `{"position":-1}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in Input
		if json.Unmarshal([]byte(body), &in) != nil || in.validate(true) != nil {
			return
		}
		name := *in.Name
		if !utf8.ValidString(name) || text.HasControl(name) || name != strings.TrimSpace(name) || utf8.RuneCountInString(name) > MaxName {
			t.Fatalf("accepted name %q", name)
		}
		slug := Slug(name)
		if slug == "" || strings.HasPrefix(slug, "-") || strings.HasSuffix(slug, "-") || strings.Contains(slug, "--") {
			t.Fatalf("slug %q of %q", slug, name)
		}
		if again := Slug(slug); again != slug {
			t.Fatalf("slug not stable: %q -> %q -> %q", name, slug, again)
		}
	})
}
