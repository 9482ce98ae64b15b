package api

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// The refresh token cookie of the browser console (README "Tokens in the
// console"). A client that asks for it (refreshTokenCookie on login or
// password change) gets the refresh token only as this cookie, never in
// the body: HttpOnly (no script reads it), Secure (browsers keep Secure
// cookies of http://127.0.0.1 too, so it is unconditional), SameSite=Strict
// and scoped to the realm's auth routes (/auth or /customer-auth, after
// the stage prefix), so the browser sends it nowhere else. Refresh and
// logout read it when their body names no token; both decode a JSON body
// first, which a cross-site form can not send.
const RefreshCookieName = "refresh_token"

// AuthCookiePath is the path the refresh cookie is scoped to: the first
// segment of the route ("/auth/login" → "/auth", "/customer-auth/refresh"
// → "/customer-auth") after the API's stage prefix.
func AuthCookiePath(req Request) string {
	_, path, _ := strings.Cut(req.RouteKey, " ")
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	prefix := ""
	if stage := req.RequestContext.Stage; stage != "" && stage != "$default" {
		prefix = "/" + stage
	}
	return prefix + "/" + first
}

// RefreshCookie returns a Set-Cookie value that hands token to the browser
// for lifetime.
func RefreshCookie(req Request, token string, lifetime time.Duration) string {
	return RefreshCookieName + "=" + token + "; Path=" + AuthCookiePath(req) +
		"; Max-Age=" + strconv.Itoa(int(lifetime.Seconds())) + "; HttpOnly; Secure; SameSite=Strict"
}

// ClearRefreshCookie returns a Set-Cookie value that removes the cookie.
func ClearRefreshCookie(req Request) string {
	return RefreshCookieName + "=; Path=" + AuthCookiePath(req) + "; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
}

// CookieValue reads a request cookie (payload 2.0 lists them in Cookies;
// a Cookie header is read too), "" when absent.
func CookieValue(req Request, name string) string {
	list := req.Cookies
	if h := Header(req, "cookie"); h != "" {
		list = append(list, strings.Split(h, ";")...)
	}
	for _, c := range list {
		k, v, ok := strings.Cut(strings.TrimSpace(c), "=")
		if ok && k == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// HasRefreshCookie reports whether the request carries the refresh cookie.
func HasRefreshCookie(req Request) bool { return CookieValue(req, RefreshCookieName) != "" }

// cookieError is an error answer that also sets cookies.
type cookieError struct {
	error
	cookies []string
}

func (e cookieError) Unwrap() error { return e.error }

// WithCookies makes the answer Handle renders for err carry Set-Cookie
// values too (e.g. removing a refresh cookie whose session is over).
func WithCookies(err error, cookies ...string) error {
	if err == nil {
		return nil
	}
	return cookieError{error: err, cookies: cookies}
}

func cookiesOf(err error) []string {
	var ce cookieError
	if errors.As(err, &ce) {
		return ce.cookies
	}
	return nil
}
