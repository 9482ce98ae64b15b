package categories

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"backoffice/shared/problem"
	"backoffice/shared/store"
)

func TestSlug(t *testing.T) {
	cases := map[string]string{
		"Heren & Dames — Schoenen": "heren-dames-schoenen",
		"  Café  Crème ":           "cafe-creme",
		"Straße 2000":              "strasse-2000",
		"--Sale!!--":               "sale",
		"T-shirts":                 "t-shirts",
		"!!!":                      "",
		"日本の靴":                     "日本の靴",
	}
	for in, want := range cases {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func decode(t *testing.T, body string) Input {
	t.Helper()
	var in Input
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return in
}

// fields returns the fields a validation error names.
func fields(err error) []string {
	p, ok := problem.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range p.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	id := "01ARZ3NDEKTSV4RRFFQ69G5FAV"
	cases := []struct {
		body   string
		create bool
		want   string // the first invalid field, "" when valid
	}{
		{`{"name":"Shoes"}`, true, ""},
		{`{}`, true, "name"},
		{`{}`, false, ""},
		{`{"name":"  "}`, true, "name"},
		{`{"name":"a\tb"}`, true, "name"},
		{`{"name":"` + strings.Repeat("x", 101) + `"}`, true, "name"},
		{`{"name":"` + strings.Repeat("é", 100) + `"}`, true, ""},
		{`{"name":"???"}`, true, "name"},
		{`{"name":"a","description":"two\nlines"}`, true, ""},
		{`{"name":"a","description":"nul\u0000"}`, true, "description"},
		{`{"name":"a","description":"` + strings.Repeat("d", 2001) + `"}`, true, "description"},
		{`{"name":"a","parentId":null}`, true, ""},
		{`{"name":"a","parentId":"` + id + `"}`, true, ""},
		{`{"name":"a","parentId":"root"}`, true, "parentId"},
		{`{"position":-1}`, false, "position"},
		{`{"position":9007199254740992}`, false, "position"},
		{`{"position":9007199254740991}`, false, ""},
		{`{"before":"` + id + `","after":"` + id + `"}`, false, "position"},
		{`{"before":"x"}`, false, "before"},
		{`{"thumbnailUrl":null}`, false, ""},
		{`{"thumbnailUrl":"https://cdn.example.com/a.png?x=1"}`, false, ""},
		{`{"thumbnailUrl":"http://cdn.example.com/a.png"}`, false, "thumbnailUrl"},
		{`{"thumbnailUrl":"https:///a.png"}`, false, "thumbnailUrl"},
		{`{"thumbnailUrl":"https://a@b.nl/a.png"}`, false, "thumbnailUrl"},
		{`{"thumbnailUrl":"https://b.nl/a b.png"}`, false, "thumbnailUrl"},
		{`{"thumbnailUrl":"https://b.nl/` + strings.Repeat("a", 2048) + `"}`, false, "thumbnailUrl"},
	}
	for _, c := range cases {
		in := decode(t, c.body)
		err := in.validate(c.create)
		got := ""
		if f := fields(err); len(f) > 0 {
			got = f[0]
		} else if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%.80s (create %v): invalid %q, want %q", c.body, c.create, got, c.want)
		}
	}
	in := decode(t, `{"name":"  Heren   jassen "}`)
	if err := in.validate(true); err != nil || *in.Name != "Heren jassen" {
		t.Errorf("name not cleaned: %q %v", *in.Name, err)
	}
}

func TestNullableTellsAbsentFromNull(t *testing.T) {
	for body, want := range map[string][2]bool{`{}`: {false, false}, `{"parentId":null}`: {true, false}, `{"parentId":"x"}`: {true, true}} {
		in := decode(t, body)
		if in.ParentID.Set != want[0] || (in.ParentID.Value != nil) != want[1] {
			t.Errorf("%s: %+v", body, in.ParentID)
		}
	}
	var in Input
	if err := json.Unmarshal([]byte(`{"parentId":5}`), &in); err == nil {
		t.Error("a number was accepted as parentId")
	}
}

func TestParseListQuery(t *testing.T) {
	id := "01ARZ3NDEKTSV4RRFFQ69G5FAV"
	q, err := ParseListQuery(map[string]string{})
	if err != nil || q.ParentID != "" || q.Limit != 100 {
		t.Fatalf("default: %+v %v", q, err)
	}
	if q, err := ParseListQuery(map[string]string{"parentId": "root", "limit": "5"}); err != nil || q.ParentID != "" || q.Limit != 5 {
		t.Errorf("root: %+v %v", q, err)
	}
	if q, err := ParseListQuery(map[string]string{"parentId": id}); err != nil || q.ParentID != id {
		t.Errorf("id: %+v %v", q, err)
	}
	for _, bad := range []map[string]string{{"parentId": "x"}, {"limit": "0"}, {"limit": "101"}, {"limit": "5x"}, {"limit": "+5"}, {"limit": ""}} {
		if _, err := ParseListQuery(bad); !errors.Is(err, problem.ValidationFailed) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestThumbnailInput(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	s := func(v string) *string { return &v }
	ok := []ThumbnailInput{{s("image/png"), n(1)}, {s("image/jpeg"), n(MaxThumbnailBytes)}, {s("image/webp"), n(1000)}}
	for _, in := range ok {
		if err := in.validate(); err != nil {
			t.Errorf("%s %d: %v", *in.ContentType, *in.ContentLength, err)
		}
	}
	bad := []ThumbnailInput{{s("image/png"), n(MaxThumbnailBytes + 1)}, {s("image/png"), n(0)}, {s("text/html"), n(10)},
		{s("image/svg+xml"), n(10)}, {s("image/png; charset=x"), n(10)}, {s("IMAGE/JPEG"), n(10)}, {nil, n(10)}, {s("image/png"), nil}}
	for _, in := range bad {
		if err := in.validate(); !errors.Is(err, problem.ValidationFailed) {
			t.Errorf("%+v accepted", in)
		}
	}
}

func TestKeysAndSummary(t *testing.T) {
	c := (&store.Category{ID: "01ARZ3NDEKTSV4RRFFQ69G5FAV", Rank: 1 << 20}).Index()
	if c.GSI5PK != "CATPARENT#ROOT" || c.GSI5SK != "0000000001048576#01ARZ3NDEKTSV4RRFFQ69G5FAV" || c.GSI4PK != "CATEGORY" {
		t.Errorf("keys: %+v", c)
	}
	if store.RankKey(MaxRank) != "9007199254740991" || len(store.RankKey(0)) != store.RankWidth {
		t.Error("rank keys are not fixed width")
	}
	if got := summary(&store.Category{Name: "A"}, []string{"A"}); got != "Deleted category A" {
		t.Errorf("summary: %q", got)
	}
	names := make([]string, 12)
	for i := range names {
		names[i] = "n"
	}
	if got := summary(&store.Category{Name: "A"}, names); !strings.HasSuffix(got, "and 2 more") || !strings.HasPrefix(got, "Deleted 12 categories") {
		t.Errorf("summary: %q", got)
	}
}
