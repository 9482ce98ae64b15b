package staff

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/tokens"
)

// Inspection is what the accept page shows before the password is set.
type Inspection struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	ExpiresAt string `json:"expiresAt"`
	Kind      string `json:"kind"`
}

// claimTimeout frees a claim whose accept died half-way (a crashed function
// can not release it), so the link works again after that long.
const claimTimeout = 2 * time.Minute

// Inspect tells who an invitation is for; it consumes nothing, so mail
// scanners that open links do no harm.
func (s *Service) Inspect(ctx context.Context, raw string) (*Inspection, error) {
	_, p, err := s.liveInvitation(ctx, raw)
	if err != nil {
		return nil, err
	}
	return &Inspection{Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, ExpiresAt: p.InvitationExpires, Kind: store.TokenInvitation}, nil
}

// liveInvitation finds the token and its person, or answers invalid_token
// for unknown, used, expired and replaced tokens alike.
func (s *Service) liveInvitation(ctx context.Context, raw string) (*store.Token, *store.Staff, error) {
	if !tokens.WellFormed(raw) {
		return nil, nil, problem.InvalidToken
	}
	hash := tokens.Hash(raw)
	var tok store.Token
	err := s.Store.Get(ctx, store.TokenKey(hash), &tok, true)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, problem.InvalidToken
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	exp, _ := time.Parse(time.RFC3339, tok.ExpiresAt)
	if tok.Kind != store.TokenInvitation || tok.Realm != store.RealmStaff || tok.UsedAt != "" || !now.Before(exp) {
		return nil, nil, problem.InvalidToken
	}
	p, err := s.Profile(ctx, tok.SubjectID)
	if errors.Is(err, problem.NotFound) {
		return nil, nil, problem.InvalidToken
	}
	if err != nil {
		return nil, nil, err
	}
	if p.Status != store.StatusInvited || p.InvitationHash != hash {
		return nil, nil, problem.InvalidToken
	}
	return &tok, p, nil
}

// AcceptInput is what the accept page posts.
type AcceptInput struct {
	Token     string  `json:"token"`
	Password  string  `json:"password"`
	FirstName *string `json:"firstName,omitempty"`
	LastName  *string `json:"lastName,omitempty"`
}

// Accept turns an invitation into an active account. The token is claimed
// first with a conditional write, so of two parallel accepts only one goes
// on; then the Cognito user is made (or a leftover one reused) with the
// password; then one transaction activates the person, writes the auth
// record, consumes the token and audits. Any failure after the claim
// releases it, so the same link can be retried.
func (s *Service) Accept(ctx context.Context, in AcceptInput, client audit.Actor) error {
	if err := directory.CheckPassword("password", in.Password); err != nil {
		return err // checked first: a weak password leaves the token untouched
	}
	var f problem.Fields
	first, last := "", ""
	if in.FirstName != nil {
		first = name(&f, "firstName", *in.FirstName, true)
	}
	if in.LastName != nil {
		last = name(&f, "lastName", *in.LastName, true)
	}
	if err := f.Err(); err != nil {
		return err
	}
	tok, p, err := s.liveInvitation(ctx, in.Token)
	if err != nil {
		return err
	}
	claimID := ids.New()
	if err := s.claim(ctx, tok, claimID); err != nil {
		return err
	}
	if err := s.activate(ctx, tok, p, claimID, in.Password, first, last, client); err != nil {
		s.release(ctx, tok, claimID)
		return err
	}
	return nil
}

func (s *Service) claim(ctx context.Context, tok *store.Token, claimID string) error {
	now := s.Now()
	stale := now.Add(-claimTimeout).Format(time.RFC3339)
	free := expression.AttributeNotExists(expression.Name("claimId")).
		Or(expression.Name("claimedAt").LessThan(expression.Value(stale)))
	cond := expression.AttributeExists(expression.Name("pk")).
		And(expression.AttributeNotExists(expression.Name("usedAt"))).
		And(free)
	tx := s.Store.Tx()
	tx.Update(store.Key{PK: tok.PK, SK: tok.SK},
		expression.Set(expression.Name("claimId"), expression.Value(claimID)).
			Set(expression.Name("claimedAt"), expression.Value(now.Format(time.RFC3339))),
		&cond, problem.InvalidToken)
	return s.Store.Write(ctx, tx)
}

// release frees the claim after a failure. Failing to release is logged by
// nothing here on purpose: the claim also expires after claimTimeout.
func (s *Service) release(ctx context.Context, tok *store.Token, claimID string) {
	cond := expression.Name("claimId").Equal(expression.Value(claimID))
	tx := s.Store.Tx()
	tx.Update(store.Key{PK: tok.PK, SK: tok.SK},
		expression.Remove(expression.Name("claimId")).Remove(expression.Name("claimedAt")), &cond, nil)
	_ = s.Store.Write(context.WithoutCancel(ctx), tx)
}

func (s *Service) activate(ctx context.Context, tok *store.Token, p *store.Staff, claimID, password, first, last string, client audit.Actor) error {
	sub, err := s.Dir.EnsureUser(ctx, p.Email)
	if err != nil {
		return err
	}
	if err := s.Dir.SetPassword(ctx, p.Email, password); err != nil {
		return err
	}

	now := s.Now().UTC()
	before := map[string]any{"status": p.Status, "firstName": p.FirstName, "lastName": p.LastName}
	prevVersion := p.Version
	p.Status, p.Sub, p.UpdatedAt, p.Version = store.StatusActive, sub, now.Format(time.RFC3339), p.Version+1
	p.InvitationHash, p.InvitationSentAt, p.InvitationExpires = "", "", ""
	if first != "" {
		p.FirstName = first
	}
	if last != "" {
		p.LastName = last
	}
	after := map[string]any{"status": p.Status, "firstName": p.FirstName, "lastName": p.LastName}

	tx := s.Store.Tx()
	unchanged := expression.Name("version").Equal(expression.Value(prevVersion)).
		And(expression.Name("status").Equal(expression.Value(store.StatusInvited)))
	tx.Put(p.Index(), &unchanged, problem.InvalidToken)
	putMembers(tx, p)
	tx.Put(store.NewAuth(sub, store.RealmStaff, p.ID, p.Email, store.StatusActive, p.RoleIDs), nil, nil)
	mine := expression.Name("claimId").Equal(expression.Value(claimID))
	tx.Update(store.Key{PK: tok.PK, SK: tok.SK},
		expression.Set(expression.Name("usedAt"), expression.Value(now.Format(time.RFC3339))), &mine, problem.InvalidToken)
	if p.HasRole(auth.OwnerRoleID) {
		tx.Update(store.SettingsKey(), expression.Add(expression.Name("activeOwners"), expression.Value(1)), nil, nil)
	}
	actor := client
	actor.ID, actor.Email = p.ID, p.Email
	ev := audit.New(actor, "staff.accept_invitation", "staff", p.ID, "Accepted the invitation", now, 0)
	ev.Changes = audit.Diff(before, after)
	ev.Add(tx)
	return s.Store.Write(ctx, tx)
}
