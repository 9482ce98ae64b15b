//go:build integration

package api_test

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"backoffice/shared/ids"
	"backoffice/tests/stack"
)

// cognitoKey is cognito-local's signing key: it ships with the emulator, so
// a test can sign tokens the authorizer's key check accepts and vary one
// claim at a time (an expired token, another issuer) to prove which check
// refuses it.
func cognitoKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, ".local", "node", "node_modules", "cognito-local", "lib", "keys", "cognitoLocal.private.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		JWK struct{ N, E, D, P, Q string } `json:"jwk"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	num := func(s string) *big.Int {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return new(big.Int).SetBytes(b)
	}
	k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: num(f.JWK.N), E: int(num(f.JWK.E).Int64())},
		D: num(f.JWK.D), Primes: []*big.Int{num(f.JWK.P), num(f.JWK.Q)}}
	k.Precompute()
	if err := k.Validate(); err != nil {
		t.Fatal(err)
	}
	return k
}

// signedToken is an access token for sub as the pool (issuer, client) would
// issue it, expiring at exp.
func signedToken(t *testing.T, key *rsa.PrivateKey, issuer, clientID, sub string, exp time.Time) string {
	t.Helper()
	// Issued now (after the person's accept, which refuses every earlier
	// token), or an hour before an expiry that is already past.
	issued := time.Now()
	if !exp.After(issued) {
		issued = exp.Add(-time.Hour)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"sub": sub, "iss": issuer, "client_id": clientID, "token_use": "access", "jti": ids.New(),
		"scope": "aws.cognito.signin.user.admin", "auth_time": issued.Unix(),
		"iat": issued.Unix(), "exp": exp.Unix(),
	})
	tok.Header["kid"] = "CognitoLocal"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
