package localstack

import (
	"encoding/json"
	"testing"
)

func TestFilterPatterns(t *testing.T) {
	t.Parallel()
	record := `{"eventName":"INSERT","dynamodb":{"NewImage":{"type":{"S":"Outbox"},"kind":{"S":"invite-mail"},
		"tries":{"N":"2"},"tags":{"L":[{"S":"a"}]}},"Keys":{"pk":{"S":"OUTBOX#1"}}},"size":7,"flags":["x","y"]}`
	var ev map[string]any
	if err := json.Unmarshal([]byte(record), &ev); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		pattern string
		want    bool
	}{
		{`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"type":{"S":["Outbox"]}}}}`, true},
		{`{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"type":{"S":["Outbox"]}}}}`, false},
		{`{"eventName":["MODIFY","INSERT"]}`, true},
		{`{"dynamodb":{"NewImage":{"type":{"S":["Person"]}}}}`, false},
		{`{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"OUTBOX#"}]}}}}`, true},
		{`{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"PERSON#"}]}}}}`, false},
		{`{"dynamodb":{"NewImage":{"kind":{"S":[{"suffix":"-mail"}]}}}}`, true},
		{`{"eventName":[{"anything-but":["REMOVE"]}]}`, true},
		{`{"eventName":[{"anything-but":["INSERT","MODIFY"]}]}`, false},
		{`{"eventName":[{"anything-but":"INSERT"}]}`, false},
		{`{"eventName":[{"anything-but":{"prefix":"MOD"}}]}`, true},
		{`{"dynamodb":{"NewImage":{"sentAt":[{"exists":false}]}}}`, true},
		{`{"dynamodb":{"NewImage":{"sentAt":[{"exists":true}]}}}`, false},
		{`{"dynamodb":{"NewImage":{"type":[{"exists":true}]}}}`, true},
		{`{"dynamodb":{"NewImage":{"type":{"S":[{"equals-ignore-case":"OUTBOX"}]}}}}`, true},
		{`{"size":[{"numeric":[">",5,"<=",7]}]}`, true},
		{`{"size":[7]}`, true},
		{`{"size":[{"numeric":["<",5]}]}`, false},
		{`{"flags":["y"]}`, true},
		{`{"missing":["x"]}`, false},
		{`{"dynamodb":{"Missing":{"x":["y"]}}}`, false},
	}
	for _, c := range cases {
		p, err := parseFilterPattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := matchAny([]filterPattern{p}, ev); got != c.want {
			t.Errorf("%s: got %v, want %v", c.pattern, got, c.want)
		}
	}
	if !matchAny(nil, ev) {
		t.Error("no filters must match everything")
	}
	a, _ := parseFilterPattern(`{"eventName":["REMOVE"]}`)
	b, _ := parseFilterPattern(`{"eventName":["INSERT"]}`)
	if !matchAny([]filterPattern{a, b}, ev) {
		t.Error("filters are OR-ed")
	}
}
