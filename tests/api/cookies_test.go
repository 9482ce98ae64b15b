//go:build integration

package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// browserLike is a client with a cookie jar, as the console's browser is.
type browserLike struct {
	t      *testing.T
	client *http.Client
}

func newBrowserLike(t *testing.T) *browserLike {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browserLike{t: t, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (b *browserLike) do(method, path, token, contentType, body string) answer {
	b.t.Helper()
	req, err := http.NewRequest(method, st.URL+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	validateResponse(b.t, method, path, resp.StatusCode, resp.Header, raw)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &a.JSON)
	return a
}

func (b *browserLike) cookie(path string) string {
	u, _ := url.Parse(st.URL + path)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "refresh_token" {
			return c.Value
		}
	}
	return ""
}

func jsonBody(t *testing.T, v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// The console's token model: login with refreshTokenCookie answers the
// refresh token only as an HttpOnly cookie scoped to /auth; refresh and
// logout read it from a JSON request; logout and logout-all remove it.
// Clients without the flag keep the token in the body (login_test.go).
func TestRefreshTokenCookie(t *testing.T) {
	p := newActive(t, uniqueEmail("cookie"))
	b := newBrowserLike(t)
	a := b.do("POST", "/auth/login", "", "application/json", jsonBody(t, map[string]any{"email": p.Email, "password": password, "refreshTokenCookie": true}))
	expect(t, a, 200)
	if _, ok := a.JSON["refreshToken"]; ok {
		t.Fatalf("the body carries the refresh token: %s", a.Raw)
	}
	set := a.Header.Get("Set-Cookie")
	for _, want := range []string{"refresh_token=", "Path=/auth", "HttpOnly", "Secure", "SameSite=Strict", "Max-Age=2592000"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %s", set, want)
		}
	}
	if b.cookie("/auth/refresh") == "" || b.cookie("/staff") != "" || b.cookie("/customer-auth/refresh") != "" {
		t.Fatal("the cookie must reach /auth only")
	}
	access := a.str("accessToken")

	// Refresh from the cookie, only with a JSON body.
	for _, ct := range []string{"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"} {
		expect(t, b.do("POST", "/auth/refresh", "", ct, "a=b"), 415, "unsupported_media_type")
	}
	expect(t, b.do("POST", "/auth/refresh", "", "application/json", ""), 400, "malformed_body")
	r := b.do("POST", "/auth/refresh", "", "application/json", "{}")
	expect(t, r, 200)
	if r.str("accessToken") == "" {
		t.Fatal("no access token")
	}
	expect(t, call(t, "GET", "/auth/me", r.str("accessToken"), nil), 200)

	// Password change with the flag: the new refresh token replaces the cookie.
	old := b.cookie("/auth/refresh")
	c := b.do("POST", "/auth/password/change", access, "application/json", jsonBody(t, map[string]any{
		"currentPassword": password, "newPassword": "a brand new passphrase", "refreshTokenCookie": true}))
	expect(t, c, 200)
	if _, ok := c.JSON["refreshToken"]; ok || b.cookie("/auth/refresh") == old || b.cookie("/auth/refresh") == "" {
		t.Fatalf("password change: body %s, cookie changed %v", c.Raw, b.cookie("/auth/refresh") != old)
	}
	access = c.str("accessToken")
	expect(t, b.do("POST", "/auth/refresh", "", "application/json", "{}"), 200)

	// Logout ends the cookie's session and removes the cookie.
	expect(t, b.do("POST", "/auth/logout", access, "application/json", "{}"), 204)
	if b.cookie("/auth/refresh") != "" {
		t.Fatal("logout left the cookie")
	}
	expect(t, b.do("POST", "/auth/refresh", "", "application/json", "{}"), 422, "validation_failed")

	// Logout-all removes it too; a cookie of an ended session is 401 and removed.
	a = b.do("POST", "/auth/login", "", "application/json", jsonBody(t, map[string]any{"email": p.Email, "password": "a brand new passphrase", "refreshTokenCookie": true}))
	expect(t, a, 200)
	stale := b.cookie("/auth/refresh")
	expect(t, b.do("POST", "/auth/logout-all", a.str("accessToken"), "", ""), 204)
	if b.cookie("/auth/refresh") != "" {
		t.Fatal("logout-all left the cookie")
	}
	u, _ := url.Parse(st.URL + "/auth")
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "refresh_token", Value: stale, Path: "/auth"}})
	gone := b.do("POST", "/auth/refresh", "", "application/json", "{}")
	expect(t, gone, 401, "unauthenticated")
	if b.cookie("/auth/refresh") != "" {
		t.Fatal("a 401 refresh leaves the cookie of an ended session")
	}
}

// The customer realm scopes its cookie to /customer-auth.
func TestCustomerRefreshTokenCookie(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("cookie-customer")
	_, _, _ = activeCustomer(t, owner, email)
	b := newBrowserLike(t)
	a := b.do("POST", "/customer-auth/login", "", "application/json", jsonBody(t, map[string]any{"email": email, "password": password, "refreshTokenCookie": true}))
	expect(t, a, 200)
	if !strings.Contains(a.Header.Get("Set-Cookie"), "Path=/customer-auth;") || b.cookie("/auth/refresh") != "" {
		t.Fatalf("customer cookie: %q", a.Header.Get("Set-Cookie"))
	}
	expect(t, b.do("POST", "/customer-auth/refresh", "", "application/json", "{}"), 200)
	// A staff refresh does not see the customer's cookie.
	expect(t, b.do("POST", "/auth/refresh", "", "application/json", "{}"), 422, "validation_failed")
	expect(t, b.do("POST", "/customer-auth/logout", a.str("accessToken"), "application/json", "{}"), 204)
	if b.cookie("/customer-auth/refresh") != "" {
		t.Fatal("customer logout left the cookie")
	}
}
