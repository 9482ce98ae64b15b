package localstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The stack most tests share: one build, one set of warm processes.
var shared struct {
	once     sync.Once
	stack    *Stack
	logs     *syncBuffer
	jwks     *testJWKS
	stateDir string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stack != nil {
		_ = shared.stack.Close()
	}
	if shared.jwks != nil {
		shared.jwks.srv.Close()
	}
	if shared.stateDir != "" {
		_ = os.RemoveAll(shared.stateDir)
	}
	if emuSet != nil {
		_ = emuSet.Close()
	}
	os.Exit(code)
}

func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// sharedStack starts the test template once, with a fake Cognito that only
// serves a JWKS (the template has no user pool, so nothing is provisioned).
func sharedStack(t *testing.T) (*Stack, *syncBuffer, *testJWKS) {
	t.Helper()
	shared.once.Do(func() {
		shared.jwks = newTestJWKS(t)
		shared.logs = &syncBuffer{}
		shared.stateDir, shared.err = os.MkdirTemp("", "localstack-test-")
		if shared.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		shared.stack, shared.err = Start(ctx, Config{
			Root:      repoRoot(t),
			Template:  "testdata/template.yaml",
			StateDir:  shared.stateDir,
			Endpoints: Endpoints{Cognito: shared.jwks.srv.URL},
			ExtraEnv:  map[string]string{"EXTRA": "yes"},
			Logs:      shared.logs,
		})
	})
	if shared.err != nil {
		t.Fatalf("start: %v", shared.err)
	}
	return shared.stack, shared.logs, shared.jwks
}

// syncBuffer collects logs written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func call(t *testing.T, method, url string, body io.Reader, headers map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// echoed is what testdata/fn/echo answers with.
type echoed struct {
	Event struct {
		Version               string            `json:"version"`
		RouteKey              string            `json:"routeKey"`
		RawPath               string            `json:"rawPath"`
		RawQueryString        string            `json:"rawQueryString"`
		Cookies               []string          `json:"cookies"`
		Headers               map[string]string `json:"headers"`
		QueryStringParameters map[string]string `json:"queryStringParameters"`
		PathParameters        map[string]string `json:"pathParameters"`
		Body                  *string           `json:"body"`
		IsBase64Encoded       bool              `json:"isBase64Encoded"`
		RequestContext        struct {
			AccountID    string `json:"accountId"`
			APIID        string `json:"apiId"`
			DomainName   string `json:"domainName"`
			DomainPrefix string `json:"domainPrefix"`
			RequestID    string `json:"requestId"`
			RouteKey     string `json:"routeKey"`
			Stage        string `json:"stage"`
			Time         string `json:"time"`
			TimeEpoch    int64  `json:"timeEpoch"`
			HTTP         struct {
				Method, Path, Protocol, SourceIP, UserAgent string
			} `json:"http"`
			Authorizer *struct {
				JWT struct {
					Claims map[string]string `json:"claims"`
					Scopes []string          `json:"scopes"`
				} `json:"jwt"`
			} `json:"authorizer"`
		} `json:"requestContext"`
	} `json:"event"`
	Env map[string]string `json:"env"`
}

func decodeEcho(t *testing.T, r response) echoed {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var e echoed
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return e
}

// testJWKS is a fake issuer: a JWKS endpoint under /<pool>/ and a signer.
type testJWKS struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	pool   string
	issuer string
}

func newTestJWKS(t testing.TB) *testJWKS {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	j := &testJWKS{key: key, pool: "local_testpool"}
	b64 := base64.RawURLEncoding.EncodeToString
	jwks := fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":%q,"e":%q}]}`,
		b64(key.N.Bytes()), b64(big.NewInt(int64(key.E)).Bytes()))
	j.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+j.pool+"/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, jwks)
	}))
	j.issuer = j.srv.URL + "/" + j.pool
	return j
}

func (j *testJWKS) sign(t *testing.T, claims jwt.MapClaims, key *rsa.PrivateKey, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// accessClaims look like a cognito-local access token.
func (j *testJWKS) accessClaims() jwt.MapClaims {
	now := time.Now().Unix()
	return jwt.MapClaims{
		"iss":       j.issuer,
		"sub":       "user-1",
		"client_id": "test-client",
		"token_use": "access",
		"scope":     "aws.cognito.signin.user.admin",
		"iat":       now,
		"auth_time": now,
		"exp":       now + 900,
		"jti":       "j-1",
	}
}

func mustContain(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("missing %q in:\n%s", p, s)
		}
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
