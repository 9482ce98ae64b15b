package staff

import (
	"context"
	"slices"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
)

// SetRole gives a person one role or takes it away (PUT/DELETE
// /roles/{id}/members/{staffId}); asking for what already is changes
// nothing. The rules are those of a roleIds edit (UpdateAs).
func (s *Service) SetRole(ctx context.Context, caller *auth.Caller, actor audit.Actor, staffID, roleID string, member bool) error {
	p, pinned, err := s.pinnedTarget(ctx, caller, staffID, 0, true)
	if err != nil {
		return err
	}
	has := slices.Contains(p.RoleIDs, roleID)
	if has == member {
		return nil
	}
	roleIDs := slices.DeleteFunc(slices.Clone(p.RoleIDs), func(r string) bool { return r == roleID })
	if member {
		roleIDs = append(roleIDs, roleID)
	}
	u := Update{RoleIDs: &roleIDs}
	if err := u.validate(); err != nil {
		return err
	}
	_, err = s.update(ctx, caller, actor, p, pinned, u, "")
	return err
}
