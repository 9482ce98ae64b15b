package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"backoffice/infra/template"
	"backoffice/shared/problem"
)

var update = flag.Bool("update", false, "rewrite "+JSONPath+" from "+DocumentPath)

const root = "../.."

// templateRoute is an HttpApi event of a function in template.yaml.
type templateRoute struct {
	key        string // "METHOD /path"
	public     bool   // Auth: Authorizer: NONE
	authorizer string // the JWT authorizer (the API default StaffJwt unless the route names another)
}

func templateRoutes(t *testing.T) map[string]templateRoute {
	t.Helper()
	tpl, err := template.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	list, err := tpl.Routes()
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]templateRoute{}
	for _, r := range list {
		routes[r.Key] = templateRoute{key: r.Key, public: r.Authorizer == "NONE", authorizer: r.Authorizer}
	}
	if len(routes) == 0 {
		t.Fatal("no HttpApi routes in template.yaml")
	}
	return routes
}

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := LoadValid(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func operations(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

func TestOpenAPIMatchesTemplate(t *testing.T) {
	doc := loadDoc(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %q, want 3.1", doc.OpenAPI)
	}
	routes := templateRoutes(t)
	ops := operations(doc)

	var missing, extra []string
	for key := range routes {
		if ops[key] == nil {
			missing = append(missing, key)
		}
	}
	for key := range ops {
		if _, ok := routes[key]; !ok {
			extra = append(extra, key)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes of template.yaml missing in %s:\n  %s", DocumentPath, strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("operations of %s that template.yaml lacks:\n  %s", DocumentPath, strings.Join(extra, "\n  "))
	}

	for key, rt := range routes {
		op := ops[key]
		if op == nil {
			continue
		}
		if rt.public {
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s is public (Authorizer: NONE): want `security: []`", key)
			}
			continue
		}
		sec := doc.Security
		if op.Security != nil {
			sec = *op.Security
		}
		if !requires(sec, rt.authorizer) {
			t.Errorf("%s is protected by the %s authorizer: want that security requirement", key, rt.authorizer)
		}
		// API Gateway's own 401 reaches every protected route.
		if !hasContent(op, 401, "application/json") {
			t.Errorf("%s: want 401 application/json (API Gateway's Unauthorized)", key)
		}
	}
}

// requires reports whether every alternative of sec needs the scheme, so no
// alternative lets a request through without it.
func requires(sec openapi3.SecurityRequirements, scheme string) bool {
	if len(sec) == 0 {
		return false
	}
	for _, req := range sec {
		if _, ok := req[scheme]; !ok {
			return false
		}
	}
	return true
}

func hasContent(op *openapi3.Operation, status int, mediaType string) bool {
	r := op.Responses.Status(status)
	return r != nil && r.Value != nil && r.Value.Content.Get(mediaType) != nil
}

// Every operation is written in the same shape: an id, no catch-all
// responses, the 500 every function can give, and the body errors on every
// route that reads a JSON body.
func TestOperationsAreComplete(t *testing.T) {
	doc := loadDoc(t)
	if s, ok := doc.Components.SecuritySchemes["StaffJwt"]; !ok || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
		t.Error("want components.securitySchemes.StaffJwt: http bearer")
	}
	ids := map[string]string{}
	for key, op := range operations(doc) {
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", key)
		} else if other, dup := ids[op.OperationID]; dup {
			t.Errorf("%s and %s share operationId %s", key, other, op.OperationID)
		}
		ids[op.OperationID] = key
		if op.Responses.Default() != nil {
			t.Errorf("%s: a default response would hide undocumented statuses", key)
		}
		if !hasContent(op, 500, "application/problem+json") {
			t.Errorf("%s: want 500 application/problem+json", key)
		}
		if op.RequestBody != nil {
			for _, status := range []int{400, 413, 415, 422} {
				if !hasContent(op, status, "application/problem+json") {
					t.Errorf("%s reads a body: want %d application/problem+json", key, status)
				}
			}
			body := op.RequestBody.Value.Content.Get("application/json")
			if body == nil || body.Schema == nil || body.Schema.Value == nil {
				t.Errorf("%s: request body without an application/json schema", key)
			} else if ap := body.Schema.Value.AdditionalProperties; ap.Has == nil || *ap.Has {
				t.Errorf("%s: request body schema needs additionalProperties: false (unknown fields are 422)", key)
			}
		}
	}
}

func TestEmbeddedOpenAPIIsCurrent(t *testing.T) {
	want, err := JSON(root)
	if err != nil {
		t.Fatal(err)
	}
	// The JSON must be the same document: it loads and validates alike.
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(want)
	if err != nil {
		t.Fatalf("generated JSON: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("generated JSON: %v", err)
	}
	if yamlDoc := loadDoc(t); !slices.Equal(yamlDoc.Paths.InMatchingOrder(), doc.Paths.InMatchingOrder()) {
		t.Fatal("generated JSON has other paths than the YAML")
	}

	path := filepath.Join(root, JSONPath)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./infra/openapi -run TestEmbeddedOpenAPIIsCurrent -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale; run: go test ./infra/openapi -run TestEmbeddedOpenAPIIsCurrent -update", JSONPath)
	}
}

func TestYAMLToJSONKeepsOrderAndTypes(t *testing.T) {
	got, err := yamlToJSON([]byte("b: 1\na:\n  \"200\": {x: true, y: null}\n  list: [1.5, \"2\", three]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"b":1,"a":{"200":{"x":true,"y":null},"list":[1.5,"2","three"]}}`
	var compact bytes.Buffer
	if err := json.Compact(&compact, got); err != nil {
		t.Fatal(err)
	}
	if compact.String() != want {
		t.Fatalf("got %s\nwant %s", compact.String(), want)
	}
	if _, err := yamlToJSON([]byte("a: &x {b: 1}\nc:\n  <<: *x\n")); err == nil {
		t.Fatal("merge keys accepted")
	}
}

// The contract's field codes and formats are package problem's, in order.
func TestFieldCodesMatchProblem(t *testing.T) {
	doc := loadDoc(t)
	enum := func(name string) []string {
		var out []string
		for _, v := range doc.Components.Schemas[name].Value.Enum {
			out = append(out, v.(string))
		}
		return out
	}
	var codes, formats []string
	for _, c := range problem.FieldCodes {
		codes = append(codes, string(c))
	}
	for _, f := range problem.Formats {
		formats = append(formats, string(f))
	}
	if got := enum("FieldCode"); !slices.Equal(got, codes) {
		t.Errorf("FieldCode enum %v, want problem.FieldCodes %v", got, codes)
	}
	if got := enum("FieldFormat"); !slices.Equal(got, formats) {
		t.Errorf("FieldFormat enum %v, want problem.Formats %v", got, formats)
	}
}
