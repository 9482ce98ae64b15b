package customers

import (
	"context"

	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// Get reads a customer.
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	c, err := s.target(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	v := ViewOf(c, s.Now())
	return &v, nil
}

// target loads the customer an action is about: a valid id, not being
// deleted, and the version the client last saw (If-Match) when given.
func (s *Service) target(ctx context.Context, id string, ifMatch int64) (*store.Customer, error) {
	if !ids.Valid(id) {
		return nil, problem.NotFound
	}
	c, err := s.Profile(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status == store.StatusDeleting {
		return nil, problem.NotFound // gone for readers; DELETE again finishes it
	}
	if ifMatch != 0 && ifMatch != c.Version {
		return nil, problem.PreconditionFailed
	}
	return c, nil
}
