package customers

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// Deactivate ends a customer's access at once: status and tokensNotBefore
// change in DynamoDB first (every token and session is refused from the
// next request on), then Cognito disables the user and signs them out.
// Repeating it on an inactive customer repeats only the Cognito steps, so a
// failure there is mended by a retry.
func (s *Service) Deactivate(ctx context.Context, actor audit.Actor, id string, ifMatch int64) (*View, error) {
	c, err := s.target(ctx, id, ifMatch)
	if err != nil {
		return nil, err
	}
	switch c.Status {
	case store.StatusInactive:
	case store.StatusActive:
		if err := s.setStatus(ctx, actor, c, store.StatusInactive); err != nil {
			return nil, err
		}
	default:
		return nil, problem.Conflict.With("Only active customers can be deactivated; delete an account that was never used instead.")
	}
	if err := s.Dir.Disable(ctx, account.UserOf(&c.Person)); err != nil {
		return nil, err
	}
	if err := s.Dir.SignOutEverywhere(ctx, account.UserOf(&c.Person)); err != nil {
		return nil, err
	}
	v := ViewOf(c, s.Now())
	return &v, nil
}

// Activate gives an inactive customer access again.
func (s *Service) Activate(ctx context.Context, actor audit.Actor, id string, ifMatch int64) (*View, error) {
	c, err := s.target(ctx, id, ifMatch)
	if err != nil {
		return nil, err
	}
	switch c.Status {
	case store.StatusActive:
	case store.StatusInactive:
		if err := s.setStatus(ctx, actor, c, store.StatusActive); err != nil {
			return nil, err
		}
	default:
		return nil, problem.Conflict.With("Only inactive customers can be activated.")
	}
	if err := s.Dir.Enable(ctx, account.UserOf(&c.Person)); err != nil {
		return nil, err
	}
	v := ViewOf(c, s.Now())
	return &v, nil
}

// setStatus moves an active customer to inactive or back in one
// transaction: profile (its list keys move to the new status partition),
// auth record, audit.
func (s *Service) setStatus(ctx context.Context, actor audit.Actor, c *store.Customer, status string) error {
	now := s.Now().UTC()
	prevStatus, prevVersion := c.Status, c.Version
	c.Status, c.UpdatedAt, c.Version = status, now.Format(time.RFC3339), c.Version+1

	tx := s.Store.Tx()
	unchanged := expression.Name("version").Equal(expression.Value(prevVersion))
	c.Put(tx, &unchanged, problem.PreconditionFailed)
	authUpdate := expression.Set(expression.Name("status"), expression.Value(status))
	if status == store.StatusInactive {
		authUpdate = authUpdate.Set(expression.Name("tokensNotBefore"), expression.Value(now.Unix()))
	}
	if c.Sub != "" {
		tx.Update(store.AuthKey(c.Sub), authUpdate, existsCond(), nil)
	}
	action := "customer.activate"
	if status == store.StatusInactive {
		action = "customer.deactivate"
	}
	ev := audit.New(actor, action, "customer", c.ID, fmt.Sprintf("%s → %s: %s", prevStatus, status, c.Email), now)
	ev.Changes = audit.Diff(map[string]any{"status": prevStatus}, map[string]any{"status": status})
	ev.Add(tx)
	return s.Store.Write(ctx, tx)
}

func existsCond() *expression.ConditionBuilder {
	c := expression.AttributeExists(expression.Name("pk"))
	return &c
}
