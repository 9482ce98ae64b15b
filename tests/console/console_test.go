//go:build integration

package console_test

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"backoffice/shared/auth"
)

func consoleURL(path string) string { return st.URL + "/console" + path }

// Sign in from the banner, come back where one was, reload, the account
// menu (change password, language), sign out and sign out everywhere.
func TestConsoleSignInSessionAndAccount(t *testing.T) {
	email := uniqueEmail("console-owner")
	active(t, email, "Olga", "Owner", auth.OwnerRoleID)
	tb := newTab(t)

	// The API's root leads to the console; signed out, the sign-in page.
	tb.do(chromedp.Navigate(st.URL + "/"))
	tb.waitFor(`document.querySelector("#sign-in-submit")`)
	if p := tb.path(); p != "/console/sign-in" {
		t.Errorf("/ lands on %s", p)
	}
	tb.check("sign-in")

	// A wrong password: a sentence, next to nothing stored.
	tb.typeInto(`input[name=email]`, email)
	tb.typeInto(`input[name=password]`, "not the password")
	tb.click("#sign-in-submit")
	tb.waitText("The email address or password is not right.")
	tb.check("sign-in-failed")

	// A deep link while signed out: sign in from the banner, then back there.
	tb.do(chromedp.Navigate(consoleURL("/users/staff?status=active")))
	tb.waitFor(`location.pathname === "/console/sign-in"`)
	if p := tb.path(); !strings.Contains(p, "next=%2Fconsole%2Fusers%2Fstaff%3Fstatus%3Dactive") {
		t.Errorf("sign-in page without the way back: %s", p)
	}
	tb.signIn(email)
	tb.waitFor(`location.pathname === "/console/users/staff" && document.querySelector("tbody tr[data-id]")`)
	if p := tb.path(); p != "/console/users/staff?status=active" {
		t.Errorf("after sign-in: %s", p)
	}
	if nav := tb.eval(`document.querySelector("header nav").innerText`); !strings.Contains(nav, "Users") {
		t.Errorf("banner: %q", nav)
	}
	tb.check("staff")

	// A reload keeps the person signed in (the HttpOnly cookie, silently).
	tb.do(chromedp.Reload())
	tb.waitFor(`document.querySelector("#account-button") && document.querySelector("tbody tr[data-id]")`)
	if p := tb.path(); p != "/console/users/staff?status=active" {
		t.Errorf("after reload: %s", p)
	}

	// The header is on, as the page gets it.
	resp, err := http.Get(consoleURL(""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}

	// The account menu: name, change password, language.
	tb.click("#account-button")
	tb.waitFor(`!document.querySelector("#account-menu").hidden`)
	if got := tb.eval(`document.querySelector("#account-button").textContent`); got != "Olga Owner" {
		t.Errorf("account button %q", got)
	}
	tb.check("account-menu")
	tb.clickText("Change password")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	tb.check("change-password")
	tb.typeInto(`dialog input[name=currentPassword]`, password)
	tb.typeInto(`dialog input[name=newPassword]`, "short")
	tb.typeInto(`dialog input[name=confirm]`, "short")
	tb.eval(`document.querySelector("dialog form").requestSubmit(), ""`)
	tb.waitText("Use at least 12 characters.")
	tb.eval(`document.querySelector("dialog").close(), ""`)
	tb.waitFor(`!document.querySelector("dialog")`)
	if tb.eval(`document.activeElement && document.activeElement.id`) != "account-button" {
		t.Error("focus did not return to the account menu's button")
	}

	tb.click("#account-button")
	tb.choose("#account-language", "de")
	tb.waitFor(`document.documentElement.lang === "de" && document.querySelector("header nav").innerText.includes("Benutzer")`)
	tb.waitText("Verwalter")
	tb.check("staff-de")
	tb.do(chromedp.Reload())
	tb.waitFor(`document.documentElement.lang === "de" && document.querySelector("#account-button")`)
	tb.click("#account-button")
	tb.choose("#account-language", "en")
	tb.waitFor(`document.documentElement.lang === "en"`)

	// Sign out: the sign-in page, also after a reload.
	tb.click("#account-button")
	tb.click("#sign-out")
	tb.waitText("You are signed out.")
	tb.check("signed-out")
	tb.do(chromedp.Reload())
	tb.waitFor(`document.querySelector("#sign-in-submit")`)

	// Sign out everywhere ends another session too; a reload lands on sign-in.
	other := newTab(t)
	other.do(chromedp.Navigate(consoleURL("")))
	other.signIn(email)
	tb.signIn(email)
	tb.click("#account-button")
	tb.click("#sign-out-everywhere")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	tb.check("sign-out-everywhere")
	tb.clickText("Cancel")
	tb.waitFor(`!document.querySelector("dialog")`)
	if tb.eval(`String(!!document.querySelector("#account-button"))`) != "true" {
		t.Fatal("cancel signed out")
	}
	tb.click("#account-button")
	tb.click("#sign-out-everywhere")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	tb.eval(`document.querySelector("dialog .danger").click(), ""`)
	tb.waitFor(`document.querySelector("#sign-in-submit")`)
	tb.do(chromedp.Reload())
	tb.waitFor(`document.querySelector("#sign-in-submit")`)
	other.do(chromedp.Reload())
	other.waitFor(`document.querySelector("#sign-in-submit")`)
	other.check("other-session-ended")
}

// Invite with a role from the dropdown and the seat cost; the invited
// person follows the mail's link, sets a password, signs in and sees only
// what the role allows. A full plan says so and how to raise it.
func TestConsoleInviteAndRoleLimitedView(t *testing.T) {
	ownerEmail := uniqueEmail("console-inviter")
	active(t, ownerEmail, "Ines", "Inviter", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	role := apiCall(t, "POST", "/roles", owner, map[string]any{"name": "Viewer " + strconv.FormatInt(seq.Add(1), 10), "permissions": []string{"staff.read"}}, 201)
	roleName := role["name"].(string)
	if err := setSeats(context.Background(), 1000, 1, 2500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = setSeats(context.Background(), 1000, 1000, 0) })

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/staff")))
	tb.signIn(ownerEmail)
	tb.click("#staff-add")
	tb.waitFor(`document.querySelector("#seat-cost")`)
	if cost := tb.eval(`document.querySelector("#seat-cost").textContent`); !strings.Contains(cost, "€25.00 per month more") {
		t.Errorf("seat cost: %q", cost)
	}
	tb.check("invite")
	invitee := uniqueEmail("console-invitee")
	tb.typeInto(`#invite-dialog input[name=email]`, invitee)
	tb.typeInto(`#invite-dialog input[name=firstName]`, "Vera")
	tb.typeInto(`#invite-dialog input[name=lastName]`, "Viewer")
	tb.eval(`(() => { const s = document.querySelector("#invite-dialog select[name=roleIds]"); s.value = [...s.options].find((o) => o.textContent === ` + jsString(roleName) + `).value; return ""; })()`)
	tb.eval(`document.querySelector("#invite-dialog form").requestSubmit(), ""`)
	tb.waitText("Invitation sent to " + invitee)
	tb.waitFor(`!document.querySelector("#invite-dialog")`)

	// The invited person: mail link → password → sign in → only their screens.
	link := st.MailLink(t, invitee, "").URL
	in := newTab(t)
	in.do(chromedp.Navigate(link))
	in.waitFor(`!document.querySelector("#form").hidden`)
	in.typeInto("#password", password)
	in.typeInto("#confirm", password)
	in.click("#submit")
	in.waitFor(`document.querySelector("#form").hidden`)
	in.do(chromedp.Navigate(consoleURL("")))
	in.signIn(invitee)
	in.waitText("Welcome, Vera")
	if nav := in.eval(`document.querySelector("header nav").innerText.trim()`); nav != "Users" {
		t.Errorf("a staff.read role sees %q in the banner", nav)
	}
	in.clickText("Users")
	in.waitFor(`document.querySelector("tbody tr[data-id]")`)
	if in.eval(`String(!!document.querySelector("#staff-add") || !!document.querySelector("thead input[type=checkbox]"))`) != "false" {
		t.Error("a reader sees the add button or the selection")
	}
	if actions := in.eval(`[...document.querySelectorAll("tbody [data-action]")].map((b) => b.dataset.action).filter((a) => a !== "edit").join()`); actions != "" {
		t.Errorf("a reader is offered %s", actions)
	}
	if in.eval(`document.body.innerText`) == "" || !strings.Contains(in.eval(`document.body.innerText`), "You can not see roles") {
		t.Error("the reader is not told why there is no role filter")
	}
	in.check("staff-reader")

	// The plan is full: the dialog says so and how to raise it.
	settings := apiCall(t, "GET", "/settings", owner, nil, 200)
	used := int(settings["seatsUsed"].(float64))
	if err := setSeats(context.Background(), used, 1, 2500); err != nil {
		t.Fatal(err)
	}
	tb.click("#staff-add")
	tb.waitFor(`document.querySelector("#seat-full")`)
	if txt := tb.eval(`document.querySelector("#seat-full").textContent`); !strings.Contains(txt, "raises the seat limit under Settings") {
		t.Errorf("seat limit text %q", txt)
	}
	if tb.eval(`String(document.querySelector("#invite-dialog button[type=submit]").disabled)`) != "true" {
		t.Error("invite stays possible with no seat left")
	}
	tb.check("invite-seat-limit")
}

// The table: filter by status, sort by name and email both ways, search
// (sort off meanwhile), pages; all of it in the address (back, reload).
func TestConsoleStaffListState(t *testing.T) {
	ownerEmail := uniqueEmail("console-lister")
	active(t, ownerEmail, "Lisa", "Lister", auth.OwnerRoleID)
	tag := "Qx" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	for i := 0; i < 27; i++ {
		invited(t, uniqueEmail("list"+strconv.Itoa(i)), "Person", tag+string(rune('a'+i%26))+strconv.Itoa(i))
	}
	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/staff")))
	tb.signIn(ownerEmail)
	tb.waitFor(`document.querySelector("tbody tr[data-id]")`)

	// Search: debounced, in the address (replaced, not pushed), sort off.
	tb.typeInto(`input[type=search]`, tag)
	tb.waitFor(`location.search.includes("q=` + tag + `") && document.querySelectorAll("tbody tr[data-id]").length === 25`)
	sortDisabled := tb.eval(`String([...document.querySelectorAll("select")].find((s) => [...s.options].some((o) => o.value === "email.desc")).disabled)`)
	if sortDisabled != "true" || !strings.Contains(tb.eval(`document.body.innerText`), "sorting is off") {
		t.Errorf("while searching the sort control is disabled %s and says so", sortDisabled)
	}
	tb.check("staff-search")

	// Pages: next, reload on page two, first page.
	tb.click("#staff-next")
	tb.waitFor(`location.search.includes("cursor=") && document.querySelectorAll("tbody tr[data-id]").length === 2`)
	tb.do(chromedp.Reload())
	tb.waitFor(`document.querySelectorAll("tbody tr[data-id]").length === 2`)
	tb.do(chromedp.NavigateBack())
	tb.waitFor(`!location.search.includes("cursor=") && document.querySelectorAll("tbody tr[data-id]").length === 25`)

	// Sort and filter without a search.
	tb.do(chromedp.Navigate(consoleURL("/users/staff?status=invited&sort=email&order=desc")))
	tb.waitFor(`document.querySelectorAll("tbody tr[data-id]").length > 1`)
	emails := strings.Split(tb.eval(`[...document.querySelectorAll("tbody tr[data-id] td:nth-child(3)")].map((td) => td.textContent).join("\n")`), "\n")
	if !sort.SliceIsSorted(emails, func(i, j int) bool { return emails[i] > emails[j] }) {
		t.Errorf("email Z–A: %v", emails)
	}
	if badges := tb.eval(`[...new Set([...document.querySelectorAll("tbody .badge")].map((b) => b.textContent))].join()`); badges != "Invited" {
		t.Errorf("status filter shows %s", badges)
	}
	tb.eval(`(() => { const s = [...document.querySelectorAll("select")].find((s) => [...s.options].some((o) => o.value === "lastName.asc")); s.value = "lastName.asc"; s.dispatchEvent(new Event("change")); return ""; })()`)
	tb.waitFor(`location.search === "?status=invited"`)
	tb.do(chromedp.NavigateBack())
	tb.waitFor(`location.search === "?status=invited&sort=email&order=desc"`)
	tb.waitFor(`[...document.querySelectorAll("select")].find((s) => [...s.options].some((o) => o.value === "email.desc"))?.value === "email.desc"`)
	tb.check("staff-filtered")
}

// Row options: deactivate, activate and delete each after a question
// (cancel does nothing; delete says it can not be undone); the detail
// panel edits master data; a stale version offers a reload.
func TestConsoleStaffRowActions(t *testing.T) {
	ownerEmail := uniqueEmail("console-actor")
	active(t, ownerEmail, "Alma", "Actor", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	tag := "Rw" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	targetEmail := uniqueEmail("console-target")
	target := active(t, targetEmail, "Rita", tag)

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/staff?q=" + tag)))
	tb.signIn(ownerEmail)
	row := `document.querySelector("tbody tr[data-id='` + target + `']")`
	tb.waitFor(row)
	options := func() {
		tb.eval(row + `.querySelector(".row-options button").click(), ""`)
		tb.waitFor(`!` + row + `.querySelector(".menu").hidden`)
	}
	status := func() string { return apiCall(t, "GET", "/staff/"+target, owner, nil, 200)["status"].(string) }

	options()
	tb.check("row-options")
	tb.eval(row + `.querySelector("[data-action=deactivate]").click(), ""`)
	tb.waitFor(`document.querySelector("dialog[open]")`)
	tb.check("confirm-deactivate")
	tb.clickText("Cancel")
	tb.waitFor(`!document.querySelector("dialog")`)
	if s := status(); s != "active" {
		t.Fatalf("cancel changed the status to %s", s)
	}
	options()
	tb.eval(row + `.querySelector("[data-action=deactivate]").click(), ""`)
	tb.waitFor(`document.querySelector("dialog[open]")`)
	tb.eval(`document.querySelector("dialog .danger").click(), ""`)
	tb.waitFor(row + ` && ` + row + `.querySelector(".badge.inactive")`)
	if s := status(); s != "inactive" {
		t.Fatalf("status %s after deactivate", s)
	}
	options()
	tb.eval(row + `.querySelector("[data-action=activate]").click(), ""`)
	tb.waitFor(`document.querySelector("dialog[open]")`)
	tb.eval(`document.querySelector("dialog .primary").click(), ""`)
	tb.waitFor(row + ` && ` + row + `.querySelector(".badge.active")`)

	// The detail panel: edit the first name; a concurrent change gives 412 → reload.
	tb.eval(row + `.querySelector("button.link").click(), ""`)
	tb.waitFor(`document.querySelector("#staff-detail")`)
	tb.check("staff-detail")
	apiCall(t, "PATCH", "/staff/"+target, owner, map[string]any{"lastName": tag + "x"}, 200)
	tb.typeInto(`#staff-detail input[name=firstName]`, "Renate")
	tb.eval(`document.querySelector("#staff-detail form").requestSubmit(), ""`)
	tb.waitText("Someone else changed this in the meantime.")
	tb.check("staff-detail-412")
	tb.clickText("Reload")
	tb.waitFor(`document.querySelector("#staff-detail input[name=lastName]").value === "` + tag + `x"`)
	tb.typeInto(`#staff-detail input[name=firstName]`, "Renate")
	tb.eval(`document.querySelector("#staff-detail form").requestSubmit(), ""`)
	tb.waitFor(`!document.querySelector("#staff-detail") && ` + row + ` && ` + row + `.textContent.includes("Renate")`)

	// Delete: irreversible, said so.
	options()
	tb.eval(row + `.querySelector("[data-action=delete]").click(), ""`)
	tb.waitFor(`document.querySelector("dialog[open]")`)
	if txt := tb.eval(`document.querySelector("dialog[open]").innerText`); !strings.Contains(txt, "can not be undone") {
		t.Errorf("delete question: %q", txt)
	}
	tb.check("confirm-delete")
	tb.eval(`document.querySelector("dialog .danger").click(), ""`)
	tb.waitFor(`!` + row)
	apiCall(t, "GET", "/staff/"+target, owner, nil, 404)
}

// Select several people → reset mails, with a result per person.
func TestConsolePasswordResets(t *testing.T) {
	ownerEmail := uniqueEmail("console-resetter")
	active(t, ownerEmail, "Rosa", "Resetter", auth.OwnerRoleID)
	tag := "Rs" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	activeEmail := uniqueEmail("console-reset-active")
	active(t, activeEmail, "Arne", tag+"a")
	invited(t, uniqueEmail("console-reset-invited"), "Ivo", tag+"b")

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/staff?q=" + tag)))
	tb.signIn(ownerEmail)
	tb.waitFor(`document.querySelectorAll("tbody tr[data-id]").length === 2`)
	tb.click("thead input[type=checkbox]")
	tb.waitFor(`!document.querySelector(".bulk").hidden`)
	tb.click("#staff-reset")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	tb.eval(`document.querySelector("dialog .primary").click(), ""`)
	tb.waitFor(`document.querySelector("dialog[open] .results")`)
	results := tb.eval(`document.querySelector("dialog[open] .results").innerText`)
	if !strings.Contains(results, "Arne "+tag+"a — Mail sent") || !strings.Contains(results, "Ivo "+tag+"b — Not sent: only active people") {
		t.Errorf("results: %q", results)
	}
	tb.check("reset-results")
	// Closed with Escape, the results give the focus back to the table (the
	// button that sent the mails is gone with the selection), not to nothing.
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.waitFor(`!document.querySelector("dialog")`)
	if tb.eval(`String(document.activeElement === document.querySelector("thead input[type=checkbox]"))`) != "true" {
		t.Errorf("after the results the focus is on %s", tb.focused())
	}
	if l := st.MailLink(t, activeEmail, "").URL; !strings.Contains(l, "/reset-password") {
		t.Errorf("reset mail link %s", l)
	}
}

// Figures for benchmarks/RESULTS.md: the first load (requests to the
// console function and bytes on the wire) and navigation → 25 rows.
func TestConsoleFigures(t *testing.T) {
	ownerEmail := uniqueEmail("console-timer")
	active(t, ownerEmail, "Tim", "Timer", auth.OwnerRoleID)
	for i := 0; i < 26; i++ {
		invited(t, uniqueEmail("timing"+strconv.Itoa(i)), "Timed", "Person"+strconv.Itoa(i))
	}
	figureTo25Rows(t, ownerEmail, "/users/staff", "staff table with 25 rows")

	// A cold first load in a fresh context: sign-in, then the staff table.
	cold := newTab(t)
	cold.do(chromedp.Navigate(consoleURL("/users/staff")))
	cold.signIn(ownerEmail)
	cold.waitFor(`document.querySelectorAll("tbody tr[data-id]").length === 25`)
	figures := cold.eval(`(() => {
	  const all = [performance.getEntriesByType("navigation")[0], ...performance.getEntriesByType("resource")];
	  const own = all.filter((e) => new URL(e.name).pathname.startsWith("/console"));
	  const api = all.filter((e) => !new URL(e.name).pathname.startsWith("/console"));
	  const sum = (l) => l.reduce((n, e) => n + e.transferSize, 0);
	  return JSON.stringify({consoleRequests: own.length, consoleBytes: sum(own), apiRequests: api.length, apiBytes: sum(api), names: own.map((e) => new URL(e.name).pathname.split("/").pop())});
	})()`)
	t.Logf("first load (cold cache) through sign-in to the staff table: %s", figures)
}
