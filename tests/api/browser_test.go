//go:build integration

package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"backoffice/tests/stack"
)

// The link pages in a real browser (Debian's headless Chromium): open the
// link from the mail, fill in the form, submit, then sign in through the
// API. Screenshots land in .local/artifacts.

func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CHROME_PATH")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("chromium is not installed: scripts/test.sh installs Debian's chromium")
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(420, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// The first Run starts the browser and must not carry a timeout (it
	// would stop the browser); the test's own deadline bounds the rest.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	return ctx
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, ".local", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fillPasswords types the new password twice, submits and returns the
// status line the page shows afterwards.
func fillPasswords(t *testing.T, ctx context.Context, pw string) string {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.SendKeys(chromedp.ID("confirm"), pw),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitNotVisible(chromedp.ID("form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
	if err != nil {
		t.Fatal(err)
	}
	return status
}

func TestBrowserAcceptsInvitationAndResetsPassword(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("browser")
	expect(t, invite(t, owner, email), 201)
	link := st.MailLink(t, email, "").URL
	ctx := browser(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("form"))); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("email")))
	if err != nil || shown != email {
		t.Fatalf("page shows %q (%v), want %q", shown, err, email)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || strings.Contains(url, "token=") {
		t.Fatalf("the token stays in the address bar: %s %v", url, err)
	}
	screenshot(t, ctx, "accept-invitation")
	if status := fillPasswords(t, ctx, "a browser-made passphrase"); !strings.Contains(status, "ready") {
		t.Fatalf("status %q", status)
	}
	screenshot(t, ctx, "accept-invitation-done")
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": "a browser-made passphrase"}), 200)

	expect(t, call(t, "POST", "/auth/password/forgot", "", map[string]any{"email": email}), 202)
	reset := st.MailLink(t, email, "").URL
	if err := chromedp.Do(ctx, chromedp.Navigate(reset), chromedp.WaitVisible(chromedp.ID("form"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "reset-password")
	if status := fillPasswords(t, ctx, "the second passphrase"); !strings.Contains(status, "changed") {
		t.Fatalf("status %q", status)
	}
	screenshot(t, ctx, "reset-password-done")
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": "the second passphrase"}), 200)
}

// A customer's invitation link opens the same page, which calls the
// customer API because the link says so (?for=customer).
func TestBrowserCustomerAcceptsInvitation(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("browser-customer")
	expect(t, createCustomer(t, owner, email, nil), 201)
	link := st.MailLink(t, email, "").URL
	if !strings.Contains(link, "?for=customer#token=") {
		t.Fatalf("customer link: %s", link)
	}
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("form"))); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("email")))
	if err != nil || shown != email {
		t.Fatalf("page shows %q (%v), want %q", shown, err, email)
	}
	screenshot(t, ctx, "customer-accept-invitation")
	if status := fillPasswords(t, ctx, "a customer passphrase"); !strings.Contains(status, "ready") {
		t.Fatalf("status %q", status)
	}
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": "a customer passphrase"}), 200)
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": "a customer passphrase"}), 401, "invalid_credentials")
}

// confirmInBrowser opens a confirmation link, checks the token leaves the
// address bar and that opening changed nothing, clicks the button and
// returns the status line the page shows afterwards.
func confirmInBrowser(t *testing.T, ctx context.Context, link, shot string, unchanged func()) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("form"))); err != nil {
		t.Fatal(err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || strings.Contains(url, "token=") {
		t.Fatalf("the token stays in the address bar: %s %v", url, err)
	}
	screenshot(t, ctx, shot)
	unchanged()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("submit")), chromedp.WaitNotVisible(chromedp.ID("form"))); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, shot+"-done")
	return status
}

// The link confirming a colleague's new sign-in address, in Chromium:
// opening it changes nothing, its button moves the address (the page says
// which), and the same link opened again says it is used.
func TestBrowserConfirmsANewAddress(t *testing.T) {
	_, owner := newOwner(t)
	p := newActive(t, uniqueEmail("browser-mover"))
	next := uniqueEmail("browser-moved")
	expect(t, call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"email": next}), 200)
	link := st.MailLink(t, next, "").URL
	if !strings.Contains(link, "/confirm-email#token=") {
		t.Fatalf("confirmation link: %s", link)
	}
	ctx := browser(t)
	status := confirmInBrowser(t, ctx, link, "confirm-email", func() {
		login(t, p.Email)
		loginFails(t, "/auth/login", next)
	})
	if !strings.Contains(status, next) {
		t.Fatalf("status %q does not name the new address", status)
	}
	login(t, next)
	loginFails(t, "/auth/login", p.Email)

	// A fresh load of the used link (not a jump within the page).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("form")), chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitNotVisible(chromedp.ID("form"))); err != nil {
		t.Fatal(err)
	}
	alert, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("alert")))
	if err != nil || !strings.Contains(alert, "no longer valid") {
		t.Fatalf("used link: alert %q (%v)", alert, err)
	}
	screenshot(t, ctx, "confirm-email-used")
}

// A customer's confirmation link opens the same page, which calls the
// customer API because the link says so (?for=customer).
func TestBrowserCustomerConfirmsANewAddress(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("browser-cust-mover")
	id, _, _ := activeCustomer(t, owner, email)
	next := uniqueEmail("browser-cust-moved")
	expect(t, call(t, "PATCH", "/customers/"+id, owner, map[string]any{"email": next}), 200)
	link := st.MailLink(t, next, "").URL
	if !strings.Contains(link, "/confirm-email?for=customer#token=") {
		t.Fatalf("customer confirmation link: %s", link)
	}
	status := confirmInBrowser(t, browser(t), link, "customer-confirm-email", func() {
		expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": password}), 200)
	})
	if !strings.Contains(status, next) {
		t.Fatalf("status %q does not name the new address", status)
	}
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": next, "password": password}), 200)
	loginFails(t, "/customer-auth/login", email)
}
