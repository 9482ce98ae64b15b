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

func TestLoginRulesHashTheEmail(t *testing.T) {
	rules := DefaultLimits.rules("A@x.nl", "10.0.0.1")
	if rules[0].Key == "A@x.nl" || len(rules[0].Key) != 32 || rules[0].Limit != 5 || rules[1].Key != "10.0.0.1" || rules[1].Limit != 100 {
		t.Fatalf("rules %+v: the email must be hashed", rules)
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
