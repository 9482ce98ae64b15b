package staff

import (
	"context"
	"slices"
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

// Update is PATCH /staff/{id}; absent fields stay as they are.
type Update struct {
	FirstName *string   `json:"firstName,omitempty"`
	LastName  *string   `json:"lastName,omitempty"`
	Email     *string   `json:"email,omitempty"`
	Locale    *string   `json:"locale,omitempty"`
	RoleIDs   *[]string `json:"roleIds,omitempty"`
}

// maxRoles bounds a person's roles so a change fits one transaction.
const maxRoles = 20

func (u *Update) validate() error {
	var f problem.Fields
	if u.FirstName != nil {
		v := account.Name(&f, "firstName", *u.FirstName, true)
		u.FirstName = &v
	}
	if u.LastName != nil {
		v := account.Name(&f, "lastName", *u.LastName, true)
		u.LastName = &v
	}
	if u.Email != nil {
		v, err := text.Email(*u.Email)
		if err != nil {
			f.Add(problem.InvalidEmail("email"))
		}
		u.Email = &v
	}
	if u.Locale != nil && !account.ValidLocale(*u.Locale) {
		f.Add(account.InvalidLocale("locale"))
	}
	if u.RoleIDs != nil {
		seen := map[string]bool{}
		for _, r := range *u.RoleIDs {
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
		if len(*u.RoleIDs) > maxRoles {
			f.Add(problem.TooMany("roleIds", maxRoles))
		}
	}
	return f.Err()
}

// UpdateAs applies a PATCH by caller, who must cover the person
// (mayActOn). Changing roles needs roles.assign and may only hand out roles
// within the caller's own permissions; the owner role is given and taken
// only by owners, and the last active owner keeps it. A new email is the
// person's sign-in address: for someone who has signed in it waits for the
// new address's confirmation (account.SetEmail), and Cognito is not asked
// anything here. linkBase is where the mails' links point.
func (s *Service) UpdateAs(ctx context.Context, caller *auth.Caller, actor audit.Actor, id string, u Update, ifMatch int64, linkBase string) (*View, error) {
	if err := u.validate(); err != nil {
		return nil, err
	}
	p, pinned, err := s.pinnedTarget(ctx, caller, id, ifMatch, true)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, caller, actor, p, pinned, u, linkBase)
}

// update applies a validated PATCH to a profile the caller has loaded
// through pinnedTarget. The transaction holds only if every role the
// permission checks read (pinned, and the roles being given) still has the
// version read.
func (s *Service) update(ctx context.Context, caller *auth.Caller, actor audit.Actor, p *store.Staff, pinned pins, u Update, linkBase string) (*View, error) {
	if p.Status == store.StatusDeleting {
		return nil, problem.NotFound
	}
	before := snapshot(p)
	prevRoles, prevVersion := slices.Clone(p.RoleIDs), p.Version
	now := s.Now().UTC()

	if u.FirstName != nil {
		p.FirstName = *u.FirstName
	}
	if u.LastName != nil {
		p.LastName = *u.LastName
	}
	if u.Locale != nil {
		p.Locale = *u.Locale
	}
	var email *account.EmailChange
	if u.Email != nil {
		var err error
		if email, err = s.accounts().SetEmail(&p.Person, *u.Email, now); err != nil {
			return nil, err
		}
	}
	var added, removed []string
	if u.RoleIDs != nil {
		added, removed = diffRoles(prevRoles, *u.RoleIDs)
		if len(added)+len(removed) > 0 {
			if err := s.checkRoleChange(ctx, caller, added, removed, &pinned); err != nil {
				return nil, err
			}
		}
		p.RoleIDs = slices.Clone(*u.RoleIDs)
	}
	changes := audit.Diff(before, snapshot(p))
	if changes == nil {
		return s.viewWithRoles(ctx, p)
	}

	p.UpdatedAt, p.Version = now.Format(time.RFC3339), p.Version+1
	tx := s.Store.Tx()
	if email != nil {
		m, err := s.mailing(ctx, caller, linkBase)
		if err != nil {
			return nil, err
		}
		// Before the profile: it may give p a new invitation.
		if err := s.accounts().Write(tx, &p.Person, email, m); err != nil {
			return nil, err
		}
	}
	cond := expression.Name("version").Equal(expression.Value(prevVersion))
	p.Put(tx, &cond, problem.PreconditionFailed)
	s.changeRoles(tx, p, added, removed, pinned)
	pinned.check(tx)
	ev := audit.New(actor, "staff.update", "staff", p.ID, "Updated "+p.Email, now)
	ev.Changes = changes
	ev.Add(tx)
	if tx.Len() > 100 {
		return nil, problem.Invalid(problem.TooManyChanges("roleIds"))
	}
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	return s.viewWithRoles(ctx, p)
}

// mailing is what the mails of an address change need: the shop's
// settings and, for a new invitation, the caller's name.
func (s *Service) mailing(ctx context.Context, caller *auth.Caller, linkBase string) (account.Mailing, error) {
	keys := []store.Key{store.SettingsKey(), store.StaffKey(caller.PersonID)}
	items, err := s.Store.BatchGet(ctx, keys, false)
	if err != nil {
		return account.Mailing{}, err
	}
	var settings store.Settings
	if err := account.DecodeFound(items, store.SettingsKey(), &settings); err != nil {
		return account.Mailing{}, err
	}
	m := account.Mailing{LinkBase: linkBase, Settings: &settings}
	var inviter store.Staff
	if account.DecodeFound(items, store.StaffKey(caller.PersonID), &inviter) == nil {
		m.InviterName = account.FullName(&inviter.Person)
	}
	return m, nil
}

// checkRoleChange enforces who may give and take which roles. The roles
// given are read consistently and pinned (pins.pinFor): the change is
// written only if they still are what the check saw.
func (s *Service) checkRoleChange(ctx context.Context, caller *auth.Caller, added, removed []string, pinned *pins) error {
	if !caller.Can(auth.RolesAssign) {
		return problem.Forbidden.With("Changing roles needs the roles.assign permission.")
	}
	if slices.Contains(removed, auth.OwnerRoleID) && !caller.IsOwner() {
		return problem.Forbidden.With("Only owners can take the owner role away.")
	}
	keys := make([]store.Key, len(added))
	for i, id := range added {
		keys[i] = store.RoleKey(id)
	}
	items, err := s.Store.BatchGet(ctx, keys, true)
	if err != nil {
		return err
	}
	roles, err := rolesFound(items, added)
	if err != nil {
		return err
	}
	for _, r := range roles {
		pinned.pinFor(caller, r)
	}
	return caller.CheckGrant(roles)
}

// changeRoles adds to tx what follows from a role change: member items of
// removed roles go, member counts follow, the auth record's role list
// follows (permissions change on the very next request), and the owner
// counter follows for an active person. The role items written carry
// their pins (a role item may appear only once in a transaction).
func (s *Service) changeRoles(tx *store.Tx, p *store.Staff, added, removed []string, pinned pins) {
	for _, id := range added {
		cond, onFail := pinned.cond(id, liveRole(), problem.Invalid(problem.NoSuch("roleIds", "role")))
		tx.Update(store.RoleKey(id), expression.Add(expression.Name("memberCount"), expression.Value(1)), cond, onFail)
	}
	for _, id := range removed {
		tx.Delete(store.RoleMemberKey(id, p.ID), nil, nil)
		// Only an existing role is counted down (an Update would otherwise
		// create a stub item for a role deleted meanwhile).
		cond, onFail := pinned.cond(id, existsCond(), problem.Conflict.With("The role was deleted meanwhile; try again."))
		tx.Update(store.RoleKey(id), expression.Add(expression.Name("memberCount"), expression.Value(-1)), cond, onFail)
	}
	if len(added)+len(removed) == 0 {
		return
	}
	if p.Sub != "" {
		tx.Update(store.AuthKey(p.Sub), expression.Set(expression.Name("roleIds"), expression.Value(p.RoleIDs)), existsCond(), nil)
	}
	if p.Status != store.StatusActive {
		return
	}
	switch {
	case slices.Contains(added, auth.OwnerRoleID):
		tx.Update(store.SettingsKey(), expression.Add(expression.Name("activeOwners"), expression.Value(1)), nil, nil)
	case slices.Contains(removed, auth.OwnerRoleID):
		cond := expression.Name("activeOwners").GreaterThan(expression.Value(1))
		tx.Update(store.SettingsKey(), expression.Add(expression.Name("activeOwners"), expression.Value(-1)), &cond, problem.LastOwner)
	}
}

func diffRoles(before, after []string) (added, removed []string) {
	for _, r := range after {
		if !slices.Contains(before, r) {
			added = append(added, r)
		}
	}
	for _, r := range before {
		if !slices.Contains(after, r) {
			removed = append(removed, r)
		}
	}
	return added, removed
}

// snapshot is what the audit log shows of a person; pendingEmail only
// while a change of address waits for its confirmation.
func snapshot(p *store.Staff) map[string]any {
	m := map[string]any{"firstName": p.FirstName, "lastName": p.LastName, "email": p.Email, "locale": p.Locale, "roleIds": slices.Clone(p.RoleIDs)}
	if p.PendingEmail != "" {
		m["pendingEmail"] = p.PendingEmail
	}
	return m
}
