//go:build integration

package console_test

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"backoffice/infra/seed"
	"backoffice/shared/auth"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// newCustomer adds a customer through the API (no mail unless invite).
func newCustomer(t *testing.T, token, email, first, last string, fields map[string]any, invite bool) map[string]any {
	t.Helper()
	body := map[string]any{"email": email, "firstName": first, "lastName": last, "sendInvitation": invite}
	for k, v := range fields {
		body[k] = v
	}
	return apiCall(t, "POST", "/customers", token, body, 201)["customer"].(map[string]any)
}

// activeCustomer adds a customer who accepted the mail's invitation.
func activeCustomer(t *testing.T, token, email, first, last string) string {
	t.Helper()
	id := newCustomer(t, token, email, first, last, nil, true)["id"].(string)
	tok := st.MailLink(t, email, "").Token
	apiCall(t, "POST", "/customer-auth/invitations/accept", "", map[string]any{"token": tok, "password": password}, 204)
	return id
}

// Top banner "Users" → customer accounts: add a customer with the needed
// data (with and without the invitation mail), mistakes said in words next
// to their field, the detail panel edits every field (a concurrent change:
// 412 → reload), and an invitation sent later from the row's options. All
// of it from the keyboard where a person would use it.
func TestConsoleCustomerAddAndEdit(t *testing.T) {
	ownerEmail := uniqueEmail("console-cust-owner")
	active(t, ownerEmail, "Carla", "Customers", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	tag := "Ca" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("")))
	tb.signIn(ownerEmail)
	tb.clickText("Users")
	tb.waitFor(`location.pathname === "/console/users/staff"`)
	tb.clickText("Customers")
	tb.waitFor(`location.pathname === "/console/users/customers" && document.querySelector("#customers-add")`)
	if h := tb.eval(`document.querySelector("h1").textContent`); h != "Customer accounts" {
		t.Errorf("heading %q", h)
	}
	if cur := tb.eval(`document.querySelector(".tabs [aria-current=page]").textContent`); cur != "Customers" {
		t.Errorf("current tab %q", cur)
	}
	tb.check("customers")

	// The add dialog from the keyboard: focus moves in, Escape closes it and
	// the focus is back on the button.
	tb.eval(`document.querySelector("#customers-add").focus(), ""`)
	tb.do(chromedp.KeyEvent(kb.Enter))
	tb.waitFor(`document.querySelector("#customer-add[open]") && document.querySelector("#customer-add").contains(document.activeElement)`)
	if f := tb.eval(`document.activeElement.name`); f != "email" {
		t.Errorf("focus in the add dialog on %q, want the email field", f)
	}
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.waitFor(`!document.querySelector("#customer-add") && document.activeElement && document.activeElement.id === "customers-add"`)

	// Mistakes come back in words, next to their fields, before any request.
	tb.do(chromedp.KeyEvent(kb.Enter))
	tb.waitFor(`document.querySelector("#customer-add[open]")`)
	tb.typeInto(`#customer-add input[name=email]`, "not-an-address")
	tb.typeInto(`#customer-add input[name=vatNumber]`, "12")
	tb.typeInto(`#customer-add input[name="address.city"]`, "Köln")
	tb.eval(`document.querySelector("#customer-add form").requestSubmit(), ""`)
	tb.waitText("Enter an email address like name@example.com.")
	for _, want := range []string{"Fill in this field.", "Enter a VAT number", "Fill in street, postal code, city and country"} {
		if !strings.Contains(tb.eval(`document.querySelector("#customer-add").innerText`), want) {
			t.Errorf("add dialog lacks %q", want)
		}
	}
	if f := tb.eval(`document.activeElement.name`); f != "email" {
		t.Errorf("focus after the check on %q, want the first wrong field", f)
	}
	tb.check("customer-add-errors")

	// The needed data, with the invitation.
	email := uniqueEmail("console-customer")
	tb.typeInto(`#customer-add input[name=email]`, email)
	tb.typeInto(`#customer-add input[name=firstName]`, "Zoë")
	tb.typeInto(`#customer-add input[name=lastName]`, tag+"Müller")
	tb.typeInto(`#customer-add input[name=company]`, "Bäckerei Sonnenschein")
	tb.typeInto(`#customer-add input[name=phone]`, "+49 221 123456")
	tb.typeInto(`#customer-add input[name=vatNumber]`, "de 123.456.789")
	tb.typeInto(`#customer-add input[name="address.street"]`, "Hohe Straße 1")
	tb.typeInto(`#customer-add input[name="address.postalCode"]`, "50667")
	tb.typeInto(`#customer-add input[name="address.city"]`, "Köln")
	tb.typeInto(`#customer-add input[name="address.country"]`, "de")
	tb.typeInto(`#customer-add textarea[name=notes]`, "Delivers before 9.")
	tb.choose(`#customer-add select[name=locale]`, "de")
	tb.check("customer-add")
	tb.eval(`document.querySelector("#customer-add form").requestSubmit(), ""`)
	tb.waitText(email + " has been added; the invitation mail is on its way.")
	tb.waitFor(`!document.querySelector("#customer-add")`)
	if l := st.MailLink(t, email, "").URL; !strings.Contains(l, "#token=") {
		t.Errorf("invitation link %s", l)
	}
	tb.typeInto(`input[type=search]`, tag)
	tb.waitFor(`document.querySelectorAll("tbody tr[data-id]").length === 1`)
	id := tb.eval(`document.querySelector("tbody tr[data-id]").dataset.id`)
	got := apiCall(t, "GET", "/customers/"+id, owner, nil, 200)
	addr, _ := got["address"].(map[string]any)
	if got["company"] != "Bäckerei Sonnenschein" || got["vatNumber"] != "DE123456789" || got["phone"] != "+49 221 123456" ||
		got["notes"] != "Delivers before 9." || got["locale"] != "de" || got["status"] != "invited" || addr["country"] != "DE" || addr["city"] != "Köln" {
		t.Errorf("customer as added: %v", got)
	}
	if row := tb.eval(`document.querySelector("tbody tr[data-id]").innerText`); !strings.Contains(row, "Bäckerei Sonnenschein") || !strings.Contains(row, "Invited") {
		t.Errorf("row %q", row)
	}

	// Without the invitation: invited, no mail until it is sent from the row.
	quiet := uniqueEmail("console-customer-quiet")
	tb.click("#customers-add")
	tb.waitFor(`document.querySelector("#customer-add[open]")`)
	tb.typeInto(`#customer-add input[name=email]`, quiet)
	tb.typeInto(`#customer-add input[name=firstName]`, "Lars")
	tb.typeInto(`#customer-add input[name=lastName]`, tag+"Quiet")
	tb.eval(`document.querySelector("#customer-add input[name=sendInvitation]").click(), ""`)
	tb.eval(`document.querySelector("#customer-add form").requestSubmit(), ""`)
	tb.waitText(quiet + " has been added without an invitation.")
	tb.waitFor(`document.querySelectorAll("tbody tr[data-id]").length === 2`)
	quietRow := `[...document.querySelectorAll("tbody tr[data-id]")].find((r) => r.innerText.includes("` + tag + `Quiet"))`
	tb.eval(quietRow + `.querySelector(".row-options button").click(), ""`)
	tb.waitFor(`!` + quietRow + `.querySelector(".menu").hidden`)
	tb.eval(quietRow + `.querySelector("[data-action=resend]").click(), ""`)
	tb.waitText("A new invitation has been sent to " + quiet)
	st.MailLink(t, quiet, "")

	// Row options → edit in the detail panel; someone else changes the
	// customer meanwhile: 412, said in words, reload, save again.
	row := `document.querySelector("tbody tr[data-id='` + id + `']")`
	tb.eval(row + `.querySelector(".row-options button").click(), ""`)
	tb.waitFor(`!` + row + `.querySelector(".menu").hidden`)
	tb.eval(row + `.querySelector("[data-action=edit]").click(), ""`)
	tb.waitFor(`document.querySelector("#customer-detail[open]")`)
	if v := tb.eval(`document.querySelector("#customer-detail input[name='address.street']").value`); v != "Hohe Straße 1" {
		t.Errorf("detail street %q", v)
	}
	tb.check("customer-detail")
	apiCall(t, "PATCH", "/customers/"+id, owner, map[string]any{"phone": "+49 221 999"}, 200)
	tb.typeInto(`#customer-detail input[name=company]`, "Café de Kroon")
	tb.eval(`document.querySelector("#customer-detail form").requestSubmit(), ""`)
	tb.waitText("Someone else changed this in the meantime.")
	tb.check("customer-detail-412")
	tb.clickText("Reload")
	tb.waitFor(`document.querySelector("#customer-detail input[name=phone]").value === "+49 221 999"`)
	tb.typeInto(`#customer-detail input[name=company]`, "Café de Kroon")
	tb.typeInto(`#customer-detail textarea[name=notes]`, "Second line\nThird line")
	for _, f := range []string{"street", "postalCode", "city", "country"} {
		tb.eval(`document.querySelector("#customer-detail input[name='address.` + f + `']").value = "", ""`)
	}
	tb.eval(`document.querySelector("#customer-detail form").requestSubmit(), ""`)
	tb.waitFor(`!document.querySelector("#customer-detail") && ` + row + `.innerText.includes("Café de Kroon")`)
	got = apiCall(t, "GET", "/customers/"+id, owner, nil, 200)
	if got["company"] != "Café de Kroon" || got["notes"] != "Second line\nThird line" || got["address"] != nil || got["phone"] != "+49 221 999" {
		t.Errorf("after the edit: %v", got)
	}
	// Focus went back to the row's options button, which opened the panel.
	if tb.eval(`String(`+row+`.contains(document.activeElement))`) != "true" {
		t.Errorf("focus after the panel closed: %s", tb.eval(`document.activeElement.outerHTML.slice(0, 120)`))
	}
}

// Row options: deactivate, activate and delete, each after a question;
// cancel changes nothing; the delete question says it can not be undone.
func TestConsoleCustomerRowActions(t *testing.T) {
	ownerEmail := uniqueEmail("console-cust-actor")
	active(t, ownerEmail, "Anton", "Actor", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	tag := "Cr" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	id := activeCustomer(t, owner, uniqueEmail("console-cust-target"), "Tessa", tag)

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/customers?q=" + tag)))
	tb.signIn(ownerEmail)
	row := `document.querySelector("tbody tr[data-id='` + id + `']")`
	tb.waitFor(row)
	options := func(action string) {
		tb.eval(row + `.querySelector(".row-options button").click(), ""`)
		tb.waitFor(`!` + row + `.querySelector(".menu").hidden`)
		tb.eval(row + `.querySelector("[data-action=` + action + `]").click(), ""`)
		tb.waitFor(`document.querySelector("dialog[open]")`)
	}
	status := func() string { return apiCall(t, "GET", "/customers/"+id, owner, nil, 200)["status"].(string) }

	options("deactivate")
	if txt := tb.eval(`document.querySelector("dialog[open]").innerText`); !strings.Contains(txt, "can no longer sign in to the shop") {
		t.Errorf("deactivate question: %q", txt)
	}
	if tb.eval(`document.activeElement.textContent`) != "Cancel" {
		t.Error("the question does not start on Cancel")
	}
	tb.check("customer-confirm-deactivate")
	tb.do(chromedp.KeyEvent(kb.Enter)) // Enter on Cancel: nothing happens
	tb.waitFor(`!document.querySelector("dialog")`)
	if s := status(); s != "active" {
		t.Fatalf("cancel changed the status to %s", s)
	}
	options("deactivate")
	tb.eval(`document.querySelector("dialog .danger").click(), ""`)
	tb.waitFor(row + ` && ` + row + `.querySelector(".badge.inactive")`)
	if s := status(); s != "inactive" {
		t.Fatalf("status %s after deactivate", s)
	}
	options("activate")
	tb.eval(`document.querySelector("dialog .primary").click(), ""`)
	tb.waitFor(row + ` && ` + row + `.querySelector(".badge.active")`)

	options("delete")
	if txt := tb.eval(`document.querySelector("dialog[open]").innerText`); !strings.Contains(txt, "can not be undone") {
		t.Errorf("delete question: %q", txt)
	}
	tb.check("customer-confirm-delete")
	tb.clickText("Cancel")
	tb.waitFor(`!document.querySelector("dialog")`)
	apiCall(t, "GET", "/customers/"+id, owner, nil, 200)
	options("delete")
	tb.eval(`document.querySelector("dialog .danger").click(), ""`)
	tb.waitFor(`!` + row)
	apiCall(t, "GET", "/customers/"+id, owner, nil, 404)
}

// The table: search (debounced, sort off meanwhile), pages with the
// cursor in the address (reload, back), status filter, the five sorts both
// ways; a selection gets password reset mails with a result per person.
func TestConsoleCustomerListAndResets(t *testing.T) {
	ownerEmail := uniqueEmail("console-cust-lister")
	active(t, ownerEmail, "Lena", "Lister", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	tag := "Cl" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	for i := 0; i < 26; i++ {
		newCustomer(t, owner, uniqueEmail("cl"+strconv.Itoa(i)), "Kim", tag+string(rune('a'+i%26))+strconv.Itoa(i),
			map[string]any{"company": "Firma " + string(rune('Z'-i%26))}, false)
	}
	activeEmail := uniqueEmail("console-cust-reset")
	activeCustomer(t, owner, activeEmail, "Aron", tag+"zz")

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/customers")))
	tb.signIn(ownerEmail)
	tb.waitFor(`document.querySelector("tbody tr[data-id]")`)
	tb.typeInto(`input[type=search]`, tag)
	tb.waitFor(`location.search.includes("q=` + tag + `") && document.querySelectorAll("tbody tr[data-id]").length === 25`)
	sortSelect := `[...document.querySelectorAll("select")].find((s) => [...s.options].some((o) => o.value === "company.desc"))`
	if tb.eval(`String(`+sortSelect+`.disabled)`) != "true" || !strings.Contains(tb.eval(`document.body.innerText`), "sorting is off") {
		t.Error("while searching the sort control is not off, or does not say so")
	}
	tb.check("customers-search")
	tb.click("#customers-next")
	tb.waitFor(`location.search.includes("cursor=") && document.querySelectorAll("tbody tr[data-id]").length === 2`)
	tb.do(chromedp.Reload())
	tb.waitFor(`document.querySelectorAll("tbody tr[data-id]").length === 2`)
	tb.do(chromedp.NavigateBack())
	tb.waitFor(`!location.search.includes("cursor=") && document.querySelectorAll("tbody tr[data-id]").length === 25`)

	// Status and sort without a search (the tag's customers are among others).
	tb.do(chromedp.Navigate(consoleURL("/users/customers?status=active&sort=email&order=desc")))
	tb.waitFor(`document.querySelectorAll("tbody tr[data-id]").length >= 1`)
	if badges := tb.eval(`[...new Set([...document.querySelectorAll("tbody .badge")].map((b) => b.textContent))].join()`); badges != "Active" {
		t.Errorf("status filter shows %s", badges)
	}
	emails := strings.Split(tb.eval(`[...document.querySelectorAll("tbody tr[data-id] td:nth-child(3)")].map((td) => td.textContent).join("\n")`), "\n")
	if !sort.SliceIsSorted(emails, func(i, j int) bool { return emails[i] > emails[j] }) {
		t.Errorf("email Z–A: %v", emails)
	}
	for _, s := range []string{"lastName.desc", "firstName.asc", "company.asc", "createdAt.desc", "createdAt.asc"} {
		tb.chooseIn(sortSelect, s)
		field, order, _ := strings.Cut(s, ".")
		tb.waitFor(`location.search === "?status=active&sort=` + field + `&order=` + order + `" && document.querySelector("table[aria-busy=false]")`)
	}
	tb.chooseIn(sortSelect, "company.desc")
	tb.waitFor(`location.search.includes("sort=company&order=desc") && document.querySelector("table[aria-busy=false]")`)
	companies := strings.Split(tb.eval(`[...document.querySelectorAll("tbody tr[data-id] td:nth-child(4)")].map((td) => td.textContent).filter((c) => c !== "–").join("\n")`), "\n")
	if !sort.SliceIsSorted(companies, func(i, j int) bool { return text.Fold(companies[i]) > text.Fold(companies[j]) }) {
		t.Errorf("company Z–A: %v", companies)
	}
	tb.do(chromedp.NavigateBack())
	tb.waitFor(`location.search === "?status=active&sort=createdAt&order=asc"`)
	tb.check("customers-filtered")

	// Select an active and an invited customer → reset mails, per person.
	tb.do(chromedp.Navigate(consoleURL("/users/customers?q=" + tag + "z")))
	tb.waitFor(`document.querySelectorAll("tbody tr[data-id]").length === 2`)
	tb.click("thead input[type=checkbox]")
	tb.waitFor(`!document.querySelector(".bulk").hidden`)
	tb.click("#customers-reset")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	tb.eval(`document.querySelector("dialog .primary").click(), ""`)
	tb.waitFor(`document.querySelector("dialog[open] .results")`)
	results := tb.eval(`document.querySelector("dialog[open] .results").innerText`)
	if !strings.Contains(results, "Aron "+tag+"zz — Mail sent") || !strings.Contains(results, "— Not sent: only active people") {
		t.Errorf("results: %q", results)
	}
	tb.check("customers-reset-results")
	if l := st.MailLink(t, activeEmail, "").URL; !strings.Contains(l, "reset-password") {
		t.Errorf("reset mail link %s", l)
	}
}

// A person whose role reads customers but may change nothing sees the
// table and the detail panel read-only, without add, selection or actions.
func TestConsoleCustomersReadOnly(t *testing.T) {
	ownerEmail := uniqueEmail("console-cust-boss")
	active(t, ownerEmail, "Bea", "Boss", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	role := apiCall(t, "POST", "/roles", owner, map[string]any{"name": "Customer reader " + strconv.FormatInt(seq.Add(1), 10), "permissions": []string{"customers.read"}}, 201)
	readerEmail := uniqueEmail("console-cust-reader")
	active(t, readerEmail, "Rick", "Reader", role["id"].(string))
	tag := "Co" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	id := newCustomer(t, owner, uniqueEmail("console-cust-ro"), "Ria", tag, map[string]any{"company": "Hotel Zur Post"}, false)["id"].(string)

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("")))
	tb.signIn(readerEmail)
	if nav := tb.eval(`document.querySelector("header nav").innerText.trim()`); nav != "Users" {
		t.Errorf("banner %q", nav)
	}
	tb.clickText("Users")
	tb.waitFor(`location.pathname === "/console/users/customers" && document.querySelector("tbody tr[data-id]")`)
	if tabs := tb.eval(`document.querySelector(".tabs").innerText.trim()`); tabs != "Customers" {
		t.Errorf("tabs %q: the staff tab needs staff.read", tabs)
	}
	if tb.eval(`String(!!document.querySelector("#customers-add") || !!document.querySelector("thead input[type=checkbox]"))`) != "false" {
		t.Error("a reader sees the add button or the selection")
	}
	tb.typeInto(`input[type=search]`, tag)
	row := `document.querySelector("tbody tr[data-id='` + id + `']")`
	tb.waitFor(row)
	if a := tb.eval(`[...` + row + `.querySelectorAll("[data-action]")].map((b) => b.dataset.action).join()`); a != "edit" {
		t.Errorf("a reader is offered %s", a)
	}
	tb.eval(row + `.querySelector("button.link").click(), ""`)
	tb.waitFor(`document.querySelector("#customer-detail[open]")`)
	if tb.eval(`String(document.querySelector("#customer-detail input[name=company]").readOnly && !document.querySelector("#customer-detail button[type=submit]"))`) != "true" {
		t.Error("the reader's detail panel is editable")
	}
	if !strings.Contains(tb.eval(`document.querySelector("#customer-detail").innerText`), "You can look, not change") {
		t.Error("the reader is not told why the panel is read-only")
	}
	tb.check("customer-detail-readonly")
	tb.do(chromedp.Navigate(consoleURL("/users/staff")))
	tb.waitText("Page not found")
}

// Figure for benchmarks/RESULTS.md: navigation → the customers table with
// 25 rows at 10,000 customers (loaded with infra/seed, as
// scripts/seed-customers.sh does), median of 10.
func TestConsoleFiguresCustomers(t *testing.T) {
	ownerEmail := uniqueEmail("console-cust-timer")
	active(t, ownerEmail, "Tara", "Timer", auth.OwnerRoleID)
	db := store.New(store.NewClient(st.AWS), st.TableName)
	start := time.Now()
	marker := "fig" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	if err := seed.Write(context.Background(), db, seed.Customers(10000, marker, 16), 8); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded 10,000 customers in %s", time.Since(start).Round(time.Millisecond))

	figureTo25Rows(t, ownerEmail, "/users/customers", "customers table with 25 rows at 10,000 customers")
}
