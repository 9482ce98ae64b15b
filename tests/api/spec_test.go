//go:build integration

package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"backoffice/infra/openapi"
	"backoffice/tests/stack"
)

// Helpers that derive requests from the OpenAPI document, so the suites
// built on them (hostile input, audit per change) cover every operation the
// document lists, also those added later, without a hand-written list.

var (
	docOnce sync.Once
	docVal  *openapi3.T
	docErr  error
)

func specDoc(t *testing.T) *openapi3.T {
	t.Helper()
	docOnce.Do(func() {
		root, err := stack.RepoRoot()
		if err != nil {
			docErr = err
			return
		}
		docVal, docErr = openapi.LoadValid(context.Background(), root)
	})
	if docErr != nil {
		t.Fatal(docErr)
	}
	return docVal
}

// specOp is one operation of the document.
type specOp struct {
	Method, Path string
	Op           *openapi3.Operation
	Params       openapi3.Parameters // the path item's and the operation's
}

func (o specOp) Route() string { return o.Method + " " + o.Path }

// Public reports whether the operation needs no token (security: []).
func (o specOp) Public() bool { return o.Op.Security != nil && len(*o.Op.Security) == 0 }

// StaffToken reports whether a staff access token opens the operation
// (its security, or the document's default, names StaffJwt).
func (o specOp) StaffToken(doc *openapi3.T) bool { return o.needs(doc, "StaffJwt") }

// CustomerToken reports whether the operation takes a customer's token.
func (o specOp) CustomerToken(doc *openapi3.T) bool { return o.needs(doc, "CustomerJwt") }

func (o specOp) needs(doc *openapi3.T, scheme string) bool {
	reqs := doc.Security
	if o.Op.Security != nil {
		reqs = *o.Op.Security
	}
	for _, r := range reqs {
		if _, ok := r[scheme]; ok {
			return true
		}
	}
	return false
}

// Body is the operation's JSON request body schema, or nil.
func (o specOp) Body() *openapi3.Schema {
	if o.Op.RequestBody == nil || o.Op.RequestBody.Value == nil {
		return nil
	}
	mt := o.Op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return flatten(mt.Schema.Value)
}

func (o specOp) ParamsIn(in string) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	for _, p := range o.Params {
		if p.Value != nil && p.Value.In == in {
			out = append(out, p.Value)
		}
	}
	return out
}

// specOps lists every operation, sorted by path and method.
func specOps(t *testing.T) []specOp {
	t.Helper()
	doc := specDoc(t)
	var ops []specOp
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			params := append(openapi3.Parameters{}, item.Parameters...)
			params = append(params, op.Parameters...)
			ops = append(ops, specOp{Method: method, Path: path, Op: op, Params: params})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Route() < ops[j].Route() })
	return ops
}

// flatten merges allOf members into one schema and takes the first anyOf or
// oneOf member: enough for the request schemas of this API, whose allOf only
// add a description or narrow a code.
func flatten(s *openapi3.Schema) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if len(s.AnyOf) > 0 {
		return flatten(s.AnyOf[0].Value)
	}
	if len(s.OneOf) > 0 {
		return flatten(s.OneOf[0].Value)
	}
	if len(s.AllOf) == 0 {
		return s
	}
	out := *s
	out.AllOf = nil
	for _, m := range s.AllOf {
		v := flatten(m.Value)
		if out.Type == nil || out.Type.IsEmpty() {
			out.Type = v.Type
		}
		if out.Format == "" {
			out.Format = v.Format
		}
		if out.Pattern == "" {
			out.Pattern = v.Pattern
		}
		if len(out.Enum) == 0 {
			out.Enum = v.Enum
		}
		if out.Const == nil {
			out.Const = v.Const
		}
		if out.MinLength == 0 {
			out.MinLength = v.MinLength
		}
		if out.MaxLength == nil {
			out.MaxLength = v.MaxLength
		}
		if out.Min == nil {
			out.Min = v.Min
		}
		if out.Max == nil {
			out.Max = v.Max
		}
		if out.Items == nil {
			out.Items = v.Items
		}
		if out.MaxItems == nil {
			out.MaxItems = v.MaxItems
		}
		out.MinItems = max(out.MinItems, v.MinItems)
		out.UniqueItems = out.UniqueItems || v.UniqueItems
		if len(out.Examples) == 0 {
			out.Examples = v.Examples
		}
		out.Description = strings.TrimSpace(out.Description + " " + v.Description)
		out.Required = append(slices.Clone(out.Required), v.Required...)
		if len(v.Properties) > 0 {
			props := openapi3.Schemas{}
			for k, p := range out.Properties {
				props[k] = p
			}
			for k, p := range v.Properties {
				props[k] = p
			}
			out.Properties = props
		}
	}
	return &out
}

func schemaType(s *openapi3.Schema) string {
	if s.Type != nil {
		for _, t := range []string{"string", "integer", "number", "boolean", "array", "object"} {
			if s.Type.Is(t) {
				return t
			}
		}
	}
	switch {
	case len(s.Properties) > 0:
		return "object"
	case len(s.Enum) > 0 || s.Format != "" || s.Pattern != "":
		return "string"
	}
	return ""
}

// sampleValue builds a value the schema accepts: required properties only,
// unique emails and names (so creating twice does not collide).
func sampleValue(s *openapi3.Schema) any {
	s = flatten(s)
	if s.Const != nil {
		return s.Const
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch schemaType(s) {
	case "object":
		obj := map[string]any{}
		for _, name := range s.Required {
			if p := s.Properties[name]; p != nil {
				obj[name] = sampleValue(p.Value)
			}
		}
		return obj
	case "array":
		var arr []any
		for i := uint64(0); i < s.MinItems && s.Items != nil; i++ {
			arr = append(arr, sampleValue(s.Items.Value))
		}
		if arr == nil {
			arr = []any{}
		}
		return arr
	case "integer", "number":
		if s.Default != nil {
			return s.Default
		}
		if s.Min != nil {
			return *s.Min
		}
		return 1
	case "boolean":
		return false
	}
	switch s.Format {
	case "email":
		return uniqueEmail("spec")
	case "date-time":
		return time.Now().UTC().Format(time.RFC3339)
	}
	if s.Pattern != "" && len(s.Examples) > 0 {
		return s.Examples[0]
	}
	v := fmt.Sprintf("Spec %d", seq.Add(1))
	if s.MaxLength != nil && uint64(len(v)) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	for uint64(len(v)) < s.MinLength {
		v += "x"
	}
	return v
}

var idInLocation = regexp.MustCompile(`^\^/([a-z-]+)/`)

// creators maps a collection (the first path segment, e.g. "roles") to the
// operation that creates its items: a POST answering 201 with a Location
// header whose pattern names the collection.
func creators(t *testing.T) map[string]specOp {
	t.Helper()
	out := map[string]specOp{}
	for _, o := range specOps(t) {
		if o.Method != http.MethodPost {
			continue
		}
		r := o.Op.Responses.Value("201")
		if r == nil || r.Value == nil || r.Value.Headers["Location"] == nil {
			continue
		}
		h := r.Value.Headers["Location"].Value
		if h.Schema == nil || h.Schema.Value == nil {
			continue
		}
		if m := idInLocation.FindStringSubmatch(h.Schema.Value.Pattern); m != nil {
			out[m[1]] = o
		}
	}
	return out
}

// collectionOf names the collection a path parameter points into: {id}
// belongs to the segment before it, {staffId} to the collection named like
// its prefix ("staff"; "customerId" would find "customers").
func collectionOf(path, param string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if param == "id" {
		for i, s := range segs {
			if s == "{id}" && i > 0 {
				return segs[i-1]
			}
		}
	}
	prefix := strings.TrimSuffix(param, "Id")
	for _, s := range segs {
		if !strings.HasPrefix(s, "{") && strings.HasPrefix(s, prefix) {
			return s
		}
	}
	return prefix
}

// createVia creates one item of a collection through its creating
// operation with a sample body, as token's holder, and returns its id.
func createVia(t *testing.T, creator specOp, token string) string {
	t.Helper()
	body := sampleValue(creator.Body())
	a := call(t, creator.Method, creator.Path, token, body)
	if a.Status != http.StatusCreated {
		t.Fatalf("%s with the document's sample body %v: %d %s", creator.Route(), body, a.Status, a.Raw)
	}
	loc := a.Header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:]
}

// fillPath replaces each path parameter by a fresh item of the parameter's
// collection, created as token's holder.
func fillPath(t *testing.T, o specOp, token string) string {
	t.Helper()
	path := o.Path
	makers := creators(t)
	for _, p := range o.ParamsIn("path") {
		if greedy(p) {
			path = strings.ReplaceAll(path, "{"+p.Name+"}", fmt.Sprint(p.Schema.Value.Examples[0]))
			continue
		}
		c, found := makers[collectionOf(o.Path, p.Name)]
		if !found {
			t.Fatalf("%s: no operation in the document creates what {%s} names", o.Route(), p.Name)
		}
		path = strings.ReplaceAll(path, "{"+p.Name+"}", createVia(t, c, token))
	}
	return path
}

// greedy reports whether a path parameter is API Gateway's {name+}: the
// rest of the path, which names no item (the console's own addresses, any
// of which answers its page); its schema's first example fills it.
func greedy(p *openapi3.Parameter) bool { return strings.HasSuffix(p.Name, "+") }

// documentedCodes returns the problem codes the document allows for the
// operation's answer with status (nil: the status is not documented; ["*"]:
// any code of the catalogue).
func documentedCodes(o specOp, status int) []string {
	r := o.Op.Responses.Status(status)
	if r == nil || r.Value == nil {
		return nil
	}
	mt := r.Value.Content.Get("application/problem+json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	if codes := codesOf(mt.Schema.Value); codes != nil {
		return codes
	}
	return []string{"*"}
}

// codesOf intersects the code enums and consts a problem schema sets
// (allOf of the generic Problem and a narrowing member).
func codesOf(s *openapi3.Schema) []string {
	var sets [][]string
	var walk func(s *openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil {
			return
		}
		if c := s.Properties["code"]; c != nil && c.Value != nil {
			var set []string
			if c.Value.Const != nil {
				set = append(set, fmt.Sprint(c.Value.Const))
			}
			for _, e := range c.Value.Enum {
				set = append(set, fmt.Sprint(e))
			}
			if set != nil {
				sets = append(sets, set)
			}
		}
		for _, m := range s.AllOf {
			walk(m.Value)
		}
	}
	walk(s)
	if len(sets) == 0 {
		return nil
	}
	out := sets[0]
	for _, set := range sets[1:] {
		out = slices.DeleteFunc(slices.Clone(out), func(c string) bool { return !slices.Contains(set, c) })
	}
	return out
}
