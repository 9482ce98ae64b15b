//go:build integration

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"backoffice/infra/openapi"
	"backoffice/tests/stack"
)

// The OpenAPI document (infra/openapi.yaml), loaded once for every answer
// the tests receive: each must be an answer the document allows.
var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
	// greedyPrefixes are the paths before a greedy parameter
	// ("/console/" of "/console/{proxy+}"): API Gateway gives it the whole
	// rest of the path, the router one segment.
	greedyPrefixes []string
)

func openAPIRouter() (routers.Router, error) {
	specOnce.Do(func() {
		root, err := stack.RepoRoot()
		if err != nil {
			specErr = err
			return
		}
		doc, err := openapi.LoadValid(context.Background(), root)
		if err != nil {
			specErr = err
			return
		}
		// The pages answer text/html; validate it as the string it is.
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		// The console's assets (GET /console/{proxy+}) likewise.
		for _, ct := range []string{"text/javascript", "text/css", "image/svg+xml"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
		}
		for _, p := range doc.Paths.InMatchingOrder() {
			if i := strings.Index(p, "{"); i >= 0 && strings.HasSuffix(p, "+}") {
				greedyPrefixes = append(greedyPrefixes, p[:i])
			}
		}
		// Route on paths only: the stack listens on a port of its own choosing.
		local := *doc
		local.Servers = nil
		specRouter, specErr = gorillamux.NewRouter(&local)
	})
	return specRouter, specErr
}

// gatewayNotFound is API Gateway's own answer to an unknown route or method,
// which no operation of the document can describe.
const gatewayNotFound = `{"message":"Not Found"}`

// validateResponse fails the test unless the document's operation for
// method and path documents status and the answer matches its schema.
func validateResponse(t *testing.T, method, path string, status int, header http.Header, body []byte) {
	t.Helper()
	if status == http.StatusNotFound && string(body) == gatewayNotFound {
		return
	}
	router, err := openAPIRouter()
	if err != nil {
		t.Errorf("openapi: %v", err)
		return
	}
	req, err := http.NewRequest(method, "http://localhost"+path, nil)
	if err != nil {
		t.Errorf("openapi: %s %s: %v", method, path, err)
		return
	}
	for _, prefix := range greedyPrefixes {
		if rest, ok := strings.CutPrefix(req.URL.Path, prefix); ok && strings.Contains(rest, "/") {
			// The router matches a parameter to one segment; API Gateway
			// gives a greedy one the rest of the path. Only the answer is
			// validated here, so any one segment finds the same operation.
			req.URL.Path, req.URL.RawPath = prefix+"rest", ""
		}
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("openapi: %s %s answered %d, but the document has no such operation: %v", method, path, status, err)
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		shown := body
		if len(shown) > 2000 {
			shown = shown[:2000]
		}
		// Errorf, not Fatalf: call runs in goroutines of parallel tests too.
		t.Errorf("openapi: %s %s answered %d (%s), which %s does not allow: %v\n%s",
			method, route.Path, status, header.Get("Content-Type"), openapi.DocumentPath, err, shown)
	}
}

// GET /openapi.json serves the document (the generated JSON of the YAML),
// cacheable; the HTML pages validate as text/html on the way.
func TestOpenAPIDocumentIsServed(t *testing.T) {
	a := call(t, "GET", "/openapi.json", "", nil)
	expect(t, a, http.StatusOK)
	if cc := a.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("Cache-Control %q", cc)
	}
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := openapi.JSON(root)
	if err != nil {
		t.Fatal(err)
	}
	var got, wantDoc any
	if err := json.Unmarshal([]byte(a.Raw), &got); err != nil {
		t.Fatalf("served document: %v", err)
	}
	if err := json.Unmarshal(want, &wantDoc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantDoc) {
		t.Errorf("GET /openapi.json differs from %s (regenerate %s)", openapi.DocumentPath, openapi.JSONPath)
	}
	for _, page := range []string{"/accept-invitation", "/reset-password"} {
		p := call(t, "GET", page, "", nil)
		expect(t, p, http.StatusOK)
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: content type %q", page, p.Header.Get("Content-Type"))
		}
	}
}
