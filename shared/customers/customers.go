// Package customers holds the rules for customer accounts: the shop's staff
// add, edit, deactivate, delete and invite them; customers sign in to their
// own pool and see only themselves. Invitations, passwords and sessions are
// the flows staff use too (packages account and session, realm customer).
// Every change is one DynamoDB transaction with its audit event.
package customers

import (
	"context"
	"strings"
	"time"

	"backoffice/shared/account"
	"backoffice/shared/directory"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Service applies the customer rules.
type Service struct {
	Store *store.Store
	Dir   directory.Directory // the customer pool; nil for functions that never call Cognito
	Now   func() time.Time
}

func (s *Service) accounts() *account.Service {
	return &account.Service{Store: s.Store, Dir: s.Dir, Realm: account.Customer, Now: s.Now}
}

// View is a customer as the API shows it (infra/openapi.yaml, Customer).
type View struct {
	ID          string         `json:"id"`
	Email       string         `json:"email"`
	FirstName   string         `json:"firstName"`
	LastName    string         `json:"lastName"`
	Company     string         `json:"company,omitempty"`
	Phone       string         `json:"phone,omitempty"`
	VATNumber   string         `json:"vatNumber,omitempty"`
	Address     *store.Address `json:"address,omitempty"`
	Notes       string         `json:"notes,omitempty"`
	Status      string         `json:"status"`
	Locale      string         `json:"locale"`
	CreatedAt   string         `json:"createdAt"`
	UpdatedAt   string         `json:"updatedAt"`
	LastLoginAt string         `json:"lastLoginAt,omitempty"`
	Invitation  *Invitation    `json:"invitation,omitempty"`
	// PendingEmail is a new sign-in address waiting for its confirmation.
	PendingEmail *account.PendingEmailView `json:"pendingEmail,omitempty"`
	Version      int64                     `json:"version"`
}

// Invitation is the state of a pending invitation.
type Invitation struct {
	SentAt    string `json:"sentAt"`
	ExpiresAt string `json:"expiresAt"`
	Expired   bool   `json:"expired"`
}

// ViewOf is the API view of a customer.
func ViewOf(c *store.Customer, now time.Time) View {
	v := View{
		ID: c.ID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName,
		Company: c.Company, Phone: c.Phone, VATNumber: c.VATNumber, Address: c.Address, Notes: c.Notes,
		Status: c.Status, Locale: c.Locale, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		LastLoginAt: c.LastLogin, Version: c.Version, PendingEmail: account.PendingView(&c.Person, now),
	}
	if c.Status == store.StatusInvited && c.InvitationExpires != "" {
		exp, _ := time.Parse(time.RFC3339, c.InvitationExpires)
		v.Invitation = &Invitation{SentAt: c.InvitationSentAt, ExpiresAt: c.InvitationExpires, Expired: !now.Before(exp)}
	}
	return v
}

// Me is what a customer sees of themself: their profile without the shop's
// internal notes.
func Me(c *store.Customer, now time.Time) View {
	v := ViewOf(c, now)
	v.Notes, v.Invitation = "", nil
	return v
}

// Profile reads a customer (consistently: answers follow writes).
func (s *Service) Profile(ctx context.Context, id string) (*store.Customer, error) {
	a, err := s.accounts().Profile(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.(*store.Customer), nil
}

// Fields are the profile fields staff set on create and PATCH; on PATCH a
// nil field is left alone and an empty one clears an optional field.
type Fields struct {
	Email     *string        `json:"email,omitempty"`
	FirstName *string        `json:"firstName,omitempty"`
	LastName  *string        `json:"lastName,omitempty"`
	Company   *string        `json:"company,omitempty"`
	Phone     *string        `json:"phone,omitempty"`
	VATNumber *string        `json:"vatNumber,omitempty"`
	Address   *store.Address `json:"address,omitempty"`
	Notes     *string        `json:"notes,omitempty"`
	Locale    *string        `json:"locale,omitempty"`
}

// The checks below are loops, not regular expressions: compiling those at
// init cost every function linking this package a millisecond of cold start.

// isPhone: an optional leading +, then 3 to 30 digits, spaces and ( ) . / -.
func isPhone(s string) bool {
	s = strings.TrimPrefix(s, "+")
	return len(s) >= 3 && len(s) <= 30 && strings.Trim(s, "0123456789 ()./-") == ""
}

// isVAT: a country code and 2 to 13 letters or digits (already uppercased).
func isVAT(s string) bool {
	return len(s) >= 4 && len(s) <= 15 && isUpperLetters(s[:2]) && strings.Trim(s[2:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
}

// isCountry: an ISO 3166-1 alpha-2 code shape.
func isCountry(s string) bool { return len(s) == 2 && isUpperLetters(s) }

func isUpperLetters(s string) bool {
	return s != "" && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// clean validates the fields that are set and normalises them in place.
// required names the fields a create must have.
func (in *Fields) clean(f *problem.Fields, required bool) {
	if in.Email != nil || required {
		email, err := text.Email(deref(in.Email))
		if err != nil {
			f.Add(problem.InvalidEmail("email"))
		}
		in.Email = &email
	}
	line := func(field string, p **string, req bool, max int) {
		if *p == nil && !req {
			return
		}
		v := account.Line(f, field, deref(*p), req, max)
		*p = &v
	}
	// Names may be changed but never emptied.
	line("firstName", &in.FirstName, required || in.FirstName != nil, 100)
	line("lastName", &in.LastName, required || in.LastName != nil, 100)
	line("company", &in.Company, false, 100)
	line("phone", &in.Phone, false, 30)
	if in.Phone != nil && *in.Phone != "" && !isPhone(*in.Phone) {
		f.Add(problem.InvalidFormat("phone", problem.FormatPhone))
	}
	if in.VATNumber != nil {
		v := strings.ToUpper(strings.NewReplacer(" ", "", ".", "", "-", "").Replace(*in.VATNumber))
		if v != "" && !isVAT(v) {
			f.Add(problem.InvalidFormat("vatNumber", problem.FormatVATNumber))
		}
		in.VATNumber = &v
	}
	if in.Address != nil && *in.Address != (store.Address{}) {
		a := in.Address
		a.Street = account.Line(f, "address.street", a.Street, true, 200)
		a.PostalCode = account.Line(f, "address.postalCode", a.PostalCode, true, 20)
		a.City = account.Line(f, "address.city", a.City, true, 100)
		a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
		if !isCountry(a.Country) {
			f.Add(problem.InvalidFormat("address.country", problem.FormatCountryCode))
		}
	}
	if in.Notes != nil {
		if text.HasControl(strings.NewReplacer("\n", "", "\t", "", "\r", "").Replace(*in.Notes)) {
			f.Add(problem.ControlCharacters("notes"))
		} else if len([]rune(*in.Notes)) > 2000 {
			f.Add(problem.TooLong("notes", 2000))
		}
		n := strings.TrimSpace(strings.ReplaceAll(*in.Notes, "\r\n", "\n"))
		in.Notes = &n
	}
	if in.Locale != nil && !account.ValidLocale(*in.Locale) {
		f.Add(account.InvalidLocale("locale"))
	}
}

// apply copies the set fields onto c.
func (in *Fields) apply(c *store.Customer) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Email, in.Email)
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	set(&c.Company, in.Company)
	set(&c.Phone, in.Phone)
	set(&c.VATNumber, in.VATNumber)
	set(&c.Notes, in.Notes)
	set(&c.Locale, in.Locale)
	switch {
	case in.Address == nil:
	case *in.Address == store.Address{}:
		c.Address = nil // an empty address clears it
	default:
		a := *in.Address
		c.Address = &a
	}
}

// snapshot is what the audit trail compares before and after a change.
func snapshot(c *store.Customer) map[string]any {
	m := map[string]any{
		"email": c.Email, "firstName": c.FirstName, "lastName": c.LastName, "company": c.Company,
		"phone": c.Phone, "vatNumber": c.VATNumber, "notes": c.Notes, "locale": c.Locale, "status": c.Status,
	}
	if c.PendingEmail != "" {
		m["pendingEmail"] = c.PendingEmail
	}
	if c.Address != nil {
		m["address"] = *c.Address
	}
	return m
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
