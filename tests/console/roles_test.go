//go:build integration

package console_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backoffice/shared/auth"
)

// roleRow is a JavaScript expression for the roles table's row of a role.
func roleRow(name string) string {
	return `[...document.querySelectorAll("#roles-table tbody tr[data-id]")].find((r) => r.querySelector("td a").textContent === ` + jsString(name) + `)`
}

func (tb *tab) roleAction(name, action string) {
	tb.t.Helper()
	row := roleRow(name)
	tb.waitFor(row)
	tb.eval(row + `.querySelector(".row-options button").click(), ""`)
	tb.waitFor(`!` + row + `.querySelector(".menu").hidden`)
	tb.eval(row + `.querySelector("[data-action=` + action + `]").click(), ""`)
}

// perm is the switch of a permission in the open role editor.
func perm(key string) string {
	return `document.querySelector("#role-editor input[name=perm][value='` + key + `']")`
}

// Top banner "Roles": the table (name, description, members, built-in);
// create a role with a name, a description and a switch per permission,
// grouped; edit it (412 → reload); its page lists the permissions and the
// staff with a switch each to give or take the role; delete after a
// question. The owner role can not be changed, the admin role not deleted,
// and the page says so with the controls disabled.
func TestConsoleRoles(t *testing.T) {
	ownerEmail := uniqueEmail("console-roles-owner")
	active(t, ownerEmail, "Rolf", "Roles", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	tag := "Rl" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	memberID := active(t, uniqueEmail("console-roles-member"), "Mia", tag+"member")
	name := "Packers " + tag

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("")))
	tb.signIn(ownerEmail)
	tb.clickText("Roles")
	tb.waitFor(`location.pathname === "/console/roles" && ` + roleRow("Owner") + ` && ` + roleRow("Admin"))
	if cells := tb.eval(roleRow("Owner") + `.innerText`); !strings.Contains(cells, "Yes") {
		t.Errorf("owner row %q", cells)
	}
	if a := tb.eval(`[...` + roleRow("Owner") + `.querySelectorAll("[data-action]")].map((b) => b.dataset.action).join()`); a != "open" {
		t.Errorf("the owner role offers %s", a)
	}
	if a := tb.eval(`[...` + roleRow("Admin") + `.querySelectorAll("[data-action]")].map((b) => b.dataset.action).join()`); a != "open,edit" {
		t.Errorf("the admin role offers %s", a)
	}
	tb.check("roles")

	// Create: a name, a description, switches grouped as the catalogue.
	tb.click("#roles-add")
	tb.waitFor(`document.querySelector("#role-editor[open]") && document.activeElement.name === "name"`)
	if legends := tb.eval(`[...document.querySelectorAll("#role-editor fieldset legend")].map((l) => l.textContent).join()`); legends != "Staff,Roles,Customers,Categories,Audit log,Settings" {
		t.Errorf("groups %q", legends)
	}
	if tb.eval(`String(document.querySelectorAll("#role-editor input[role=switch]").length)`) != "20" {
		t.Error("not one switch per permission")
	}
	tb.eval(`document.querySelector("#role-editor form").requestSubmit(), ""`)
	tb.waitText("Fill in this field.")
	tb.typeInto(`#role-editor input[name=name]`, name)
	tb.typeInto(`#role-editor textarea[name=description]`, "Pack the orders.")
	tb.eval(perm("customers.read") + `.click(), ""`)
	tb.eval(perm("categories.read") + `.click(), ""`)
	tb.check("role-editor")
	tb.eval(`document.querySelector("#role-editor form").requestSubmit(), ""`)
	tb.waitText("The role " + name + " has been created.")
	row := roleRow(name)
	tb.waitFor(row)
	id := tb.eval(row + `.dataset.id`)
	r := apiCall(t, "GET", "/roles/"+id, owner, nil, 200)
	if r["description"] != "Pack the orders." || len(r["permissions"].([]any)) != 2 {
		t.Fatalf("role as created: %v", r)
	}

	// Edit; someone else changed it meanwhile: 412, reload, save.
	tb.roleAction(name, "edit")
	tb.waitFor(`document.querySelector("#role-editor[open]")`)
	if tb.eval(`String(`+perm("customers.read")+`.checked && !`+perm("staff.read")+`.checked)`) != "true" {
		t.Error("the editor does not show the role's permissions")
	}
	apiCall(t, "PATCH", "/roles/"+id, owner, map[string]any{"description": "Changed elsewhere."}, 200)
	tb.eval(perm("audit.read") + `.click(), ""`)
	tb.eval(`document.querySelector("#role-editor form").requestSubmit(), ""`)
	tb.waitText("Someone else changed this in the meantime.")
	tb.clickText("Reload")
	tb.waitFor(`document.querySelector("#role-editor textarea[name=description]").value === "Changed elsewhere."`)
	tb.eval(perm("audit.read") + `.click(), ""`)
	tb.eval(`document.querySelector("#role-editor form").requestSubmit(), ""`)
	tb.waitText("The role " + name + " has been saved.")
	if got := apiCall(t, "GET", "/roles/"+id, owner, nil, 200)["permissions"].([]any); len(got) != 3 {
		t.Errorf("permissions after the edit: %v", got)
	}

	// The role's page: permissions, and the staff with a switch each.
	tb.eval(row + `.querySelector("td a").click(), ""`)
	tb.waitFor(`location.pathname === "/console/roles/` + id + `" && document.querySelector("#role-members[aria-busy=false]")`)
	if h1 := tb.eval(`document.querySelector("h1").textContent`); h1 != name {
		t.Errorf("role page heading %q", h1)
	}
	if ps := tb.eval(`document.querySelector(".perm-list").innerText`); !strings.Contains(ps, "See customer accounts") || !strings.Contains(ps, "Read the audit log") {
		t.Errorf("role page permissions %q", ps)
	}
	tb.typeInto(`input[type=search]`, tag)
	sw := `document.querySelector("#role-members tr[data-id='` + memberID + `'] input[role=switch]")`
	tb.waitFor(`location.search.includes("q=` + tag + `") && ` + sw + ` && !` + sw + `.checked`)
	tb.check("role-page")
	tb.eval(sw + `.click(), ""`)
	tb.waitText("Mia " + tag + "member now has the role " + name + ".")
	if roles := apiCall(t, "GET", "/staff/"+memberID, owner, nil, 200)["roles"].([]any); len(roles) != 1 || roles[0].(map[string]any)["id"] != id {
		t.Fatalf("member's roles after the switch: %v", roles)
	}
	// Only members, after a reload (the address keeps the filters).
	tb.click("#members-only")
	tb.waitFor(`location.search.includes("members=1")`)
	tb.do(chromedp.Reload())
	tb.waitFor(sw + ` && ` + sw + `.checked && document.querySelectorAll("#role-members tr[data-id]").length === 1`)
	tb.eval(sw + `.click(), ""`)
	tb.waitText("Mia " + tag + "member no longer has the role " + name + ".")
	if roles := apiCall(t, "GET", "/staff/"+memberID, owner, nil, 200)["roles"].([]any); len(roles) != 0 {
		t.Fatalf("member's roles after switching off: %v", roles)
	}

	// Delete from the role's page, after the question that counts the
	// members losing it (the switches keep the count current).
	tb.click("#role-delete")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	if txt := tb.eval(`document.querySelector("dialog[open]").innerText`); !strings.Contains(txt, "its 0 members lose it") || !strings.Contains(txt, "can not be undone") {
		t.Errorf("delete question %q", txt)
	}
	tb.clickText("Cancel")
	tb.waitFor(`!document.querySelector("dialog")`)
	tb.eval(sw + `.click(), ""`)
	tb.waitText("Mia " + tag + "member now has the role " + name + ".")
	tb.click("#role-delete")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	if txt := tb.eval(`document.querySelector("dialog[open]").innerText`); !strings.Contains(txt, "its one member loses it") {
		t.Errorf("delete question %q", txt)
	}
	tb.check("role-confirm-delete")
	tb.eval(`document.querySelector("dialog .danger").click(), ""`)
	tb.waitFor(`location.pathname === "/console/roles" && document.querySelector("#roles-table[aria-busy=false]") && !` + roleRow(name))
	apiCall(t, "GET", "/roles/"+id, owner, nil, 404)
	if roles := apiCall(t, "GET", "/staff/"+memberID, owner, nil, 200)["roles"].([]any); len(roles) != 0 {
		t.Errorf("the deleted role's member still holds %v", roles)
	}

	// The built-in roles: said, and the controls disabled.
	tb.do(chromedp.Navigate(consoleURL("/roles/owner")))
	tb.waitFor(`document.querySelector("#role-locked")`)
	if txt := tb.eval(`document.querySelector("#role-locked").textContent`); !strings.Contains(txt, "can not be changed or deleted") {
		t.Errorf("owner note %q", txt)
	}
	if tb.eval(`document.querySelector("#role-edit").getAttribute("aria-disabled") + document.querySelector("#role-delete").getAttribute("aria-disabled")`) != "truetrue" {
		t.Error("the owner role's edit or delete is not disabled")
	}
	tb.click("#role-edit")
	time.Sleep(300 * time.Millisecond)
	if tb.eval(`String(!!document.querySelector("dialog"))`) != "false" {
		t.Error("the owner role's editor opened")
	}
	tb.check("role-owner")
	tb.do(chromedp.Navigate(consoleURL("/roles/admin")))
	tb.waitFor(`document.querySelector("#role-locked")`)
	if txt := tb.eval(`document.querySelector("#role-locked").textContent`); !strings.Contains(txt, "can not be deleted") {
		t.Errorf("admin note %q", txt)
	}
	if tb.eval(`String(document.querySelector("#role-delete").getAttribute("aria-disabled") === "true" && !document.querySelector("#role-edit").hasAttribute("aria-disabled"))`) != "true" {
		t.Error("the admin role: delete should be disabled, edit not")
	}
}

// Someone who manages roles without holding every permission: the editor
// disables the switches they can not grant and says why; the API's 403
// for one forced on is said in words; the owner role's members can not be
// switched by a non-owner.
func TestConsoleRolesOnlyOwnPermissions(t *testing.T) {
	ownerEmail := uniqueEmail("console-roles-boss")
	active(t, ownerEmail, "Bert", "Boss", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	mgr := apiCall(t, "POST", "/roles", owner, map[string]any{"name": "Role manager " + strconv.FormatInt(seq.Add(1), 10),
		"permissions": []string{"staff.read", "roles.read", "roles.manage", "roles.assign", "customers.read"}}, 201)
	mgrEmail := uniqueEmail("console-roles-mgr")
	active(t, mgrEmail, "Manon", "Manager", mgr["id"].(string))

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/roles")))
	tb.signIn(mgrEmail)
	tb.click("#roles-add")
	tb.waitFor(`document.querySelector("#role-editor[open]")`)
	if tb.eval(`String(`+perm("settings.manage")+`.disabled && !`+perm("customers.read")+`.disabled)`) != "true" {
		t.Error("switches of permissions one lacks are not disabled")
	}
	if !strings.Contains(tb.eval(perm("settings.manage")+`.closest(".check").innerText`), "You do not hold this permission") {
		t.Error("a disabled switch does not say why")
	}
	tb.check("role-editor-limited")
	tb.typeInto(`#role-editor input[name=name]`, "Too much "+strconv.FormatInt(seq.Add(1), 10))
	tb.eval(`(() => { const b = ` + perm("settings.manage") + `; b.disabled = false; b.checked = true; return ""; })()`)
	tb.eval(`document.querySelector("#role-editor form").requestSubmit(), ""`)
	tb.waitText("Not saved: a role can only get permissions you hold yourself.")
	tb.check("role-editor-403")

	tb.do(chromedp.Navigate(consoleURL("/roles/owner")))
	tb.waitFor(`document.querySelector("#role-members[aria-busy=false]") && document.querySelector("#role-members input[role=switch]")`)
	if tb.eval(`String([...document.querySelectorAll("#role-members input[role=switch]")].every((b) => b.disabled))`) != "true" {
		t.Error("a non-owner can switch owner-role members")
	}
	if !strings.Contains(tb.eval(`document.body.innerText`), "Only an owner can give or take the owner role.") {
		t.Error("not said why the owner role's switches are off")
	}
}
