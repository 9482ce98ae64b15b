package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"backoffice/shared/problem"
)

// MaxBody is the largest request body accepted (API.md: over 64 KiB is 413).
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
	if field := nullField(body); field != "" {
		return problem.Invalid(field, "must not be null")
	}
	return nil
}

// nullField names the first null in a decoded-valid body ("" if none). JSON
// null decodes into a Go zero value without a trace, so {"locale": null}
// would read as "locale left out"; no field of the contract is nullable, so
// a null is refused by name instead of being guessed at.
func nullField(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	return findNull(v, "")
}

func findNull(v any, at string) string {
	switch x := v.(type) {
	case nil:
		return at
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k
			if at != "" {
				name = at + "." + k
			}
			if f := findNull(x[k], name); f != "" {
				return f
			}
		}
	case []any:
		for i, e := range x {
			if f := findNull(e, at+"["+strconv.Itoa(i)+"]"); f != "" {
				return f
			}
		}
	}
	return ""
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return problem.MalformedBody
		}
		return problem.Invalid(field, "must be of type "+jsonType(typeErr.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return problem.Invalid(field, "is not a known field")
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
		return 0, false, problem.Invalid("If-Match", `must be a version in quotes, e.g. "3"`)
	}
	return n, true, nil
}

// SourceIP is the client address as API Gateway saw it.
func SourceIP(req Request) string { return req.RequestContext.HTTP.SourceIP }
