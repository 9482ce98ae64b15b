//go:build integration

package console_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"backoffice/shared/auth"
)

// press sends keys to whatever has the focus, as a keyboard does.
func (tb *tab) press(keys ...string) {
	tb.t.Helper()
	for _, k := range keys {
		tb.do(chromedp.KeyEvent(k))
	}
}

// tabTo presses Tab (Shift+Tab with back) until the focused element
// satisfies cond (a JavaScript expression on el); at most max presses.
func (tb *tab) tabTo(cond string, max int, back bool) {
	tb.t.Helper()
	key := chromedp.KeyEvent(kb.Tab)
	if back {
		key = chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	tb.pressUntil(cond, max, key, "Tab")
}

// arrowTo presses an arrow key on the focused control (a select, a radio
// group) until it satisfies cond (a JavaScript expression on el); at most
// max presses.
func (tb *tab) arrowTo(arrow, cond string, max int) {
	tb.t.Helper()
	tb.pressUntil(cond, max, chromedp.KeyEvent(arrow), "arrow key")
}

// pressUntil sends key until the focused element satisfies cond; at most
// max times.
func (tb *tab) pressUntil(cond string, max int, key chromedp.Action[chromedp.Void], what string) {
	tb.t.Helper()
	check := `(() => { const el = document.activeElement; return !!el && !!(` + cond + `); })()`
	for i := 0; tb.eval(`String(`+check+`)`) != "true"; i++ {
		if i == max {
			tb.t.Fatalf("%d %s presses did not reach %s; the focus is on %s", max, what, cond, tb.focused())
		}
		tb.do(key)
	}
}

// focused describes the focused element for messages.
func (tb *tab) focused() string {
	return tb.eval(`document.activeElement ? document.activeElement.outerHTML.slice(0, 160) : "nothing"`)
}

// The role editor with the keyboard alone: Tab reaches "add role", Enter
// opens the editor with the focus on the name, Escape closes it (nothing
// made) and the focus is back on the button; names and switches are typed
// and toggled with Space, the form is sent with Enter and the focus comes
// back. A row's options open with Enter, Escape closes them; edit from
// there: Escape drops the change, Space and Enter save one. On the role's
// page Space on a person's switch gives the role. Delete from the row's
// options: the question starts on Cancel (Enter keeps the role), Tab
// and Enter delete it, and the focus lands on the heading, not on nothing.
func TestConsoleRoleEditorKeyboard(t *testing.T) {
	ownerEmail := uniqueEmail("console-keys-owner")
	active(t, ownerEmail, "Kees", "Keys", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	tag := "Kb" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	name := "Keyed " + tag
	memberID := active(t, uniqueEmail("console-keys-member"), "Mia", tag)
	rolePerms := func() []string {
		for _, r := range apiCall(t, "GET", "/roles", owner, nil, 200)["items"].([]any) {
			m := r.(map[string]any)
			if m["name"] == name {
				var out []string
				for _, p := range m["permissions"].([]any) {
					out = append(out, p.(string))
				}
				slices.Sort(out)
				return out
			}
		}
		return nil
	}

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/roles")))
	tb.signIn(ownerEmail)
	tb.waitFor(`document.querySelector("#roles-table[aria-busy=false]") && document.querySelector("#roles-add")`)

	// Tab to "add role"; Enter opens the editor on the name; Escape closes it.
	tb.tabTo(`el.id === "roles-add"`, 40, false)
	tb.press(kb.Enter)
	tb.waitFor(`document.querySelector("#role-editor[open]")`)
	if f := tb.eval(`document.activeElement.name || ""`); f != "name" {
		t.Errorf("the editor opens with the focus on %s, want the name", tb.focused())
	}
	tb.press("Never made")
	tb.press(kb.Escape)
	tb.waitFor(`!document.querySelector("#role-editor")`)
	if id := tb.eval(`document.activeElement.id`); id != "roles-add" {
		t.Errorf("after Escape the focus is on %s, want the add button", tb.focused())
	}

	// Again: type, Tab to the switches, Space toggles, Enter on the submit.
	tb.press(kb.Enter)
	tb.waitFor(`document.querySelector("#role-editor[open]") && document.activeElement.name === "name"`)
	if v := tb.eval(`document.activeElement.value`); v != "" {
		t.Errorf("the editor kept %q from the cancelled one", v)
	}
	tb.press(name)
	tb.press(kb.Tab)
	if f := tb.eval(`document.activeElement.name || ""`); f != "description" {
		t.Fatalf("Tab from the name goes to %s", tb.focused())
	}
	tb.press("Keys only.")
	tb.press(kb.Tab)
	if f := tb.eval(`document.activeElement.getAttribute("role") + " " + document.activeElement.value`); f != "switch staff.read" {
		t.Fatalf("Tab from the description goes to %s, want the first switch", tb.focused())
	}
	tb.press(" ")
	tb.tabTo(`el.value === "customers.read"`, 20, false)
	tb.press(" ", " ", " ") // on, off, on
	tb.tabTo(`el.value === "categories.read"`, 8, false)
	tb.tabTo(`el.value === "customers.read"`, 8, true) // Shift+Tab goes back
	tb.check("role-editor-keyboard")
	tb.tabTo(`el.type === "submit"`, 25, false)
	// The modal keeps Tab inside: past its last control the focus never
	// lands on the page behind it.
	tb.press(kb.Tab)
	if tb.eval(`String(document.activeElement === document.body || document.querySelector("#role-editor").contains(document.activeElement))`) != "true" {
		t.Errorf("Tab past the last control of the editor reaches the page behind it: %s", tb.focused())
	}
	tb.tabTo(`el.type === "submit"`, 40, false)
	tb.press(kb.Enter)
	tb.waitText("The role " + name + " has been created.")
	tb.waitFor(`!document.querySelector("#role-editor") && ` + roleRow(name))
	if id := tb.eval(`document.activeElement.id`); id != "roles-add" {
		t.Errorf("after creating, the focus is on %s, want the add button", tb.focused())
	}
	if got := rolePerms(); !slices.Equal(got, []string{"customers.read", "staff.read"}) {
		t.Fatalf("the role as made with the keyboard: %v", got)
	}
	for _, r := range apiCall(t, "GET", "/roles", owner, nil, 200)["items"].([]any) {
		if strings.HasPrefix(r.(map[string]any)["name"].(string), "Never made") {
			t.Error("Escape made a role")
		}
	}

	// The row's options: Enter opens them on the first entry, Escape closes
	// them onto their button.
	options := `el.getAttribute("aria-label") === ` + jsString("Options for "+name)
	tb.tabTo(options, 60, false)
	tb.press(kb.Enter)
	tb.waitFor(`!` + roleRow(name) + `.querySelector(".menu").hidden`)
	if a := tb.eval(`document.activeElement.dataset.action || ""`); a != "open" {
		t.Errorf("the options open with the focus on %s", tb.focused())
	}
	tb.press(kb.Escape)
	tb.waitFor(roleRow(name) + `.querySelector(".menu").hidden`)
	if tb.eval(`String(document.activeElement === `+roleRow(name)+`.querySelector(".row-options > button"))`) != "true" {
		t.Errorf("after Escape the focus is on %s", tb.focused())
	}

	// Edit: Escape drops a change; Space and Enter save one.
	edit := func() {
		tb.press(kb.Enter)
		tb.waitFor(`!` + roleRow(name) + `.querySelector(".menu").hidden`)
		tb.tabTo(`el.dataset.action === "edit"`, 3, false)
		tb.press(kb.Enter)
		tb.waitFor(`document.querySelector("#role-editor[open]") && document.activeElement.name === "name"`)
		if tb.eval(`String(`+perm("customers.read")+`.checked && `+perm("staff.read")+`.checked)`) != "true" {
			t.Error("the editor does not show the role's permissions")
		}
		tb.tabTo(`el.value === "customers.read"`, 20, false)
		tb.press(" ")
	}
	edit()
	tb.press(kb.Escape)
	tb.waitFor(`!document.querySelector("#role-editor")`)
	if got := rolePerms(); !slices.Equal(got, []string{"customers.read", "staff.read"}) {
		t.Fatalf("Escape saved the change: %v", got)
	}
	tb.waitFor(`document.activeElement === ` + roleRow(name) + `.querySelector(".row-options > button")`)
	edit()
	tb.tabTo(`el.type === "submit"`, 25, false)
	tb.press(kb.Enter)
	tb.waitText("The role " + name + " has been saved.")
	tb.waitFor(`!document.querySelector("#role-editor") && document.querySelector("#roles-table[aria-busy=false]")`)
	if got := rolePerms(); !slices.Equal(got, []string{"staff.read"}) {
		t.Fatalf("after the keyboard edit: %v", got)
	}
	tb.waitFor(`document.activeElement === ` + roleRow(name) + `.querySelector(".row-options > button")`)

	// The role's page from its name (Shift+Tab, Enter): search by typing,
	// Space on a person's switch gives the role; back with the back link.
	tb.tabTo(`el.tagName === "A" && el.textContent === `+jsString(name), 3, true)
	tb.press(kb.Enter)
	tb.waitFor(`location.pathname.startsWith("/console/roles/") && document.querySelector("#role-members[aria-busy=false]")`)
	if tb.eval(`document.activeElement.tagName`) != "H1" {
		t.Errorf("the role's page opens with the focus on %s", tb.focused())
	}
	tb.tabTo(`el.type === "search"`, 30, false)
	tb.press(tag)
	sw := `document.querySelector("#role-members tr[data-id='` + memberID + `'] input[role=switch]")`
	tb.waitFor(`location.search.includes("q=` + tag + `") && document.querySelector("#role-members[aria-busy=false]") && ` + sw)
	tb.tabTo(`el === `+sw, 10, false)
	tb.press(" ")
	tb.waitText("Mia " + tag + " now has the role " + name + ".")
	// The switch is off limits while the request runs, but keeps the focus:
	// the next Tab goes on from it, not from the top of the page.
	tb.waitFor(`!` + sw + `.hasAttribute("aria-disabled")`)
	if tb.eval(`String(document.activeElement === `+sw+`)`) != "true" {
		t.Errorf("after Space on the switch the focus is on %s", tb.focused())
	}
	tb.press(" ")
	tb.waitText("Mia " + tag + " no longer has the role " + name + ".")
	tb.waitFor(`!` + sw + `.hasAttribute("aria-disabled")`)
	if tb.eval(`String(document.activeElement === `+sw+`)`) != "true" {
		t.Errorf("after the second Space on the switch the focus is on %s", tb.focused())
	}
	tb.press(" ")
	tb.waitText("Mia " + tag + " now has the role " + name + ".")
	if roles := apiCall(t, "GET", "/staff/"+memberID, owner, nil, 200)["roles"].([]any); len(roles) != 1 {
		t.Errorf("Space on the switch: the person holds %v", roles)
	}
	tb.check("role-page-keyboard")
	tb.tabTo(`el.tagName === "A" && el.textContent.startsWith("←")`, 40, true)
	tb.press(kb.Enter)
	tb.waitFor(`location.pathname === "/console/roles" && document.querySelector("#roles-table[aria-busy=false]") && ` + roleRow(name))
	tb.tabTo(options, 60, false)

	// Delete: the question starts on Cancel; Enter keeps the role.
	remove := func() {
		tb.press(kb.Enter)
		tb.waitFor(`!` + roleRow(name) + `.querySelector(".menu").hidden`)
		tb.tabTo(`el.dataset.action === "delete"`, 3, false)
		tb.press(kb.Enter)
		tb.waitFor(`document.querySelector("dialog[role=alertdialog][open]")`)
		if f := tb.eval(`document.activeElement.textContent`); f != "Cancel" {
			t.Errorf("the question starts on %s", tb.focused())
		}
	}
	remove()
	tb.press(kb.Enter)
	tb.waitFor(`!document.querySelector("dialog")`)
	if rolePerms() == nil {
		t.Fatal("Enter on Cancel deleted the role")
	}
	tb.waitFor(`document.activeElement === ` + roleRow(name) + `.querySelector(".row-options > button")`)
	remove()
	tb.press(kb.Tab)
	if f := tb.eval(`document.activeElement.className`); f != "danger" {
		t.Fatalf("Tab from Cancel goes to %s", tb.focused())
	}
	tb.press(kb.Enter)
	tb.waitFor(`!document.querySelector("dialog") && !` + roleRow(name))
	if rolePerms() != nil {
		t.Fatal("the role is still there")
	}
	tb.waitFor(`document.activeElement === document.querySelector("h1")`)
}
