package secret

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// scriptedSSM answers GetParameter with the given answers in turn (the last
// one from then on) and counts the calls.
type scriptedSSM struct {
	mu      sync.Mutex
	answers []answer
	calls   int
}

type answer struct {
	status int
	body   string
}

const ok = `{"Parameter":{"Value":"k1"}}`

func (s *scriptedSSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	a := s.answers[min(s.calls, len(s.answers)-1)]
	s.calls++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (s *scriptedSSM) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func scripted(t *testing.T, answers ...answer) (*scriptedSSM, aws.Config) {
	t.Helper()
	s := &scriptedSSM{answers: answers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	return s, aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
}

var (
	throttled   = answer{400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`}
	throttledNS = answer{400, `{"__type":"com.amazonaws.ssm#ThrottlingException","message":"Rate exceeded"}`}
	tooMany     = answer{429, `{"message":"Too Many Requests"}`}
	internal    = answer{500, `{"__type":"InternalServerError","message":"try again"}`}
	unavailable = answer{503, ``}
	notFound    = answer{400, `{"__type":"com.amazonaws.ssm#ParameterNotFound","message":"not here"}`}
	denied      = answer{400, `{"__type":"AccessDeniedException","message":"no"}`}
)

// Throttling and server errors are tried again, a few times, within the
// call's 3 s.
func TestParameterRetriesThrottlingAndServerErrors(t *testing.T) {
	for name, answers := range map[string][]answer{
		"ThrottlingException":            {throttled, answer{200, ok}},
		"namespaced ThrottlingException": {throttledNS, throttledNS, answer{200, ok}},
		"429":                            {tooMany, answer{200, ok}},
		"500 then 503":                   {internal, unavailable, answer{200, ok}},
		"three failures, the 4th call":   {throttled, internal, tooMany, answer{200, ok}},
	} {
		t.Run(name, func(t *testing.T) {
			s, cfg := scripted(t, answers...)
			v, err := Parameter(cfg, "/s/cursor-key")
			if err != nil || v != "k1" {
				t.Fatalf("%q, %v", v, err)
			}
			if s.count() != len(answers) {
				t.Fatalf("%d calls, want %d", s.count(), len(answers))
			}
		})
	}
}

// Retries are bounded: in number, and by the 3 s budget.
func TestParameterGivesUp(t *testing.T) {
	s, cfg := scripted(t, throttled)
	start := time.Now()
	_, err := Parameter(cfg, "/s/cursor-key")
	if err == nil || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Fatalf("err = %v", err)
	}
	if s.count() != maxAttempts {
		t.Fatalf("%d calls, want %d", s.count(), maxAttempts)
	}
	// The waits are at most 100+200+400 ms.
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("took %s", d)
	}
}

// An answer that retrying can not change is not retried.
func TestParameterDoesNotRetryOtherErrors(t *testing.T) {
	for _, a := range []answer{notFound, denied, {403, `{"__type":"UnrecognizedClientException"}`}} {
		s, cfg := scripted(t, a, answer{200, ok})
		if _, err := Parameter(cfg, "/s/cursor-key"); err == nil {
			t.Fatalf("%d %s: no error", a.status, a.body)
		}
		if s.count() != 1 {
			t.Fatalf("%d %s: %d calls", a.status, a.body, s.count())
		}
	}
}

// A server that answers slowly uses up the budget: no retry starts that
// could not finish within it.
func TestParameterRetriesStayWithinTheBudget(t *testing.T) {
	var calls int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		time.Sleep(1200 * time.Millisecond)
		w.WriteHeader(503)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	start := time.Now()
	if _, err := Parameter(cfg, "/s/cursor-key"); err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d > 3200*time.Millisecond {
		t.Fatalf("took %s, more than the 3 s budget", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls < 2 || calls > 3 {
		t.Fatalf("%d calls", calls)
	}
}
