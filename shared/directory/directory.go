// Package directory keeps passwords and tokens in a user pool behind a small
// interface (package directory/cognito implements it; fakes in tests). Cognito is never asked who may do what (DynamoDB is);
// it only proves who someone is.
package directory

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"backoffice/shared/problem"
)

// Username is a user's Cognito username: made by the pool when the user is
// created (a UUID in pools whose sign-in attribute is email), it never
// changes, and no other user can ever hold it. Every call on one user names
// it by this, never by an address: an address can move to another user, so
// a call by address may act on the wrong person, and "not found" by
// username truly means the user is gone.
type Username string

// User is a user the directory made or found.
type User struct {
	Username Username
	Sub      string // the subject of its tokens (AUTH#<sub>)
}

// Directory is what the domain needs from a user pool.
type Directory interface {
	// EnsureUser creates the user of person personID at email (lowercase),
	// stamped with personID in an attribute only admin calls can write
	// (custom:personId). A user already holding email is reused only when it
	// carries the same person id (an earlier, interrupted accept made it):
	// it is enabled again and every refresh token of it ends. A user of the
	// address that carries no or another person id is ErrForeignUser, and
	// nothing is changed: the caller must never bind it.
	EnsureUser(ctx context.Context, email, personID string) (User, error)
	SetPassword(ctx context.Context, user Username, password string) error
	// Login signs in with the address and password a person typed.
	Login(ctx context.Context, email, password string) (Tokens, error)
	// VerifyPassword tells whether password is user's (ErrInvalidCredentials
	// if not); the sign-in it makes to find out leaves no session behind.
	VerifyPassword(ctx context.Context, user Username, password string) error
	// Refresh mints a new access token from user's refresh token.
	Refresh(ctx context.Context, user Username, refreshToken string) (Tokens, error)
	Revoke(ctx context.Context, refreshToken string) error
	// SignOutEverywhere ends every refresh token of the user; a user that
	// does not exist counts as signed out.
	SignOutEverywhere(ctx context.Context, user Username) error
	// Disable stops the user signing in; a user that does not exist counts
	// as disabled.
	Disable(ctx context.Context, user Username) error
	Enable(ctx context.Context, user Username) error
	// Delete removes the user; a user that does not exist counts as deleted.
	Delete(ctx context.Context, user Username) error
	// ChangeEmail makes newEmail (lowercase) the user's sign-in address,
	// verified. Setting the address the user already has is no error, so a
	// retry succeeds; ErrEmailTaken says another user holds newEmail.
	ChangeEmail(ctx context.Context, user Username, newEmail string) error
}

// ErrEmailTaken is returned by ChangeEmail when another user has the address.
var ErrEmailTaken = errors.New("email taken in the user pool")

// ErrForeignUser is returned by EnsureUser when the pool holds a user at the
// address that was not made for this person.
var ErrForeignUser = errors.New("the user pool holds a user at this address that was not made for this person")

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
		return problem.Invalid(problem.InvalidFormat(field, problem.FormatUTF8))
	case n < MinPasswordLength:
		return problem.Invalid(problem.TooShort(field, MinPasswordLength))
	case n > MaxPasswordLength:
		return problem.Invalid(problem.TooLong(field, MaxPasswordLength))
	case strings.TrimSpace(password) != password:
		return problem.Invalid(problem.InvalidFormat(field, problem.FormatTrimmed))
	}
	return nil
}
