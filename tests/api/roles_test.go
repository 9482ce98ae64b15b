//go:build integration

package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"backoffice/shared/auth"
	"backoffice/shared/ids"
	"backoffice/shared/text"
)

// postRole creates a role through the API.
func postRole(t *testing.T, token, name string, perms ...string) answer {
	t.Helper()
	if perms == nil {
		perms = []string{}
	}
	return call(t, "POST", "/roles", token, map[string]any{"name": name, "description": "Made by a test", "permissions": perms})
}

// createdRole creates a role and returns its id.
func createdRole(t *testing.T, token, prefix string, perms ...string) string {
	t.Helper()
	a := postRole(t, token, prefix+" "+ids.New(), perms...)
	expect(t, a, 201)
	return a.str("id")
}

// strs turns a JSON array into strings.
func strs(v any) []string {
	out := []string{}
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// roleIDsOf lists the ids of a Staff or Me answer's roles.
func roleIDsOf(v map[string]any) []string {
	out := []string{}
	list, _ := v["roles"].([]any)
	for _, r := range list {
		out = append(out, r.(map[string]any)["id"].(string))
	}
	return out
}

// itemsOf returns the items of a list answer.
func itemsOf(t *testing.T, a answer) []map[string]any {
	t.Helper()
	list, ok := a.JSON["items"].([]any)
	if !ok {
		t.Fatalf("no items: %s", a.Raw)
	}
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}

func TestPermissionCatalogue(t *testing.T) {
	_, owner := newOwner(t)
	a := call(t, "GET", "/permissions", owner, nil)
	expect(t, a, 200)
	items := itemsOf(t, a)
	var keys []string
	for _, it := range items {
		key := it["key"].(string)
		keys = append(keys, key)
		if group, _, _ := strings.Cut(key, "."); it["group"] != group || it["description"] == "" {
			t.Errorf("permission %v: group or description wrong", it)
		}
	}
	if len(keys) != 20 || !slices.Equal(keys, auth.AllPermissions()) {
		t.Fatalf("%d keys %v, want the 20 of the catalogue in order", len(keys), keys)
	}
	nobody := newActive(t, uniqueEmail("noperm"))
	tok, _ := login(t, nobody.Email)
	expect(t, call(t, "GET", "/permissions", tok, nil), 403, "forbidden")
}

func TestRolesCreateListGetUpdateDelete(t *testing.T) {
	_, owner := newOwner(t)
	name := "Editors " + ids.New()

	// Permissions come back in catalogue order whatever order they are sent in.
	a := postRole(t, owner, name, auth.RolesRead, auth.StaffRead)
	expect(t, a, 201)
	id := a.str("id")
	if a.Header.Get("Location") != "/roles/"+id || a.Header.Get("ETag") != `"1"` {
		t.Fatalf("headers: Location %q, ETag %q", a.Header.Get("Location"), a.Header.Get("ETag"))
	}
	if a.str("name") != name || a.str("description") != "Made by a test" || a.JSON["builtIn"] != false ||
		a.JSON["memberCount"] != 0.0 || a.JSON["version"] != 1.0 ||
		!slices.Equal(strs(a.JSON["permissions"]), []string{auth.StaffRead, auth.RolesRead}) {
		t.Fatalf("created: %s", a.Raw)
	}

	// Names are unique in any case, trimmed, the built-in ones included.
	expect(t, postRole(t, owner, strings.ToLower(name)), 409, "name_taken")
	expect(t, postRole(t, owner, "  "+strings.ToUpper(name)+" "), 409, "name_taken")
	expect(t, postRole(t, owner, "ADMIN"), 409, "name_taken")
	expect(t, postRole(t, owner, "owner"), 409, "name_taken")
	accented := "Éditeurs " + ids.New()
	expect(t, postRole(t, owner, accented), 201)
	expect(t, postRole(t, owner, "editeurs "+strings.ToLower(strings.TrimPrefix(accented, "Éditeurs "))), 409, "name_taken")
	multi := call(t, "POST", "/roles", owner, map[string]any{"name": "Multi " + ids.New(), "description": "line one\nline two"})
	expect(t, multi, 201)
	if multi.str("description") != "line one\nline two" || len(strs(multi.JSON["permissions"])) != 0 {
		t.Fatalf("role with a two-line description and no permissions: %s", multi.Raw)
	}

	// Bad values.
	other := "Other " + ids.New()
	for _, body := range []map[string]any{
		{"name": other, "permissions": []string{"staff.fly"}},
		{"name": other, "permissions": []string{auth.StaffRead, auth.StaffRead}},
		{"name": ""},
		{"name": "   "},
		{"name": strings.Repeat("x", 61)},
		{"name": "a\u0000b"},
		{"permissions": []string{}},
		{"name": other, "description": strings.Repeat("d", 501)},
		{"name": other, "builtIn": true},
	} {
		b := call(t, "POST", "/roles", owner, body)
		expect(t, b, 422, "validation_failed")
	}
	bad := call(t, "POST", "/roles", owner, map[string]any{"name": other, "permissions": []string{"staff.fly"}})
	if errs, _ := bad.JSON["errors"].([]any); len(errs) == 0 || errs[0].(map[string]any)["field"] != "permissions" ||
		errs[0].(map[string]any)["code"] != "not_found" {
		t.Errorf("unknown permission: errors %s, want not_found on permissions", bad.Raw)
	}

	// List and get.
	list := call(t, "GET", "/roles", owner, nil)
	expect(t, list, 200)
	found := map[string]map[string]any{}
	for _, r := range itemsOf(t, list) {
		found[r["id"].(string)] = r
	}
	if found[id] == nil || found[id]["name"] != name || found[auth.OwnerRoleID]["builtIn"] != true || found[auth.AdminRoleID]["builtIn"] != true {
		t.Fatalf("list lacks the new role or the built-in ones: %s", list.Raw)
	}
	if got := strs(found[auth.OwnerRoleID]["permissions"]); !slices.Equal(got, auth.AllPermissions()) {
		t.Errorf("owner role permissions %v", got)
	}
	var folded []string
	for _, r := range itemsOf(t, list) {
		folded = append(folded, text.Fold(r["name"].(string)))
	}
	if !slices.IsSorted(folded) {
		t.Errorf("roles not by name: %v", folded)
	}
	g := call(t, "GET", "/roles/"+id, owner, nil)
	expect(t, g, 200)
	if g.Header.Get("ETag") != `"1"` || g.str("name") != name {
		t.Fatalf("get: %s %s", g.Header.Get("ETag"), g.Raw)
	}
	expect(t, call(t, "GET", "/roles/01ARZ3NDEKTSV4RRFFQ69G5FAV", owner, nil), 404, "not_found")
	expect(t, call(t, "GET", "/roles/not-an-id", owner, nil), 404, "not_found")

	// PATCH with If-Match; a stale one is refused.
	u := call(t, "PATCH", "/roles/"+id, owner, map[string]any{"description": "Edits things", "permissions": []string{auth.StaffRead}}, "If-Match", `"1"`)
	expect(t, u, 200)
	if u.Header.Get("ETag") != `"2"` || u.JSON["version"] != 2.0 || u.str("description") != "Edits things" ||
		!slices.Equal(strs(u.JSON["permissions"]), []string{auth.StaffRead}) {
		t.Fatalf("update: %s %s", u.Header.Get("ETag"), u.Raw)
	}
	expect(t, call(t, "PATCH", "/roles/"+id, owner, map[string]any{"description": "Lost"}, "If-Match", `"1"`), 412, "precondition_failed")
	expect(t, call(t, "PATCH", "/roles/"+id, owner, map[string]any{"description": "Lost"}, "If-Match", "banana"), 422, "validation_failed")
	same := call(t, "PATCH", "/roles/"+id, owner, map[string]any{"description": "Edits things"}, "If-Match", `W/"2"`)
	expect(t, same, 200)
	if same.JSON["version"] != 2.0 {
		t.Errorf("a PATCH that changes nothing made version %v", same.JSON["version"])
	}
	expect(t, call(t, "PATCH", "/roles/"+id, owner, map[string]any{"permissions": []string{"nope"}}), 422, "validation_failed")
	expect(t, call(t, "PATCH", "/roles/01ARZ3NDEKTSV4RRFFQ69G5FAV", owner, map[string]any{"description": "x"}), 404, "not_found")

	// Renames: onto another role's name is refused; the old name is free after.
	second := createdRole(t, owner, "Second")
	secondName := call(t, "GET", "/roles/"+second, owner, nil).str("name")
	expect(t, call(t, "PATCH", "/roles/"+id, owner, map[string]any{"name": strings.ToLower(secondName)}), 409, "name_taken")
	expect(t, call(t, "PATCH", "/roles/"+id, owner, map[string]any{"name": "admin"}), 409, "name_taken")
	renamed := "Renamed " + ids.New()
	r := call(t, "PATCH", "/roles/"+id, owner, map[string]any{"name": renamed})
	expect(t, r, 200)
	if r.str("name") != renamed {
		t.Fatalf("rename: %s", r.Raw)
	}
	reuse := postRole(t, owner, name)
	expect(t, reuse, 201)

	// Built-in roles: owner never changes, neither can be deleted.
	expect(t, call(t, "PATCH", "/roles/owner", owner, map[string]any{"description": "mine now"}), 409, "builtin_role")
	expect(t, call(t, "PATCH", "/roles/owner", owner, map[string]any{"permissions": []string{auth.StaffRead}}), 409, "builtin_role")
	expect(t, call(t, "DELETE", "/roles/owner", owner, nil), 409, "builtin_role")
	expect(t, call(t, "DELETE", "/roles/admin", owner, nil), 409, "builtin_role")
	if o := call(t, "GET", "/roles/owner", owner, nil); o.JSON["builtIn"] != true || len(strs(o.JSON["permissions"])) != 20 {
		t.Fatalf("owner role changed: %s", o.Raw)
	}
	// The admin role can be edited (and is put back as it was).
	adm := call(t, "GET", "/roles/admin", owner, nil)
	expect(t, adm, 200)
	edited := call(t, "PATCH", "/roles/admin", owner, map[string]any{"description": "Edited by a test"}, "If-Match", adm.Header.Get("ETag"))
	expect(t, edited, 200)
	if edited.JSON["builtIn"] != true || edited.str("description") != "Edited by a test" {
		t.Fatalf("admin edit: %s", edited.Raw)
	}
	expect(t, call(t, "PATCH", "/roles/admin", owner, map[string]any{"description": adm.str("description")}), 200)

	// Delete: a version other than the current one deletes nothing.
	seen := call(t, "GET", "/roles/"+id, owner, nil)
	expect(t, call(t, "DELETE", "/roles/"+id, owner, nil, "If-Match", `"999"`), 412, "precondition_failed")
	if again := call(t, "GET", "/roles/"+id, owner, nil); again.Header.Get("ETag") != seen.Header.Get("ETag") || again.JSON["memberCount"] != seen.JSON["memberCount"] {
		t.Fatalf("a refused delete changed the role: %s", again.Raw)
	}
	expect(t, call(t, "DELETE", "/roles/"+id, owner, nil, "If-Match", seen.Header.Get("ETag")), 204)
	// Then gone for every route, its name free again.
	for _, rid := range []string{id, second, reuse.str("id"), multi.str("id")} {
		if rid != id {
			expect(t, call(t, "DELETE", "/roles/"+rid, owner, nil), 204)
		}
		expect(t, call(t, "GET", "/roles/"+rid, owner, nil), 404, "not_found")
		expect(t, call(t, "DELETE", "/roles/"+rid, owner, nil), 404, "not_found")
		expect(t, call(t, "PATCH", "/roles/"+rid, owner, map[string]any{"description": "x"}), 404, "not_found")
		expect(t, call(t, "GET", "/roles/"+rid+"/members", owner, nil), 404, "not_found")
	}
	expect(t, postRole(t, owner, renamed), 201)

	// Every change wrote its event.
	ev := call(t, "GET", "/audit?targetType=role&targetId="+id, owner, nil)
	expect(t, ev, 200)
	var actions []string
	for _, e := range itemsOf(t, ev) {
		actions = append(actions, e["action"].(string))
	}
	if want := []string{"role.delete", "role.update", "role.update", "role.create"}; !slices.Equal(actions, want) {
		t.Errorf("audit of the role: %v, want %v", actions, want)
	}
}

// Membership toggles are idempotent and change permissions on the very
// next request, as do edits and the deletion of the role.
func TestRoleMembersAndTheirNextRequest(t *testing.T) {
	_, owner := newOwner(t)
	roleID := createdRole(t, owner, "Readers", auth.StaffRead)
	p := newActive(t, uniqueEmail("reader"))
	tok, _ := login(t, p.Email)
	member := "/roles/" + roleID + "/members/" + p.ID
	expect(t, call(t, "GET", "/staff/"+p.ID, tok, nil), 403, "forbidden")

	expect(t, call(t, "PUT", member, owner, nil), 204)
	expect(t, call(t, "PUT", member, owner, nil), 204)
	expect(t, call(t, "GET", "/staff/"+p.ID, tok, nil), 200)
	if r := call(t, "GET", "/roles/"+roleID, owner, nil); r.JSON["memberCount"] != 1.0 {
		t.Fatalf("memberCount after two PUTs: %s", r.Raw)
	}
	m := call(t, "GET", "/roles/"+roleID+"/members", owner, nil)
	expect(t, m, 200)
	if items := itemsOf(t, m); len(items) != 1 || items[0]["id"] != p.ID || !slices.Contains(roleIDsOf(items[0]), roleID) || m.JSON["nextCursor"] != nil {
		t.Fatalf("members: %s", m.Raw)
	}
	me := call(t, "GET", "/auth/me", tok, nil)
	if !slices.Equal(roleIDsOf(me.JSON), []string{roleID}) || !slices.Equal(strs(me.JSON["permissions"]), []string{auth.StaffRead}) {
		t.Fatalf("me: %s", me.Raw)
	}

	// Dropping the permission from the role ends it at once; adding it back
	// restores it.
	expect(t, call(t, "PATCH", "/roles/"+roleID, owner, map[string]any{"permissions": []string{}}), 200)
	expect(t, call(t, "GET", "/staff/"+p.ID, tok, nil), 403, "forbidden")
	expect(t, call(t, "PATCH", "/roles/"+roleID, owner, map[string]any{"permissions": []string{auth.StaffRead}}), 200)
	expect(t, call(t, "GET", "/staff/"+p.ID, tok, nil), 200)

	// Taking the role away, twice.
	expect(t, call(t, "DELETE", member, owner, nil), 204)
	expect(t, call(t, "DELETE", member, owner, nil), 204)
	expect(t, call(t, "GET", "/staff/"+p.ID, tok, nil), 403, "forbidden")
	if r := call(t, "GET", "/roles/"+roleID, owner, nil); r.JSON["memberCount"] != 0.0 {
		t.Fatalf("memberCount after DELETE: %s", r.Raw)
	}
	if m := call(t, "GET", "/roles/"+roleID+"/members", owner, nil); len(itemsOf(t, m)) != 0 {
		t.Fatalf("members after DELETE: %s", m.Raw)
	}

	// Two members page one at a time; a changed cursor is refused.
	q := newActive(t, uniqueEmail("reader2"))
	expect(t, call(t, "PUT", member, owner, nil), 204)
	expect(t, call(t, "PUT", "/roles/"+roleID+"/members/"+q.ID, owner, nil), 204)
	seen := map[string]int{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("members paging does not end")
		}
		path := "/roles/" + roleID + "/members?limit=1"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		page := call(t, "GET", path, owner, nil)
		expect(t, page, 200)
		for _, it := range itemsOf(t, page) {
			seen[it["id"].(string)]++
		}
		next, _ := page.JSON["nextCursor"].(string)
		if next == "" {
			break
		}
		if cursor == "" {
			expect(t, call(t, "GET", "/roles/"+roleID+"/members?limit=1&cursor="+tamper(next), owner, nil), 400, "invalid_cursor")
		}
		cursor = next
	}
	if len(seen) != 2 || seen[p.ID] != 1 || seen[q.ID] != 1 {
		t.Fatalf("paged members %v, want each of the two once", seen)
	}
	expect(t, call(t, "GET", "/roles/"+roleID+"/members?limit=0", owner, nil), 422, "validation_failed")

	// Unknown role or person.
	expect(t, call(t, "PUT", "/roles/01ARZ3NDEKTSV4RRFFQ69G5FAV/members/"+p.ID, owner, nil), 404, "not_found")
	expect(t, call(t, "PUT", "/roles/"+roleID+"/members/01ARZ3NDEKTSV4RRFFQ69G5FAV", owner, nil), 404, "not_found")
	expect(t, call(t, "PUT", "/roles/"+roleID+"/members/not-an-id", owner, nil), 404, "not_found")
	expect(t, call(t, "DELETE", "/roles/nope/members/"+p.ID, owner, nil), 404, "not_found")

	// Deleting the role: the permission ends on the next request and the
	// role leaves the person's roles.
	expect(t, call(t, "GET", "/staff/"+p.ID, tok, nil), 200)
	expect(t, call(t, "DELETE", "/roles/"+roleID, owner, nil), 204)
	expect(t, call(t, "GET", "/staff/"+p.ID, tok, nil), 403, "forbidden")
	me = call(t, "GET", "/auth/me", tok, nil)
	expect(t, me, 200)
	if slices.Contains(roleIDsOf(me.JSON), roleID) || len(strs(me.JSON["permissions"])) != 0 {
		t.Fatalf("me after the role's deletion: %s", me.Raw)
	}
	for _, id := range []string{p.ID, q.ID} {
		if s := call(t, "GET", "/staff/"+id, owner, nil); slices.Contains(roleIDsOf(s.JSON), roleID) {
			t.Fatalf("staff after the role's deletion: %s", s.Raw)
		}
	}
	expect(t, call(t, "PUT", member, owner, nil), 404, "not_found")
}

// tamper changes one character of a cursor's payload.
func tamper(cursor string) string {
	b := []byte(cursor)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

// No escalation (infra/openapi.yaml, Roles): nobody gives a role a permission they lack, nor
// grants a role holding one; only owners give or take the owner role.
func TestRoleEscalationIsRefused(t *testing.T) {
	_, owner := newOwner(t)
	manager := newActive(t, uniqueEmail("manager"), createdRole(t, owner, "Managers", auth.RolesRead, auth.RolesManage))
	mTok, _ := login(t, manager.Email)

	expect(t, postRole(t, mTok, "Deleters "+ids.New(), auth.StaffDelete), 403, "forbidden")
	expect(t, postRole(t, mTok, "Mixed "+ids.New(), auth.RolesRead, auth.StaffDelete), 403, "forbidden")
	own := createdRole(t, mTok, "Own", auth.RolesRead)
	expect(t, call(t, "PATCH", "/roles/"+own, mTok, map[string]any{"permissions": []string{auth.RolesRead, auth.StaffDelete}}), 403, "forbidden")
	expect(t, call(t, "PATCH", "/roles/"+own, mTok, map[string]any{"permissions": []string{auth.RolesRead, auth.RolesManage}}), 200)
	if r := call(t, "GET", "/roles/"+own, owner, nil); slices.Contains(strs(r.JSON["permissions"]), auth.StaffDelete) {
		t.Fatalf("escalated: %s", r.Raw)
	}
	// Nor onto the admin role.
	expect(t, call(t, "PATCH", "/roles/admin", mTok, map[string]any{"permissions": append(auth.AdminPermissions(), auth.StaffDelete)}), 403, "forbidden")

	// Granting: roles.assign + staff.read.
	assigner := newActive(t, uniqueEmail("assigner"), createdRole(t, owner, "Assigners", auth.RolesAssign, auth.StaffRead))
	aTok, _ := login(t, assigner.Email)
	target := newActive(t, uniqueEmail("target"))
	deleters := createdRole(t, owner, "Deleters", auth.StaffDelete)
	readers := createdRole(t, owner, "Readers", auth.StaffRead)
	expect(t, call(t, "PUT", "/roles/owner/members/"+target.ID, aTok, nil), 403, "forbidden")
	expect(t, call(t, "PUT", "/roles/"+deleters+"/members/"+target.ID, aTok, nil), 403, "forbidden")
	expect(t, call(t, "PUT", "/roles/"+readers+"/members/"+target.ID, aTok, nil), 204)
	expect(t, call(t, "PUT", "/roles/"+readers+"/members/"+assigner.ID, aTok, nil), 204) // within their own permissions
	expect(t, call(t, "PUT", "/roles/"+deleters+"/members/"+assigner.ID, aTok, nil), 403, "forbidden")
	if s := call(t, "GET", "/staff/"+target.ID, owner, nil); !slices.Equal(roleIDsOf(s.JSON), []string{readers}) {
		t.Fatalf("target's roles: %s", s.Raw)
	}

	// Only owners take the owner role away, and act on owners at all.
	other, _ := newOwner(t)
	expect(t, call(t, "DELETE", "/roles/owner/members/"+other.ID, aTok, nil), 403, "forbidden")
	expect(t, call(t, "PUT", "/roles/"+readers+"/members/"+other.ID, aTok, nil), 403, "forbidden")
	if s := call(t, "GET", "/staff/"+other.ID, owner, nil); !slices.Contains(roleIDsOf(s.JSON), auth.OwnerRoleID) {
		t.Fatalf("the owner lost the role: %s", s.Raw)
	}
	expect(t, call(t, "DELETE", "/roles/owner/members/"+other.ID, owner, nil), 204)
	if s := call(t, "GET", "/staff/"+other.ID, owner, nil); slices.Contains(roleIDsOf(s.JSON), auth.OwnerRoleID) {
		t.Fatalf("an owner could not take the owner role away: %s", s.Raw)
	}
}

// The body routes of roles and settings refuse bad bodies like the others.
func TestRoleAndSettingsBodiesAreChecked(t *testing.T) {
	_, owner := newOwner(t)
	roleID := createdRole(t, owner, "Bodies")
	huge := `{"name":"` + strings.Repeat("a", 70<<10) + `"}`
	for _, r := range []struct{ method, path string }{{"POST", "/roles"}, {"PATCH", "/roles/" + roleID}, {"PATCH", "/settings"}} {
		for _, b := range []struct {
			body, contentType string
			status            int
			code              string
		}{
			{`{"name":`, "application/json", 400, "malformed_body"},
			{`[]`, "application/json", 400, "malformed_body"},
			{``, "application/json", 400, "malformed_body"},
			{`{"unexpected":1}`, "application/json", 422, "validation_failed"},
			{`{"name":1,"seatLimit":"x"}`, "application/json", 422, "validation_failed"},
			{huge, "application/json", 413, "payload_too_large"},
			{`{}`, "text/plain", 415, "unsupported_media_type"},
		} {
			a := call(t, r.method, r.path, owner, []byte(b.body), "Content-Type", b.contentType)
			if a.Status != b.status || a.str("code") != b.code {
				t.Errorf("%s %s %.20q: %d %s, want %d %s", r.method, r.path, b.body, a.Status, a.str("code"), b.status, b.code)
			}
		}
	}
	expect(t, call(t, "DELETE", "/roles/"+roleID, owner, nil), 204)
}

// A role's memberCount stays the number of its members while the role is
// edited and members come and go at the same moment (issue 15, finding 11:
// an edit wrote the count back from the role it had read).
func TestRoleMemberCountHoldsUnderConcurrentEdits(t *testing.T) {
	_, owner := newOwner(t)
	role := createdRole(t, owner, "Counted", "staff.read")
	var people []string
	for i := 0; i < 10; i++ {
		a := invite(t, owner, uniqueEmail("counted"))
		expect(t, a, 201)
		people = append(people, a.JSON["staff"].(map[string]any)["id"].(string))
	}
	edit := func(i int) (answer, error) {
		return send("PATCH", "/roles/"+role, owner, map[string]any{"description": fmt.Sprintf("edit %d", i)})
	}
	check := func(answers []answer, member string) {
		t.Helper()
		for i, a := range answers {
			if i%2 == 0 && a.Status != 200 && a.Status != 412 {
				t.Fatalf("edit: %d %s", a.Status, a.Raw)
			}
			if i%2 == 1 && a.Status != 204 {
				t.Fatalf("%s member: %d %s", member, a.Status, a.Raw)
			}
		}
	}
	check(race(t, 20, func(i int) (answer, error) {
		if i%2 == 0 {
			return edit(i)
		}
		return send("PUT", "/roles/"+role+"/members/"+people[i/2], owner, nil)
	}), "add")
	check(race(t, 10, func(i int) (answer, error) {
		if i%2 == 0 {
			return edit(i)
		}
		return send("DELETE", "/roles/"+role+"/members/"+people[i/2], owner, nil)
	}), "remove")

	members := call(t, "GET", "/roles/"+role+"/members?limit=100", owner, nil)
	expect(t, members, 200)
	got := call(t, "GET", "/roles/"+role, owner, nil)
	expect(t, got, 200)
	if n := len(itemsOf(t, members)); n != 5 || got.JSON["memberCount"] != float64(n) {
		t.Fatalf("%d members, memberCount %v: %s", n, got.JSON["memberCount"], got.Raw)
	}
}
