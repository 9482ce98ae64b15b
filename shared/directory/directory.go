// Package directory keeps passwords and tokens in a user pool behind a small
// interface (package directory/cognito implements it; fakes in tests). Cognito is never asked who may do what (DynamoDB is);
// it only proves who someone is.
package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"backoffice/shared/problem"
)

// Directory is what the domain needs from a user pool.
type Directory interface {
	// EnsureUser creates the user for email (lowercase), or enables and
	// reuses one left over from an earlier attempt, and returns its sub.
	EnsureUser(ctx context.Context, email string) (sub string, err error)
	SetPassword(ctx context.Context, email, password string) error
	Login(ctx context.Context, email, password string) (Tokens, error)
	Refresh(ctx context.Context, refreshToken string) (Tokens, error)
	Revoke(ctx context.Context, refreshToken string) error
	SignOutEverywhere(ctx context.Context, email string) error
	Disable(ctx context.Context, email string) error
	Enable(ctx context.Context, email string) error
	// Delete removes the user; a user that does not exist counts as deleted.
	Delete(ctx context.Context, email string) error
	// ChangeEmail moves a user's sign-in address from old to new (verified).
	// A user already at new counts as changed, so a retry succeeds;
	// ErrEmailTaken says another user holds new.
	ChangeEmail(ctx context.Context, old, new string) error
}

// ErrEmailTaken is returned by ChangeEmail when another user has the address.
var ErrEmailTaken = errors.New("email taken in the user pool")

// Tokens are what a login or refresh returns. The id token is dropped: the
// API accepts access tokens only.
type Tokens struct {
	AccessToken  string
	RefreshToken string // empty on refresh
	ExpiresIn    int32
}

// ErrInvalidCredentials covers unknown users, wrong passwords and every
// challenge alike, so callers can not tell them apart.
var ErrInvalidCredentials = errors.New("invalid credentials")

// Password policy, checked before Cognito is called: the emulator does not
// enforce it, and a clear 422 beats a round trip. It matches template.yaml.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// CheckPassword returns a 422 for field when password breaks the policy.
func CheckPassword(field, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return problem.Invalid(field, "is not valid UTF-8")
	case n < MinPasswordLength:
		return problem.Invalid(field, fmt.Sprintf("must be at least %d characters", MinPasswordLength))
	case n > MaxPasswordLength:
		return problem.Invalid(field, fmt.Sprintf("must be at most %d characters", MaxPasswordLength))
	case strings.TrimSpace(password) != password:
		return problem.Invalid(field, "must not start or end with a space")
	}
	return nil
}
