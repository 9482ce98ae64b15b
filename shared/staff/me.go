package staff

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// MeUpdate is what a person may change about themself.
type MeUpdate struct {
	FirstName *string `json:"firstName,omitempty"`
	LastName  *string `json:"lastName,omitempty"`
	Locale    *string `json:"locale,omitempty"`
}

// UpdateMe changes the caller's own name or locale. ifMatch, when non-zero,
// is the version the client last saw (If-Match); a stale one answers 412.
func (s *Service) UpdateMe(ctx context.Context, actor audit.Actor, in MeUpdate, ifMatch int64) (*store.Staff, error) {
	var f problem.Fields
	var first, last string
	if in.FirstName != nil {
		first = account.Name(&f, "firstName", *in.FirstName, true)
	}
	if in.LastName != nil {
		last = account.Name(&f, "lastName", *in.LastName, true)
	}
	if in.Locale != nil && !account.ValidLocale(*in.Locale) {
		f.Add(account.InvalidLocale("locale"))
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	p, err := s.Profile(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	if ifMatch != 0 && ifMatch != p.Version {
		return nil, problem.PreconditionFailed
	}
	before := map[string]any{"firstName": p.FirstName, "lastName": p.LastName, "locale": p.Locale}
	if in.FirstName != nil {
		p.FirstName = first
	}
	if in.LastName != nil {
		p.LastName = last
	}
	if in.Locale != nil {
		p.Locale = *in.Locale
	}
	changes := audit.Diff(before, map[string]any{"firstName": p.FirstName, "lastName": p.LastName, "locale": p.Locale})
	if changes == nil {
		return p, nil // nothing to write, nothing to audit
	}

	now := s.Now().UTC()
	prev := p.Version
	p.UpdatedAt, p.Version = now.Format(time.RFC3339), p.Version+1
	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(prev))
	p.Put(tx, &cond, problem.PreconditionFailed)
	ev := audit.New(actor, "staff.update_self", "staff", p.ID, "Updated own profile", now)
	ev.Changes = changes
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	return p, nil
}
