package localstack

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// accessLines returns the access log lines written so far, by request id.
func accessLines(t *testing.T, logs *syncBuffer) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, l := range strings.Split(logs.String(), "\n") {
		text, ok := strings.CutPrefix(l, "[api-access] ")
		if !ok {
			continue
		}
		var fields map[string]string
		if err := json.Unmarshal([]byte(text), &fields); err != nil {
			t.Fatalf("access log line is not JSON: %v: %s", err, text)
		}
		out[fields["requestId"]] = fields
	}
	return out
}

// Stage throttling: a route's RouteSettings replace the defaults, and a
// request without a token gets API Gateway's 429 without reaching the
// function; the access log records it.
func TestThrottling(t *testing.T) {
	t.Parallel()
	s, logs, _ := sharedStack(t)
	for i := range 2 {
		if r := call(t, "GET", s.URL()+"/limited", nil, nil); r.status != 200 {
			t.Fatalf("request %d within the burst: %d %s", i+1, r.status, r.body)
		}
	}
	r := call(t, "GET", s.URL()+"/limited", nil, nil)
	if r.status != http.StatusTooManyRequests || string(r.body) != `{"message":"Too Many Requests"}` ||
		r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("over the burst: %d %s %v", r.status, r.body, r.header)
	}
	if r := call(t, "GET", s.URL()+"/public", nil, nil); r.status != 200 {
		t.Fatalf("another route is not throttled with it: %d", r.status)
	}
	var line map[string]string
	waitFor(t, "the 429's access log line", func() bool {
		line = accessLines(t, logs)[r.header.Get("Apigw-Requestid")]
		return line != nil
	})
	if line["status"] != "429" || line["routeKey"] != "GET /limited" || line["error"] != "Too Many Requests" || line["integrationStatus"] != "-" {
		t.Fatalf("access log of the 429: %v", line)
	}
}

func TestTokenBucket(t *testing.T) {
	t.Parallel()
	if newTokenBucket(map[string]any{"ThrottlingRateLimit": 5}) != nil || newTokenBucket(nil) != nil {
		t.Fatal("a bucket needs both limits")
	}
	b := newTokenBucket(map[string]any{"ThrottlingRateLimit": "2", "ThrottlingBurstLimit": 3})
	now := time.Now()
	for i := range 3 {
		if !b.take(now) {
			t.Fatalf("burst request %d refused", i+1)
		}
	}
	if b.take(now) {
		t.Fatal("a fourth request at once passed a burst of 3")
	}
	if !b.take(now.Add(500*time.Millisecond)) || b.take(now.Add(500*time.Millisecond)) {
		t.Fatal("2/s refills one token in 500 ms")
	}
	if !b.take(now.Add(time.Hour)) || !b.take(now.Add(time.Hour)) || !b.take(now.Add(time.Hour)) || b.take(now.Add(time.Hour)) {
		t.Fatal("refill stops at the burst")
	}
}

// One access log line per request in the template's format, including
// what never reaches a function; no token from a header or the query.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	s, logs, _ := sharedStack(t)
	auth := map[string]string{"Authorization": "Bearer sekret-header", "User-Agent": `agent "quoted"`}
	ok := call(t, "GET", s.URL()+"/public?token=sekret-query", nil, auth)
	denied := call(t, "GET", s.URL()+"/private", nil, auth)
	missing := call(t, "GET", s.URL()+"/nowhere", nil, nil)
	failed := call(t, "GET", s.URL()+"/fail", nil, nil)
	want := map[string]struct {
		resp  response
		check func(map[string]string) bool
	}{
		"200": {ok, func(l map[string]string) bool {
			return l["routeKey"] == "GET /public" && l["ip"] == "127.0.0.1" && l["integrationStatus"] == "200" &&
				l["error"] == "-" && l["authorizerError"] == "-" && l["integrationError"] == "-" && l["unknown"] == "-"
		}},
		"401": {denied, func(l map[string]string) bool {
			return l["routeKey"] == "GET /private" && l["authorizerError"] != "-" && l["error"] == "Unauthorized" && l["integrationStatus"] == "-"
		}},
		"404": {missing, func(l map[string]string) bool { return l["routeKey"] == "-" && l["error"] == "Not Found" }},
		"500": {failed, func(l map[string]string) bool {
			return l["routeKey"] == "GET /fail" && l["integrationError"] != "-" && l["integrationStatus"] == "200"
		}},
	}
	var lines map[string]map[string]string
	waitFor(t, "four access log lines", func() bool {
		lines = accessLines(t, logs)
		for _, w := range want {
			if lines[w.resp.header.Get("Apigw-Requestid")] == nil {
				return false
			}
		}
		return true
	})
	for status, w := range want {
		l := lines[w.resp.header.Get("Apigw-Requestid")]
		if strconv.Itoa(w.resp.status) != status || l["status"] != status || !w.check(l) {
			t.Errorf("%s: answered %d, logged %v", status, w.resp.status, l)
		}
	}
	if strings.Contains(logs.String(), "sekret") {
		t.Error("a token from a header or the query string reached the logs")
	}
}
