package idempotency

import (
	"testing"

	"backoffice/shared/api"
)

func TestTagIsPerCallerAndKey(t *testing.T) {
	req := func(k string) api.Request {
		return api.Request{Headers: map[string]string{"idempotency-key": k}}
	}
	if Tag(api.Request{}, "P") != "" {
		t.Fatal("a request without a key has a tag")
	}
	a := Tag(req("k1"), "P")
	if a == "" || a != Tag(req("k1"), "P") {
		t.Fatalf("the same caller and key tag differently: %q", a)
	}
	if a == Tag(req("k2"), "P") || a == Tag(req("k1"), "Q") {
		t.Fatal("another key or caller has the same tag")
	}
}
