package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"backoffice/shared/problem"
)

func jsonReq(body string) Request {
	return Request{Headers: map[string]string{"content-type": "application/json; charset=utf-8"}, Body: body}
}

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Age      int    `json:"age"`
}

func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		name string
		req  Request
		code string
		fld  string
	}{
		{"ok", jsonReq(`{"email":"a@b.nl","password":"x"}`), "", ""},
		{"empty", jsonReq(``), "malformed_body", ""},
		{"syntax", jsonReq(`{"email":`), "malformed_body", ""},
		{"array", jsonReq(`[1]`), "malformed_body", ""},
		{"null", jsonReq(`null`), "malformed_body", ""},
		{"trailing", jsonReq(`{"email":"a"} {}`), "malformed_body", ""},
		{"unknown field", jsonReq(`{"email":"a","admin":true}`), "validation_failed", "admin"},
		{"wrong type", jsonReq(`{"email":5}`), "validation_failed", "email"},
		{"wrong number", jsonReq(`{"age":"x"}`), "validation_failed", "age"},
		{"null field", jsonReq(`{"email":"a","password":null}`), "validation_failed", "password"},
		{"null number", jsonReq(`{"age":null}`), "validation_failed", "age"},
		{"repeated key", jsonReq(`{"age":1,"email":"a","age":2}`), "validation_failed", "age"},
		{"repeated key of another type", jsonReq(`{"age":"x","age":2}`), "validation_failed", "age"},
		{"content type", Request{Headers: map[string]string{"content-type": "text/plain"}, Body: `{}`}, "unsupported_media_type", ""},
		{"no content type", Request{Body: `{}`}, "unsupported_media_type", ""},
		{"too large", jsonReq(`{"email":"` + strings.Repeat("a", MaxBody) + `"}`), "payload_too_large", ""},
		{"invalid utf8", jsonReq("{\"email\":\"\xff\"}"), "malformed_body", ""},
		{"base64", Request{Headers: map[string]string{"content-type": "application/json"}, IsBase64Encoded: true,
			Body: base64.StdEncoding.EncodeToString([]byte(`{"email":"a"}`))}, "", ""},
		{"bad base64", Request{Headers: map[string]string{"content-type": "application/json"}, IsBase64Encoded: true, Body: "!!"}, "malformed_body", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var dst loginBody
			err := DecodeJSON(c.req, &dst)
			if c.code == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			p, ok := problem.As(err)
			if !ok || p.Code != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			if c.fld != "" && (len(p.Fields) != 1 || p.Fields[0].Field != c.fld) {
				t.Fatalf("fields %+v, want %s", p.Fields, c.fld)
			}
		})
	}
}

func TestHandleRendersProblemsAndHidesInternals(t *testing.T) {
	req := Request{RouteKey: "POST /x", RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-1"}}
	h := Handle(func(context.Context, Request) (Response, error) {
		return Response{}, errors.New("dynamodb: secret table detail")
	})
	resp, err := h(context.Background(), req)
	if err != nil || resp.StatusCode != 500 || resp.Headers["Content-Type"] != "application/problem+json" {
		t.Fatalf("resp %+v err %v", resp, err)
	}
	if strings.Contains(resp.Body, "secret") || !strings.Contains(resp.Body, "req-1") || resp.Headers["X-Request-Id"] != "req-1" {
		t.Fatalf("body leaks internals or lacks the request id: %s", resp.Body)
	}

	limited := Handle(func(context.Context, Request) (Response, error) { return Response{}, problem.RateLimitedFor(42) })
	resp, _ = limited(context.Background(), req)
	var body map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &body)
	if resp.StatusCode != 429 || resp.Headers["Retry-After"] != "42" || body["code"] != "rate_limited" || body["status"] != float64(429) {
		t.Fatalf("rate limited: %+v %s", resp, resp.Body)
	}

	panics := Handle(func(context.Context, Request) (Response, error) { panic("boom") })
	resp, err = panics(context.Background(), req)
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("panic not recovered: %+v %v", resp, err)
	}
}

func TestValidationErrorsListFields(t *testing.T) {
	var f problem.Fields
	f.Add(problem.InvalidEmail("email"))
	resp := Problem(mustProblem(t, f.Err()))
	var body struct {
		Code   string               `json:"code"`
		Errors []problem.FieldError `json:"errors"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || resp.StatusCode != 422 || body.Errors[0].Field != "email" ||
		body.Errors[0].Code != problem.CodeInvalidEmail {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
}

func mustProblem(t *testing.T, err error) *problem.Error {
	t.Helper()
	p, ok := problem.As(err)
	if !ok {
		t.Fatalf("%v is not a problem", err)
	}
	return p
}

func TestIfMatch(t *testing.T) {
	for header, want := range map[string]int64{`"3"`: 3, `W/"12"`: 12, `7`: 7} {
		v, ok, err := IfMatch(Request{Headers: map[string]string{"if-match": header}})
		if err != nil || !ok || v != want {
			t.Errorf("%s: %d %v %v", header, v, ok, err)
		}
	}
	if _, ok, err := IfMatch(Request{}); ok || err != nil {
		t.Error("absent header")
	}
	for _, bad := range []string{`"x"`, `"0"`, `"-1"`, `*`} {
		if _, _, err := IfMatch(Request{Headers: map[string]string{"if-match": bad}}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestBaseURL(t *testing.T) {
	req := Request{RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "abc.execute-api.eu-west-1.amazonaws.com", Stage: "$default"}}
	if got := BaseURL(req, ""); got != "https://abc.execute-api.eu-west-1.amazonaws.com" {
		t.Fatal(got)
	}
	req.RequestContext.Stage = "v1"
	if got := BaseURL(req, ""); got != "https://abc.execute-api.eu-west-1.amazonaws.com/v1" {
		t.Fatal(got)
	}
	if got := BaseURL(req, "https://shop.example/"); got != "https://shop.example" {
		t.Fatal(got)
	}
}

func TestOddFieldNamesNullsAndRepeatsWhereverTheyAre(t *testing.T) {
	for body, want := range map[string]string{
		`{"a":1,"b":{"c":[1,2]}}`:          "",
		`{"a":{"b":1,"b":2}}`:              "a.b",
		`{"a":[1,{"c":null}]}`:             "a[1].c",
		`{"a":[1,null]}`:                   "a[1]",
		`{"":1,"":2}`:                      "",
		`{"a":{"x":1},"b":{"x":1},"a":3}`:  "a",
		`{"list":[{"k":1},{"k":1}],"z":0}`: "",
	} {
		fe, ok := oddField([]byte(body), nil)
		if body == `{"":1,"":2}` {
			if !ok || fe.Code != problem.CodeDuplicate {
				t.Errorf("%s: a repeated empty key passed", body)
			}
			continue
		}
		if got := fe.Field; got != want || ok != (want != "") {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
}
