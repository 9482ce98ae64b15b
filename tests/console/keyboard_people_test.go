//go:build integration

package console_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"backoffice/shared/auth"
)

// The staff and customer lists, and signing in and out, with the keyboard
// alone: Tab and Shift+Tab, Enter, Space, Escape, arrow keys and typing on
// whatever has the focus; no clicks and no focus() from the test. The
// results are read back through the API.

// signInKeys signs in on the sign-in page (its heading has the focus) by
// Tab, typing and Enter.
func (tb *tab) signInKeys(email string) {
	tb.t.Helper()
	tb.waitFor(`document.querySelector("#sign-in-submit") && document.activeElement && document.activeElement.tagName === "H1"`)
	tb.tabTo(`el.name === "email"`, 5, false)
	tb.press(email, kb.Tab)
	if tb.eval(`document.activeElement.name || ""`) != "password" {
		tb.t.Fatalf("Tab from the email address goes to %s", tb.focused())
	}
	tb.press(password, kb.Enter)
	tb.waitFor(`document.querySelector("#account-button")`)
}

// focusIs fails the test unless the focus is on the element expr finds
// (waiting a moment: the focus moves after a dialog's close event).
func (tb *tab) focusIs(expr, after string) {
	tb.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for tb.eval(`String(!!document.activeElement && document.activeElement === (`+expr+`))`) != "true" {
		if time.Now().After(deadline) {
			tb.t.Errorf("after %s the focus is on %s", after, tb.focused())
			return
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// keysOwner makes an owner for a keyboard test and signs them in through
// the API: their address, their token and a tag for the names of the
// people the test makes (a search for it finds just those).
func keysOwner(t *testing.T, prefix, first string) (email, token, tag string) {
	t.Helper()
	email = uniqueEmail("console-" + prefix + "-owner")
	active(t, email, first, "Keys", auth.OwnerRoleID)
	return email, apiLogin(t, email), strings.ToUpper(prefix[:1]) + prefix[1:] + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
}

// rowOf is a JavaScript expression for the table row of a person.
func rowOf(id string) string {
	return `document.querySelector("tbody tr[data-id='` + id + `']")`
}

// rowAction opens the options of the row of id (its button has the focus)
// with Enter, Tabs to the action and presses Enter.
func (tb *tab) rowAction(id, action string) {
	tb.t.Helper()
	tb.focusIs(rowOf(id)+`.querySelector(".row-options > button")`, "coming back to the row")
	tb.press(kb.Enter)
	tb.waitFor(`!` + rowOf(id) + `.querySelector(".menu").hidden`)
	tb.tabTo(`el.dataset.action === `+jsString(action), 5, false)
	tb.press(kb.Enter)
}

// confirmKeys answers the open question: it starts on Cancel; Tab and Enter
// confirm.
func (tb *tab) confirmKeys() {
	tb.t.Helper()
	tb.waitFor(`document.querySelector("dialog[role=alertdialog][open]")`)
	if f := tb.eval(`document.activeElement.textContent`); f != "Cancel" {
		tb.t.Errorf("the question starts on %s", tb.focused())
	}
	tb.press(kb.Tab)
	tb.press(kb.Enter)
	tb.waitFor(`!document.querySelector("dialog[role=alertdialog]")`)
}

// confirmedRowAction runs a row's action (rowAction), confirms the
// question and waits for the notice.
func (tb *tab) confirmedRowAction(id, action, notice string) {
	tb.t.Helper()
	tb.rowAction(id, action)
	tb.confirmKeys()
	tb.waitText(notice)
}

// listIDs is the ids of the rows in the table, in order.
func (tb *tab) listIDs() string {
	return tb.eval(`[...document.querySelectorAll("tbody tr[data-id]")].map((r) => r.dataset.id).join()`)
}

// apiIDs is the ids of the people a list route answers, in order.
func apiIDs(t *testing.T, token, path string) string {
	var ids []string
	for _, p := range apiCall(t, "GET", path, token, nil, 200)["items"].([]any) {
		ids = append(ids, p.(map[string]any)["id"].(string))
	}
	return strings.Join(ids, ",")
}

// wantStatus fails t unless the API says the person at path has status.
func wantStatus(t *testing.T, token, path, status, after string) {
	t.Helper()
	if s := apiCall(t, "GET", path, token, nil, 200)["status"].(string); s != status {
		t.Fatalf("after %s the person is %s, want %s", after, s, status)
	}
}

// Staff with the keyboard alone: search by typing; invite from "add" with
// a role chosen by the arrow keys (the focus goes into the form and back
// to the button); a row's options
// open with Enter; Escape on the question to deactivate changes nothing
// and gives the focus back to the options; deactivate, activate again;
// Space on rows' boxes and the reset button send password reset mails;
// delete, after which the focus is on the heading; the status filter and
// the sort change with the arrow keys.
func TestConsoleStaffKeyboard(t *testing.T) {
	ownerEmail, owner, tag := keysOwner(t, "kbs", "Otto")
	targetEmail := uniqueEmail("console-kbs-target")
	target := active(t, targetEmail, "Kira", tag+"a")
	otherEmail := uniqueEmail("console-kbs-other")
	other := active(t, otherEmail, "Karl", tag+"b")
	roleID := apiCall(t, "POST", "/roles", owner, map[string]any{"name": "Invited by keys " + tag}, 201)["id"].(string)

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/staff")))
	tb.signInKeys(ownerEmail)
	tb.waitFor(`location.pathname === "/console/users/staff" && document.querySelector("table[aria-busy=false]")`)

	// Search by typing; the focus stays in the box while the list reloads.
	tb.tabTo(`el.type === "search"`, 30, false)
	tb.press(tag)
	tb.waitFor(`location.search === "?q=` + tag + `" && document.querySelector("table[aria-busy=false]") && document.querySelectorAll("tbody tr[data-id]").length === 2`)
	if got, want := tb.listIDs(), apiIDs(t, owner, "/staff?q="+tag); got != want {
		t.Errorf("the search shows %s, the API %s", got, want)
	}
	tb.focusIs(`document.querySelector("input[type=search]")`, "the search")

	// Invite: Shift+Tab back to "add", Enter opens the form on the email.
	tb.tabTo(`el.id === "staff-add"`, 10, true)
	tb.press(kb.Enter)
	tb.waitFor(`document.querySelector("#invite-dialog[open]")`)
	tb.focusIs(`document.querySelector("#invite-dialog input[name=email]")`, "opening the invitation")
	inviteeEmail := uniqueEmail("console-kbs-invitee")
	tb.press(inviteeEmail, kb.Tab, "Ines", kb.Tab, tag+"c", kb.Tab)
	if tb.eval(`document.activeElement.name || ""`) != "roleIds" {
		t.Fatalf("after the last name the focus is on %s, want the role", tb.focused())
	}
	tb.arrowTo(kb.ArrowDown, `el.value === `+jsString(roleID), 60)
	tb.tabTo(`el.type === "submit"`, 6, false)
	tb.press(kb.Enter)
	tb.waitText("Invitation sent to " + inviteeEmail + ".")
	tb.waitFor(`!document.querySelector("#invite-dialog")`)
	tb.focusIs(`document.querySelector("#staff-add")`, "sending the invitation")
	var invitee string
	for _, p := range apiCall(t, "GET", "/staff?q="+url.QueryEscape(inviteeEmail), owner, nil, 200)["items"].([]any) {
		if m := p.(map[string]any); m["email"] == inviteeEmail && m["status"] == "invited" && m["firstName"] == "Ines" && m["lastName"] == tag+"c" {
			invitee = m["id"].(string)
		}
	}
	if invitee == "" {
		t.Fatal("the invitation made with the keyboard is not in the API")
	}
	if roles := apiCall(t, "GET", "/staff/"+invitee, owner, nil, 200)["roles"].([]any); len(roles) != 1 || roles[0].(map[string]any)["id"] != roleID {
		t.Errorf("the invitee holds %v, want the role chosen with the arrow keys (%s)", roles, roleID)
	}
	tb.waitFor(rowOf(invitee))

	// Deactivate: Escape on the question keeps the person active, and the
	// focus is back on the row's options button.
	options := `el === ` + rowOf(target) + `.querySelector(".row-options > button")`
	tb.tabTo(options, 40, false)
	tb.rowAction(target, "deactivate")
	tb.waitFor(`document.querySelector("dialog[role=alertdialog][open]")`)
	tb.press(kb.Escape)
	tb.waitFor(`!document.querySelector("dialog")`)
	tb.focusIs(rowOf(target)+`.querySelector(".row-options > button")`, "Escape on the question")
	wantStatus(t, owner, "/staff/"+target, "active", "Escape on the question")
	tb.confirmedRowAction(target, "deactivate", "Kira "+tag+"a has been deactivated.")
	wantStatus(t, owner, "/staff/"+target, "inactive", "deactivate")
	tb.focusIs(rowOf(target)+`.querySelector(".row-options > button")`, "deactivating")

	// Activate again.
	tb.confirmedRowAction(target, "activate", "Kira "+tag+"a has been activated.")
	wantStatus(t, owner, "/staff/"+target, "active", "activate")
	tb.focusIs(rowOf(target)+`.querySelector(".row-options > button")`, "activating")

	// Password reset mails: Space on two rows' boxes, Shift+Tab to the
	// button above the table, Enter, confirm; the results close with Enter
	// and the focus goes to "select all".
	for _, id := range []string{target, other} {
		tb.tabTo(`el === `+rowOf(id)+`.querySelector("td.select input")`, 30, true)
		tb.press(" ")
		tb.waitFor(rowOf(id) + `.querySelector("td.select input").checked`)
	}
	tb.waitFor(`!document.querySelector(".bulk").hidden && document.querySelector(".bulk").innerText.includes("2 selected")`)
	tb.tabTo(`el.id === "staff-reset"`, 20, true)
	tb.press(kb.Enter)
	tb.confirmKeys()
	tb.waitFor(`document.querySelector("dialog[open] .results")`)
	results := tb.eval(`document.querySelector("dialog[open] .results").innerText`)
	if !strings.Contains(results, "Kira "+tag+"a — Mail sent") || !strings.Contains(results, "Karl "+tag+"b — Mail sent") {
		t.Errorf("results: %q", results)
	}
	tb.focusIs(`document.querySelector("dialog[open] .actions button")`, "the results open")
	tb.press(kb.Enter)
	tb.waitFor(`!document.querySelector("dialog")`)
	tb.focusIs(`document.querySelector("thead input[type=checkbox]")`, "closing the results")
	for _, to := range []string{targetEmail, otherEmail} {
		if l := st.MailLink(t, to, "").URL; !strings.Contains(l, "/reset-password") {
			t.Errorf("the mail to %s links %s", to, l)
		}
	}

	// Delete: the row goes, the focus lands on the heading.
	tb.tabTo(options, 40, false)
	tb.confirmedRowAction(target, "delete", "Kira "+tag+"a has been deleted.")
	tb.waitFor(`!` + rowOf(target))
	apiCall(t, "GET", "/staff/"+target, owner, nil, 404)
	tb.focusIs(`document.querySelector("h1")`, "deleting the row whose options had the focus")

	// The status filter with the arrow keys: invited is the first choice
	// after "all".
	tb.tabTo(`el.tagName === "SELECT" && el.labels[0].textContent === "Status"`, 30, false)
	tb.press(kb.ArrowDown)
	tb.waitFor(`new URLSearchParams(location.search).get("status") === "invited" && document.querySelector("table[aria-busy=false]")`)
	if got, want := tb.listIDs(), apiIDs(t, owner, "/staff?status=invited&q="+tag); got != want || got != invitee {
		t.Errorf("invited matching %s: the table shows %s, the API %s (want %s)", tag, got, want, invitee)
	}

	// The sort is off while searching: empty the box with Backspace, then
	// the arrow keys choose "Last name Z–A".
	tb.tabTo(`el.type === "search"`, 5, true)
	for range tag {
		tb.press(kb.Backspace)
	}
	tb.waitFor(`!new URLSearchParams(location.search).has("q") && document.querySelector("table[aria-busy=false]") && !document.querySelector("select[aria-describedby$='-note']").disabled`)
	tb.tabTo(`el.tagName === "SELECT" && el.labels[0].textContent === "Sort"`, 10, false)
	tb.press(kb.ArrowDown)
	tb.waitFor(`new URLSearchParams(location.search).get("order") === "desc" && document.querySelector("table[aria-busy=false]")`)
	if got, want := tb.listIDs(), apiIDs(t, owner, "/staff?status=invited&sort=lastName&order=desc&limit=25"); got != want {
		t.Errorf("invited, last name Z–A: the table shows %s, the API %s", got, want)
	}
	tb.focusIs(`document.querySelector("select[aria-describedby$='-note']")`, "choosing the sort")
	tb.check("staff-keyboard")
}

// Customers with the keyboard alone: add one with every field (the form
// opens on the email, Space takes the invitation off), edit one in the
// detail panel opened from its name (Tab into a field selects what is in
// it, typing replaces it; Enter saves and the focus comes back to the
// name), deactivate and delete after the question.
func TestConsoleCustomersKeyboard(t *testing.T) {
	ownerEmail, owner, tag := keysOwner(t, "kbc", "Olaf")
	target := activeCustomer(t, owner, uniqueEmail("console-kbc-target"), "Kora", tag+"a")
	apiCall(t, "PATCH", "/customers/"+target, owner, map[string]any{"company": "Old Company"}, 200)

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/customers?q=" + tag)))
	tb.signInKeys(ownerEmail)
	tb.waitFor(`location.pathname === "/console/users/customers" && document.querySelector("table[aria-busy=false]") && ` + rowOf(target))

	// Add: every field, typed in order with Tab between them.
	tb.tabTo(`el.id === "customers-add"`, 10, false)
	tb.press(kb.Enter)
	tb.waitFor(`document.querySelector("#customer-add[open]")`)
	tb.focusIs(`document.querySelector("#customer-add input[name=email]")`, "opening the form")
	email := uniqueEmail("console-kbc-new")
	for _, v := range []string{email, "Kai", tag + "b", "Keys & Co", "+31 20 555 0101", "NL123456789B01",
		"Keizersgracht 1", "1015 CJ", "Amsterdam", "nl", "Typed, not clicked."} {
		tb.press(v, kb.Tab)
	}
	if tb.eval(`document.activeElement.name || ""`) != "locale" {
		t.Fatalf("after the notes the focus is on %s, want the language", tb.focused())
	}
	tb.press(kb.ArrowDown, kb.Tab) // the first language after "the shop's"
	if tb.eval(`document.activeElement.name || ""`) != "sendInvitation" {
		t.Fatalf("after the language the focus is on %s, want the invitation box", tb.focused())
	}
	tb.press(" ")
	tb.tabTo(`el.type === "submit"`, 4, false)
	tb.press(kb.Enter)
	tb.waitText(email + " has been added without an invitation.")
	tb.waitFor(`!document.querySelector("#customer-add")`)
	tb.focusIs(`document.querySelector("#customers-add")`, "adding")
	var added map[string]any
	for _, c := range apiCall(t, "GET", "/customers?q="+url.QueryEscape(email), owner, nil, 200)["items"].([]any) {
		if m := c.(map[string]any); m["email"] == email {
			added = apiCall(t, "GET", "/customers/"+m["id"].(string), owner, nil, 200)
		}
	}
	if added == nil {
		t.Fatal("the customer added with the keyboard is not in the API")
	}
	addr, _ := added["address"].(map[string]any)
	if added["firstName"] != "Kai" || added["lastName"] != tag+"b" || added["company"] != "Keys & Co" || added["phone"] != "+31 20 555 0101" ||
		added["vatNumber"] != "NL123456789B01" || added["notes"] != "Typed, not clicked." || added["status"] != "invited" || added["locale"] == nil || added["locale"] == "" ||
		addr == nil || addr["street"] != "Keizersgracht 1" || addr["postalCode"] != "1015 CJ" || addr["city"] != "Amsterdam" || addr["country"] != "NL" {
		t.Errorf("added with the keyboard: %v", added)
	}

	// Edit from the name: company replaced, a phone added, Enter saves.
	name := `el === ` + rowOf(target) + `.querySelector("button.link")`
	tb.tabTo(name, 40, false)
	tb.press(kb.Enter)
	tb.waitFor(`document.querySelector("#customer-detail[open]")`)
	tb.focusIs(`document.querySelector("#customer-detail input[name=email]")`, "opening the detail panel")
	tb.tabTo(`el.name === "company"`, 4, false)
	tb.press("New Company", kb.Tab, "030 123 45 67", kb.Enter)
	tb.waitText("Changes saved.")
	tb.waitFor(`!document.querySelector("#customer-detail")`)
	tb.focusIs(rowOf(target)+`.querySelector("button.link")`, "saving the detail panel")
	if c := apiCall(t, "GET", "/customers/"+target, owner, nil, 200); c["company"] != "New Company" || c["phone"] != "030 123 45 67" {
		t.Errorf("after the edit: company %v, phone %v", c["company"], c["phone"])
	}

	// Deactivate, then delete, each after the question.
	tb.tabTo(`el === `+rowOf(target)+`.querySelector(".row-options > button")`, 10, false)
	tb.confirmedRowAction(target, "deactivate", "Kora "+tag+"a has been deactivated.")
	wantStatus(t, owner, "/customers/"+target, "inactive", "deactivate")
	tb.confirmedRowAction(target, "delete", "Kora "+tag+"a has been deleted.")
	tb.waitFor(`!` + rowOf(target))
	apiCall(t, "GET", "/customers/"+target, owner, nil, 404)
	tb.focusIs(`document.querySelector("h1")`, "deleting the row whose options had the focus")
	tb.check("customers-keyboard")
}

// Sign in and out with the keyboard alone: Tab, typing and Enter on the
// sign-in page; the account menu opens with Enter on its button, Escape
// closes it onto the button, and "Sign out" is reached with Tab. The API
// saw the sign-in (the last sign-in time), and after signing out a reload
// stays signed out.
func TestConsoleSignInOutKeyboard(t *testing.T) {
	_, admin, _ := keysOwner(t, "kbi", "Ada")
	email := uniqueEmail("console-kbi-person")
	id := active(t, email, "Ivo", "Keys", auth.OwnerRoleID)
	before := apiCall(t, "GET", "/staff/"+id, admin, nil, 200)["lastLoginAt"]

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("")))
	tb.signInKeys(email)
	tb.waitFor(`location.pathname === "/console" && document.querySelector("h1").textContent.includes("Ivo")`)
	tb.focusIs(`document.querySelector("h1")`, "signing in")
	if at := apiCall(t, "GET", "/staff/"+id, admin, nil, 200)["lastLoginAt"]; at == nil || at == before {
		t.Errorf("the API saw no sign-in: the last sign-in %v, before %v", at, before)
	}

	// The account menu: Shift+Tab back to its button in the banner.
	tb.tabTo(`el.id === "account-button"`, 10, true)
	tb.press(kb.Enter)
	tb.waitFor(`!document.querySelector("#account-menu").hidden`)
	if !strings.Contains(tb.eval(`String(document.querySelector("#account-menu").contains(document.activeElement))`), "true") {
		t.Errorf("the account menu opens with the focus on %s", tb.focused())
	}
	tb.press(kb.Escape)
	tb.waitFor(`document.querySelector("#account-menu").hidden`)
	tb.focusIs(`document.querySelector("#account-button")`, "Escape in the account menu")
	tb.press(" ") // Space opens it too
	tb.waitFor(`!document.querySelector("#account-menu").hidden`)
	tb.tabTo(`el.id === "sign-out"`, 6, false)
	tb.press(kb.Enter)
	tb.waitText("You are signed out.")
	if tb.eval(`String(document.activeElement !== document.body && !!document.activeElement.closest("main, form, [role=status]"))`) != "true" {
		t.Errorf("after signing out the focus is on %s", tb.focused())
	}
	tb.do(chromedp.Reload())
	tb.waitFor(`document.querySelector("#sign-in-submit")`)
	if tb.eval(`String(!!document.querySelector("#account-button"))`) != "false" {
		t.Error("a reload after signing out is signed in again")
	}
}
