package staff

import (
	"context"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// Resend issues a new invitation link to an invited person (account.Resend).
// Only owners may act on owners (mayTouchOwner).
func (s *Service) Resend(ctx context.Context, actor audit.Actor, inviterName, id, linkBase string, mayTouchOwner bool) (*account.Invitation, error) {
	return s.accounts().Resend(ctx, actor, inviterName, id, linkBase, func(a store.Account) error {
		if a.(*store.Staff).HasRole(auth.OwnerRoleID) && !mayTouchOwner {
			return problem.Forbidden.With("Only owners can act on owners.")
		}
		return nil
	})
}

// ByEmail finds the staff member holding an address, or problem.NotFound.
func (s *Service) ByEmail(ctx context.Context, email string) (*store.Staff, error) {
	a, err := s.accounts().ByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	return a.(*store.Staff), nil
}
