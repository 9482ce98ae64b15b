package staff

import (
	"context"
	"errors"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// BulkReset queues reset mails for up to 100 staff members (account.BulkReset);
// people the caller does not cover (mayActOn: owners, unless the caller is
// one, and anyone holding a permission the caller lacks) are skipped as
// "forbidden": a reset mail is a way into their account.
func (s *Service) BulkReset(ctx context.Context, caller *auth.Caller, actor audit.Actor, personIDs []string, linkBase, request string) ([]account.ResetResult, error) {
	return s.accounts().BulkReset(ctx, actor, personIDs, linkBase, request, func(a store.Account) (string, error) {
		err := s.mayActOn(ctx, caller, a.(*store.Staff))
		if errors.Is(err, problem.Forbidden) {
			return "forbidden", nil
		}
		return "", err
	})
}
