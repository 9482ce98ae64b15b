package account

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/directory"
	"backoffice/shared/ids"
	"backoffice/shared/outbox"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// WriteProfileChange writes tx, which holds a changed profile p. When the
// email changed, tx also moves the unique email claim and the auth record's
// copy, and a person who has signed in gets their Cognito sign-in address
// moved first; if the transaction then fails, the address is moved back, so
// DynamoDB and Cognito never disagree for longer than the request. The old
// address of a person who has signed in gets a notice in the same
// transaction.
func (s *Service) WriteProfileChange(ctx context.Context, tx *store.Tx, p *store.Person, prevEmail string) error {
	if p.Email == prevEmail {
		return s.Store.Write(ctx, tx)
	}
	tx.Delete(store.EmailKey(s.Realm.Name, prevEmail), nil, nil)
	tx.PutNew(store.NewEmailClaim(s.Realm.Name, p.Email, p.ID), problem.EmailTaken)
	moveLogin := p.Sub != ""
	if !moveLogin {
		return s.Store.Write(ctx, tx)
	}
	tx.Update(store.AuthKey(p.Sub), expression.Set(expression.Name("email"), expression.Value(p.Email)), existsCond(), nil)
	// The old address hears of it: it was proven theirs when they signed
	// up, and a takeover would start with exactly this change.
	now := s.Now().UTC()
	tx.PutNew(outbox.NewItem(ids.New(), "email-changed", p.Locale, prevEmail, s.Realm.mailData(map[string]string{
		"firstName": p.FirstName,
		"email":     prevEmail,
		"newEmail":  p.Email,
		"changedAt": now.Format(time.RFC3339),
	}), now), nil)
	if err := s.Dir.ChangeEmail(ctx, UserOf(p), p.Email); err != nil {
		if errors.Is(err, directory.ErrEmailTaken) {
			return problem.EmailTaken
		}
		return err
	}
	err := s.Store.Write(ctx, tx)
	if err != nil {
		if rerr := s.Dir.ChangeEmail(context.WithoutCancel(ctx), UserOf(p), prevEmail); rerr != nil {
			slog.ErrorContext(ctx, "moving the Cognito email back failed; a retry of the same change mends it", "personId", p.ID, "error", rerr.Error())
		}
	}
	return err
}
