package mail

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestTemplateInterpreter(t *testing.T) {
	t.Parallel()
	s := mustParse(t, escapeHTML, `{{define "greet"}}Hi{{with .FirstName}} {{.}}{{end}}!{{end}}`+
		`{{template "greet" .}} {{if .ShopName}}at {{.ShopName}}{{else}}here{{end}}`)
	tests := []struct {
		data map[string]string
		want string
	}{
		{map[string]string{"FirstName": "Anna", "ShopName": "A & B"}, "Hi Anna! at A &amp; B"},
		{map[string]string{}, "Hi! here"},
		{map[string]string{"FirstName": "<b>"}, "Hi &lt;b&gt;! here"},
	}
	for _, tt := range tests {
		got, err := s.execute("t", tt.data)
		if err != nil || got != tt.want {
			t.Errorf("execute(%v) = %q, %v; want %q", tt.data, got, err, tt.want)
		}
	}
	if _, err := s.execute("missing", nil); err == nil {
		t.Error("unknown template: want an error")
	}
}

func TestTemplateInterpreterRefusesWhatItCannotRun(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`{{.Nope}}`,
		`{{.FirstName.Length}}`,
		`{{printf "%s" .FirstName}}`,
		`{{.FirstName | html}}`,
		`{{range .FirstName}}x{{end}}`,
		`{{$x := .FirstName}}{{$x}}`,
		`{{template "nowhere" .}}`,
		`{{define "a"}}a{{end}}{{template "a" .FirstName}}`,
		`{{if .Link}}{{.Unknown}}{{end}}`,
		`{{with .Link}}x{{else}}{{"literal"}}{{end}}`,
	} {
		if _, err := parseFS(escapeNone, src); err == nil {
			t.Errorf("%s: want a parse error", src)
		}
	}
	if _, err := parseFS(escapeNone, `{{define "a"}}1{{end}}`, `{{define "a"}}2{{end}}`); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a template defined twice: got %v", err)
	}
}

// parseFS parses sources as files t0, t1, … (the first is named "t").
func parseFS(escape func(string) string, sources ...string) (*templateSet, error) {
	fsys := fstest.MapFS{}
	var names []string
	for i, src := range sources {
		name := "t"
		if i > 0 {
			name = "t" + string(rune('0'+i))
		}
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
		names = append(names, name)
	}
	return parseSetFS(fsys, escape, names...)
}

func mustParse(t *testing.T, escape func(string) string, src string) *templateSet {
	t.Helper()
	s, err := parseFS(escape, src)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
