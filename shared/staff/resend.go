package staff

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/tokens"
)

// Resend issues a new invitation link to an invited person. The profile
// points at the new token's hash and the old token is deleted in the same
// transaction, so the old link stops working at once.
// Only owners may act on owners (mayTouchOwner).
func (s *Service) Resend(ctx context.Context, actor audit.Actor, inviterName, id, linkBase string, mayTouchOwner bool) (*Invited, error) {
	p, err := s.Profile(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.HasRole(auth.OwnerRoleID) && !mayTouchOwner {
		return nil, problem.Forbidden.With("Only owners can act on owners.")
	}
	if p.Status != store.StatusInvited {
		return nil, problem.Conflict.With("Only invited people can get a new invitation.")
	}
	settings, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	expires := now.Add(time.Duration(settings.InvitationTTLHours) * time.Hour).Truncate(time.Second)
	raw, hash := tokens.New()
	oldHash, prev := p.InvitationHash, p.Version
	p.InvitationHash, p.InvitationSentAt, p.InvitationExpires = hash, now.Format(time.RFC3339), expires.Format(time.RFC3339)
	p.UpdatedAt, p.Version = now.Format(time.RFC3339), p.Version+1

	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(prev)).
		And(expression.Name("status").Equal(expression.Value(store.StatusInvited)))
	tx.Put(p.Index(), &cond, problem.Conflict.With("The person changed meanwhile; try again."))
	if oldHash != "" {
		tx.Delete(store.TokenKey(oldHash), nil, nil)
	}
	queueInvitation(tx, p, hash, raw, inviterName, settings.ShopName, linkBase, now, expires)
	audit.New(actor, "staff.resend_invitation", "staff", p.ID, "Sent a new invitation to "+p.Email, now, retention(settings)).Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	return &Invited{Staff: viewOf(p, nil, now), ExpiresAt: expires}, nil
}

// ByEmail finds the staff member holding an address, or problem.NotFound.
func (s *Service) ByEmail(ctx context.Context, email string) (*store.Staff, error) {
	var claim store.EmailClaim
	if err := s.Store.Get(ctx, store.EmailKey(store.RealmStaff, email), &claim, true); err != nil {
		if err == store.ErrNotFound {
			return nil, problem.NotFound
		}
		return nil, err
	}
	return s.Profile(ctx, claim.PersonID)
}
