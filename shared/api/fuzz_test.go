package api

import (
	"encoding/base64"
	"testing"

	"backoffice/shared/problem"
)

// FuzzDecodeJSON: any body, encoding and content type gives either a
// decoded value or a client problem (4xx), never a panic or a 5xx.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{`{"email":"a@b.nl","password":"x"}`, `{"email":`, `[]`, `null`, "{\"email\":\"\xff\"}", `{"age":1e999}`, `{"email":"a"} x`} {
		f.Add(seed, false, "application/json")
	}
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"email":"a"}`)), true, "application/json; charset=utf-8")
	f.Add(`{}`, false, "text/plain")
	f.Fuzz(func(t *testing.T, body string, b64 bool, contentType string) {
		req := Request{Body: body, IsBase64Encoded: b64, Headers: map[string]string{"content-type": contentType}}
		var dst loginBody
		err := DecodeJSON(req, &dst)
		if err == nil {
			return
		}
		p, ok := problem.As(err)
		if !ok || p.Status < 400 || p.Status >= 500 {
			t.Fatalf("body %q: %v is not a client problem", body, err)
		}
	})
}
