package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"backoffice/shared/problem"
)

// MaxBody is the largest request body accepted (infra/openapi.yaml: over 64 KiB is 413).
const MaxBody = 64 << 10

// Body returns the raw request body, base64-decoded when API Gateway encoded it.
func Body(req Request) ([]byte, error) {
	if !req.IsBase64Encoded {
		if len(req.Body) > MaxBody {
			return nil, problem.PayloadTooLarge
		}
		return []byte(req.Body), nil
	}
	if base64.StdEncoding.DecodedLen(len(req.Body)) > MaxBody+3 {
		return nil, problem.PayloadTooLarge
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, problem.MalformedBody
	}
	if len(b) > MaxBody {
		return nil, problem.PayloadTooLarge
	}
	return b, nil
}

// DecodeJSON strictly decodes a JSON object body into dst: the content type
// must be JSON, unknown fields are rejected, and nothing may follow the value.
func DecodeJSON(req Request, dst any) error {
	body, err := Body(req)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return problem.MalformedBody.With("A JSON body is required.")
	}
	if !isJSON(Header(req, "content-type")) {
		return problem.UnsupportedMediaType
	}
	if !utf8.Valid(body) {
		return problem.MalformedBody.With("The body is not valid UTF-8.")
	}
	if b := bytes.TrimSpace(body); b[0] != '{' {
		return problem.MalformedBody.With("The body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problem.MalformedBody.With("Unexpected data after the JSON object.")
	}
	if fe, ok := oddField(body, decidesNull(dst)); ok {
		return problem.Invalid(fe)
	}
	return nil
}

// oddField reports the first null or repeated key of a decoded-valid body
// (ok false if none). JSON null decodes into a Go zero value without a trace, so
// {"locale": null} would read as "locale left out"; no field of the
// contract is nullable unless its Go type decodes JSON itself (and so
// tells null from absent: allowNull), so other nulls are refused by name
// instead of being guessed at. A repeated key is refused too: decoders
// disagree on which copy wins, and one copy of a wrong type would be
// silently overwritten.
func oddField(body []byte, allowNull func(field string) bool) (problem.FieldError, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object  bool
		path    string
		key     string // the key whose value comes next (objects)
		wantKey bool   // an object's next string is a key
		index   int    // the next element (arrays)
		seen    map[string]bool
	}
	var stack []*frame
	name := func() string { // where the next value sits
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if !f.object {
			return f.path + "[" + strconv.Itoa(f.index) + "]"
		}
		if f.path == "" {
			return f.key
		}
		return f.path + "." + f.key
	}
	valueDone := func() {
		if len(stack) > 0 {
			if f := stack[len(stack)-1]; f.object {
				f.wantKey = true
			} else {
				f.index++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return problem.FieldError{}, false
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{object: t == '{', wantKey: true, path: name(), seen: map[string]bool{}})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
				if len(stack) == 0 {
					return problem.FieldError{}, false
				}
			}
		case string:
			if top != nil && top.object && top.wantKey {
				top.key, top.wantKey = t, false
				if top.seen[t] {
					return problem.Duplicate(name()).Saying("must appear only once"), true
				}
				top.seen[t] = true
				continue
			}
			valueDone()
		case nil:
			if f := name(); allowNull == nil || !allowNull(f) {
				return problem.Null(f), true
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return problem.MalformedBody
		}
		return problem.Invalid(problem.WrongType(field, jsonType(typeErr.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return problem.Invalid(problem.UnknownField(field))
	default:
		return problem.MalformedBody
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	default:
		return "number"
	}
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json") && strings.HasPrefix(mt, "application/"))
}

// Header returns a request header; HTTP API lowercases header names.
func Header(req Request, name string) string {
	if v, ok := req.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// IfMatch parses If-Match: "<version>" (quotes optional, W/ accepted).
// ok is false when the header is absent.
func IfMatch(req Request) (version int64, ok bool, err error) {
	v := strings.TrimSpace(Header(req, "if-match"))
	if v == "" {
		return 0, false, nil
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	n, perr := strconv.ParseInt(v, 10, 64)
	if perr != nil || n < 1 {
		return 0, false, problem.Invalid(problem.InvalidFormat("If-Match", problem.FormatVersion))
	}
	return n, true, nil
}

// SourceIP is the client address as API Gateway saw it.
func SourceIP(req Request) string { return req.RequestContext.HTTP.SourceIP }

// decidesNull reports, for dst (a pointer to a struct), which top-level
// fields decode JSON themselves (json.Unmarshaler): such a type sees a null
// and gives it a meaning (e.g. "move to the top level"), so it is not
// refused for it.
func decidesNull(dst any) func(field string) bool {
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	unmarshaler := reflect.TypeFor[json.Unmarshaler]()
	fields := map[string]bool{}
	for _, f := range reflect.VisibleFields(t.Elem()) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if f.IsExported() && reflect.PointerTo(f.Type).Implements(unmarshaler) {
			fields[name] = true
		}
	}
	return func(field string) bool { return fields[field] }
}
