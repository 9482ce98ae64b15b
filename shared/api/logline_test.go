package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"backoffice/shared/problem"
)

// The request line's fields are what README's Logs Insights queries and the
// dashboards filter on: their names and JSON types are a contract.
func TestRequestLogLineFields(t *testing.T) {
	var buf bytes.Buffer
	saved := Log
	Log = slog.New(slog.NewJSONHandler(&buf, nil))
	defer func() { Log = saved }()

	cases := []struct {
		name   string
		err    error
		status float64
		code   any // nil: no errorCode field
	}{
		{"ok", nil, 200, nil},
		{"client error", problem.Forbidden, 403, "forbidden"},
		{"server error", errors.New("boom"), 500, "internal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			buf.Reset()
			h := Handle(func(ctx context.Context, req Request) (Response, error) {
				SetCaller(ctx, "01CALLER")
				if tc.err != nil {
					return Response{}, tc.err
				}
				return OK(map[string]string{"a": "b"}), nil
			})
			req := Request{RouteKey: "GET /staff/{id}"}
			req.RequestContext.RequestID = "req-1"
			if _, err := h(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			var line map[string]any
			for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				var v map[string]any
				if err := json.Unmarshal([]byte(l), &v); err != nil {
					t.Fatalf("not JSON: %q", l)
				}
				if v["msg"] == "request" {
					line = v
				}
			}
			if line == nil {
				t.Fatalf("no request line in %q", buf.String())
			}
			want := map[string]any{"level": "INFO", "requestId": "req-1", "route": "GET /staff/{id}", "callerId": "01CALLER", "status": tc.status}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("%s = %#v, want %#v (line %v)", k, line[k], v, line)
				}
			}
			if d, ok := line["durationMs"].(float64); !ok || d < 0 {
				t.Errorf("durationMs = %#v: want a number", line["durationMs"])
			}
			if line["errorCode"] != tc.code {
				t.Errorf("errorCode = %#v, want %#v", line["errorCode"], tc.code)
			}
		})
	}
}
