//go:build integration

// Package console_test drives the backoffice console in Debian's headless
// Chromium (chromedp) through the whole local stack: one stack and one
// browser for the package, a fresh browser context (cookies of its own) per
// person. Every screen and open dialog is checked with axe-core (WCAG 2.1
// A/AA), for tokens in script-readable storage, for CSP violations and
// script errors, and photographed at phone and desktop sizes into
// .local/artifacts/console-*.png.
package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"backoffice/shared/audit"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/tests/stack"
)

var (
	st        *stack.Stack
	browser   context.Context // the browser; tabs derive from it
	axeSource string
	root      string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), stack.StartTimeout)
	defer cancel()
	var err error
	if root, err = stack.RepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	axe, err := os.ReadFile(filepath.Join(root, ".local", "axe", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "axe-core is not installed: scripts/test.sh installs it into .local/axe:", err)
		return 1
	}
	axeSource = string(axe)
	if st, err = stack.Start(ctx, root); err != nil {
		fmt.Fprintln(os.Stderr, "start stack:", err)
		return 1
	}
	defer st.Close()
	if err := setSeats(ctx, 1000, 1000, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	path := os.Getenv("CHROME_PATH")
	if path == "" {
		if path, err = exec.LookPath("chromium"); err != nil {
			fmt.Fprintln(os.Stderr, "chromium is not installed: scripts/test.sh installs Debian's chromium")
			return 1
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"), chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(filepath.Join(os.TempDir(), fmt.Sprintf("console-chromium-%d", os.Getpid()))),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	var cancelBrowser context.CancelFunc
	browser, cancelBrowser = chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		fmt.Fprintln(os.Stderr, "start chromium:", err)
		return 1
	}
	defer os.RemoveAll(filepath.Join(os.TempDir(), fmt.Sprintf("console-chromium-%d", os.Getpid())))
	code := m.Run()
	// The calls the console made the functions make must all be allowed by
	// their policies in template.yaml: the emulators enforce no IAM.
	if err := st.CheckCalls(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	return code
}

// setSeats writes the plan's figures straight into the settings item.
func setSeats(ctx context.Context, limit, included, priceCents int) error {
	db := store.New(store.NewClient(st.AWS), st.TableName)
	tx := db.Tx()
	tx.Update(store.SettingsKey(), expression.Set(expression.Name("seatLimit"), expression.Value(limit)).
		Set(expression.Name("includedSeats"), expression.Value(included)).
		Set(expression.Name("pricePerExtraSeatCents"), expression.Value(priceCents)), nil, nil)
	return db.Write(ctx, tx)
}

const password = "console test passphrase"

var seq atomic.Int64

func uniqueEmail(prefix string) string {
	return prefix + "-" + strconv.FormatInt(seq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36) + "@example.com"
}

// invited makes an invited person straight through the domain package.
func invited(t *testing.T, email, first, last string, roleIDs ...string) string {
	t.Helper()
	db := store.New(store.NewClient(st.AWS), st.TableName)
	svc := &staff.Service{Store: db, Now: db.Now}
	inv, err := svc.Invite(context.Background(), audit.System, "Test",
		staff.InviteInput{Email: email, FirstName: first, LastName: last, RoleIDs: roleIDs}, st.URL)
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return inv.Staff.ID
}

// active makes an active person with the test password (the mail's link,
// accepted in the browser's stead).
func active(t *testing.T, email, first, last string, roleIDs ...string) string {
	t.Helper()
	id := invited(t, email, first, last, roleIDs...)
	tok := st.MailLink(t, email, "").Token
	apiCall(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password}, 204)
	return id
}

// figureTo25Rows signs email in on the console screen at path (a list of at
// least 25 rows), then loads it ten times and logs the median time from
// navigation to 25 rows in the table (pageProbe's window.__rows25) as the
// figure what; a median over 1.5 s fails t.
func figureTo25Rows(t *testing.T, email, path, what string) {
	t.Helper()
	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL(path)))
	tb.signIn(email)
	tb.waitFor(`document.querySelectorAll("tbody tr[data-id]").length === 25`)
	var times []float64
	for i := 0; i < 10; i++ {
		tb.do(chromedp.Navigate(consoleURL(path)))
		tb.waitFor(`window.__rows25 !== undefined`)
		ms, _ := strconv.ParseFloat(tb.eval(`String(window.__rows25)`), 64)
		times = append(times, ms)
	}
	sort.Float64s(times)
	median := (times[4] + times[5]) / 2
	t.Logf("navigation → %s: median %.0f ms of 10 (min %.0f, max %.0f)", what, median, times[0], times[9])
	if median > 1500 {
		t.Errorf("navigation → %s: median %.0f ms", what, median)
	}
}

// --- the browser --------------------------------------------------------------

// tab is one page in a browser context of its own (its own cookies).
type tab struct {
	t      *testing.T
	ctx    context.Context
	mu     sync.Mutex
	errors []string // script exceptions and console errors
}

func newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageProbe}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			tb.errors = append(tb.errors, "exception: "+e.ExceptionDetails.Text+" "+describe(e.ExceptionDetails.Exception))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				tb.errors = append(tb.errors, "console.error: "+strings.Join(parts, " "))
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return tb
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	return o.Description
}

// pageProbe runs before the page's own scripts: it records CSP violations
// and the moment the staff table first shows 25 rows.
const pageProbe = `
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
new MutationObserver(() => {
  if (window.__rows25 === undefined && document.querySelectorAll("tbody tr[data-id]").length >= 25) {
    window.__rows25 = performance.now();
  }
}).observe(document, { childList: true, subtree: true });
`

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v (errors in the page: %v)", err, tb.pageErrors())
	}
}

func (tb *tab) eval(js string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("eval %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is true.
//
// A condition that throws counts as not yet true: a view being redrawn (a
// language switch, a reload) has no heading for a moment, and reading one
// then must not fail the test. The last exception is shown on timeout.
func (tb *tab) waitFor(cond string) {
	tb.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := tb.eval(`(() => { try { return String(!!(` + cond + `)); } catch (e) { return "threw: " + e; } })()`)
		if got == "true" {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("timed out waiting for %s (last: %s)\nURL %s\nview: %s\nerrors: %v", cond, got, tb.eval("location.href"),
				tb.eval(`document.body.innerText.slice(0, 1500)`), tb.pageErrors())
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// waitText waits for a text on the page. When it is a notice in the toast,
// the screen behind it must be drawn already: a toast that comes before the
// list has reloaded lets a person (or a test) open a row's menu that the
// reload then replaces.
func (tb *tab) waitText(text string) {
	tb.t.Helper()
	tb.waitFor(`document.body.innerText.includes(` + jsString(text) + `)`)
	early := `(() => { const t = document.getElementById("toast"); return !!t && t.innerText.includes(` + jsString(text) + `) && !!document.querySelector('[aria-busy="true"]'); })()`
	if tb.eval(`String(`+early+`)`) == "true" {
		tb.t.Errorf("the notice %q was shown while the screen was still loading", text)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (tb *tab) pageErrors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.errors...)
}

// click clicks the first element matching a CSS selector.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	// A visible element, clicked in the page (as a keyboard's Enter would):
	// a pointer at coordinates can land on a toast that covers it.
	tb.waitFor(`document.querySelector(` + jsString(sel) + `) && document.querySelector(` + jsString(sel) + `).offsetParent !== null`)
	tb.eval(`document.querySelector(` + jsString(sel) + `).click(), ""`)
}

// clickText clicks the first visible button or link whose text is text.
func (tb *tab) clickText(text string) {
	tb.t.Helper()
	find := `[...document.querySelectorAll("button, a")].find((e) => e.textContent.trim() === ` + jsString(text) + ` && e.offsetParent !== null)`
	tb.waitFor(find)
	tb.eval(`(` + find + `).click(), ""`)
}

func (tb *tab) typeInto(sel, text string) {
	tb.t.Helper()
	tb.waitFor(`document.querySelector(` + jsString(sel) + `)`)
	tb.eval(`(() => { const e = document.querySelector(` + jsString(sel) + `); e.value = ""; e.focus(); return ""; })()`)
	tb.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// choose sets a <select> and tells the page, as a person's choice does.
func (tb *tab) choose(sel, value string) {
	tb.t.Helper()
	tb.waitFor(`document.querySelector(` + jsString(sel) + `)`)
	tb.eval(`(() => { const e = document.querySelector(` + jsString(sel) + `); e.value = ` + jsString(value) + `; e.dispatchEvent(new Event("change", {bubbles: true})); return ""; })()`)
}

// chooseIn sets the <select> a JavaScript expression finds.
func (tb *tab) chooseIn(expr, value string) {
	tb.t.Helper()
	tb.waitFor(expr)
	tb.eval(`(() => { const e = ` + expr + `; e.value = ` + jsString(value) + `; e.dispatchEvent(new Event("change", {bubbles: true})); return ""; })()`)
}

func (tb *tab) path() string { return tb.eval(`location.pathname + location.search`) }

// check runs everything every screen must pass, then photographs it at
// phone and desktop size.
func (tb *tab) check(name string) {
	tb.t.Helper()
	// Tokens never where script can read them.
	if got := tb.eval(`JSON.stringify([document.cookie, localStorage.length, sessionStorage.length])`); got != `["",0,0]` {
		tb.t.Errorf("%s: script-readable storage holds %s", name, got)
	}
	if v := tb.eval(`JSON.stringify(window.__csp || [])`); v != "[]" {
		tb.t.Errorf("%s: CSP violations %s", name, v)
	}
	if errs := tb.pageErrors(); len(errs) > 0 {
		tb.t.Errorf("%s: errors in the page: %v", name, errs)
	}
	if tb.eval(`String(typeof axe)`) != "object" {
		tb.eval(axeSource + `; ""`)
	}
	out := tb.eval(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
	  .then((r) => JSON.stringify(r.violations.map((v) => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " " + (n.failureSummary || "").replace(/\s+/g, " ")).join(" | "))))`)
	var violations []string
	_ = json.Unmarshal([]byte(out), &violations)
	for _, v := range violations {
		tb.t.Errorf("%s: axe: %s", name, v)
	}
	for _, size := range []struct {
		suffix string
		w, h   int64
	}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
		tb.do(chromedp.EmulateViewport(size.w, size.h))
		time.Sleep(50 * time.Millisecond)
		ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG (below it, JPEG)
		cancel()
		if err != nil {
			tb.t.Fatal(err)
		}
		dir := filepath.Join(root, ".local", "artifacts")
		_ = os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "console-"+name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
}

// signIn fills the sign-in form (the console is at its sign-in page).
func (tb *tab) signIn(email string) {
	tb.t.Helper()
	tb.waitFor(`document.querySelector("#sign-in-submit")`)
	tb.typeInto(`input[name=email]`, email)
	tb.typeInto(`input[name=password]`, password)
	tb.click("#sign-in-submit")
	tb.waitFor(`document.querySelector("#account-button")`)
}

// apiCall calls the API directly (test setup) and wants status.
func apiCall(t *testing.T, method, path, token string, body any, want int) map[string]any {
	t.Helper()
	var reader io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, st.URL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return out
}

func apiLogin(t *testing.T, email string) string {
	t.Helper()
	return apiCall(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": password}, 200)["accessToken"].(string)
}
