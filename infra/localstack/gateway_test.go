package localstack

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

func TestStackOutputsAndResources(t *testing.T) {
	t.Parallel()
	s, _, _ := sharedStack(t)
	want := map[string]string{
		"TableName": "backoffice-Table",
		"ApiUrl":    "https://local.execute-api.eu-west-1.amazonaws.com",
		"QueueArn":  "arn:aws:sqs:eu-west-1:000000000000:backoffice-Queue",
		"Picked":    "b-000000000000",
		"SeedId":    "seed-1",
	}
	got := s.Outputs()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("output %s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["ProdQueue"]; ok {
		t.Error("output with a false condition must be left out")
	}
	for id, v := range map[string]string{
		"Table": "backoffice-Table", "EchoFunction": "backoffice-EchoFunction", "Api": "local", "Seed": "seed-1",
	} {
		if r := s.Resource(id); r != v {
			t.Errorf("Resource(%s) = %q, want %q", id, r, v)
		}
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %q", s.URL())
	}
}

func TestEventShape(t *testing.T) {
	t.Parallel()
	s, _, j := sharedStack(t)
	req, _ := http.NewRequest("GET", s.URL()+"/items/a%20b?a=1&a=2&b=x%20y", nil)
	req.Header.Add("X-Multi", "1")
	req.Header.Add("X-Multi", "2")
	req.Header.Set("Cookie", "c1=v1; c2=v2")
	req.Header.Set("User-Agent", "tester/1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	e := decodeEcho(t, response{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()})
	ev := e.Event
	checks := map[string][2]string{
		"version":        {ev.Version, "2.0"},
		"routeKey":       {ev.RouteKey, "GET /items/{id}"},
		"rawPath":        {ev.RawPath, "/items/a%20b"},
		"rawQueryString": {ev.RawQueryString, "a=1&a=2&b=x%20y"},
		"query a":        {ev.QueryStringParameters["a"], "1,2"},
		"query b":        {ev.QueryStringParameters["b"], "x y"},
		"path id":        {ev.PathParameters["id"], "a b"},
		"x-multi":        {ev.Headers["x-multi"], "1,2"},
		"user-agent":     {ev.Headers["user-agent"], "tester/1"},
		"host header":    {ev.Headers["host"], strings.TrimPrefix(s.URL(), "http://")},
		"x-fwd-for":      {ev.Headers["x-forwarded-for"], "127.0.0.1"},
		"cookie header":  {ev.Headers["cookie"], ""},
		"cookies":        {strings.Join(ev.Cookies, "|"), "c1=v1|c2=v2"},
		"accountId":      {ev.RequestContext.AccountID, "000000000000"},
		"apiId":          {ev.RequestContext.APIID, "local"},
		"stage":          {ev.RequestContext.Stage, "$default"},
		"ctx routeKey":   {ev.RequestContext.RouteKey, "GET /items/{id}"},
		"domainName":     {ev.RequestContext.DomainName, strings.TrimPrefix(s.URL(), "http://")},
		"domainPrefix":   {ev.RequestContext.DomainPrefix, "127"},
		"requestId":      {ev.RequestContext.RequestID, resp.Header.Get("Apigw-Requestid")},
		"method":         {ev.RequestContext.HTTP.Method, "GET"},
		"path":           {ev.RequestContext.HTTP.Path, "/items/a%20b"},
		"protocol":       {ev.RequestContext.HTTP.Protocol, "HTTP/1.1"},
		"sourceIp":       {ev.RequestContext.HTTP.SourceIP, "127.0.0.1"},
		"userAgent":      {ev.RequestContext.HTTP.UserAgent, "tester/1"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if ev.RequestContext.RequestID == "" || ev.RequestContext.TimeEpoch == 0 || ev.RequestContext.Time == "" {
		t.Errorf("request context lacks id or time: %+v", ev.RequestContext)
	}
	if ev.Body != nil || ev.IsBase64Encoded {
		t.Errorf("GET without body: body %v base64 %v", ev.Body, ev.IsBase64Encoded)
	}
	if ev.RequestContext.Authorizer != nil {
		t.Error("public route must have no authorizer context")
	}

	env := e.Env
	wantEnv := map[string]string{
		"TABLE_NAME": "backoffice-Table", "STAGE": "test", "SHARED": "local", "EXTRA": "yes",
		"QUEUE_ARN":                       "arn:aws:sqs:eu-west-1:000000000000:backoffice-Queue",
		"AWS_REGION":                      "eu-west-1",
		"AWS_DEFAULT_REGION":              "eu-west-1",
		"AWS_ACCESS_KEY_ID":               "local",
		"AWS_SECRET_ACCESS_KEY":           "local",
		"AWS_LAMBDA_FUNCTION_NAME":        "backoffice-EchoFunction",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/backoffice-EchoFunction",
		"_HANDLER":                        "bootstrap",
		"TZ":                              "UTC",
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": j.srv.URL,
	}
	for k, v := range wantEnv {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"ONLY_PROD", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SES"} {
		if _, ok := env[k]; ok {
			t.Errorf("env %s must not be set", k)
		}
	}
	if !strings.HasPrefix(env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", env["AWS_LAMBDA_RUNTIME_API"])
	}
}

func TestBodyEncoding(t *testing.T) {
	t.Parallel()
	s, _, _ := sharedStack(t)
	cases := []struct {
		name, contentType string
		body              []byte
		base64            bool
	}{
		{"json", "application/json; charset=utf-8", []byte(`{"a":1}`), false},
		{"problem json", "application/problem+json", []byte(`{"a":1}`), false},
		{"text", "text/plain", []byte("héllo"), false},
		{"form", "application/x-www-form-urlencoded", []byte("a=1&b=2"), false},
		{"xml", "application/xml", []byte("<a/>"), false},
		{"no type", "", []byte("plain"), false},
		{"binary type", "application/octet-stream", []byte("abc"), true},
		{"image", "image/png", []byte{0x89, 'P', 'N', 'G'}, true},
		{"invalid utf8 as json", "application/json", []byte{0xff, 0xfe}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			headers := map[string]string{}
			if c.contentType != "" {
				headers["Content-Type"] = c.contentType
			}
			e := decodeEcho(t, call(t, "POST", s.URL()+"/echo", bytes.NewReader(c.body), headers)).Event
			if e.IsBase64Encoded != c.base64 || e.Body == nil {
				t.Fatalf("isBase64Encoded = %v, body %v", e.IsBase64Encoded, e.Body)
			}
			got := []byte(*e.Body)
			if c.base64 {
				got, _ = base64.StdEncoding.DecodeString(*e.Body)
			}
			if !bytes.Equal(got, c.body) {
				t.Fatalf("body %q, want %q", got, c.body)
			}
		})
	}
}

func TestResponseMapping(t *testing.T) {
	t.Parallel()
	s, _, _ := sharedStack(t)
	cases := []struct {
		name, out  string
		status     int
		body       string
		headers    map[string]string
		setCookies []string
	}{
		{"full", `{"statusCode":201,"headers":{"x-a":"1","content-type":"text/plain"},"multiValueHeaders":{"x-m":["a","b"]},"cookies":["c1=v1; Path=/","c2=v2"],"body":"hi"}`,
			201, "hi", map[string]string{"X-A": "1", "Content-Type": "text/plain", "X-M": "a"}, []string{"c1=v1; Path=/", "c2=v2"}},
		{"base64", `{"statusCode":200,"body":"aGk=","isBase64Encoded":true}`, 200, "hi", nil, nil},
		{"no statusCode object", `{"message":"x"}`, 200, `{"message":"x"}`, map[string]string{"Content-Type": "application/json"}, nil},
		{"no statusCode string", `"hello"`, 200, "hello", map[string]string{"Content-Type": "application/json"}, nil},
		{"no statusCode number", `42`, 200, "42", map[string]string{"Content-Type": "application/json"}, nil},
		{"bad statusCode", `{"statusCode":"abc"}`, 500, `{"message":"Internal Server Error"}`, nil, nil},
		{"bad base64", `{"statusCode":200,"body":"%%%","isBase64Encoded":true}`, 500, `{"message":"Internal Server Error"}`, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, "POST", s.URL()+"/respond", strings.NewReader(c.out), map[string]string{"Content-Type": "application/json"})
			if r.status != c.status || string(r.body) != c.body {
				t.Fatalf("got %d %q, want %d %q", r.status, r.body, c.status, c.body)
			}
			for k, v := range c.headers {
				if r.header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, r.header.Get(k), v)
				}
			}
			if c.name == "full" && strings.Join(r.header.Values("X-M"), ",") != "a,b" {
				t.Errorf("multi-value header: %v", r.header.Values("X-M"))
			}
			if got := r.header.Values("Set-Cookie"); strings.Join(got, "|") != strings.Join(c.setCookies, "|") {
				t.Errorf("cookies %v, want %v", got, c.setCookies)
			}
			if r.header.Get("Apigw-Requestid") == "" {
				t.Error("no apigw-requestid header")
			}
		})
	}
}

func TestGatewayErrors(t *testing.T) {
	t.Parallel()
	s, _, _ := sharedStack(t)
	cases := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/nowhere", 404, `{"message":"Not Found"}`},
		{"POST", "/public", 404, `{"message":"Not Found"}`},
		{"GET", "/fail", 500, `{"message":"Internal Server Error"}`},
		{"GET", "/crash", 500, `{"message":"Internal Server Error"}`},
		{"GET", "/crash", 500, `{"message":"Internal Server Error"}`}, // a fresh process crashes again
		{"GET", "/fail", 500, `{"message":"Internal Server Error"}`},  // and the function still serves
		{"GET", "/sleep", 503, `{"message":"Service Unavailable"}`},
		{"GET", "/fail", 500, `{"message":"Internal Server Error"}`}, // the killed process is replaced
		{"GET", "/initerror", 500, `{"message":"Internal Server Error"}`},
	}
	for _, c := range cases {
		r := call(t, c.method, s.URL()+c.path, nil, nil)
		if r.status != c.status || string(r.body) != c.body {
			t.Errorf("%s %s: got %d %s, want %d %s", c.method, c.path, r.status, r.body, c.status, c.body)
		}
		if r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: content-type %q", c.method, c.path, r.header.Get("Content-Type"))
		}
	}
	big := bytes.Repeat([]byte("x"), maxRequestBody+1)
	r := call(t, "POST", s.URL()+"/echo", bytes.NewReader(big), map[string]string{"Content-Type": "text/plain"})
	if r.status != 413 || string(r.body) != `{"message":"Request Entity Too Large"}` {
		t.Errorf("big body: got %d %s", r.status, r.body)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	s, _, _ := sharedStack(t)
	origin := "https://app.example.com"

	r := call(t, "OPTIONS", s.URL()+"/items/1", nil, map[string]string{
		"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
	want := map[string]string{
		"Access-Control-Allow-Origin":  origin,
		"Access-Control-Allow-Methods": "GET,POST,OPTIONS",
		"Access-Control-Allow-Headers": "authorization,content-type",
		"Access-Control-Max-Age":       "600",
	}
	if r.status != 204 || len(r.body) != 0 {
		t.Fatalf("preflight: %d %s", r.status, r.body)
	}
	for k, v := range want {
		if r.header.Get(k) != v {
			t.Errorf("preflight %s = %q, want %q", k, r.header.Get(k), v)
		}
	}
	// Preflights are answered even where no route exists, without a function.
	r = call(t, "OPTIONS", s.URL()+"/no-route", nil, map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"})
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("preflight without route: %d %v", r.status, r.header)
	}
	r = call(t, "OPTIONS", s.URL()+"/items/1", nil, map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin allowed: %v", r.header)
	}

	r = call(t, "GET", s.URL()+"/public", nil, map[string]string{"Origin": origin})
	if r.header.Get("Access-Control-Allow-Origin") != origin || r.header.Get("Access-Control-Expose-Headers") != "etag,location" {
		t.Errorf("simple request CORS headers: %v", r.header)
	}
	r = call(t, "GET", s.URL()+"/nowhere", nil, map[string]string{"Origin": origin})
	if r.status != 404 || r.header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("404 CORS headers: %d %v", r.status, r.header)
	}
	r = call(t, "GET", s.URL()+"/public", nil, map[string]string{"Origin": "https://evil.example"})
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin allowed: %v", r.header)
	}
}

func TestBodyHelpers(t *testing.T) {
	t.Parallel()
	if queryParameters("") != nil {
		t.Error("empty query must give nil")
	}
	if got := queryParameters("a=1&a=2&b="); got["a"] != "1,2" || got["b"] != "" {
		t.Errorf("query: %v", got)
	}
	if domainPrefix("abc.execute-api.eu-west-1.amazonaws.com") != "abc" || domainPrefix("localhost:3000") != "localhost" {
		t.Error("domainPrefix")
	}
}
