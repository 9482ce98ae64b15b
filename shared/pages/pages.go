// Package pages serves the small HTML pages behind the links in mails
// (accept an invitation, reset a password, confirm a new sign-in address). Each page is one self-contained
// document: inline CSS and script, no external assets, locked down by a
// Content-Security-Policy that allows exactly that inline code by its hash.
package pages

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

//go:embed assets
var assets embed.FS

// page is a built document and the policy that lets its inline code run.
type page struct {
	body string
	csp  string
}

// Built at package init, from the same strings that go into the document,
// so the CSP hashes can never drift from the code they allow.
var (
	acceptInvitation = build("accept-invitation", "accept", "Accept your invitation")
	resetPassword    = build("reset-password", "reset", "Choose a new password")
	confirmEmail     = build("confirm-email", "confirmEmail", "Confirm your new sign-in address")
)

// AcceptInvitation is the page behind invitation links (GET /accept-invitation).
func AcceptInvitation() events.APIGatewayV2HTTPResponse { return acceptInvitation.response() }

// ResetPassword is the page behind password reset links (GET /reset-password).
func ResetPassword() events.APIGatewayV2HTTPResponse { return resetPassword.response() }

// ConfirmEmail is the page behind the links confirming a new sign-in
// address (GET /confirm-email).
func ConfirmEmail() events.APIGatewayV2HTTPResponse { return confirmEmail.response() }

func (p page) response() events.APIGatewayV2HTTPResponse {
	// A fresh map each time: wrappers (api.Handle) add headers to it.
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers: map[string]string{
			"Content-Type":            "text/html; charset=utf-8",
			"Content-Security-Policy": p.csp,
			// The URL holds a live token until the script removes it.
			"Referrer-Policy":        "no-referrer",
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY", // for browsers without frame-ancestors
			"Cache-Control":          "no-store",
		},
		Body: p.body,
	}
}

// build assembles a page from layout.html, <file>.html (with passwords.html
// where it says {{passwords}}), base.css, page.css, page.js and <file>.js. Plain
// marker replacement, not text/template: executing a template links
// reflection that stops the linker from dropping unused methods, which
// cost these tiny functions 1.4 MB. It panics on a missing asset: they
// are embedded, so that is a build defect the package tests catch.
func build(file, name, title string) page {
	style := BaseCSS() + read("assets/page.css")
	// One function scope for the shared and the page's code: no globals.
	script := "(() => {\n\"use strict\";\n" + read("assets/page.js") + "\n" + read("assets/"+file+".js") + "})();\n"
	content := strings.ReplaceAll(read("assets/"+file+".html"), "{{passwords}}", read("assets/passwords.html"))
	body := strings.NewReplacer(
		"{{title}}", title,
		"{{name}}", name,
		"{{style}}", style,
		"{{script}}", script,
		"{{content}}", content,
	).Replace(read("assets/layout.html"))
	return page{body: body, csp: policy(script, style)}
}

// BaseCSS is the palette and basics of base.css, which the console's
// stylesheet starts with too: one look for every page the API serves.
func BaseCSS() string { return read("assets/base.css") }

func policy(script, style string) string {
	return Policy(
		"default-src 'none'",
		"script-src "+hash(script),
		"style-src "+hash(style),
		"connect-src 'self'",
		"img-src 'self' data:",
		"base-uri 'none'",
		"form-action 'none'", // the script submits with fetch; a plain submit would put passwords in the URL
		"frame-ancestors 'none'",
	)
}

// Policy joins CSP directives into one header value; the console
// (shared/console) builds its policy with it too.
func Policy(directives ...string) string {
	return strings.Join(directives, "; ")
}

// hash is a CSP source expression for an inline element's exact text.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func read(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("pages: %v", err))
	}
	return string(b)
}
