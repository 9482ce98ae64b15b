package localstack

import (
	"reflect"
	"testing"
)

func TestRouteMatching(t *testing.T) {
	t.Parallel()
	var rt router
	for _, spec := range [][2]string{
		{"GET", "/items/{id}"}, {"GET", "/items/special"}, {"ANY", "/items/{id}"},
		{"ANY", "/files/{proxy+}"}, {"GET", "/files/{dir}/readme"}, {"POST", "/staff/{id}/roles/{roleId}"},
		{"GET", "/"},
	} {
		r, err := newRoute(spec[0], spec[1])
		if err != nil {
			t.Fatal(err)
		}
		r.fn = &function{LogicalID: spec[0] + spec[1]}
		if err := rt.add(r); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		method, path, wantKey string
		wantParams            map[string]string
	}{
		{"GET", "/items/special", "GET /items/special", nil},
		{"GET", "/items/42", "GET /items/{id}", map[string]string{"id": "42"}},
		{"DELETE", "/items/42", "ANY /items/{id}", map[string]string{"id": "42"}},
		{"GET", "/items/a%20b", "GET /items/{id}", map[string]string{"id": "a b"}},
		{"GET", "/files/a/b/c.txt", "ANY /files/{proxy+}", map[string]string{"proxy": "a/b/c.txt"}},
		{"GET", "/files/docs/readme", "GET /files/{dir}/readme", map[string]string{"dir": "docs"}},
		{"POST", "/staff/7/roles/admin", "POST /staff/{id}/roles/{roleId}", map[string]string{"id": "7", "roleId": "admin"}},
		{"GET", "/", "GET /", nil},
		{"GET", "/files", "", nil},
		{"GET", "/items", "", nil},
		{"GET", "/items/", "", nil},
		{"GET", "/items/1/extra", "", nil},
		{"PUT", "/staff/7/roles/admin", "", nil},
		{"GET", "/nothing", "", nil},
	}
	for _, c := range cases {
		r, params := rt.find(c.method, c.path)
		key := ""
		if r != nil {
			key = r.key()
		}
		if key != c.wantKey || !reflect.DeepEqual(params, c.wantParams) {
			t.Errorf("%s %s: got %q %v, want %q %v", c.method, c.path, key, params, c.wantKey, c.wantParams)
		}
	}
}

// The console (template.yaml: ConsoleFunction) names its bare path next to
// the greedy one, because {proxy+} needs at least one more segment, as on
// API Gateway: /console/ and /consoles match neither.
func TestConsoleRoutes(t *testing.T) {
	t.Parallel()
	var rt router
	for _, spec := range [][2]string{{"GET", "/"}, {"GET", "/console"}, {"GET", "/console/{proxy+}"}, {"GET", "/health"}} {
		r, err := newRoute(spec[0], spec[1])
		if err != nil {
			t.Fatal(err)
		}
		r.fn = &function{LogicalID: "Console"}
		if err := rt.add(r); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range map[string]struct {
		key   string
		proxy string
	}{
		"/":                               {"GET /", ""},
		"/console":                        {"GET /console", ""},
		"/console/users/staff":            {"GET /console/{proxy+}", "users/staff"},
		"/console/0123456789ab/app.js":    {"GET /console/{proxy+}", "0123456789ab/app.js"},
		"/console/0123456789ab/view-x.js": {"GET /console/{proxy+}", "0123456789ab/view-x.js"},
		"/health":                         {"GET /health", ""},
		"/console/":                       {"", ""},
		"/consoles":                       {"", ""},
		"/console/a%2Fb":                  {"GET /console/{proxy+}", "a/b"},
	} {
		r, params := rt.find("GET", path)
		key := ""
		if r != nil {
			key = r.key()
		}
		if key != want.key || params["proxy"] != want.proxy {
			t.Errorf("GET %s: got %q %v, want %q proxy=%q", path, key, params, want.key, want.proxy)
		}
	}
	if r, _ := rt.find("POST", "/console"); r != nil {
		t.Errorf("POST /console matched %s", r.key())
	}
}

func TestRouteErrors(t *testing.T) {
	t.Parallel()
	if _, err := newRoute("GET", "/a/{p+}/b"); err == nil {
		t.Error("greedy in the middle: want an error")
	}
	if _, err := newRoute("GET", "nope"); err == nil {
		t.Error("relative path: want an error")
	}
	var rt router
	a, _ := newRoute("get", "/x")
	a.fn = &function{LogicalID: "A"}
	b, _ := newRoute("GET", "/x")
	b.fn = &function{LogicalID: "B"}
	_ = rt.add(a)
	if err := rt.add(b); err == nil {
		t.Error("duplicate route: want an error")
	}
}
