//go:build integration

package api_test

import (
	"net/http"
	"testing"

	"backoffice/shared/auth"
)

// staffPermissions are every staff.* permission: a "staff manager" holds
// them all and nothing else.
var staffPermissions = []string{
	auth.StaffRead, auth.StaffInvite, auth.StaffUpdate, auth.StaffDeactivate, auth.StaffDelete, auth.StaffResetPassword,
}

// allCognitoCalls counts the Cognito calls the functions have made so far.
func allCognitoCalls(t *testing.T) int {
	t.Helper()
	calls, err := st.Calls()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range calls {
		if c.Service == "Cognito Identity Provider" {
			n++
		}
	}
	return n
}

// An action on a colleague that can hand over their account needs every
// permission of the colleague's roles, as giving them those roles would: a
// staff manager holding every staff.* permission can not edit, re-address,
// deactivate, delete, reset or re-invite someone who also holds
// settings.manage. Each is 403 forbidden (the bulk reset skips the person
// as "forbidden"), writes nothing and makes no Cognito call. The same
// manager still acts on a colleague whose permissions are a subset of theirs.
func TestNoActionOnAMorePrivilegedColleague(t *testing.T) {
	_, owner := newOwner(t)
	manager := newActive(t, uniqueEmail("manager"), newRole(t, "Staff manager", staffPermissions...))
	tok, _ := login(t, manager.Email)

	richer := newRole(t, "Richer", append([]string{auth.SettingsManage}, staffPermissions...)...)
	target := newActive(t, uniqueEmail("richer"), richer)
	targetToken, _ := login(t, target.Email)
	invitedEmail := uniqueEmail("richer-invited")
	inv := invite(t, owner, invitedEmail, richer)
	expect(t, inv, 201)
	invited := inv.JSON["staff"].(map[string]any)["id"].(string)
	st.MailLink(t, invitedEmail, "")

	st.WaitStreams(t)
	before, cognitoBefore := dumpTable(t), allCognitoCalls(t)

	refused := []struct{ method, path string }{
		{"PATCH", "/staff/" + target.ID},
		{"POST", "/staff/" + target.ID + "/deactivate"},
		{"DELETE", "/staff/" + target.ID},
		{"POST", "/staff/" + invited + "/invitation"},
		{"DELETE", "/staff/" + invited},
	}
	for _, r := range refused {
		var body any
		if r.method == "PATCH" {
			body = map[string]any{"email": uniqueEmail("hijack")}
		}
		expect(t, call(t, r.method, r.path, tok, body), http.StatusForbidden, "forbidden")
	}
	for _, body := range []map[string]any{{"firstName": "Renamed"}, {"locale": "de"}} {
		expect(t, call(t, "PATCH", "/staff/"+target.ID, tok, body), http.StatusForbidden, "forbidden")
	}
	expect(t, call(t, "PATCH", "/staff/"+invited, tok, map[string]any{"email": uniqueEmail("hijack")}), http.StatusForbidden, "forbidden")
	r := call(t, "POST", "/staff/password-resets", tok, map[string]any{"ids": []string{target.ID}})
	expect(t, r, http.StatusAccepted)
	if res := r.JSON["results"].([]any)[0].(map[string]any); res["status"] != "skipped" || res["reason"] != "forbidden" {
		t.Fatalf("bulk reset of a more privileged colleague: %s", r.Raw)
	}

	st.WaitStreams(t)
	diffTables(t, before, dumpTable(t))
	if n := allCognitoCalls(t) - cognitoBefore; n != 0 {
		t.Errorf("%d Cognito calls for refused requests, want none", n)
	}
	// The colleague is untouched: same address, still signed in.
	expect(t, call(t, "GET", "/auth/me", targetToken, nil), 200)
	login(t, target.Email)

	// A colleague holding a subset of the manager's permissions is fair game.
	peer := newActive(t, uniqueEmail("peer"), newRole(t, "Reader", auth.StaffRead))
	expect(t, call(t, "PATCH", "/staff/"+peer.ID, tok, map[string]any{"firstName": "Renamed"}), 200)
	expect(t, call(t, "POST", "/staff/"+peer.ID+"/deactivate", tok, nil), 200)
	r = call(t, "POST", "/staff/password-resets", tok, map[string]any{"ids": []string{newActive(t, uniqueEmail("peer")).ID}})
	expect(t, r, http.StatusAccepted)
	if res := r.JSON["results"].([]any)[0].(map[string]any); res["status"] != "queued" {
		t.Fatalf("bulk reset of a peer: %s", r.Raw)
	}
	expect(t, call(t, "DELETE", "/staff/"+peer.ID, tok, nil), 204)
}
