package customers

import (
	"context"
	"time"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// CreateInput is POST /customers: the profile fields and whether to send
// the invitation now (default yes).
type CreateInput struct {
	Fields
	SendInvitation *bool `json:"sendInvitation,omitempty"`
}

// Created is the outcome of a create.
type Created struct {
	Customer    View
	EmailQueued bool
}

// Create adds a customer account in one transaction: profile, unique email
// claim (per realm: a colleague may also be a customer), the invitation
// token and mail when asked for, and the audit event. The account is
// `invited` until the customer accepts; without an invitation one can be
// sent later (POST /customers/{id}/invitation).
func (s *Service) Create(ctx context.Context, actor audit.Actor, creatorName string, in CreateInput, linkBase string) (*Created, error) {
	var f problem.Fields
	in.clean(&f, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	settings, err := account.Settings(ctx, s.Store)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	stamp := now.Format(time.RFC3339)
	c := &store.Customer{
		Person: store.Person{ID: ids.New(), Status: store.StatusInvited, Locale: settings.DefaultLocale,
			CreatedAt: stamp, UpdatedAt: stamp, Version: 1},
		CreatedBy: actor.ID,
	}
	in.apply(c)
	send := in.SendInvitation == nil || *in.SendInvitation

	tx := s.Store.Tx()
	var inv account.Invitation
	if send {
		var err error
		if inv, err = account.NewInvitation(&c.Person, settings, now); err != nil {
			return nil, err
		}
		account.Customer.QueueInvitation(tx, &c.Person, inv, creatorName, settings.ShopName, linkBase)
	}
	tx.PutNew(c.Index(), problem.Conflict)
	free := store.EmailFree(now) // or held for a change of address that expired
	tx.Put(store.NewEmailClaim(store.RealmCustomer, c.Email, c.ID), &free, problem.EmailTaken)
	ev := audit.New(actor, "customer.create", "customer", c.ID, "Added customer "+c.Email, now)
	ev.Changes = audit.Diff(nil, snapshot(c))
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	return &Created{Customer: ViewOf(c, now), EmailQueued: send}, nil
}

// Resend sends a (new) invitation to a customer who has not accepted one;
// an older link stops working.
func (s *Service) Resend(ctx context.Context, actor audit.Actor, senderName, id, linkBase string) (*account.Invitation, error) {
	if !ids.Valid(id) {
		return nil, problem.NotFound
	}
	return s.accounts().Resend(ctx, actor, senderName, id, linkBase, func(store.Account) (func(*store.Tx), error) { return nil, nil })
}

// BulkReset queues password reset mails for up to 100 customers.
func (s *Service) BulkReset(ctx context.Context, actor audit.Actor, customerIDs []string, linkBase, request string) ([]account.ResetResult, error) {
	return s.accounts().BulkReset(ctx, actor, customerIDs, linkBase, request, func(store.Account) (string, error) { return "", nil })
}
