package customers

import (
	"context"
	"time"

	"backoffice/shared/audit"
)

// ResendEmailChange mails a new confirmation link for the customer's
// pending change of address (account.ResendEmailChange); the old link dies.
// It answers the new expiry.
func (s *Service) ResendEmailChange(ctx context.Context, actor audit.Actor, id string, ifMatch int64, linkBase string) (time.Time, error) {
	c, err := s.target(ctx, id, ifMatch)
	if err != nil {
		return time.Time{}, err
	}
	return s.accounts().ResendEmailChange(ctx, actor, c, linkBase)
}

// CancelEmailChange ends the customer's pending change of address
// (account.CancelEmailChange).
func (s *Service) CancelEmailChange(ctx context.Context, actor audit.Actor, id string, ifMatch int64) (*View, error) {
	c, err := s.target(ctx, id, ifMatch)
	if err != nil {
		return nil, err
	}
	if err := s.accounts().CancelEmailChange(ctx, actor, c); err != nil {
		return nil, err
	}
	v := ViewOf(c, s.Now())
	return &v, nil
}
