//go:build integration

package console_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"backoffice/shared/auth"
)

// withRole makes an owner, a role with perms and an active person holding
// it; it returns the owner's token and the person's email.
func withRole(t *testing.T, name string, perms ...string) (string, string) {
	t.Helper()
	slug := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
	ownerEmail := uniqueEmail("console-" + slug + "-owner")
	active(t, ownerEmail, "Otto", "Owner", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	role := apiCall(t, "POST", "/roles", owner, map[string]any{"name": name + " " + strconv.FormatInt(seq.Add(1), 10), "permissions": perms}, 201)
	email := uniqueEmail("console-" + slug)
	active(t, email, "Pam", "Permitted", role["id"].(string))
	return owner, email
}

// An inviter with staff.invite but neither settings.read nor roles.read:
// the dialog says what they can not see (the seat cost, the roles), the
// invitation goes out without a role, and a full plan is said in words
// when the API refuses it.
func TestConsoleInviteWithoutSettingsOrRoles(t *testing.T) {
	owner, email := withRole(t, "Inviter", "staff.read", "staff.invite")
	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/staff")))
	tb.signIn(email)
	tb.click("#staff-add")
	tb.waitFor(`document.querySelector("#invite-dialog[open]") && document.querySelector("#invite-dialog .note").textContent !== ""`)
	txt := tb.eval(`document.querySelector("#invite-dialog").innerText`)
	for _, want := range []string{
		"You can not see the seat figures (needs the permission to read settings): an invitation beyond the included seats may cost extra.",
		"You can not see the roles (needs the permission to read roles), so the person is invited without a role.",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("invite dialog lacks %q: %q", want, txt)
		}
	}
	if tb.eval(`String(!!document.querySelector("#invite-dialog select[name=roleIds]"))`) != "false" {
		t.Error("a role dropdown without roles.read")
	}
	tb.check("invite-limited")
	invitee := uniqueEmail("console-invited-plain")
	tb.typeInto(`#invite-dialog input[name=email]`, invitee)
	tb.typeInto(`#invite-dialog input[name=firstName]`, "Nora")
	lastName := "Norole" + strconv.FormatInt(seq.Add(1), 10)
	tb.typeInto(`#invite-dialog input[name=lastName]`, lastName)
	tb.eval(`document.querySelector("#invite-dialog form").requestSubmit(), ""`)
	tb.waitText("Invitation sent to " + invitee)
	st.MailLink(t, invitee, "")

	// Without staff.update the detail panel shows, read-only, and says why.
	tb.do(chromedp.Navigate(consoleURL("/users/staff?q=" + lastName)))
	row := `[...document.querySelectorAll("tbody tr[data-id]")].find((r) => r.textContent.includes(` + jsString(invitee) + `))`
	tb.waitFor(row)
	tb.eval(row + `.querySelector("button.link").click(), ""`)
	tb.waitFor(`document.querySelector("#staff-detail[open]")`)
	if tb.eval(`String([...document.querySelectorAll("#staff-detail input")].every((i) => i.readOnly) && !document.querySelector("#staff-detail button[type=submit]"))`) != "true" {
		t.Error("the detail panel can be edited without staff.update")
	}
	if !strings.Contains(tb.eval(`document.querySelector("#staff-detail").innerText`), "that needs the permission “Edit staff”") {
		t.Error("the detail panel does not say why it is read-only")
	}
	tb.check("staff-detail-readonly")
	tb.eval(`document.querySelector("#staff-detail").close(), ""`)
	tb.waitFor(`!document.querySelector("#staff-detail")`)

	// The plan is full: the API's refusal, in words, with how to go on.
	used := num(apiCall(t, "GET", "/settings", owner, nil, 200)["seatsUsed"])
	if err := setSeats(context.Background(), used, 1, 2500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = setSeats(context.Background(), 1000, 1000, 0) })
	tb.click("#staff-add")
	tb.waitFor(`document.querySelector("#invite-dialog[open]")`)
	tb.typeInto(`#invite-dialog input[name=email]`, uniqueEmail("console-no-seat"))
	tb.typeInto(`#invite-dialog input[name=firstName]`, "Sam")
	tb.typeInto(`#invite-dialog input[name=lastName]`, "Seatless")
	tb.eval(`document.querySelector("#invite-dialog form").requestSubmit(), ""`)
	tb.waitText("All seats of the plan are in use. Raise the seat limit under Settings or free a seat first.")
	tb.check("invite-limited-full")
}

// An invitation within the included seats says it costs nothing extra; one
// who may read roles but not assign them is told so instead of a dropdown.
func TestConsoleInviteFreeSeatWithoutAssign(t *testing.T) {
	_, email := withRole(t, "Reader-inviter", "staff.read", "staff.invite", "roles.read", "settings.read")
	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/users/staff")))
	tb.signIn(email)
	tb.click("#staff-add")
	tb.waitFor(`document.querySelector("#invite-dialog[open]") && document.querySelector("#invite-dialog .note").textContent !== ""`)
	txt := tb.eval(`document.querySelector("#invite-dialog").innerText`)
	for _, want := range []string{
		"This invitation takes a seat that is included in the plan.",
		"You can not hand out roles (needs the permission to assign roles), so the person is invited without a role.",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("invite dialog lacks %q: %q", want, txt)
		}
	}
	tb.check("invite-free")
}

// A person holding only roles.read: the banner has Roles alone; other
// screens are not found even by address; the roles table has no create,
// a role offers only "open"; the role's page has no edit or delete, the
// switches are off and it says why; only members are listed (no
// staff.read).
func TestConsoleRolesReadOnly(t *testing.T) {
	_, email := withRole(t, "Role reader", "roles.read")
	member := uniqueEmail("console-role-member")
	memberID := active(t, member, "Mo", "Member", auth.AdminRoleID)

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("")))
	tb.signIn(email)
	if nav := tb.eval(`document.querySelector("header nav").innerText.trim()`); nav != "Roles" {
		t.Errorf("banner of a roles reader: %q", nav)
	}
	for _, path := range []string{"/users/staff", "/users/customers", "/categories", "/settings", "/audit"} {
		tb.do(chromedp.Navigate(consoleURL(path)))
		tb.waitFor(`document.querySelector("#account-button") && document.querySelector("h1")`)
		tb.waitText("Page not found")
	}
	tb.check("not-found")

	tb.clickText("Roles")
	tb.waitFor(`document.querySelector("#roles-table[aria-busy=false]") && ` + roleRow("Admin"))
	if tb.eval(`String(!!document.querySelector("#roles-add"))`) != "false" {
		t.Error("a reader can create roles")
	}
	if a := tb.eval(`[...document.querySelectorAll("#roles-table [data-action]")].map((b) => b.dataset.action).filter((a) => a !== "open").join()`); a != "" {
		t.Errorf("a reader is offered %s", a)
	}
	if !strings.Contains(tb.eval(`document.body.innerText`), "that needs the permission “Create, edit and delete roles”") {
		t.Error("the table does not say why it is read-only")
	}
	tb.check("roles-reader")

	tb.eval(roleRow("Admin") + `.querySelector("td a").click(), ""`)
	tb.waitFor(`location.pathname === "/console/roles/admin" && document.querySelector("#role-members[aria-busy=false]")`)
	if tb.eval(`String(!!document.querySelector("#role-edit") || !!document.querySelector("#role-delete"))`) != "false" {
		t.Error("a reader has edit or delete on the role's page")
	}
	sw := `document.querySelector("#role-members tr[data-id='` + memberID + `'] input[role=switch]")`
	tb.waitFor(sw)
	if tb.eval(`String(`+sw+`.checked && `+sw+`.disabled && !document.querySelector("input[type=search]"))`) != "true" {
		t.Error("the member's switch should show on and be disabled, with no search among staff")
	}
	body := tb.eval(`document.body.innerText`)
	for _, want := range []string{"You can not give or take roles (needs the permission “Give roles to people and take them away”).",
		"You can not see other staff (needs the permission “See staff”): only the role's members are listed."} {
		if !strings.Contains(body, want) {
			t.Errorf("the role's page lacks %q", want)
		}
	}
	tb.check("role-page-reader")
}

// Someone without any role: signed in, told so, no screens.
func TestConsoleNoRole(t *testing.T) {
	email := uniqueEmail("console-nobody")
	active(t, email, "Nils", "Nobody")
	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/roles")))
	tb.signIn(email)
	tb.waitText("Page not found")
	tb.clickText("Backoffice")
	tb.waitText("Your roles give you no access to any part of the backoffice yet.")
	if nav := tb.eval(`document.querySelector("header nav").innerText.trim()`); nav != "" {
		t.Errorf("banner of someone without a role: %q", nav)
	}
	tb.check("home-nothing")
}

// The account menu's change password: a wrong current password is said
// next to its field and keeps the person signed in; the right one changes
// it, keeps this session (the new cookie) and ends the other one.
func TestConsoleChangePassword(t *testing.T) {
	email := uniqueEmail("console-password")
	active(t, email, "Pia", "Password", auth.OwnerRoleID)
	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/roles")))
	tb.signIn(email)
	other := newTab(t)
	other.do(chromedp.Navigate(consoleURL("")))
	other.signIn(email)

	tb.click("#account-button")
	if who := tb.eval(`document.querySelector("#account-menu").innerText`); !strings.Contains(who, "Signed in as "+email) {
		t.Errorf("account menu %q", who)
	}
	tb.clickText("Change password")
	tb.waitFor(`document.querySelector("dialog[open] input[name=currentPassword]")`)
	const fresh = "a brand new passphrase"
	tb.typeInto(`dialog input[name=currentPassword]`, "not the password at all")
	tb.typeInto(`dialog input[name=newPassword]`, fresh)
	tb.typeInto(`dialog input[name=confirm]`, fresh)
	tb.eval(`document.querySelector("dialog form").requestSubmit(), ""`)
	tb.waitFor(`document.querySelector("dialog input[name=currentPassword]").getAttribute("aria-invalid") === "true" && document.activeElement.name === "currentPassword"`)
	if tb.eval(`String(!!document.querySelector("#account-button"))`) != "true" {
		t.Fatal("a wrong current password signed the person out")
	}
	if e := tb.eval(`document.querySelector("dialog input[name=currentPassword]").closest(".field").querySelector(".error").textContent`); e != "This is not your current password." {
		t.Errorf("wrong current password said as %q", e)
	}
	tb.check("change-password-wrong")
	tb.typeInto(`dialog input[name=currentPassword]`, password)
	tb.typeInto(`dialog input[name=newPassword]`, fresh)
	tb.typeInto(`dialog input[name=confirm]`, fresh)
	tb.eval(`document.querySelector("dialog form").requestSubmit(), ""`)
	tb.waitText("Your password has been changed. Other sessions have ended.")
	tb.waitFor(`!document.querySelector("dialog")`)

	tb.do(chromedp.Reload())
	tb.waitFor(`document.querySelector("#account-button") && location.pathname === "/console/roles"`)
	other.do(chromedp.Reload())
	other.waitFor(`document.querySelector("#sign-in-submit")`)
	apiCall(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": password}, 401)
	apiCall(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": fresh}, 200)
}
