// Package staff holds the rules for backoffice users: invitations, accepting
// them, and a person's own profile. Every change is one DynamoDB transaction
// that also writes its audit event and, where a mail goes out, its outbox item.
package staff

import (
	"context"
	"time"

	"backoffice/shared/account"
	"backoffice/shared/auth"
	"backoffice/shared/directory"
	"backoffice/shared/store"
)

// Service applies the staff rules.
type Service struct {
	Store *store.Store
	Dir   directory.Directory // nil for functions that never call Cognito
	Now   func() time.Time
}

// Locales the backoffice and its mails speak.
var Locales = []string{"nl", "en", "de"}

func validLocale(l string) bool {
	for _, x := range Locales {
		if x == l {
			return true
		}
	}
	return false
}

// View is a staff member as the API shows it (infra/openapi.yaml, Staff).
type View struct {
	ID          string         `json:"id"`
	Email       string         `json:"email"`
	FirstName   string         `json:"firstName"`
	LastName    string         `json:"lastName"`
	Status      string         `json:"status"`
	Locale      string         `json:"locale"`
	Roles       []auth.RoleRef `json:"roles"`
	CreatedAt   string         `json:"createdAt"`
	UpdatedAt   string         `json:"updatedAt"`
	LastLoginAt string         `json:"lastLoginAt,omitempty"`
	InvitedBy   string         `json:"invitedBy,omitempty"`
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

// Me is the signed-in person's own view, with effective permissions.
type Me struct {
	ID          string         `json:"id"`
	Email       string         `json:"email"`
	FirstName   string         `json:"firstName"`
	LastName    string         `json:"lastName"`
	Status      string         `json:"status"`
	Locale      string         `json:"locale"`
	Roles       []auth.RoleRef `json:"roles"`
	Permissions []string       `json:"permissions"`
	Version     int64          `json:"version"`
}

func viewOf(p *store.Staff, roles []auth.RoleRef, now time.Time) View {
	if roles == nil {
		roles = []auth.RoleRef{}
	}
	v := View{
		ID: p.ID, Email: p.Email, FirstName: p.FirstName, LastName: p.LastName,
		Status: p.Status, Locale: p.Locale, Roles: roles,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, LastLoginAt: p.LastLogin,
		InvitedBy: p.InvitedBy, Version: p.Version, PendingEmail: account.PendingView(&p.Person, now),
	}
	if p.Status == store.StatusInvited && p.InvitationExpires != "" {
		exp, _ := time.Parse(time.RFC3339, p.InvitationExpires)
		v.Invitation = &Invitation{SentAt: p.InvitationSentAt, ExpiresAt: p.InvitationExpires, Expired: !now.Before(exp)}
	}
	return v
}

// MeOf builds the Me answer from a profile and the caller's loaded roles.
func MeOf(p *store.Staff, roles []auth.RoleRef, permissions []string) Me {
	if roles == nil {
		roles = []auth.RoleRef{}
	}
	return Me{
		ID: p.ID, Email: p.Email, FirstName: p.FirstName, LastName: p.LastName,
		Status: p.Status, Locale: p.Locale, Roles: roles, Permissions: permissions, Version: p.Version,
	}
}

// accounts runs the flows staff share with customers (package account).
func (s *Service) accounts() *account.Service {
	return &account.Service{Store: s.Store, Dir: s.Dir, Realm: account.Staff, Now: s.Now}
}

// Profile reads a staff profile (consistently: answers follow writes).
func (s *Service) Profile(ctx context.Context, id string) (*store.Staff, error) {
	var p store.Staff
	if err := s.Store.Load(ctx, store.StaffKey(id), &p); err != nil {
		return nil, err
	}
	return &p, nil
}
