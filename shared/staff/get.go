package staff

import (
	"context"

	"backoffice/shared/account"
	"backoffice/shared/auth"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// Get reads a staff member with the names of their roles.
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	if !ids.Valid(id) {
		return nil, problem.NotFound
	}
	p, err := s.Profile(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Status == store.StatusDeleting {
		return nil, problem.NotFound // gone for readers; DELETE again finishes it
	}
	return s.viewWithRoles(ctx, p)
}

// viewWithRoles answers with a profile the caller already holds (after a
// write, the in-memory profile is what was written: no need to read it back).
func (s *Service) viewWithRoles(ctx context.Context, p *store.Staff) (*View, error) {
	roles, err := s.roleRefs(ctx, p.RoleIDs)
	if err != nil {
		return nil, err
	}
	v := viewOf(p, roles, s.Now())
	return &v, nil
}

// roleRefs names roleIDs, skipping roles deleted meanwhile.
func (s *Service) roleRefs(ctx context.Context, roleIDs []string) ([]auth.RoleRef, error) {
	keys := make([]store.Key, len(roleIDs))
	for i, id := range roleIDs {
		keys[i] = store.RoleKey(id)
	}
	items, err := s.Store.BatchGet(ctx, keys, false)
	if err != nil {
		return nil, err
	}
	refs := make([]auth.RoleRef, 0, len(roleIDs))
	for _, id := range roleIDs {
		var r store.Role
		if account.DecodeFound(items, store.RoleKey(id), &r) == nil {
			refs = append(refs, auth.RoleRef{ID: r.ID, Name: r.Name})
		}
	}
	return refs, nil
}
