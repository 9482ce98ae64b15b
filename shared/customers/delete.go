package customers

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/session"
	"backoffice/shared/store"
)

// Delete removes a customer. One who never signed in (no Cognito user) goes
// in one transaction, which also revokes a pending invitation. Anyone else
// goes in steps, each safe to repeat: mark deleting (access ends, audited),
// delete the Cognito user, delete their sessions, delete the items. A retry after a
// failure in the middle picks up at the Cognito step, so nothing is
// orphaned, and the email can be used again once it is done.
func (s *Service) Delete(ctx context.Context, actor audit.Actor, id string, ifMatch int64) error {
	c, err := s.deletable(ctx, id, ifMatch)
	if err != nil {
		return err
	}
	if c.Sub == "" {
		tx := s.Store.Tx()
		s.removeAll(tx, c, expression.Name("version").Equal(expression.Value(c.Version)))
		s.deleteAudit(actor, c).Add(tx)
		return s.Store.Write(ctx, tx)
	}
	if c.Status != store.StatusDeleting {
		if err := s.markDeleting(ctx, actor, c); err != nil {
			return err
		}
	}
	if err := s.Dir.Delete(ctx, account.UserOf(&c.Person)); err != nil {
		return err
	}
	if err := session.DeleteAll(ctx, s.Store, c.ID); err != nil {
		return err
	}
	tx := s.Store.Tx()
	s.removeAll(tx, c, expression.Name("status").Equal(expression.Value(store.StatusDeleting)))
	return s.Store.Write(ctx, tx)
}

// deletable is target, except that a customer whose deletion started is
// found too, so a repeated DELETE finishes it.
func (s *Service) deletable(ctx context.Context, id string, ifMatch int64) (*store.Customer, error) {
	if !ids.Valid(id) {
		return nil, problem.NotFound
	}
	c, err := s.Profile(ctx, id)
	if err != nil {
		return nil, err
	}
	if ifMatch != 0 && ifMatch != c.Version {
		return nil, problem.PreconditionFailed
	}
	return c, nil
}

func (s *Service) markDeleting(ctx context.Context, actor audit.Actor, c *store.Customer) error {
	ev := s.deleteAudit(actor, c)
	now := s.Now().UTC()
	prevVersion := c.Version
	c.Status, c.UpdatedAt, c.Version = store.StatusDeleting, now.Format(time.RFC3339), c.Version+1
	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(prevVersion))
	c.Put(tx, &cond, problem.PreconditionFailed)
	tx.Update(store.AuthKey(c.Sub), expression.
		Set(expression.Name("status"), expression.Value(store.StatusDeleting)).
		Set(expression.Name("tokensNotBefore"), expression.Value(now.Unix())), existsCond(), nil)
	ev.Add(tx)
	return s.Store.Write(ctx, tx)
}

func (s *Service) deleteAudit(actor audit.Actor, c *store.Customer) audit.Event {
	// The event keeps who the customer was: the profile is about to go.
	ev := audit.New(actor, "customer.delete", "customer", c.ID, "Deleted customer "+c.FirstName+" "+c.LastName+" <"+c.Email+">", s.Now())
	ev.Changes = audit.Diff(snapshot(c), nil)
	return ev
}

// removeAll deletes the profile (under cond), email claim, auth record,
// any live mail tokens and a pending change of address.
func (s *Service) removeAll(tx *store.Tx, c *store.Customer, cond expression.ConditionBuilder) {
	tx.Delete(store.CustomerKey(c.ID), &cond, problem.Conflict.With("The customer changed meanwhile; try again."))
	tx.Delete(store.EmailKey(store.RealmCustomer, c.Email), nil, nil)
	if c.Sub != "" {
		tx.Delete(store.AuthKey(c.Sub), nil, nil)
	}
	for _, h := range []string{c.InvitationHash, c.ResetHash} {
		if h != "" {
			tx.Delete(store.TokenKey(h), nil, nil)
		}
	}
	s.accounts().DropEmailChange(tx, &c.Person)
}
