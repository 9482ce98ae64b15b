package auth

import (
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// CheckGrant refuses (403) to let the caller hand out roles that hold more
// than the caller does: only owners grant the owner role, and every
// permission of every granted role must be the caller's own.
func (c *Caller) CheckGrant(roles []store.Role) error {
	if len(roles) > 0 && !c.Can(RolesAssign) {
		return problem.Forbidden.With("Giving roles needs the roles.assign permission.")
	}
	for _, r := range roles {
		if r.ID == OwnerRoleID && !c.IsOwner() {
			return problem.Forbidden.With("Only owners can make someone an owner.")
		}
		for _, p := range r.Permissions {
			if !c.Can(p) {
				return problem.Forbidden.With("Role %q holds %s, which you do not have.", r.Name, p)
			}
		}
	}
	return nil
}
