package staff

import (
	"context"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/store"
)

// BulkReset queues reset mails for up to 100 staff members (account.BulkReset);
// owners are skipped unless the caller is an owner.
func (s *Service) BulkReset(ctx context.Context, caller *auth.Caller, actor audit.Actor, personIDs []string, linkBase string) ([]account.ResetResult, error) {
	return s.accounts().BulkReset(ctx, actor, personIDs, linkBase, func(a store.Account) string {
		if a.(*store.Staff).HasRole(auth.OwnerRoleID) && !caller.IsOwner() {
			return "forbidden"
		}
		return ""
	})
}
