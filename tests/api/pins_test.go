//go:build integration

package api_test

import (
	"slices"
	"testing"

	"backoffice/shared/auth"
)

// A colleague who holds a role the caller does not (with permissions the
// caller has): every write that acts on them is conditioned on that role's
// version as the permission check read it, a ConditionCheck on the role
// item (issue 15, finding 5; tests/faults TestGrantsArePinnedToTheRoleVersion
// edits the role in between). Here the four routes that pin such a role go
// through their functions, whose policies must allow the check (the IAM
// check of the recorded calls fails otherwise): an edit, giving and taking
// another role from the role's page, and a new invitation link.
func TestActingOnAHolderOfAnotherRole(t *testing.T) {
	_, owner := newOwner(t)
	manager := newActive(t, uniqueEmail("pin-manager"), newRole(t, "Pin manager",
		auth.StaffRead, auth.StaffInvite, auth.StaffUpdate, auth.RolesAssign, auth.RolesRead))
	tok, _ := login(t, manager.Email)
	readers := newRole(t, "Pin readers", auth.StaffRead)
	extra := newRole(t, "Pin extra", auth.StaffRead)
	holder := newActive(t, uniqueEmail("pin-holder"), readers)

	expect(t, call(t, "PATCH", "/staff/"+holder.ID, tok, map[string]any{"firstName": "Pinned"}), 200)
	member := "/roles/" + extra + "/members/" + holder.ID
	expect(t, call(t, "PUT", member, tok, nil), 204)
	if got := roleIDsOf(call(t, "GET", "/staff/"+holder.ID, tok, nil).JSON); !slices.Contains(got, extra) || !slices.Contains(got, readers) {
		t.Fatalf("after PUT %s: roles %v", member, got)
	}
	expect(t, call(t, "DELETE", member, tok, nil), 204)
	if got := roleIDsOf(call(t, "GET", "/staff/"+holder.ID, tok, nil).JSON); slices.Contains(got, extra) {
		t.Fatalf("after DELETE %s: roles %v", member, got)
	}

	invitedEmail := uniqueEmail("pin-invited")
	inv := invite(t, owner, invitedEmail, readers)
	expect(t, inv, 201)
	invited := inv.JSON["staff"].(map[string]any)["id"].(string)
	st.MailLink(t, invitedEmail, "")
	expect(t, call(t, "POST", "/staff/"+invited+"/invitation", tok, nil), 202)
	st.WaitStreams(t)
	if n := countMails(t, invitedEmail, ""); n != 2 {
		t.Fatalf("%d invitation mails, want 2 (the first and the new link)", n)
	}
}
