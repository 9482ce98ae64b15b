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
		if p, ok := c.lacks(r); ok {
			return problem.Forbidden.With("Role %q holds %s, which you do not have.", r.Name, p)
		}
	}
	return nil
}

// CheckActOn refuses (403) an action on a person who holds roles the caller
// does not cover. Editing, re-addressing, deactivating, deleting, resetting
// or re-inviting someone can hand their account over, so it needs what
// giving them their roles would need: every permission of every role they
// hold, and for the owner role, being an owner. roles are the target's
// roles as stored (a role being deleted grants nothing and is left out by
// the caller).
func (c *Caller) CheckActOn(roles []store.Role) error {
	for _, r := range roles {
		if r.ID == OwnerRoleID && !c.IsOwner() {
			return problem.Forbidden.With("Only owners can act on owners.")
		}
		if p, ok := c.lacks(r); ok {
			return problem.Forbidden.With("This person's role %q holds %s, which you do not have.", r.Name, p)
		}
	}
	return nil
}

// lacks names the first permission of r the caller does not hold.
func (c *Caller) lacks(r store.Role) (string, bool) {
	for _, p := range r.Permissions {
		if !c.Can(p) {
			return p, true
		}
	}
	return "", false
}
