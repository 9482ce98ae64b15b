// Package account holds what staff members and customers share: accepting
// an invitation, new invitation links, forgotten, reset and changed
// passwords, and changes of the sign-in address that the new address
// confirms (email.go). One Service serves one realm; a function learns its realm from
// its configuration (REALM), so both realms run the same code and differ
// only in the user pool, the items and the pages' links.
package account

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/auth"
	"backoffice/shared/directory"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Realm is what differs between staff and customers in the shared flows.
type Realm struct {
	// Name is store.RealmStaff or store.RealmCustomer. It is also the audit
	// target type and the prefix of audit actions ("customer.accept_invitation").
	Name string
	// Pool is the prefix of the user pool's environment variables
	// (STAFF_POOL_ID, CUSTOMER_POOL_ID …).
	Pool string
	// linkQuery tells the pages which API to call ("?for=customer").
	linkQuery string
	// newProfile is an empty profile of the realm to decode into.
	newProfile func() store.Account
	// activated adds the realm's own writes when an invitation is accepted.
	activated func(tx *store.Tx, a store.Account)
}

// Staff is the backoffice users' realm.
var Staff = Realm{
	Name: store.RealmStaff, Pool: "STAFF",
	newProfile: func() store.Account { return &store.Staff{} },
	activated: func(tx *store.Tx, a store.Account) {
		if p := a.(*store.Staff); p.HasRole(auth.OwnerRoleID) {
			tx.Update(store.SettingsKey(), expression.Add(expression.Name("activeOwners"), expression.Value(1)), nil, nil)
		}
	},
}

// Customer is the customer accounts' realm.
var Customer = Realm{
	Name: store.RealmCustomer, Pool: "CUSTOMER", linkQuery: "?for=customer",
	newProfile: func() store.Account { return &store.Customer{} },
	activated:  func(*store.Tx, store.Account) {},
}

// RealmFromEnv is the realm named by REALM ("customer"; anything else is staff).
func RealmFromEnv() Realm {
	if os.Getenv("REALM") == store.RealmCustomer {
		return Customer
	}
	return Staff
}

// Action names an audit action of the realm, e.g. "staff.password_reset".
func (r Realm) Action(verb string) string { return r.Name + "." + verb }

// Page is the address of a page behind a mail link (accept-invitation,
// reset-password, confirm-email) for this realm, without the token: the
// mail sender appends "#token=<raw>", derived from the mail's id
// (outbox.Link), so no item holds the token.
func (r Realm) Page(base, page string) string {
	return base + "/" + page + r.linkQuery
}

// Service runs the shared flows for one realm.
type Service struct {
	Store *store.Store
	Dir   directory.Directory // nil for functions that never call Cognito
	Realm Realm
	Now   func() time.Time
	// ForgotLimits bound Forgot; zero fields mean DefaultForgotLimits.
	ForgotLimits ForgotLimits
}

// Profile reads a profile of the realm (consistently: answers follow writes).
func (s *Service) Profile(ctx context.Context, id string) (store.Account, error) {
	p := s.Realm.newProfile()
	if err := s.Store.Load(ctx, store.ProfileKey(s.Realm.Name, id), p); err != nil {
		return nil, err
	}
	return p, nil
}

// ByEmail finds the person of the realm whose address email is, or
// problem.NotFound. An address claimed for a change that is not confirmed
// yet is nobody's address.
func (s *Service) ByEmail(ctx context.Context, email string) (store.Account, error) {
	var claim store.EmailClaim
	if err := s.Store.Get(ctx, store.EmailKey(s.Realm.Name, email), &claim, true); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, problem.NotFound
		}
		return nil, err
	}
	a, err := s.Profile(ctx, claim.PersonID)
	if err == nil && a.Base().Email != email {
		return nil, problem.NotFound
	}
	return a, err
}

// Settings reads the shop's settings.
func Settings(ctx context.Context, db *store.Store) (*store.Settings, error) {
	var st store.Settings
	if err := db.Get(ctx, store.SettingsKey(), &st, false); err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	return &st, nil
}

// Locales the backoffice and its mails speak.
var Locales = []string{"nl", "en", "de"}

// InvalidLocale is the field error of a locale that is not one of Locales.
func InvalidLocale(field string) problem.FieldError {
	return problem.NotOneOf(field, Locales...)
}

// ValidLocale reports whether l is one of Locales.
func ValidLocale(l string) bool {
	for _, x := range Locales {
		if x == l {
			return true
		}
	}
	return false
}

// Name validates a first or last name (or any one-line text of up to max
// characters) and returns it cleaned.
func Name(f *problem.Fields, field, value string, required bool) string {
	return Line(f, field, value, required, 100)
}

// Line validates one line of text of at most max characters.
func Line(f *problem.Fields, field, value string, required bool, max int) string {
	if text.HasControl(value) {
		f.Add(problem.ControlCharacters(field))
		return ""
	}
	v := text.CleanLine(value)
	switch {
	case v == "" && required:
		f.Add(problem.Required(field))
	case len([]rune(v)) > max:
		f.Add(problem.TooLong(field, max))
	}
	return v
}

// UserOf names p's Cognito user in directory calls (store.Person.CognitoUser:
// the username, or the sub of a person who accepted before usernames were
// kept); never the address.
func UserOf(p *store.Person) directory.Username { return directory.Username(p.CognitoUser()) }

// FullName is how a person is named in mails.
func FullName(p *store.Person) string {
	return fmt.Sprintf("%s %s", p.FirstName, p.LastName)
}

func existsCond() *expression.ConditionBuilder {
	c := expression.AttributeExists(expression.Name("pk"))
	return &c
}
