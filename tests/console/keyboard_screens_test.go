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

// Settings, the audit log and the categories with the keyboard alone, as
// keyboard_people_test.go does the people: key events on whatever has the
// focus, no clicks and no focus() from the test; the results are read back
// through the API.

// fieldError is the error shown next to the field name of the form sel:
// its text when the field is marked invalid and described by it.
func (tb *tab) fieldError(sel, name string) string {
	tb.t.Helper()
	return tb.eval(`(() => {
	  const box = document.querySelector(` + jsString(sel+` [data-field="`+name+`"]`) + `);
	  const input = box.querySelector("input, select, textarea"), line = box.querySelector(".error");
	  const described = (input.getAttribute("aria-describedby") || "").split(" ").includes(line.id);
	  return input.getAttribute("aria-invalid") === "true" && described ? line.textContent : "(not marked) " + line.textContent;
	})()`)
}

// Settings with the keyboard alone: Tab into a field selects what is in
// it; an empty shop name and too short an audit retention are refused
// next to their fields with the focus on the first of them (Enter sends
// the form from any field); then the name, the default language (arrow
// keys), the seat limit and the retention are saved with Enter on the save
// button, and the focus is on the heading afterwards, not on nothing.
func TestConsoleSettingsKeyboard(t *testing.T) {
	ownerEmail, owner, tag := keysOwner(t, "kbset", "Selma")
	before := apiCall(t, "GET", "/settings", owner, nil, 200)
	restoreSettings(t, owner, before)
	lang, arrow := "de", kb.ArrowDown // the choices: nl, en, de
	if before["defaultLocale"] == "de" {
		lang, arrow = "nl", kb.ArrowUp
	}
	const form = "#settings-form"
	input := func(name string) string { return `document.querySelector("#settings-form [name=` + name + `]")` }

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/settings")))
	tb.signInKeys(ownerEmail)
	tb.waitFor(`location.pathname === "/console/settings" && ` + input("shopName"))
	tb.focusIs(`document.querySelector("h1")`, "opening the settings")

	// Refused: the name emptied with Backspace, the retention 7 days.
	tb.tabTo(`el.name === "shopName"`, 10, false)
	tb.press(kb.Backspace)
	tb.tabTo(`el.name === "auditRetentionDays"`, 12, false)
	tb.press("7", kb.Enter)
	tb.waitText("Fill in this field.")
	tb.focusIs(input("shopName"), "saving without a shop name")
	if e := tb.fieldError(form, "shopName"); e != "Fill in this field." {
		t.Errorf("next to the shop name: %q", e)
	}
	if e := tb.fieldError(form, "auditRetentionDays"); e != "Enter a whole number from 30 to 3,650." {
		t.Errorf("next to the retention: %q", e)
	}
	tb.check("settings-keyboard-invalid")
	shop := "Keyed shop " + tag
	tb.press(shop, kb.Enter)
	tb.focusIs(input("auditRetentionDays"), "saving with too short a retention")
	if e := tb.fieldError(form, "shopName"); e != "(not marked) " {
		t.Errorf("the shop name is still refused: %q", e)
	}
	if e := tb.fieldError(form, "auditRetentionDays"); e != "Enter a whole number from 30 to 3,650." {
		t.Errorf("next to the retention: %q", e)
	}
	if s := apiCall(t, "GET", "/settings", owner, nil, 200); s["shopName"] != before["shopName"] || num(s["auditRetentionDays"]) != num(before["auditRetentionDays"]) {
		t.Fatalf("a refused form was saved: %v", s)
	}

	// Shift+Tab and Tab again select the retention; the language with the
	// arrow keys; the seat limit; Enter on the save button.
	tb.press(kb.Tab)
	tb.tabTo(`el.name === "auditRetentionDays"`, 1, true)
	tb.press("400")
	tb.tabTo(`el.name === "defaultLocale"`, 12, true)
	tb.arrowTo(arrow, `el.value === `+jsString(lang), 2)
	tb.tabTo(`el.name === "seatLimit"`, 4, false)
	tb.press("900")
	tb.tabTo(`el.id === "settings-save"`, 8, false)
	tb.press(kb.Enter)
	tb.waitText("The settings have been saved.")
	tb.focusIs(`document.querySelector("h1")`, "saving the settings")
	s := apiCall(t, "GET", "/settings", owner, nil, 200)
	if s["shopName"] != shop || s["defaultLocale"] != lang || num(s["seatLimit"]) != 900 || num(s["auditRetentionDays"]) != 400 {
		t.Fatalf("the settings saved with the keyboard: %v", s)
	}
	if e := tb.fieldError(form, "auditRetentionDays"); e != "(not marked) " {
		t.Errorf("after saving the retention is still refused: %q", e)
	}
}

// auditAPIIDs is what GET /audit answers (the ids, in order) for the
// filters in the page's address.
func (tb *tab) auditAPIIDs(token string) string {
	tb.t.Helper()
	page, err := url.ParseQuery(strings.TrimPrefix(tb.eval(`location.search`), "?"))
	if err != nil {
		tb.t.Fatal(err)
	}
	q := url.Values{"limit": {"25"}}
	for name, param := range map[string]string{"actor": "actorId", "targetType": "targetType", "target": "targetId", "action": "action", "from": "from", "to": "to", "cursor": "cursor"} {
		if v := page.Get(name); v != "" {
			q.Set(param, v)
		}
	}
	return apiIDs(tb.t, token, "/audit?"+q.Encode())
}

// typeDateTime types a time into the focused datetime-local field the way
// Chromium's en-US one takes it: month, day, year, Tab, hour, minute, A/P.
func (tb *tab) typeDateTime(at time.Time) {
	tb.t.Helper()
	tb.press(at.Format("01022006"), kb.Tab, at.Format("0304"), at.Format("PM")[:1])
}

// The audit log with the keyboard alone: a person found by typing and
// chosen with Enter, an action with the arrow keys, the time from typed in
// its field, the target from an event; after each the focus stays on the
// filter that shows the choice, and the events are those GET /audit
// answers for the same filters. The next page with Enter; an event's
// before and after opens and closes with Enter on its summary.
func TestConsoleAuditKeyboard(t *testing.T) {
	ownerEmail, owner, tag := keysOwner(t, "kba", "Aart")
	otherEmail := uniqueEmail("console-kba-other")
	active(t, otherEmail, "Olga", tag, auth.OwnerRoleID)
	other := apiLogin(t, otherEmail)
	// The other person makes a role and changes it 26 times (two pages);
	// the owner changes it once more (not theirs).
	roleID := apiCall(t, "POST", "/roles", other, map[string]any{"name": "Audited by keys " + tag, "description": "v0"}, 201)["id"].(string)
	for i := 1; i <= 26; i++ {
		apiCall(t, "PATCH", "/roles/"+roleID, other, map[string]any{"description": "v" + strconv.Itoa(i)}, 200)
	}
	apiCall(t, "PATCH", "/roles/"+roleID, owner, map[string]any{"description": "the owner's"}, 200)
	from := time.Now().Add(-10 * time.Minute)

	busy := `document.querySelector("#audit-events[aria-busy=false]")`
	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/audit")))
	tb.signInKeys(ownerEmail)
	tb.waitFor(`location.pathname === "/console/audit" && ` + busy + ` && document.querySelector("#audit-events li.event")`)
	same := func(after string) {
		t.Helper()
		got, want := tb.eval(events+`.map((e) => e.dataset.id).join()`), tb.auditAPIIDs(owner)
		if got != want || got == "" {
			t.Errorf("after %s (%s) the page shows %s, GET /audit %s", after, tb.path(), got, want)
		}
	}

	// The person: type, Tab to the match, Enter.
	tb.tabTo(`el.type === "search"`, 10, false)
	tb.press(tag)
	match := `el.tagName === "BUTTON" && el.closest(".matches") && el.textContent.includes(` + jsString(otherEmail) + `)`
	tb.waitFor(`[...document.querySelectorAll(".matches button")].some((el) => ` + match + `)`)
	tb.tabTo(match, 6, false)
	tb.press(kb.Enter)
	tb.waitFor(`location.search.startsWith("?actor=") && ` + busy + ` && document.querySelector("#audit-person")`)
	tb.focusIs(`document.querySelector("input[type=search]")`, "choosing a person")
	if whos := tb.eval(`[...new Set(` + events + `.map((e) => e.querySelector(".hint").textContent.split(" · ")[0]))].join()`); whos != "Who: "+otherEmail {
		t.Errorf("the person filter shows events of %s", whos)
	}
	same("the person")

	// The action: arrow keys on the select, each step a choice.
	tb.tabTo(`el.name === "action"`, 10, false)
	tb.arrowTo(kb.ArrowDown, `el.value === "role.update"`, 40)
	tb.waitFor(`new URLSearchParams(location.search).get("action") === "role.update" && ` + busy)
	tb.focusIs(`document.querySelector("select[name=action]")`, "choosing the action")
	same("the action")

	// From ten minutes ago, typed.
	tb.tabTo(`el.name === "from"`, 3, false)
	tb.typeDateTime(from)
	tb.waitFor(`new URLSearchParams(location.search).has("from") && ` + busy)
	tb.focusIs(`document.querySelector("input[name=from]")`, "typing the time")
	same("the time")
	if n := tb.eval(`String(` + events + `.length)`); n != "25" {
		t.Errorf("%s events on the first page", n)
	}

	// The target from the first event.
	tb.tabTo(`el.dataset.filter === "target"`, 20, false)
	tb.press(kb.Enter)
	tb.waitFor(`new URLSearchParams(location.search).get("target") === "` + roleID + `" && ` + busy)
	tb.focusIs(`document.querySelector("select[name=targetType]")`, "choosing the target from an event")
	same("the target")

	// The next page: one event, the first change.
	tb.tabTo(`el.id === "audit-next"`, 60, false)
	tb.press(kb.Enter)
	tb.waitFor(`new URLSearchParams(location.search).has("cursor") && ` + busy + ` && ` + events + `.length === 1`)
	tb.focusIs(`document.querySelector("h1")`, "the next page")
	same("the next page")

	// Its before and after: Enter on the summary opens and closes them.
	tb.tabTo(`el.tagName === "SUMMARY"`, 30, false)
	tb.press(kb.Enter)
	tb.waitFor(events + `[0].querySelector("details").open`)
	if f := strings.Fields(tb.eval(events + `[0].querySelector("details tbody tr").innerText`)); len(f) != 3 || f[0] != "description" || f[1] != "v0" || f[2] != "v1" {
		t.Errorf("before and after %q", f)
	}
	tb.check("audit-keyboard")
	tb.press(kb.Enter)
	tb.waitFor(`!` + events + `[0].querySelector("details").open`)
	tb.focusIs(events+`[0].querySelector("summary")`, "closing the changes")
}

// A subcategory added and a category edited with the keyboard alone: Enter
// on a category's options, "Add subcategory" with Tab and Enter; name and
// description typed, the https thumbnail chosen with the arrow keys and its
// address typed, Enter sends it; the focus goes back to the options. Enter
// on the new category's name opens it; End and typing change the name and
// the description, Enter on save; the focus goes back to the name.
func TestConsoleCategoriesKeyboard(t *testing.T) {
	ownerEmail, owner, tag := keysOwner(t, "kbcat", "Cor")
	parent := "Keyed parent " + tag
	parentID := apiCall(t, "POST", "/categories", owner, map[string]any{"name": parent}, 201)["id"].(string)
	sub := "Keyed sub " + tag
	thumb := "https://cdn.example.com/" + tag + ".png"
	optionsOf := func(name string) string { return node(name) + `.querySelector(":scope > .node .row-options > button")` }
	nameOf := func(name string) string { return node(name) + `.querySelector(":scope > .node button.link")` }

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/categories")))
	tb.signInKeys(ownerEmail)
	tb.waitFor(`document.querySelector("#category-tree[aria-busy=false]") && ` + node(parent))

	// Add a subcategory from the options.
	tb.tabTo(`el === `+optionsOf(parent), 80, false)
	tb.press(kb.Enter)
	tb.waitFor(`!` + node(parent) + `.querySelector(":scope > .node .menu").hidden`)
	tb.tabTo(`el.dataset.action === "add-sub"`, 3, false)
	tb.press(kb.Enter)
	tb.waitFor(`document.querySelector("#category-detail[open]")`)
	tb.focusIs(`document.querySelector("#category-detail input[name=name]")`, "opening the panel")
	tb.press(sub, kb.Tab, "Added with the keys.", kb.Tab)
	if f := tb.eval(`document.activeElement.name + " " + document.activeElement.value`); f != "thumb none" {
		t.Fatalf("Tab from the description goes to %s, want the checked thumbnail choice", tb.focused())
	}
	tb.arrowTo(kb.ArrowDown, `el.name === "thumb" && el.value === "url" && el.checked`, 3)
	tb.waitFor(`!document.querySelector("#category-detail input[name=url]").closest(".field").hidden`)
	tb.press(kb.Tab)
	if tb.eval(`document.activeElement.name || ""`) != "url" {
		t.Fatalf("Tab from the https choice goes to %s", tb.focused())
	}
	tb.press(thumb, kb.Enter)
	tb.waitText(sub + " has been added.")
	tb.waitFor(`!document.querySelector("#category-detail") && ` + node(sub))
	tb.focusIs(optionsOf(parent), "adding the subcategory")
	if got := children(t, owner, parentID); strings.Join(got, ",") != sub {
		t.Fatalf("children of the parent: %v", got)
	}
	subID := tb.eval(node(sub) + `.dataset.id`)
	if c := apiCall(t, "GET", "/categories/"+subID, owner, nil, 200); c["description"] != "Added with the keys." || c["thumbnailUrl"] != thumb {
		t.Errorf("the subcategory added with the keyboard: %v", c)
	}

	// Edit it from its name.
	tb.tabTo(`el === `+nameOf(sub), 10, false)
	tb.press(kb.Enter)
	tb.waitFor(`document.querySelector("#category-detail[open]")`)
	tb.focusIs(`document.querySelector("#category-detail input[name=name]")`, "opening the category")
	tb.press(kb.End, " edited", kb.Tab, kb.End, " Edited too.")
	tb.tabTo(`el.type === "submit"`, 6, false)
	tb.press(kb.Enter)
	sub += " edited"
	tb.waitText(sub + " has been saved.")
	tb.waitFor(`!document.querySelector("#category-detail") && ` + node(sub))
	tb.focusIs(nameOf(sub), "saving the category")
	if c := apiCall(t, "GET", "/categories/"+subID, owner, nil, 200); c["name"] != sub || c["description"] != "Added with the keys. Edited too." || c["thumbnailUrl"] != thumb {
		t.Errorf("the category edited with the keyboard: %v", c)
	}
	tb.check("categories-keyboard")
}
