package setup

import (
	"testing"

	"backoffice/shared/auth"
)

func TestBuiltinRoles(t *testing.T) {
	owner := builtinRole(auth.OwnerRoleID, auth.OwnerRoleName, "d", auth.AllPermissions(), "now")
	if owner.PK != "ROLE#owner" || !owner.BuiltIn || len(owner.Permissions) != len(auth.Catalogue) {
		t.Fatalf("%+v", owner)
	}
	name := roleName(auth.AdminRoleID, "Admin")
	if name["pk"] != "ROLENAME#admin" || name["roleId"] != "admin" {
		t.Fatalf("%+v", name)
	}
}
