package pages

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

var all = map[string]func() events.APIGatewayV2HTTPResponse{
	"accept-invitation": AcceptInvitation,
	"reset-password":    ResetPassword,
	"confirm-email":     ConfirmEmail,
}

var (
	scriptElem = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	styleElem  = regexp.MustCompile(`(?is)<style\b([^>]*)>(.*?)</style>`)
	cspHash    = regexp.MustCompile(`'sha256-[A-Za-z0-9+/]+={0,2}'`)
)

// directives splits a CSP header into name → sources.
func directives(csp string) map[string]string {
	d := map[string]string{}
	for _, part := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), " ")
		d[name] = value
	}
	return d
}

func TestCSPHashesMatchTheInlineCode(t *testing.T) {
	t.Parallel()
	for name, page := range all {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resp := page()
			csp := directives(resp.Headers["Content-Security-Policy"])

			scripts := scriptElem.FindAllStringSubmatch(resp.Body, -1)
			styles := styleElem.FindAllStringSubmatch(resp.Body, -1)
			if len(scripts) != 1 || len(styles) != 1 {
				t.Fatalf("want exactly one inline script and one style, got %d and %d", len(scripts), len(styles))
			}
			if strings.TrimSpace(scripts[0][1]) != "" || strings.TrimSpace(styles[0][1]) != "" {
				t.Errorf("inline elements take no attributes (no src): %q %q", scripts[0][1], styles[0][1])
			}
			if got, want := csp["script-src"], hash(scripts[0][2]); got != want {
				t.Errorf("script-src %s; the script in the page hashes to %s", got, want)
			}
			if got, want := csp["style-src"], hash(styles[0][2]); got != want {
				t.Errorf("style-src %s; the style in the page hashes to %s", got, want)
			}
			if n := len(cspHash.FindAllString(resp.Headers["Content-Security-Policy"], -1)); n != 2 {
				t.Errorf("want exactly 2 hashes in the policy, got %d", n)
			}
		})
	}
}

func TestPolicyIsStrict(t *testing.T) {
	t.Parallel()
	csp := directives(AcceptInvitation().Headers["Content-Security-Policy"])
	want := map[string]string{
		"default-src":     "'none'",
		"connect-src":     "'self'",
		"img-src":         "'self' data:",
		"base-uri":        "'none'",
		"form-action":     "'none'",
		"frame-ancestors": "'none'",
	}
	for k, v := range want {
		if csp[k] != v {
			t.Errorf("%s = %q; want %q", k, csp[k], v)
		}
	}
	for _, d := range []string{"script-src", "style-src"} {
		if strings.Contains(csp[d], "unsafe") || strings.Contains(csp[d], "*") {
			t.Errorf("%s must allow only hashes: %q", d, csp[d])
		}
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	for name, page := range all {
		resp := page()
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", name, resp.StatusCode)
		}
		for k, v := range map[string]string{
			"Content-Type":           "text/html; charset=utf-8",
			"Referrer-Policy":        "no-referrer",
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "no-store",
		} {
			if resp.Headers[k] != v {
				t.Errorf("%s: %s = %q; want %q", name, k, resp.Headers[k], v)
			}
		}
		// Callers add headers; one response must not leak into the next.
		resp.Headers["X-Request-Id"] = "r1"
		if _, ok := page().Headers["X-Request-Id"]; ok {
			t.Errorf("%s: responses share their header map", name)
		}
	}
}

func TestNothingExternalOrInline(t *testing.T) {
	t.Parallel()
	external := regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']?\s*(https?:)?//`)
	cssURL := regexp.MustCompile(`(?i)url\(|@import`)
	handlers := regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
	styleAttr := regexp.MustCompile(`(?i)<[^>]+\sstyle\s*=`)
	for name, page := range all {
		body := page().Body
		if m := external.FindString(body); m != "" {
			t.Errorf("%s loads something from elsewhere: %q", name, m)
		}
		if regexp.MustCompile(`(?i)\ssrc\s*=`).MatchString(body) {
			t.Errorf("%s: the page loads nothing, not even from itself", name)
		}
		if m := cssURL.FindString(body); m != "" {
			t.Errorf("%s: CSS fetches %q", name, m)
		}
		// The CSP blocks these; finding one means a part of the page is dead.
		if m := handlers.FindString(body); m != "" {
			t.Errorf("%s: inline event handler %q", name, m)
		}
		if m := styleAttr.FindString(body); m != "" {
			t.Errorf("%s: style attribute %q", name, m)
		}
		if !strings.Contains(body, `<meta name="viewport" content="width=device-width, initial-scale=1">`) {
			t.Errorf("%s: no viewport meta", name)
		}
		if strings.Contains(body, "{{") {
			t.Errorf("%s: a marker was not replaced", name)
		}
		if !strings.Contains(body, `<html lang="en">`) {
			t.Errorf("%s: no lang attribute", name)
		}
	}
}

var inputElem = regexp.MustCompile(`<input\b[^>]*>`)

func inputs(body string) map[string]string {
	byID := map[string]string{}
	for _, tag := range inputElem.FindAllString(body, -1) {
		if m := regexp.MustCompile(`\bid="([^"]+)"`).FindStringSubmatch(tag); m != nil {
			byID[m[1]] = tag
		}
	}
	return byID
}

func TestFormFields(t *testing.T) {
	t.Parallel()
	tests := map[string]map[string]string{
		"accept-invitation": {
			"email": "username", "firstName": "given-name", "lastName": "family-name",
			"password": "new-password", "confirm": "new-password",
		},
		"reset-password": {"password": "new-password", "confirm": "new-password"},
	}
	for name, fields := range tests {
		body := all[name]().Body
		found := inputs(body)
		if len(found) != len(fields) {
			t.Errorf("%s: inputs %v; want %d", name, found, len(fields))
		}
		for id, autocomplete := range fields {
			tag, ok := found[id]
			if !ok {
				t.Errorf("%s: no input #%s", name, id)
				continue
			}
			if !strings.Contains(tag, `autocomplete="`+autocomplete+`"`) {
				t.Errorf("%s: #%s needs autocomplete=%q: %s", name, id, autocomplete, tag)
			}
			if !strings.Contains(body, `<label for="`+id+`"`) {
				t.Errorf("%s: #%s has no label", name, id)
			}
			if autocomplete == "new-password" && (!strings.Contains(tag, `type="password"`) || !strings.Contains(tag, `minlength="12"`)) {
				t.Errorf("%s: #%s: %s", name, id, tag)
			}
		}
		for _, want := range []string{`role="alert"`, `aria-live="polite"`, `aria-pressed="false"`, `id="password-hint"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: lacks %s", name, want)
			}
		}
	}
}

// The confirmation page asks for nothing: one button, no inputs.
func TestConfirmEmailPageHasNoFields(t *testing.T) {
	t.Parallel()
	body := ConfirmEmail().Body
	if found := inputs(body); len(found) != 0 {
		t.Errorf("inputs %v; want none", found)
	}
	for _, want := range []string{`role="alert"`, `aria-live="polite"`, `<button id="submit" class="primary" type="submit"`, `<title>Confirm your new sign-in address</title>`} {
		if !strings.Contains(body, want) {
			t.Errorf("lacks %s", want)
		}
	}
}

func TestScriptsUseTheRightRoutes(t *testing.T) {
	t.Parallel()
	accept, reset, confirm := AcceptInvitation().Body, ResetPassword().Body, ConfirmEmail().Body
	for _, want := range []string{`"/invitations/inspect"`, `"/invitations/accept"`, `apiBase("/accept-invitation")`} {
		if !strings.Contains(accept, want) {
			t.Errorf("accept page lacks %s", want)
		}
	}
	for _, want := range []string{`"/password/reset"`, `apiBase("/reset-password")`, "newPassword"} {
		if !strings.Contains(reset, want) {
			t.Errorf("reset page lacks %s", want)
		}
	}
	if strings.Contains(reset, "/invitations/") {
		t.Error("the reset page must not call invitation routes")
	}
	for _, want := range []string{`"/email-change/confirm"`, `apiBase("/confirm-email")`, `translate("confirmEmail")`} {
		if !strings.Contains(confirm, want) {
			t.Errorf("confirm page lacks %s", want)
		}
	}
	for _, body := range []string{accept, reset, confirm} {
		if !strings.Contains(body, "history.replaceState") || !strings.Contains(body, `"/customer-auth"`) {
			t.Error("pages must wipe the token and know the customer routes")
		}
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	h := Handler(AcceptInvitation)
	call := func(method string) events.APIGatewayV2HTTPResponse {
		var req events.APIGatewayV2HTTPRequest
		req.RequestContext.HTTP.Method = method
		resp, err := h(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := call("GET"); r.StatusCode != 200 || r.Body == "" {
		t.Errorf("GET: %d", r.StatusCode)
	}
	if r := call("HEAD"); r.StatusCode != 200 || r.Body != "" || r.Headers["Content-Security-Policy"] == "" {
		t.Errorf("HEAD: %d, body %d bytes", r.StatusCode, len(r.Body))
	}
	if r := call("POST"); r.StatusCode != 405 || r.Headers["Allow"] != "GET, HEAD" {
		t.Errorf("POST: %d %v", r.StatusCode, r.Headers)
	}
}
