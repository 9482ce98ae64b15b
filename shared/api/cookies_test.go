package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"backoffice/shared/problem"
)

func TestRefreshCookieIsScopedToTheRealmsAuthRoutes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ route, stage, path string }{
		{"POST /auth/login", "$default", "/auth"},
		{"POST /auth/password/change", "", "/auth"},
		{"POST /customer-auth/refresh", "$default", "/customer-auth"},
		{"POST /auth/logout", "prod", "/prod/auth"},
	} {
		var req Request
		req.RouteKey = c.route
		req.RequestContext.Stage = c.stage
		got := RefreshCookie(req, "tok.en-_1", 30*24*time.Hour)
		want := "refresh_token=tok.en-_1; Path=" + c.path + "; Max-Age=2592000; HttpOnly; Secure; SameSite=Strict"
		if got != want {
			t.Errorf("%s (%s):\n got %s\nwant %s", c.route, c.stage, got, want)
		}
		if clear := ClearRefreshCookie(req); clear != "refresh_token=; Path="+c.path+"; Max-Age=0; HttpOnly; Secure; SameSite=Strict" {
			t.Errorf("clear: %s", clear)
		}
	}
}

func TestCookieValue(t *testing.T) {
	t.Parallel()
	var req Request
	if CookieValue(req, RefreshCookieName) != "" || HasRefreshCookie(req) {
		t.Error("no cookies: want empty")
	}
	req.Cookies = []string{"other=1", "refresh_token=abc.def"}
	if got := CookieValue(req, RefreshCookieName); got != "abc.def" || !HasRefreshCookie(req) {
		t.Errorf("got %q", got)
	}
	req = Request{Headers: map[string]string{"cookie": "a=b; refresh_token=xyz"}}
	if got := CookieValue(req, RefreshCookieName); got != "xyz" {
		t.Errorf("header: got %q", got)
	}
	req = Request{Cookies: []string{"refresh_token_old=1", "xrefresh_token=2"}}
	if got := CookieValue(req, RefreshCookieName); got != "" {
		t.Errorf("a cookie of another name: %q", got)
	}
}

func TestErrorAnswersCarryTheirCookies(t *testing.T) {
	t.Parallel()
	h := Handle(func(context.Context, Request) (Response, error) {
		return Response{}, WithCookies(problem.Unauthenticated, "refresh_token=; Max-Age=0")
	})
	resp, _ := h(context.Background(), Request{})
	if resp.StatusCode != 401 || strings.Join(resp.Cookies, "|") != "refresh_token=; Max-Age=0" || !strings.Contains(resp.Body, `"unauthenticated"`) {
		t.Errorf("%d %v %s", resp.StatusCode, resp.Cookies, resp.Body)
	}
	if WithCookies(nil, "x") != nil {
		t.Error("WithCookies(nil) must stay nil")
	}
}
