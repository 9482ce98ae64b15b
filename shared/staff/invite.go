package staff

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// InviteInput is what an invitation needs.
type InviteInput struct {
	Email     string   `json:"email"`
	FirstName string   `json:"firstName"`
	LastName  string   `json:"lastName"`
	RoleIDs   []string `json:"roleIds"`
	Locale    string   `json:"locale,omitempty"`
}

func (in *InviteInput) validate() error {
	var f problem.Fields
	email, err := text.Email(in.Email)
	if err != nil {
		f.Add(problem.InvalidEmail("email"))
	}
	in.Email = email
	in.FirstName = account.Name(&f, "firstName", in.FirstName, true)
	in.LastName = account.Name(&f, "lastName", in.LastName, true)
	if in.Locale != "" && !account.ValidLocale(in.Locale) {
		f.Add(account.InvalidLocale("locale"))
	}
	seen := map[string]bool{}
	for _, r := range in.RoleIDs {
		if seen[r] {
			f.Add(problem.Duplicate("roleIds"))
			break
		}
		if r != auth.OwnerRoleID && r != auth.AdminRoleID && !ids.Valid(r) {
			f.Add(problem.NoSuch("roleIds", "role"))
			break
		}
		seen[r] = true
	}
	return f.Err()
}

// Invited is the outcome of an invitation.
type Invited struct {
	Staff     View
	ExpiresAt time.Time
}

// Invite creates an invited person in one transaction: profile, unique email
// claim, seat counter, hashed token, the invitation mail in the outbox, role
// memberships and the audit event. Cognito is not called: the user is made
// when the invitation is accepted.
func (s *Service) Invite(ctx context.Context, actor audit.Actor, inviterName string, in InviteInput, linkBase string) (*Invited, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	settings, err := account.Settings(ctx, s.Store)
	if err != nil {
		return nil, err
	}
	actor.Retention = settings.AuditRetention() // no caller check read it
	return s.invite(ctx, actor, inviterName, in, settings, nil, linkBase)
}

// InviteAs is an invitation made through the API: the caller may only hand
// out roles within their own permissions. The caller's name (for the mail),
// the settings and the roles come in one consistent BatchGetItem, and the
// invitation is written only if each role still has the version checked.
func (s *Service) InviteAs(ctx context.Context, caller *auth.Caller, actor audit.Actor, in InviteInput, linkBase string) (*Invited, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	keys := []store.Key{store.StaffKey(caller.PersonID), store.SettingsKey()}
	for _, id := range in.RoleIDs {
		keys = append(keys, store.RoleKey(id))
	}
	items, err := s.Store.BatchGet(ctx, keys, true)
	if err != nil {
		return nil, err
	}
	var inviter store.Staff
	var settings store.Settings
	if err := account.DecodeFound(items, store.StaffKey(caller.PersonID), &inviter); err != nil {
		return nil, err
	}
	if err := account.DecodeFound(items, store.SettingsKey(), &settings); err != nil {
		return nil, err
	}
	roles, err := rolesFound(items, in.RoleIDs)
	if err != nil {
		return nil, err
	}
	if err := caller.CheckGrant(roles); err != nil {
		return nil, err
	}
	var pinned pins
	for _, r := range roles {
		pinned.pinFor(caller, r)
	}
	inv, err := s.invite(ctx, actor, account.FullName(&inviter.Person), in, &settings, pinned, linkBase)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		inv.Staff.Roles = append(inv.Staff.Roles, auth.RoleRef{ID: r.ID, Name: r.Name})
	}
	return inv, nil
}

func (s *Service) invite(ctx context.Context, actor audit.Actor, inviterName string, in InviteInput, settings *store.Settings, pinned pins, linkBase string) (*Invited, error) {
	if in.Locale == "" {
		in.Locale = settings.DefaultLocale
	}
	now := s.Now().UTC()
	stamp := now.Format(time.RFC3339)
	p := &store.Staff{
		Person: store.Person{
			ID: ids.New(), Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
			Status: store.StatusInvited, Locale: in.Locale, CreatedAt: stamp, UpdatedAt: stamp, Version: 1,
		},
		RoleIDs: nonNil(in.RoleIDs), InvitedBy: actor.ID,
	}
	inv, err := account.NewInvitation(&p.Person, settings, now)
	if err != nil {
		return nil, err
	}
	tx := s.Store.Tx()
	tx.PutNew(p.Index(), problem.Conflict)
	free := store.EmailFree(now) // or held for a change of address that expired
	tx.Put(store.NewEmailClaim(store.RealmStaff, p.Email, p.ID), &free, problem.EmailTaken)
	takeSeat(tx)
	account.Staff.QueueInvitation(tx, &p.Person, inv, inviterName, settings.ShopName, linkBase)
	for _, m := range p.Members() {
		tx.PutNew(m, nil)
		cond, onFail := pinned.cond(m.RoleID, liveRole(), problem.Invalid(problem.NoSuch("roleIds", "role")))
		tx.Update(store.RoleKey(m.RoleID), expression.Add(expression.Name("memberCount"), expression.Value(1)), cond, onFail)
	}
	pinned.check(tx)
	ev := audit.New(actor, "staff.invite", "staff", p.ID, "Invited "+p.Email, now)
	ev.Changes = audit.Diff(nil, snapshot(p))
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	return &Invited{Staff: viewOf(p, nil, now), ExpiresAt: inv.ExpiresAt}, nil
}

// takeSeat counts an invited or active person against the plan's seat limit
// inside the transaction, so parallel invites can never pass it.
func takeSeat(tx *store.Tx) {
	cond := expression.Name("seatsUsed").LessThan(expression.Name("seatLimit"))
	tx.Update(store.SettingsKey(), expression.Add(expression.Name("seatsUsed"), expression.Value(1)), &cond, problem.SeatLimitReached)
}

// liveRole is the condition for joining a role: it exists and is not being
// deleted (a role's deletion takes it from its members in chunks).
func liveRole() *expression.ConditionBuilder {
	c := expression.AttributeExists(expression.Name("pk")).And(expression.AttributeNotExists(expression.Name("deleting")))
	return &c
}

func existsCond() *expression.ConditionBuilder {
	c := expression.AttributeExists(expression.Name("pk"))
	return &c
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// rolesFound decodes the roles ids from a BatchGet answer; a missing one is
// a 422 on roleIds.
func rolesFound(items map[store.Key]map[string]store.AttributeValue, ids []string) ([]store.Role, error) {
	roles := make([]store.Role, 0, len(ids))
	for _, id := range ids {
		var r store.Role
		if err := account.DecodeFound(items, store.RoleKey(id), &r); err != nil || r.Deleting {
			return nil, problem.Invalid(problem.NoSuch("roleIds", "role"))
		}
		roles = append(roles, r)
	}
	return roles, nil
}
