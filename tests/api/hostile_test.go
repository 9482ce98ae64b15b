//go:build integration

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/getkin/kin-openapi/openapi3"

	"backoffice/shared/ids"
)

// hostileCase is one request meant to be refused.
type hostileCase struct {
	name    string
	path    string // with path parameters and query filled in
	body    []byte // nil: no body
	ctype   string // Content-Type sent with a body
	headers []string
	// refuse: the document says the request is invalid, so the answer must
	// be 4xx. Cases the schema can not judge (a 10,000-character string
	// where no maxLength is set) only must not fail or write.
	refuse bool
}

// Items the hostile batch may change although every request is refused.
var hostileMayChange = map[string]string{
	"RATE#": "failed sign-ins are counted by design (a wrong password, or a wrong current password of a password change)",
}

// Every operation of the OpenAPI document, fed input derived from its
// schemas (malformed and non-object JSON, wrong types, nulls, missing and
// unknown fields, empty, 10,000-character, control-character and
// invalid-UTF-8 strings, bad emails and enum values, out-of-range numbers,
// bad path ids, bad limits and cursors, bad If-Match and Idempotency-Key,
// a body over 64 KiB, wrong content types), as an owner or, on public
// routes, without a token: never a 5xx, every refusal a problem+json with a
// code the document lists for that operation and status, and the table the
// same afterwards.
func TestHostileInputFromTheDocument(t *testing.T) {
	_, owner := newOwner(t)
	_, customer, _ := activeCustomer(t, owner, uniqueEmail("hostile-customer"))
	var cases []struct {
		op specOp
		c  hostileCase
	}
	doc := specDoc(t)
	tokens := map[string]string{}
	for _, o := range specOps(t) {
		switch {
		case o.Public():
		case o.StaffToken(doc):
			tokens[o.Route()] = owner
		case o.CustomerToken(doc):
			tokens[o.Route()] = customer
		default:
			t.Errorf("%s: needs a token this suite can not make; teach it", o.Route())
			continue
		}
		// A real item behind every path parameter (made by the owner), so
		// the request reaches the validation of its body, query and headers.
		path := fillPath(t, o, owner)
		for _, c := range hostileCases(o, path) {
			cases = append(cases, struct {
				op specOp
				c  hostileCase
			}{o, c})
		}
	}
	st.WaitStreams(t)
	before := dumpTable(t)

	var mu sync.Mutex
	answers := map[string]int{}
	t.Run("cases", func(t *testing.T) {
		for _, oc := range cases {
			o, c := oc.op, oc.c
			t.Run(o.Route()+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				got := checkHostile(t, o, c, tokens[o.Route()])
				mu.Lock()
				answers[got]++
				mu.Unlock()
			})
		}
	})
	t.Logf("%d hostile requests over %d operations; answers: %v", len(cases), len(specOps(t)), answers)

	st.WaitStreams(t)
	after := dumpTable(t)
	diffTables(t, before, after)
}

// checkHostile sends one case and returns "<status> <code>" of the answer.
func checkHostile(t *testing.T, o specOp, c hostileCase, token string) string {
	t.Helper()
	headers := slices.Clone(c.headers)
	var body any
	if c.body != nil {
		body = c.body
		headers = append(headers, "Content-Type", c.ctype)
	}
	a := call(t, o.Method, c.path, token, body, headers...)
	got := strconv.Itoa(a.Status) + " " + a.str("code")
	switch {
	case a.Status >= 500:
		t.Fatalf("%d: %s", a.Status, a.Raw)
	case a.Status < 400:
		if c.refuse {
			t.Fatalf("accepted (%d): %s", a.Status, a.Raw)
		}
		return got
	}
	// API Gateway's own answers: a route that does not match at all, a
	// rejected token.
	if a.Raw == `{"message":"Not Found"}` || a.Raw == `{"message":"Unauthorized"}` && !o.Public() {
		return strconv.Itoa(a.Status) + " (gateway)"
	}
	if ct := a.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%d with content type %q: %s", a.Status, ct, a.Raw)
	}
	codes := documentedCodes(o, a.Status)
	if codes == nil {
		t.Fatalf("status %d is not documented for %s: %s", a.Status, o.Route(), a.Raw)
	}
	if !slices.Contains(codes, a.str("code")) {
		t.Fatalf("code %q is not among the documented %v for %d: %s", a.str("code"), codes, a.Status, a.Raw)
	}
	return got
}

const (
	tenK    = 10000
	badUTF8 = "\xff\xfe"
)

// hostileCases derives the cases of one operation; path has valid ids.
func hostileCases(o specOp, path string) []hostileCase {
	var out []hostileCase
	schema := o.Body()
	var base map[string]any
	var baseRaw []byte
	if schema != nil {
		base, _ = sampleValue(schema).(map[string]any)
		baseRaw, _ = json.Marshal(base)
	}
	withBody := func(c hostileCase) hostileCase {
		if c.body == nil && baseRaw != nil {
			c.body, c.ctype = baseRaw, "application/json"
		}
		return c
	}

	// Path parameters: each bad in turn, the others valid.
	for _, p := range o.ParamsIn("path") {
		for name, bad := range map[string]string{
			"too long":       strings.Repeat("A", 300),
			"dot segments":   "..%2F..%2Fsettings",
			"dot dot":        "..",
			"nul":            "%00",
			"newline":        "a%0Ab",
			"invalid utf-8":  "%FF%FE",
			"unknown id":     ids.New(),
			"lowercase ulid": strings.ToLower(ids.New()),
			"space":          "%20",
			"sql and quotes": "%27%20OR%201%3D1--",
		} {
			out = append(out, withBody(hostileCase{
				// Every rest of a greedy path is valid (the console's page).
				name: "path " + p.Name + " " + name, refuse: !greedy(p),
				path: replaceSegment(o.Path, path, p.Name, bad),
			}))
		}
	}

	// Query parameters.
	for _, p := range o.ParamsIn("query") {
		s := flatten(p.Schema.Value)
		add := func(name, value string, refuse bool) {
			out = append(out, withBody(hostileCase{name: "query " + p.Name + " " + name, refuse: refuse,
				path: path + "?" + p.Name + "=" + value}))
		}
		switch {
		case p.Name == "cursor":
			for name, v := range map[string]string{"garbage": "x", "base64 of nothing": "AAAA", "json": "eyJ4IjoxfQ", "nul": "%00", "10k": strings.Repeat("A", tenK)} {
				add(name, v, true)
			}
			continue
		case schemaType(s) == "integer":
			add("not a number", "x", true)
			add("fraction", "1.5", true)
			add("huge", "99999999999999999999999", true)
			if s.Min != nil {
				add("below minimum", fmt.Sprint(int64(*s.Min)-1), true)
				add("negative", "-1", true)
			}
			if s.Max != nil {
				add("above maximum", fmt.Sprint(int64(*s.Max)+1), true)
			}
			continue
		case len(s.Enum) > 0:
			add("not in enum", "nope", true)
		case s.Format == "date-time":
			add("not a time", "yesterday", true)
		}
		add("10k", strings.Repeat("a", tenK), s.MaxLength != nil && *s.MaxLength < tenK)
		add("nul", "a%00b", forbidsControl(s))
		add("invalid utf-8", "%FF%FE", false)
	}

	// Headers.
	for _, p := range o.ParamsIn("header") {
		switch p.Name {
		case "If-Match":
			for name, v := range map[string]string{"garbage": "abc", "zero": `"0"`, "negative": `"-1"`, "weak empty": "W/", "list": `"1", "2"`, "huge": strings.Repeat("9", 40)} {
				out = append(out, withBody(hostileCase{name: "If-Match " + name, path: path, headers: []string{"If-Match", v}, refuse: true}))
			}
		case "Idempotency-Key":
			out = append(out, withBody(hostileCase{name: "Idempotency-Key too long", path: path,
				headers: []string{"Idempotency-Key", strings.Repeat("k", 300)}, refuse: true}))
		}
	}

	if schema == nil {
		return out
	}

	// Whole bodies.
	huge := []byte(`{"x":"` + strings.Repeat("a", 70<<10) + `"}`)
	for name, raw := range map[string]string{
		"malformed":        `{"`,
		"not an object":    `[1]`,
		"null body":        `null`,
		"string body":      `"x"`,
		"empty":            ``,
		"trailing data":    string(baseRaw) + ` {}`,
		"invalid utf-8":    "{\"x\":\"" + badUTF8 + "\"}",
		"huge":             string(huge),
		"deeply nested":    strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000),
		"duplicate keys":   dupKeys(base),
		"unknown field":    string(withValue(base, "unexpectedField", 1)),
		"prototype fields": string(withValue(base, "__proto__", map[string]any{"admin": true})),
	} {
		if name == "duplicate keys" && raw == "" {
			continue
		}
		out = append(out, hostileCase{name: "body " + name, path: path, body: []byte(raw), ctype: "application/json", refuse: true})
	}
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "", "application/xml", "multipart/form-data; boundary=x"} {
		out = append(out, hostileCase{name: "content type " + ct, path: path, body: baseRaw, ctype: ct, refuse: true})
	}
	for _, r := range schema.Required {
		m := clone(base)
		delete(m, r)
		out = append(out, bodyCase(path, "missing "+r, m, true))
	}

	// Each property in turn, on top of the valid sample.
	names := make([]string, 0, len(schema.Properties))
	for n := range schema.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ps := flatten(schema.Properties[n].Value)
		set := func(name string, v any, refuse bool) {
			out = append(out, hostileCase{name: n + " " + name, path: path, body: withValue(base, n, v), ctype: "application/json", refuse: refuse})
		}
		if !admitsNull(schema.Properties[n].Value) {
			set("null", nil, true)
		}
		switch schemaType(ps) {
		case "string":
			set("wrong type", 12345, true)
			set("object", map[string]any{"$gt": ""}, true)
			if ps.MinLength > 0 || len(ps.Enum) > 0 || ps.Format != "" || ps.Pattern != "" {
				set("empty", "", true)
			}
			set("10k", strings.Repeat("a", tenK), ps.MaxLength != nil && *ps.MaxLength < tenK)
			if forbidsControl(ps) {
				set("nul", "a\u0000b", true)
				set("bell", "a\u0007b", true)
				set("escape", "a\u001b[31mb", true)
			}
			// Raw invalid UTF-8 inside the string (json.Marshal would
			// replace it, so the bytes are spliced in).
			raw := bytes.Replace(withValue(base, n, "\u2603SPLICE\u2603"), []byte("\u2603SPLICE\u2603"), []byte(badUTF8), 1)
			out = append(out, hostileCase{name: n + " invalid utf-8", path: path, body: raw, ctype: "application/json", refuse: true})
			if ps.Format == "email" {
				for i, bad := range []string{"not-an-email", "a@", "@b.nl", "a b@c.nl", "a@b.nl\n", "<a@b.nl>", "a@b@c.nl", strings.Repeat("a", 250) + "@b.nl"} {
					set(fmt.Sprintf("bad email %d", i), bad, true)
				}
			}
			if len(ps.Enum) > 0 {
				set("not in enum", "nope", true)
				set("enum in other case", strings.ToUpper(fmt.Sprint(ps.Enum[0])), true)
			}
		case "integer", "number":
			set("wrong type", "1", true)
			set("boolean", true, true)
			set("fraction", 1.5, schemaType(ps) == "integer")
			set("huge", 1e30, true)
			if ps.Min != nil {
				set("below minimum", *ps.Min-1, true)
			}
			if ps.Max != nil {
				set("above maximum", *ps.Max+1, true)
			}
		case "boolean":
			set("wrong type", "true", true)
		case "array":
			set("wrong type", "x", true)
			set("object", map[string]any{}, true)
			set("wrong item type", []any{12345}, true)
			set("null item", []any{nil}, true)
			set("1000 bad items", slices.Repeat([]any{"nope"}, 1000), true)
			if ps.Items != nil {
				item := flatten(ps.Items.Value)
				if ps.UniqueItems && len(item.Enum) > 0 {
					set("duplicates", []any{item.Enum[0], item.Enum[0]}, true)
				}
				if ps.MaxItems != nil && len(item.Enum) == 0 {
					set("too many", slices.Repeat([]any{ids.New()}, int(*ps.MaxItems)+1), true)
				}
			}
		case "object":
			set("wrong type", "x", true)
		}
	}
	return out
}

// forbidsControl tells whether the schema rules out control characters:
// said in its description (names, one-line texts) or implied by a format,
// pattern or enum.
func forbidsControl(s *openapi3.Schema) bool {
	d := strings.ToLower(s.Description)
	return strings.Contains(d, "control") || strings.Contains(d, "one line") ||
		s.Format != "" || s.Pattern != "" || len(s.Enum) > 0 || (s.MaxLength != nil && *s.MaxLength <= 100 && s.MinLength > 0)
}

func bodyCase(path, name string, body map[string]any, refuse bool) hostileCase {
	raw, _ := json.Marshal(body)
	return hostileCase{name: name, path: path, body: raw, ctype: "application/json", refuse: refuse}
}

func clone(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func withValue(m map[string]any, k string, v any) []byte {
	c := clone(m)
	c[k] = v
	raw, _ := json.Marshal(c)
	return raw
}

// dupKeys repeats the sample's first key with another value ("" when the
// sample has no keys).
func dupKeys(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	raw, _ := json.Marshal(m)
	return `{"` + keys[0] + `":12345,` + string(raw[1:])
}

// replaceSegment puts bad where the parameter stands in the route and keeps
// the other (valid) ids of filled.
func replaceSegment(route, filled, param, bad string) string {
	rs, fs := strings.Split(route, "/"), strings.Split(filled, "/")
	for i, s := range rs {
		if s == "{"+param+"}" {
			fs[i] = bad
		}
	}
	return strings.Join(fs, "/")
}

// dumpTable reads every item of the table (a Scan: test code only), keyed
// by pk and sk, skipping the items hostileMayChange names.
func dumpTable(t *testing.T) map[string]string {
	t.Helper()
	c := dynamodb.NewFromConfig(st.AWS)
	out := map[string]string{}
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(st.TableName), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			pk := item["pk"].(*types.AttributeValueMemberS).Value
			sk := item["sk"].(*types.AttributeValueMemberS).Value
			if mayChange(pk) {
				continue
			}
			out[pk+" | "+sk] = fmt.Sprint(avString(item))
		}
	}
	return out
}

func mayChange(pk string) bool {
	for prefix := range hostileMayChange {
		if strings.HasPrefix(pk, prefix) {
			return true
		}
	}
	return false
}

// avString renders an item deterministically (maps sorted by key).
func avString(v any) string {
	switch x := v.(type) {
	case map[string]types.AttributeValue:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{")
		for _, k := range keys {
			b.WriteString(k + ":" + avString(x[k]) + " ")
		}
		b.WriteString("}")
		return b.String()
	case *types.AttributeValueMemberM:
		return avString(x.Value)
	case *types.AttributeValueMemberL:
		parts := make([]string, len(x.Value))
		for i, e := range x.Value {
			parts[i] = avString(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("%q", x.Value)
	case *types.AttributeValueMemberN:
		return x.Value
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprint(x.Value)
	case *types.AttributeValueMemberNULL:
		return "null"
	case *types.AttributeValueMemberSS:
		s := slices.Clone(x.Value)
		sort.Strings(s)
		return fmt.Sprint(s)
	default:
		return fmt.Sprintf("%#v", v)
	}
}

func diffTables(t *testing.T, before, after map[string]string) {
	t.Helper()
	n := 0
	for k, v := range after {
		if old, ok := before[k]; !ok {
			t.Errorf("written by a refused request: %s = %s", k, v)
			n++
		} else if old != v {
			t.Errorf("changed by a refused request: %s\n before %s\n after  %s", k, old, v)
			n++
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("deleted by a refused request: %s", k)
			n++
		}
	}
	if n == 0 {
		t.Logf("table unchanged: %d items compared (%d named exceptions skipped)", len(after), len(hostileMayChange))
	}
}

// admitsNull reports whether the document allows null for a property
// (anyOf/oneOf with a null alternative, or type: [..., "null"]).
func admitsNull(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	if s.Type != nil && s.Type.Includes("null") {
		return true
	}
	for _, alt := range append(append(openapi3.SchemaRefs{}, s.AnyOf...), s.OneOf...) {
		if admitsNull(alt.Value) {
			return true
		}
	}
	return false
}
