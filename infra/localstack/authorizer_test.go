package localstack

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestJWTAuthorizer(t *testing.T) {
	t.Parallel()
	s, _, j := sharedStack(t)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	with := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := j.accessClaims()
		change(c)
		return c
	}
	good := j.sign(t, j.accessClaims(), j.key, "k1")
	cases := []struct {
		name, path, auth string
		status           int
	}{
		{"no token", "/private", "", 401},
		{"garbage", "/private", "Bearer not.a.jwt", 401},
		{"good", "/private", "Bearer " + good, 200},
		{"good without Bearer", "/private", good, 200},
		{"expired", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) { c["exp"] = now - 10 }), j.key, "k1"), 401},
		{"no exp", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) { delete(c, "exp") }), j.key, "k1"), 401},
		{"not yet valid", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) { c["nbf"] = now + 600 }), j.key, "k1"), 401},
		{"issued in the future", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) { c["iat"] = now + 600 }), j.key, "k1"), 401},
		{"wrong issuer", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) { c["iss"] = j.srv.URL + "/local_other" }), j.key, "k1"), 401},
		{"real cognito issuer", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) {
			c["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/local_testpool"
		}), j.key, "k1"), 401},
		{"another key, same kid", "/private", "Bearer " + j.sign(t, j.accessClaims(), otherKey, "k1"), 401},
		{"another key, unknown kid", "/private", "Bearer " + j.sign(t, j.accessClaims(), otherKey, "k2"), 401},
		{"id token (aud, no scope)", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) {
			delete(c, "client_id")
			delete(c, "scope")
			c["aud"] = "test-client"
			c["token_use"] = "id"
		}), j.key, "k1"), 401},
		{"wrong client_id", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) { c["client_id"] = "other" }), j.key, "k1"), 401},
		{"wrong aud, right client_id", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) { c["aud"] = "other" }), j.key, "k1"), 401},
		{"right aud with scope", "/private", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) {
			delete(c, "client_id")
			c["aud"] = []string{"x", "test-client"}
		}), j.key, "k1"), 200},
		{"route scope missing", "/admin", "Bearer " + good, 401},
		{"route scope present", "/admin", "Bearer " + j.sign(t, with(func(c jwt.MapClaims) { c["scope"] = "read admin" }), j.key, "k1"), 200},
		{"public route ignores tokens", "/public", "Bearer garbage", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			headers := map[string]string{}
			if c.auth != "" {
				headers["Authorization"] = c.auth
			}
			r := call(t, "GET", s.URL()+c.path, nil, headers)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.status == 401 {
				if string(r.body) != `{"message":"Unauthorized"}` || r.header.Get("Www-Authenticate") != "Bearer" {
					t.Errorf("401 answer: %s %v", r.body, r.header)
				}
			}
		})
	}
}

func TestJWTClaimsAsAPIGatewayGivesThem(t *testing.T) {
	t.Parallel()
	s, _, j := sharedStack(t)
	c := j.accessClaims()
	c["cognito:groups"] = []string{"owner", "staff"}
	c["big"] = 1700000000
	c["ratio"] = 1.5
	c["verified"] = true
	c["address"] = map[string]any{"city": "Gent"}
	token := j.sign(t, c, j.key, "k1")

	e := decodeEcho(t, call(t, "GET", s.URL()+"/private", nil, map[string]string{"Authorization": "Bearer " + token}))
	az := e.Event.RequestContext.Authorizer
	if az == nil {
		t.Fatal("no authorizer context")
	}
	want := map[string]string{
		"sub":            "user-1",
		"client_id":      "test-client",
		"scope":          "aws.cognito.signin.user.admin",
		"cognito:groups": "[owner staff]",
		"big":            "1700000000",
		"ratio":          "1.5",
		"verified":       "true",
		"address":        `{"city":"Gent"}`,
		"iss":            j.issuer,
	}
	for k, v := range want {
		if az.JWT.Claims[k] != v {
			t.Errorf("claim %s = %q, want %q", k, az.JWT.Claims[k], v)
		}
	}
	if !reflect.DeepEqual(az.JWT.Scopes, []string{"aws.cognito.signin.user.admin"}) {
		t.Errorf("scopes %v", az.JWT.Scopes)
	}
	// The Authorization header reaches the function, as on AWS.
	if e.Event.Headers["authorization"] != "Bearer "+token {
		t.Error("authorization header not passed on")
	}
}

func TestClaimString(t *testing.T) {
	t.Parallel()
	var claims map[string]any
	dec := json.NewDecoder(stringsReader(`{"n":1.7e9,"i":12,"f":0.25,"l":["a",1,true],"o":{"a":[1]},"z":null}`))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"n": "1700000000", "i": "12", "f": "0.25", "l": "[a 1 true]", "o": `{"a":[1]}`, "z": ""}
	for k, v := range want {
		if got := claimString(claims[k]); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}
