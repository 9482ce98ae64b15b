package secret

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"backoffice/shared/list"
	"backoffice/shared/problem"
)

// fakeSSM answers GetParameter with a fixed value (or a fixed failure) and
// records what it received.
type fakeSSM struct {
	mu     sync.Mutex
	reqs   []recorded
	status int
	body   string
}

type recorded struct {
	header http.Header
	path   string
	body   map[string]any
}

func (f *fakeSSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{header: r.Header.Clone(), path: r.URL.Path, body: body})
	status, answer := f.status, f.body
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
}

func (f *fakeSSM) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func (f *fakeSSM) answer(status int, body string) {
	f.mu.Lock()
	f.status, f.body = status, body
	f.mu.Unlock()
}

func start(t *testing.T) (*fakeSSM, aws.Config) {
	t.Helper()
	f := &fakeSSM{status: 200, body: `{"Parameter":{"Name":"/s/cursor-key","Type":"SecureString","Value":"k1 k0","Version":3}}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	cfg := aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}
	return f, cfg
}

// The hand-made call must be the request the official client sends.
func TestParameterSendsWhatServiceSSMSends(t *testing.T) {
	f, cfg := start(t)

	// ssmEndpoint is the fake here (AWS_ENDPOINT_URL_SSM).
	client := ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(ssmEndpoint("eu-west-1")) })
	official, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/s/cursor-key"), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	ours, err := Parameter(cfg, "/s/cursor-key")
	if err != nil {
		t.Fatal(err)
	}
	if ours != *official.Parameter.Value || ours != "k1 k0" {
		t.Fatalf("value %q, service/ssm read %q", ours, *official.Parameter.Value)
	}
	if f.calls() != 2 {
		t.Fatalf("%d requests", f.calls())
	}
	want, got := f.reqs[0], f.reqs[1]
	for _, h := range []string{"Content-Type", "X-Amz-Target"} {
		if got.header.Get(h) != want.header.Get(h) {
			t.Errorf("%s = %q, service/ssm sends %q", h, got.header.Get(h), want.header.Get(h))
		}
	}
	if got.path != want.path {
		t.Errorf("path %q, service/ssm %q", got.path, want.path)
	}
	if !jsonEqual(got.body, want.body) {
		t.Errorf("body %v, service/ssm %v", got.body, want.body)
	}
	scope := regexp.MustCompile(`Credential=AKIDEXAMPLE/\d{8}/eu-west-1/ssm/aws4_request`)
	for _, r := range []recorded{want, got} {
		if !scope.MatchString(r.header.Get("Authorization")) {
			t.Errorf("Authorization %q lacks the ssm signing scope", r.header.Get("Authorization"))
		}
		if !strings.Contains(r.header.Get("Authorization"), "x-amz-target") {
			t.Errorf("X-Amz-Target is not signed: %q", r.header.Get("Authorization"))
		}
	}
}

func jsonEqual(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestParameterErrorNamesTheCause(t *testing.T) {
	f, cfg := start(t)
	f.answer(400, `{"__type":"com.amazonaws.ssm#ParameterNotFound","message":"not here"}`)
	_, err := Parameter(cfg, "/s/missing")
	if err == nil || !strings.Contains(err.Error(), "ParameterNotFound") || !strings.Contains(err.Error(), "/s/missing") {
		t.Fatalf("err = %v", err)
	}
}

func TestEndpoint(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_SSM", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	for region, want := range map[string]string{
		"eu-west-1":  "https://ssm.eu-west-1.amazonaws.com",
		"cn-north-1": "https://ssm.cn-north-1.amazonaws.com.cn",
	} {
		if got := ssmEndpoint(region); got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}

// In AWS the key is fetched on the first page, once, and a failed fetch is
// tried again by the next request instead of failing the process for good.
func TestCursorSignerFetchesOnFirstUseOnce(t *testing.T) {
	f, _ := start(t)
	t.Setenv(CursorKeyParameterEnv, "/s/cursor-key")
	f.answer(500, `{"__type":"InternalServerError","message":"try again"}`)

	s := CursorSigner()
	if f.calls() != 0 {
		t.Fatalf("fetched at cold start: %d calls", f.calls())
	}
	if _, err := s.Encode(map[string]int{"a": 1}); err == nil {
		t.Fatal("Encode without keys succeeded")
	}
	var v map[string]int
	if err := s.Decode("x.y", &v); err == nil || errors.Is(err, problem.InvalidCursor) {
		t.Fatalf("a key that can not be loaded must be a server error, not invalid_cursor: %v", err)
	}

	f.answer(200, `{"Parameter":{"Value":"k1 k0"}}`)
	c, err := s.Encode(map[string]int{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Decode(c, &v); err != nil || v["a"] != 1 {
		t.Fatalf("round trip: %v %v", v, err)
	}
	before := f.calls()
	for range 5 {
		if _, err := s.Encode(1); err != nil {
			t.Fatal(err)
		}
	}
	if f.calls() != before {
		t.Fatalf("keys fetched again: %d calls after %d", f.calls(), before)
	}
	// The parameter's second key still verifies (rotation).
	old, _ := list.NewSigner("k0").Encode(map[string]int{"a": 2})
	if err := s.Decode(old, &v); err != nil || v["a"] != 2 {
		t.Fatalf("cursor signed with the previous key: %v %v", v, err)
	}
	if got, _ := list.NewSigner("k1").Encode(map[string]int{"a": 1}); got != c {
		t.Fatal("the first key of the parameter does not sign")
	}
}

func TestCursorSignerWithoutConfigurationPanics(t *testing.T) {
	t.Setenv(CursorKeyParameterEnv, "")
	defer func() {
		if recover() == nil {
			t.Fatal("no panic: a function would sign with no key")
		}
	}()
	CursorSigner()
}
