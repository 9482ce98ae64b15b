//go:build integration

package api_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"
)

// Every route with a body refuses bad bodies with a 4xx problem+json and
// never a 5xx.
func TestBadBodiesOnEveryBodyRoute(t *testing.T) {
	p := newActive(t, uniqueEmail("hostile"))
	access, _ := login(t, p.Email)
	routes := []struct {
		method, path string
		protected    bool
	}{
		{"POST", "/auth/login", false},
		{"POST", "/auth/refresh", false},
		{"POST", "/auth/invitations/inspect", false},
		{"POST", "/auth/invitations/accept", false},
		{"PATCH", "/auth/me", true},
		{"POST", "/auth/logout", true},
	}
	huge := `{"x":"` + strings.Repeat("a", 70<<10) + `"}`
	bodies := []struct {
		name, body, contentType string
		status                  int
		code                    string
	}{
		{"malformed", `{"email":`, "application/json", 400, "malformed_body"},
		{"not an object", `["a"]`, "application/json", 400, "malformed_body"},
		{"unknown field", `{"unexpected":1}`, "application/json", 422, "validation_failed"},
		{"wrong type", `{"email":1,"token":1,"refreshToken":1,"firstName":1}`, "application/json", 422, "validation_failed"},
		{"huge", huge, "application/json", 413, "payload_too_large"},
		{"wrong content type", `{}`, "text/plain", 415, "unsupported_media_type"},
		{"invalid utf-8", "{\"email\":\"\xff\xfe\"}", "application/json", 400, "malformed_body"},
		{"empty", ``, "application/json", 400, "malformed_body"},
	}
	for _, r := range routes {
		for _, b := range bodies {
			t.Run(r.path+"/"+b.name, func(t *testing.T) {
				token := ""
				if r.protected {
					token = access
				}
				a := call(t, r.method, r.path, token, []byte(b.body), "Content-Type", b.contentType)
				expect(t, a, b.status, b.code)
			})
		}
	}
}

// Well-formed bodies with bad values answer 4xx with the documented codes.
func TestBadValues(t *testing.T) {
	cases := []struct {
		path   string
		body   map[string]any
		status int
		code   string
	}{
		{"/auth/login", map[string]any{"email": "not-an-email", "password": "x"}, 422, "validation_failed"},
		{"/auth/login", map[string]any{"email": "a@b.nl\u0000", "password": "x"}, 422, "validation_failed"},
		{"/auth/login", map[string]any{"email": strings.Repeat("a", 10000) + "@x.nl", "password": "x"}, 422, "validation_failed"},
		{"/auth/refresh", map[string]any{"refreshToken": ""}, 422, "validation_failed"},
		{"/auth/refresh", map[string]any{"refreshToken": "garbage"}, 401, "unauthenticated"},
		{"/auth/invitations/inspect", map[string]any{"token": "garbage"}, 400, "invalid_token"},
		{"/auth/invitations/inspect", map[string]any{"token": strings.Repeat("A", 43)}, 400, "invalid_token"},
		{"/auth/invitations/accept", map[string]any{"token": strings.Repeat("A", 43), "password": password}, 400, "invalid_token"},
		{"/auth/invitations/accept", map[string]any{"token": strings.Repeat("A", 43), "password": password, "firstName": "a\nb"}, 422, "validation_failed"},
	}
	for _, c := range cases {
		expect(t, call(t, "POST", c.path, "", c.body), c.status, c.code)
	}
}

// API Gateway's JWT authorizer (emulated locally) rejects these before any
// function runs, with its own body.
func TestAuthorizerRejects(t *testing.T) {
	p := newActive(t, uniqueEmail("authz"))
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"sub": "x", "iss": st.Issuer, "client_id": st.StaffClientID, "token_use": "access",
		"scope": "aws.cognito.signin.user.admin", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
	}).SignedString(otherKey)

	cases := map[string]string{
		"no token": "",
		"garbage":  "not.a.jwt",
		"forged":   forged,
		"id token": idToken(t, p.Email),
	}
	for name, tok := range cases {
		a := call(t, "GET", "/auth/me", tok, nil)
		if a.Status != 401 || a.Raw != `{"message":"Unauthorized"}` {
			t.Errorf("%s: %d %s", name, a.Status, a.Raw)
		}
	}
	// Unknown routes answer like API Gateway too.
	a := call(t, "GET", "/no/such/route", "", nil)
	if a.Status != 404 || a.Raw != `{"message":"Not Found"}` {
		t.Errorf("unknown route: %d %s", a.Status, a.Raw)
	}
}

// idToken signs in with Cognito directly to get the id token the API never
// hands out, to prove the authorizer refuses it (it lacks the access scope).
// In AWS the clients allow only the admin flow and need a SECRET_HASH, so
// only the API can sign in; cognito-local enforces neither, which lets a
// test get one.
func idToken(t *testing.T, email string) string {
	t.Helper()
	c := cip.NewFromConfig(st.AWS)
	out, err := c.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: &st.StaffClientID,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.AuthenticationResult.IdToken)
}
