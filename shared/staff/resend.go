package staff

import (
	"context"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/store"
)

// Resend issues a new invitation link to an invited person (account.Resend).
// The caller must cover the person (mayActOn): a new link to an address the
// caller controls would hand the account over. The new link is written only
// if the person's roles the check read are unchanged (pins). A nil caller is
// the system (the owner invitation of setup).
func (s *Service) Resend(ctx context.Context, caller *auth.Caller, actor audit.Actor, inviterName, id, linkBase string) (*account.Invitation, error) {
	return s.accounts().Resend(ctx, actor, inviterName, id, linkBase, func(a store.Account) (func(*store.Tx), error) {
		pinned, err := s.covers(ctx, caller, a.(*store.Staff))
		return pinned.check, err
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
