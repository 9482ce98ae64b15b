//go:build integration

package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backoffice/tests/stack"
)

// The link pages in a real browser (Debian's headless Chromium): open the
// link from the mail, fill in the form, submit, then sign in through the
// API. Screenshots land in .local/artifacts.

var linkRe = regexp.MustCompile(`https?://\S+#token=[A-Za-z0-9_-]{43}`)

func linkFromMail(t *testing.T, to string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := st.WaitMail(ctx, to, "")
	if err != nil {
		t.Fatal(err)
	}
	link := linkRe.FindString(m.Text)
	if link == "" {
		t.Fatalf("no link in %q", m.Text)
	}
	return link
}

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
	link := linkFromMail(t, email)
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
	reset := linkFromMail(t, email)
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
	link := linkFromMail(t, email)
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
