//go:build integration

package console_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"backoffice/shared/auth"
)

// confirmLink opens a confirmation link on the /confirm-email page in a
// browser of its own and presses its button; it answers what the page
// says afterwards (its status, or its alert when the link failed).
func confirmLink(t *testing.T, link string) string {
	t.Helper()
	page := newTab(t)
	page.do(chromedp.Navigate(link))
	page.waitFor(`document.querySelector("#form") && !document.querySelector("#form").hidden`)
	page.click("#submit")
	page.waitFor(`document.querySelector("#form").hidden`)
	return page.eval(`[document.querySelector("#status"), document.querySelector("#alert")].map((e) => e ? e.innerText : "").join(" ").trim()`)
}

// A colleague's new sign-in address on their page: saving it says the new
// address has to confirm first and shows the change waiting (the address,
// when the link went, until when it works) while the list and the API keep
// the old address; "send the link again" mails a new link and the old one
// no longer works; the new link, confirmed on the /confirm-email page,
// moves the address, which the console shows after a reload. A second
// change is cancelled after a question ("keep waiting" keeps it), and its
// link dies.
func TestConsolePendingEmailStaff(t *testing.T) {
	ownerEmail := uniqueEmail("console-pe-owner")
	active(t, ownerEmail, "Paula", "Pending", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	tag := "Pe" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	oldEmail := uniqueEmail("console-pe-old")
	target := active(t, oldEmail, "Moritz", tag)

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/staff?q=" + tag)))
	tb.signIn(ownerEmail)
	row := `document.querySelector("tbody tr[data-id='` + target + `']")`
	tb.waitFor(row)
	open := func() {
		tb.eval(row + `.querySelector("button.link").click(), ""`)
		tb.waitFor(`document.querySelector("#staff-detail[open]")`)
	}
	open()
	if tb.eval(`String(document.querySelector("#staff-detail input[name=email]").readOnly)`) != "false" {
		t.Fatal("the email address of an active colleague can not be edited")
	}
	if txt := tb.eval(`document.querySelector("#staff-detail").innerText`); !strings.Contains(txt, "A new address takes effect only once it is confirmed") {
		t.Errorf("the email field does not say a new address needs its confirmation: %q", txt)
	}
	if tb.eval(`String(!!document.querySelector("#pending-email"))`) != "false" {
		t.Fatal("a pending change is shown before there is one")
	}

	// Edit the address: the panel stays open and shows the waiting change.
	newEmail := uniqueEmail("console-pe-new")
	tb.typeInto(`#staff-detail input[name=email]`, newEmail)
	tb.eval(`document.querySelector("#staff-detail form").requestSubmit(), ""`)
	tb.waitFor(`document.querySelector("#staff-detail #pending-email")`)
	status := tb.eval(`document.querySelector("#staff-detail .status").innerText`)
	if !strings.Contains(status, "Saved. "+newEmail+" has to confirm the change first") || !strings.Contains(status, "stays "+oldEmail) {
		t.Errorf("after saving: %q", status)
	}
	pending := tb.eval(`document.querySelector("#pending-email").innerText`)
	for _, want := range []string{"New sign-in address waiting for confirmation", newEmail, "Link sent", "Link valid until", "Send the link again", "Cancel the change"} {
		if !strings.Contains(pending, want) {
			t.Errorf("the pending change lacks %q: %q", want, pending)
		}
	}
	if v := tb.eval(`document.querySelector("#staff-detail input[name=email]").value`); v != oldEmail {
		t.Errorf("the email field shows %q before the confirmation, want the old %q", v, oldEmail)
	}
	if tb.eval(`String(document.querySelector("#pending-email").contains(document.activeElement))`) != "true" {
		t.Errorf("focus after saving on %s, want the pending change", tb.eval(`document.activeElement.outerHTML.slice(0, 120)`))
	}
	tb.check("staff-pending-email")
	// The list and the API keep the old address.
	tb.waitFor(`document.querySelector("table[aria-busy=false]")`)
	if r := tb.eval(row + `.innerText`); !strings.Contains(r, oldEmail) || strings.Contains(r, newEmail) {
		t.Errorf("the list row shows %q", r)
	}
	got := apiCall(t, "GET", "/staff/"+target, owner, nil, 200)
	if pe, _ := got["pendingEmail"].(map[string]any); got["email"] != oldEmail || pe["email"] != newEmail {
		t.Fatalf("the API has %v", got)
	}
	firstLink := st.MailLink(t, newEmail, "").URL

	// Send the link again: a new mail, and the first link no longer works.
	tb.click(`#pending-email [data-action=resend-email]`)
	tb.waitText("A new link has been sent to " + newEmail)
	if a := tb.eval(`document.activeElement.dataset.action || ""`); a != "resend-email" {
		t.Errorf("focus after resending on %q", tb.eval(`document.activeElement.outerHTML.slice(0, 120)`))
	}
	secondLink := st.MailLink(t, newEmail, "").URL
	if secondLink == firstLink {
		t.Fatal("the resent mail carries the first link")
	}
	if said := confirmLink(t, firstLink); !strings.Contains(said, "no longer valid") {
		t.Errorf("the first link after the resend: %q", said)
	}
	if got := apiCall(t, "GET", "/staff/"+target, owner, nil, 200); got["email"] != oldEmail {
		t.Fatalf("the dead link moved the address: %v", got)
	}

	// The new link, on the confirmation page: the address moves.
	if said := confirmLink(t, secondLink); !strings.Contains(said, newEmail) {
		t.Errorf("the confirmation page says %q", said)
	}
	tb.do(chromedp.Reload())
	tb.waitFor(row + ` && ` + row + `.innerText.includes(` + jsString(newEmail) + `)`)
	open()
	if v := tb.eval(`document.querySelector("#staff-detail input[name=email]").value`); v != newEmail {
		t.Errorf("after the confirmation the panel shows %q", v)
	}
	if tb.eval(`String(!!document.querySelector("#pending-email"))`) != "false" {
		t.Error("the confirmed change is still shown as pending")
	}

	// Another change, cancelled: "keep waiting" keeps it, then it goes.
	third := uniqueEmail("console-pe-third")
	tb.typeInto(`#staff-detail input[name=email]`, third)
	tb.eval(`document.querySelector("#staff-detail form").requestSubmit(), ""`)
	tb.waitFor(`document.querySelector("#pending-email") && document.querySelector("#pending-email").innerText.includes(` + jsString(third) + `)`)
	thirdLink := st.MailLink(t, third, "").URL
	tb.click(`#pending-email [data-action=cancel-email]`)
	tb.waitFor(`document.querySelector("dialog[role=alertdialog][open]")`)
	question := tb.eval(`document.querySelector("dialog[role=alertdialog]").innerText`)
	if !strings.Contains(question, "Cancel the change of address?") || !strings.Contains(question, third+" will not become the sign-in address") {
		t.Errorf("cancel question: %q", question)
	}
	if f := tb.eval(`document.activeElement.textContent`); f != "Keep waiting" {
		t.Errorf("the question starts on %q, want Keep waiting", f)
	}
	tb.check("staff-pending-email-cancel")
	tb.do(chromedp.KeyEvent(kb.Enter)) // Enter on "keep waiting": nothing happens
	tb.waitFor(`!document.querySelector("dialog[role=alertdialog]")`)
	if pe := apiCall(t, "GET", "/staff/"+target, owner, nil, 200)["pendingEmail"]; pe == nil {
		t.Fatal("keep waiting cancelled the change")
	}
	tb.click(`#pending-email [data-action=cancel-email]`)
	tb.waitFor(`document.querySelector("dialog[role=alertdialog][open]")`)
	tb.eval(`document.querySelector("dialog[role=alertdialog] .danger").click(), ""`)
	tb.waitFor(`!document.querySelector("#pending-email")`)
	tb.waitText("The change to " + third + " has been cancelled.")
	if f := tb.eval(`document.activeElement.name || ""`); f != "email" {
		t.Errorf("focus after cancelling on %s", tb.eval(`document.activeElement.outerHTML.slice(0, 120)`))
	}
	got = apiCall(t, "GET", "/staff/"+target, owner, nil, 200)
	if got["pendingEmail"] != nil || got["email"] != newEmail {
		t.Errorf("after cancelling: %v", got)
	}
	if said := confirmLink(t, thirdLink); !strings.Contains(said, "no longer valid") {
		t.Errorf("the cancelled change's link: %q", said)
	}
}

// A customer's new address waits the same way; the change is cancelled
// from the panel. Someone who may only read customers sees the waiting
// change without the actions.
func TestConsolePendingEmailCustomer(t *testing.T) {
	ownerEmail := uniqueEmail("console-pe-cust-owner")
	active(t, ownerEmail, "Petra", "Pending", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	role := apiCall(t, "POST", "/roles", owner, map[string]any{"name": "Customer viewer " + strconv.FormatInt(seq.Add(1), 10), "permissions": []string{"customers.read"}}, 201)
	readerEmail := uniqueEmail("console-pe-reader")
	active(t, readerEmail, "Rolf", "Reader", role["id"].(string))
	tag := "Pc" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	oldEmail := uniqueEmail("console-pe-cust-old")
	id := activeCustomer(t, owner, oldEmail, "Clara", tag)

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/customers?q=" + tag)))
	tb.signIn(ownerEmail)
	row := `document.querySelector("tbody tr[data-id='` + id + `']")`
	tb.waitFor(row)
	tb.eval(row + `.querySelector("button.link").click(), ""`)
	tb.waitFor(`document.querySelector("#customer-detail[open]")`)
	newEmail := uniqueEmail("console-pe-cust-new")
	tb.typeInto(`#customer-detail input[name=email]`, newEmail)
	tb.eval(`document.querySelector("#customer-detail form").requestSubmit(), ""`)
	tb.waitFor(`document.querySelector("#customer-detail #pending-email")`)
	if s := tb.eval(`document.querySelector("#customer-detail .status").innerText`); !strings.Contains(s, newEmail+" has to confirm the change first") {
		t.Errorf("after saving: %q", s)
	}
	if p := tb.eval(`document.querySelector("#pending-email").innerText`); !strings.Contains(p, newEmail) || !strings.Contains(p, "Link valid until") {
		t.Errorf("pending change: %q", p)
	}
	if v := tb.eval(`document.querySelector("#customer-detail input[name=email]").value`); v != oldEmail {
		t.Errorf("the email field shows %q before the confirmation", v)
	}
	tb.check("customer-pending-email")
	tb.waitFor(`document.querySelector("table[aria-busy=false]")`)
	if r := tb.eval(row + `.innerText`); !strings.Contains(r, oldEmail) || strings.Contains(r, newEmail) {
		t.Errorf("the list row shows %q", r)
	}
	got := apiCall(t, "GET", "/customers/"+id, owner, nil, 200)
	if pe, _ := got["pendingEmail"].(map[string]any); got["email"] != oldEmail || pe["email"] != newEmail {
		t.Fatalf("the API has %v", got)
	}
	link := st.MailLink(t, newEmail, "").URL
	if !strings.Contains(link, "/confirm-email?for=customer#token=") {
		t.Errorf("customer confirmation link %s", link)
	}

	// The reader: the change, no actions.
	reader := newTab(t)
	reader.do(chromedp.Navigate(consoleURL("/users/customers?q=" + tag)))
	reader.signIn(readerEmail)
	reader.waitFor(row)
	reader.eval(row + `.querySelector("button.link").click(), ""`)
	reader.waitFor(`document.querySelector("#customer-detail #pending-email")`)
	if p := reader.eval(`document.querySelector("#pending-email").innerText`); !strings.Contains(p, newEmail) {
		t.Errorf("the reader's panel: %q", p)
	}
	if n := reader.eval(`String(document.querySelectorAll("#pending-email button").length)`); n != "0" {
		t.Errorf("a reader is offered %s actions on the pending change", n)
	}
	reader.check("customer-pending-email-readonly")

	// Cancel, after the question.
	tb.click(`#pending-email [data-action=cancel-email]`)
	tb.waitFor(`document.querySelector("dialog[role=alertdialog][open]")`)
	tb.eval(`document.querySelector("dialog[role=alertdialog] .danger").click(), ""`)
	tb.waitFor(`!document.querySelector("#pending-email")`)
	tb.waitText("The change to " + newEmail + " has been cancelled.")
	if got := apiCall(t, "GET", "/customers/"+id, owner, nil, 200); got["pendingEmail"] != nil || got["email"] != oldEmail {
		t.Errorf("after cancelling: %v", got)
	}
	if said := confirmLink(t, link); !strings.Contains(said, "no longer valid") {
		t.Errorf("the cancelled change's link: %q", said)
	}
}
