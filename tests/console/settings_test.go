//go:build integration

package console_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backoffice/shared/auth"
)

// euro formats cents as Intl.NumberFormat("en", {currency: "EUR"}) does.
func euro(cents int) string {
	whole := strconv.Itoa(cents / 100)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("€%s.%02d", whole, cents%100)
}

func num(v any) int { return int(v.(float64)) }

// restoreSettings puts back what a test changed, for the tests after it.
func restoreSettings(t *testing.T, token string, before map[string]any) {
	t.Cleanup(func() {
		_ = setSeats(context.Background(), 1000, 1000, 0)
		apiCall(t, "PATCH", "/settings", token, map[string]any{
			"shopName": before["shopName"], "defaultLocale": before["defaultLocale"],
			"invitationTtlHours": before["invitationTtlHours"], "resetTtlMinutes": before["resetTtlMinutes"],
			"auditRetentionDays": before["auditRetentionDays"],
		}, 200)
	})
}

// Top banner "Settings": shop name, default language, seats used / limit /
// included, the price of an extra seat and the monthly cost (Intl), link
// lifetimes and audit retention; checked in words before saving; saved as
// a PATCH of what changed; 412 → reload.
func TestConsoleSettings(t *testing.T) {
	ownerEmail := uniqueEmail("console-settings-owner")
	active(t, ownerEmail, "Sanne", "Settings", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	restoreSettings(t, owner, apiCall(t, "GET", "/settings", owner, nil, 200))
	invited(t, uniqueEmail("console-settings-seat"), "Seat", "Taker") // two seats at least: "extra seats"
	used := num(apiCall(t, "GET", "/settings", owner, nil, 200)["seatsUsed"])
	if err := setSeats(context.Background(), 5000, 1, 2500); err != nil {
		t.Fatal(err)
	}
	extra := used - 1
	if extra < 1 {
		t.Fatalf("%d seats in use", used)
	}

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("")))
	tb.signIn(ownerEmail)
	tb.clickText("Settings")
	tb.waitFor(`location.pathname === "/console/settings" && document.querySelector("#settings-form input[name=shopName]")`)
	if got, want := tb.eval(`document.querySelector("#seats-used").textContent`), fmt.Sprintf("%d of 5,000", used); got != want {
		t.Errorf("seats used %q, want %q", got, want)
	}
	// One extra seat at least (the plan includes one), so the cost is not 0.
	want := fmt.Sprintf("%s (%d extra seats × €25.00)", euro(extra*2500), extra)
	if extra == 1 {
		want = euro(2500) + " (one extra seat × €25.00)"
	}
	if got := tb.eval(`document.querySelector("#monthly-cost").textContent`); got != want {
		t.Errorf("monthly cost %q, want %q", got, want)
	}
	if v := tb.eval(`document.querySelector("#settings-form input[name=pricePerExtraSeat]").value`); v != "25.00" {
		t.Errorf("price field %q", v)
	}
	if facts := tb.eval(`document.querySelector("#settings-form").innerText`); !strings.Contains(facts, "Seats included in the plan\n1") {
		t.Errorf("included seats not shown: %q", facts)
	}
	tb.check("settings")

	// Checked in words first: nothing is sent.
	tb.typeInto(`#settings-form input[name=seatLimit]`, "1")
	tb.typeInto(`#settings-form input[name=pricePerExtraSeat]`, "a lot")
	tb.typeInto(`#settings-form input[name=auditRetentionDays]`, "7")
	tb.click("#settings-save")
	tb.waitText(fmt.Sprintf("The limit can not go below the %d seats in use.", used))
	tb.waitText("Enter an amount such as 25 or 25.50.")
	tb.waitText("Enter a whole number from 30 to 3,650.")
	if tb.eval(`document.activeElement.name`) != "seatLimit" {
		t.Error("the focus is not on the first field with an error")
	}
	tb.check("settings-invalid")
	if s := apiCall(t, "GET", "/settings", owner, nil, 200); num(s["seatLimit"]) != 5000 {
		t.Fatalf("an invalid form was saved: %v", s)
	}

	// Save: the figures follow.
	shop := "Console shop " + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	tb.typeInto(`#settings-form input[name=shopName]`, shop)
	tb.typeInto(`#settings-form input[name=seatLimit]`, "4000")
	tb.typeInto(`#settings-form input[name=pricePerExtraSeat]`, "30.5")
	tb.typeInto(`#settings-form input[name=auditRetentionDays]`, "365")
	tb.typeInto(`#settings-form input[name=invitationTtlHours]`, "48")
	tb.chooseIn(`document.querySelector("#settings-form select[name=defaultLocale]")`, "de")
	tb.click("#settings-save")
	tb.waitText("The settings have been saved.")
	s := apiCall(t, "GET", "/settings", owner, nil, 200)
	b := s["billing"].(map[string]any)
	if s["shopName"] != shop || num(s["seatLimit"]) != 4000 || num(b["pricePerExtraSeatCents"]) != 3050 || num(s["auditRetentionDays"]) != 365 ||
		num(s["invitationTtlHours"]) != 48 || s["defaultLocale"] != "de" {
		t.Fatalf("settings after saving: %v", s)
	}
	tb.waitFor(`document.querySelector("#monthly-cost").textContent.startsWith(` + jsString(euro(extra*3050)) + `)`)
	if hint := tb.eval(`document.querySelector("#settings-form input[name=invitationTtlHours]").closest(".field").innerText`); !strings.Contains(hint, "now 48 hours (2 days)") {
		t.Errorf("lifetime in words: %q", hint)
	}

	// Someone else saves meanwhile: 412, reload shows theirs, then ours.
	apiCall(t, "PATCH", "/settings", owner, map[string]any{"resetTtlMinutes": 90}, 200)
	tb.typeInto(`#settings-form input[name=auditRetentionDays]`, "400")
	tb.click("#settings-save")
	tb.waitText("Someone else changed this in the meantime.")
	tb.check("settings-412")
	tb.clickText("Reload")
	tb.waitFor(`document.querySelector("#settings-form input[name=resetTtlMinutes]").value === "90" && document.querySelector("#settings-form input[name=auditRetentionDays]").value === "365"`)
	tb.typeInto(`#settings-form input[name=auditRetentionDays]`, "400")
	tb.eval(`document.querySelector("#toast").replaceChildren(), ""`) // the first save's toast may still show
	tb.click("#settings-save")
	tb.waitText("The settings have been saved.")
	if s := apiCall(t, "GET", "/settings", owner, nil, 200); num(s["auditRetentionDays"]) != 400 || num(s["resetTtlMinutes"]) != 90 {
		t.Fatalf("after the reload and save: %v", s)
	}

	// Money in the person's language, through Intl.
	tb.click("#account-button")
	tb.choose("#account-language", "de")
	tb.waitFor(`document.documentElement.lang === "de" && document.querySelector("h1")?.textContent === "Einstellungen" && document.querySelector("#monthly-cost")`)
	if cost := tb.eval(`document.querySelector("#monthly-cost").textContent`); !strings.Contains(cost, "30,50\u00a0€") || strings.HasPrefix(cost, "0,00") {
		t.Errorf("monthly cost in German %q", cost)
	}
	if v := tb.eval(`document.querySelector("#settings-form input[name=pricePerExtraSeat]").value`); v != "30,50" {
		t.Errorf("German price field %q", v)
	}
	tb.check("settings-de")
}

// With settings.read alone the figures show, nothing can be changed, and
// the page says which permission that needs.
func TestConsoleSettingsReadOnly(t *testing.T) {
	ownerEmail := uniqueEmail("console-settings-boss")
	active(t, ownerEmail, "Bas", "Boss", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	role := apiCall(t, "POST", "/roles", owner, map[string]any{"name": "Settings reader " + strconv.FormatInt(seq.Add(1), 10), "permissions": []string{"settings.read"}}, 201)
	email := uniqueEmail("console-settings-reader")
	active(t, email, "Rena", "Reader", role["id"].(string))

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/settings")))
	tb.signIn(email)
	tb.waitFor(`location.pathname === "/console/settings" && document.querySelector("#settings-form input[name=shopName]")`)
	if nav := tb.eval(`document.querySelector("header nav").innerText.trim()`); nav != "Settings" {
		t.Errorf("banner of a settings reader: %q", nav)
	}
	if got := tb.eval(`String(!!document.querySelector("#settings-save"))`); got != "false" {
		t.Error("a reader has a save button")
	}
	if got := tb.eval(`String([...document.querySelectorAll("#settings-form input")].every((i) => i.readOnly) && document.querySelector("#settings-form select").disabled)`); got != "true" {
		t.Error("a reader's fields can be edited")
	}
	if !strings.Contains(tb.eval(`document.body.innerText`), "that needs the permission “Change shop settings and the seat limit”") {
		t.Error("the reader is not told why")
	}
	tb.check("settings-readonly")
}
