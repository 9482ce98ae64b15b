//go:build integration

package console_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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
