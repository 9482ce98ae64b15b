package session

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"backoffice/shared/directory"
)

func fakeJWT(claims map[string]any) string {
	payload, _ := json.Marshal(claims)
	return "e30." + base64.RawURLEncoding.EncodeToString(payload) + ".sig"
}

func TestReadClaims(t *testing.T) {
	c, err := readClaims(fakeJWT(map[string]any{"sub": "s", "jti": "j", "auth_time": 100, "iat": 200, "exp": 300}))
	if err != nil || c.Sub != "s" || c.issued() != 100 || c.Expires != 300 {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = readClaims(fakeJWT(map[string]any{"sub": "s", "iat": 200}))
	if err != nil || c.issued() != 200 {
		t.Fatalf("iat fallback: %+v %v", c, err)
	}
	for _, bad := range []string{"", "a.b", "a.!!.c", fakeJWT(map[string]any{"iat": 1}), fakeJWT(map[string]any{"sub": "s"})} {
		if _, err := readClaims(bad); err == nil {
			t.Errorf("readClaims(%q) accepted", bad)
		}
	}
}

func TestWindowEstimate(t *testing.T) {
	l := limiter{limits: Limits{PerEmail: 5, PerIP: 100, Window: 15 * time.Minute}}
	start := time.Unix(900*1000, 0)
	cur, elapsed := l.window(start)
	if cur != 1000 || elapsed != 0 {
		t.Fatalf("window %d %v", cur, elapsed)
	}
	cur, elapsed = l.window(start.Add(450 * time.Second))
	if cur != 1000 || elapsed != 0.5 {
		t.Fatalf("half window %d %v", cur, elapsed)
	}
	subjects := l.subjects("A@x.nl", "10.0.0.1")
	if subjects[0].key == "A@x.nl" || len(subjects[0].key) != 32 || subjects[1].key != "10.0.0.1" {
		t.Fatalf("subjects %+v: the email must be hashed", subjects)
	}
}

func TestLimitsFromEnv(t *testing.T) {
	t.Setenv("LOGIN_LIMIT_PER_EMAIL", "")
	t.Setenv("LOGIN_LIMIT_PER_IP", "500")
	l := LimitsFromEnv()
	if l.PerEmail != 5 || l.PerIP != 500 || l.Window != 15*time.Minute {
		t.Fatalf("%+v", l)
	}
	t.Setenv("LOGIN_LIMIT_PER_IP", "-3")
	if LimitsFromEnv().PerIP != 100 {
		t.Fatal("negative limit accepted")
	}
}

func TestZeroLimitsUseTheDefaultWindow(t *testing.T) {
	cur, _ := limiter{}.window(time.Unix(900*7, 0))
	if cur != 7 {
		t.Fatalf("window %d", cur)
	}
}

func TestExpiresInFromExp(t *testing.T) {
	now := time.Unix(1000, 0)
	c := accessClaims{Expires: 1900}
	if got := withExpiresIn(directory.Tokens{}, c, now).ExpiresIn; got != 900 {
		t.Fatalf("derived %d, want 900", got)
	}
	if got := withExpiresIn(directory.Tokens{ExpiresIn: 3600}, c, now).ExpiresIn; got != 3600 {
		t.Fatalf("Cognito's own %d replaced", got)
	}
	if got := withExpiresIn(directory.Tokens{}, accessClaims{Expires: 900}, now).ExpiresIn; got != 0 {
		t.Fatalf("an expired token: %d", got)
	}
}
