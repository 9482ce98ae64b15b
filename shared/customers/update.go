package customers

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// Update is PATCH /customers/{id}: any profile field. A new email must be
// free among customers; for a customer who has signed in it becomes the
// sign-in address only once that address confirms it (account.SetEmail).
// linkBase is where the mails' links point.
func (s *Service) Update(ctx context.Context, actor audit.Actor, id string, in Fields, ifMatch int64, linkBase string) (*View, error) {
	var f problem.Fields
	in.clean(&f, false)
	if err := f.Err(); err != nil {
		return nil, err
	}
	c, err := s.target(ctx, id, ifMatch)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, actor, c, in, "customer.update", "Updated customer ", linkBase)
}

// MeUpdate is what customers may change about themselves (PATCH
// /customer-auth/me); email, company, VAT number and notes stay with the shop.
type MeUpdate struct {
	FirstName *string        `json:"firstName,omitempty"`
	LastName  *string        `json:"lastName,omitempty"`
	Phone     *string        `json:"phone,omitempty"`
	Address   *store.Address `json:"address,omitempty"`
	Locale    *string        `json:"locale,omitempty"`
}

// UpdateMe changes the calling customer's own profile.
func (s *Service) UpdateMe(ctx context.Context, actor audit.Actor, in MeUpdate, ifMatch int64) (*store.Customer, error) {
	fields := Fields{FirstName: in.FirstName, LastName: in.LastName, Phone: in.Phone, Address: in.Address, Locale: in.Locale}
	var f problem.Fields
	fields.clean(&f, false)
	if err := f.Err(); err != nil {
		return nil, err
	}
	c, err := s.target(ctx, actor.ID, ifMatch)
	if err != nil {
		return nil, err
	}
	if _, err := s.update(ctx, actor, c, fields, "customer.update_self", "Updated own profile: ", ""); err != nil {
		return nil, err
	}
	return c, nil
}

// update applies validated fields to c in one transaction with its audit
// event; nothing is written when nothing changes.
func (s *Service) update(ctx context.Context, actor audit.Actor, c *store.Customer, in Fields, action, summary, linkBase string) (*View, error) {
	before := snapshot(c)
	prevVersion := c.Version
	now := s.Now().UTC()
	var email *account.EmailChange
	if in.Email != nil {
		var err error
		if email, err = s.accounts().SetEmail(&c.Person, *in.Email, now); err != nil {
			return nil, err
		}
		in.Email = nil // SetEmail decided what happens to it
	}
	in.apply(c)
	changes := audit.Diff(before, snapshot(c))
	if changes == nil {
		v := ViewOf(c, now)
		return &v, nil
	}
	c.UpdatedAt, c.Version = now.Format(time.RFC3339), c.Version+1
	tx := s.Store.Tx()
	if email != nil {
		settings, err := account.Settings(ctx, s.Store)
		if err != nil {
			return nil, err
		}
		// Before the profile: it may give c a new invitation.
		if err := s.accounts().Write(tx, &c.Person, email, account.Mailing{LinkBase: linkBase, Settings: settings}); err != nil {
			return nil, err
		}
	}
	cond := expression.Name("version").Equal(expression.Value(prevVersion))
	c.Put(tx, &cond, problem.PreconditionFailed)
	ev := audit.New(actor, action, "customer", c.ID, summary+c.Email, now)
	ev.Changes = changes
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	v := ViewOf(c, now)
	return &v, nil
}
