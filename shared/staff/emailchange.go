package staff

import (
	"context"
	"time"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// ResendEmailChange mails a new confirmation link for the person's pending
// change of address (account.ResendEmailChange), for a caller who covers
// them (mayActOn); the old link dies. It answers the new expiry.
func (s *Service) ResendEmailChange(ctx context.Context, caller *auth.Caller, actor audit.Actor, id string, ifMatch int64, linkBase string) (time.Time, error) {
	p, err := s.target(ctx, caller, id, ifMatch, true)
	if err != nil {
		return time.Time{}, err
	}
	if p.Status == store.StatusDeleting {
		return time.Time{}, problem.NotFound
	}
	return s.accounts().ResendEmailChange(ctx, actor, p, linkBase)
}

// CancelEmailChange ends the person's pending change of address
// (account.CancelEmailChange), for a caller who covers them.
func (s *Service) CancelEmailChange(ctx context.Context, caller *auth.Caller, actor audit.Actor, id string, ifMatch int64) (*View, error) {
	p, err := s.target(ctx, caller, id, ifMatch, true)
	if err != nil {
		return nil, err
	}
	if p.Status == store.StatusDeleting {
		return nil, problem.NotFound
	}
	if err := s.accounts().CancelEmailChange(ctx, actor, p); err != nil {
		return nil, err
	}
	return s.viewWithRoles(ctx, p)
}
