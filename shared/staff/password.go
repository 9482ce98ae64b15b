package staff

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory"
	"backoffice/shared/ids"
	"backoffice/shared/outbox"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
	"backoffice/shared/tokens"
)

// Forgot queues a reset mail when email belongs to an active person and does
// nothing otherwise; the caller answers 202 either way, so the answer tells
// nobody whether an address exists.
func (s *Service) Forgot(ctx context.Context, actor audit.Actor, email, linkBase string) error {
	email, err := text.Email(email)
	if err != nil {
		return problem.Invalid("email", "must be a valid email address")
	}
	p, err := s.ByEmail(ctx, email)
	if errors.Is(err, problem.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Status != store.StatusActive {
		return nil
	}
	settings, err := s.settings(ctx)
	if err != nil {
		return err
	}
	// The actor stays anonymous: anyone can type an address, so the event
	// must not claim the person asked.
	_, err = s.queueReset(ctx, actor, p, settings, linkBase, "Asked for a password reset")
	if errors.Is(err, problem.Conflict) {
		return nil // deactivated meanwhile: no mail, and the same 202
	}
	return err
}

// queueReset makes a reset token for p and queues its mail, in one
// transaction that also replaces any older reset token of p.
func (s *Service) queueReset(ctx context.Context, actor audit.Actor, p *store.Staff, settings *store.Settings, linkBase, summary string) (time.Time, error) {
	now := s.Now().UTC()
	expires := now.Add(time.Duration(settings.ResetTTLMinutes) * time.Minute).Truncate(time.Second)
	raw, hash := tokens.New()
	tx := s.Store.Tx()
	active := expression.Name("status").Equal(expression.Value(store.StatusActive))
	tx.Update(store.StaffKey(p.ID), expression.Set(expression.Name("resetHash"), expression.Value(hash)), &active,
		problem.Conflict.With("Only active people can reset their password."))
	if p.ResetHash != "" {
		tx.Delete(store.TokenKey(p.ResetHash), nil, nil)
	}
	tx.PutNew(newToken(store.TokenReset, hash, p.ID, now, expires), nil)
	tx.PutNew(outbox.NewItem(ids.New(), "password-reset", p.Locale, p.Email, map[string]string{
		"firstName": p.FirstName,
		"shopName":  settings.ShopName,
		"email":     p.Email,
		"link":      linkBase + "/reset-password#token=" + raw,
		"expiresAt": expires.Format(time.RFC3339),
	}, now), nil)
	audit.New(actor, "staff.password_reset_requested", "staff", p.ID, summary, now, retention(settings)).Add(tx)
	return expires, s.Store.Write(ctx, tx)
}

// ResetResult is one line of a bulk reset answer.
type ResetResult struct {
	ID     string `json:"id"`
	Status string `json:"status"` // "queued" or "skipped"
	Reason string `json:"reason,omitempty"`
}

// BulkReset queues reset mails for up to 100 people. Each person is one
// transaction of their own (a shared one would exceed DynamoDB's 100 items),
// run a few at a time; people who are not active are skipped with a reason.
func (s *Service) BulkReset(ctx context.Context, caller *auth.Caller, actor audit.Actor, personIDs []string, linkBase string) ([]ResetResult, error) {
	if len(personIDs) == 0 || len(personIDs) > 100 {
		return nil, problem.Invalid("ids", "must hold 1 to 100 ids")
	}
	seen := map[string]bool{}
	keys := []store.Key{store.SettingsKey()}
	for _, id := range personIDs {
		if seen[id] || !ids.Valid(id) {
			return nil, problem.Invalid("ids", "must be distinct staff ids")
		}
		seen[id] = true
		keys = append(keys, store.StaffKey(id))
	}
	items, err := s.Store.BatchGet(ctx, keys, true)
	if err != nil {
		return nil, err
	}
	var settings store.Settings
	if err := decodeFound(items, store.SettingsKey(), &settings); err != nil {
		return nil, err
	}

	results := make([]ResetResult, len(personIDs))
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	for i, id := range personIDs {
		var p store.Staff
		switch err := decodeFound(items, store.StaffKey(id), &p); {
		case err != nil:
			results[i] = ResetResult{ID: id, Status: "skipped", Reason: "not_found"}
			continue
		case p.Status != store.StatusActive:
			results[i] = ResetResult{ID: id, Status: "skipped", Reason: "not_active"}
			continue
		case p.HasRole(auth.OwnerRoleID) && !caller.IsOwner():
			results[i] = ResetResult{ID: id, Status: "skipped", Reason: "forbidden"}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, p store.Staff) {
			defer func() { <-sem; wg.Done() }()
			_, err := s.queueReset(ctx, actor, &p, &settings, linkBase, "Password reset mail sent by "+actor.Email)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				results[i] = ResetResult{ID: p.ID, Status: "queued"}
			case errors.Is(err, problem.Conflict):
				results[i] = ResetResult{ID: p.ID, Status: "skipped", Reason: "not_active"}
			default:
				failed = err
			}
		}(i, p)
	}
	wg.Wait()
	if failed != nil {
		return nil, fmt.Errorf("bulk reset: %w", failed)
	}
	return results, nil
}

// ResetInput is what the reset page posts.
type ResetInput struct {
	Token       string `json:"token"`
	NewPassword string `json:"newPassword"`
}

// Reset sets a new password with a reset token: single use, checked against
// the person's current reset token, and it ends every session of the person.
func (s *Service) Reset(ctx context.Context, in ResetInput, client audit.Actor) error {
	if err := directory.CheckPassword("newPassword", in.NewPassword); err != nil {
		return err
	}
	if !tokens.WellFormed(in.Token) {
		return problem.InvalidToken
	}
	hash := tokens.Hash(in.Token)
	var tok store.Token
	err := s.Store.Get(ctx, store.TokenKey(hash), &tok, true)
	if errors.Is(err, store.ErrNotFound) {
		return problem.InvalidToken
	}
	if err != nil {
		return err
	}
	exp, _ := time.Parse(time.RFC3339, tok.ExpiresAt)
	if tok.Kind != store.TokenReset || tok.Realm != store.RealmStaff || tok.UsedAt != "" || !s.Now().Before(exp) {
		return problem.InvalidToken
	}
	p, err := s.Profile(ctx, tok.SubjectID)
	if errors.Is(err, problem.NotFound) || err == nil && (p.Status != store.StatusActive || p.ResetHash != hash) {
		return problem.InvalidToken
	}
	if err != nil {
		return err
	}
	claimID := ids.New()
	if err := s.claim(ctx, &tok, claimID); err != nil {
		return err
	}
	if err := s.applyReset(ctx, &tok, p, claimID, in.NewPassword, client); err != nil {
		s.release(ctx, &tok, claimID)
		return err
	}
	return nil
}

func (s *Service) applyReset(ctx context.Context, tok *store.Token, p *store.Staff, claimID, password string, client audit.Actor) error {
	if err := s.Dir.SetPassword(ctx, p.Email, password); err != nil {
		if pe, ok := problem.As(err); ok && len(pe.Fields) > 0 {
			return problem.Invalid("newPassword", pe.Fields[0].Message)
		}
		return err
	}
	now := s.Now().UTC()
	tx := s.Store.Tx()
	mine := expression.Name("claimId").Equal(expression.Value(claimID))
	tx.Update(store.Key{PK: tok.PK, SK: tok.SK},
		expression.Set(expression.Name("usedAt"), expression.Value(now.Format(time.RFC3339))), &mine, problem.InvalidToken)
	s.passwordChanged(tx, p, now, client, "staff.password_reset", "Reset the password with a mail link")
	tx.Update(store.StaffKey(p.ID), expression.Remove(expression.Name("resetHash")), existsCond(), nil)
	return s.Store.Write(ctx, tx)
}

// passwordChanged adds what every password change writes: all earlier
// tokens and sessions end (tokensNotBefore), the person gets a notice mail,
// and the audit event.
func (s *Service) passwordChanged(tx *store.Tx, p *store.Staff, now time.Time, actor audit.Actor, action, summary string) {
	tx.Update(store.AuthKey(p.Sub), expression.Set(expression.Name("tokensNotBefore"), expression.Value(now.Unix())), existsCond(), problem.InvalidToken)
	tx.PutNew(outbox.NewItem(ids.New(), "password-changed", p.Locale, p.Email, map[string]string{
		"firstName": p.FirstName,
		"email":     p.Email,
		"changedAt": now.Format(time.RFC3339),
	}, now), nil)
	actor.ID, actor.Email = p.ID, p.Email
	audit.New(actor, action, "staff", p.ID, summary, now, 0).Add(tx)
}

// ChangePassword sets a new password after checking the current one. Every
// earlier session and token of the caller ends; the caller signs in again
// (session.Login) to get fresh tokens.
func (s *Service) ChangePassword(ctx context.Context, caller *auth.Caller, actor audit.Actor, current, next string) error {
	if current == "" {
		return problem.Invalid("currentPassword", "is required")
	}
	if err := directory.CheckPassword("newPassword", next); err != nil {
		return err
	}
	if current == next {
		return problem.Invalid("newPassword", "must differ from the current password")
	}
	p, err := s.Profile(ctx, caller.PersonID)
	if err != nil {
		return err
	}
	check, err := s.Dir.Login(ctx, p.Email, current)
	if errors.Is(err, directory.ErrInvalidCredentials) {
		return problem.Invalid("currentPassword", "is not your current password")
	}
	if err != nil {
		return err
	}
	_ = s.Dir.Revoke(ctx, check.RefreshToken) // that sign-in only proved the password

	if err := s.Dir.SetPassword(ctx, p.Email, next); err != nil {
		if pe, ok := problem.As(err); ok && len(pe.Fields) > 0 {
			return problem.Invalid("newPassword", pe.Fields[0].Message)
		}
		return err
	}
	tx := s.Store.Tx()
	s.passwordChanged(tx, p, s.Now().UTC(), actor, "staff.password_change", "Changed the password")
	return s.Store.Write(ctx, tx)
}
