package staff

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/problem"
	"backoffice/shared/session"
	"backoffice/shared/store"
)

// Delete removes a person. An invited person (no Cognito user yet) goes in
// one transaction, which also revokes the invitation and frees the seat.
// Anyone else goes in steps, each safe to repeat: mark deleting (access
// ends, seat and owner counters released, audited), delete the Cognito
// user, delete their sessions, delete the items. A retry after a failure in the middle
// picks up at the Cognito step, so nothing is orphaned.
func (s *Service) Delete(ctx context.Context, caller *auth.Caller, actor audit.Actor, id string, ifMatch int64) error {
	p, err := s.target(ctx, caller, id, ifMatch, false)
	if err != nil {
		return err
	}
	switch p.Status {
	case store.StatusInvited:
		return s.deleteInvited(ctx, actor, p)
	case store.StatusActive, store.StatusInactive:
		if err := s.markDeleting(ctx, actor, p); err != nil {
			return err
		}
	}
	if err := s.Dir.Delete(ctx, account.UserOf(&p.Person)); err != nil {
		return err
	}
	if err := session.DeleteAll(ctx, s.Store, p.ID); err != nil {
		return err
	}
	return s.removeItems(ctx, p, expression.Name("status").Equal(expression.Value(store.StatusDeleting)))
}

func (s *Service) deleteInvited(ctx context.Context, actor audit.Actor, p *store.Staff) error {
	tx := s.Store.Tx()
	s.removeAll(tx, p, expression.Name("version").Equal(expression.Value(p.Version)))
	tx.Update(store.SettingsKey(), expression.Add(expression.Name("seatsUsed"), expression.Value(-1)), nil, nil)
	s.deleteAudit(actor, p).Add(tx)
	return s.Store.Write(ctx, tx)
}

func (s *Service) markDeleting(ctx context.Context, actor audit.Actor, p *store.Staff) error {
	now := s.Now().UTC()
	wasActive, prevVersion := p.Status == store.StatusActive, p.Version
	p.Status, p.UpdatedAt, p.Version = store.StatusDeleting, now.Format(time.RFC3339), p.Version+1

	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(prevVersion))
	p.Put(tx, &cond, problem.PreconditionFailed)
	if p.Sub != "" {
		tx.Update(store.AuthKey(p.Sub), expression.
			Set(expression.Name("status"), expression.Value(store.StatusDeleting)).
			Set(expression.Name("tokensNotBefore"), expression.Value(now.Unix())), existsCond(), nil)
	}
	if wasActive {
		freeSeat(tx, p.HasRole(auth.OwnerRoleID))
	}
	s.deleteAudit(actor, p).Add(tx)
	return s.Store.Write(ctx, tx)
}

func (s *Service) deleteAudit(actor audit.Actor, p *store.Staff) audit.Event {
	// The event keeps who the person was: the profile is about to go.
	ev := audit.New(actor, "staff.delete", "staff", p.ID, "Deleted "+account.FullName(&p.Person)+" <"+p.Email+">", s.Now())
	ev.Changes = audit.Diff(map[string]any{"email": p.Email, "firstName": p.FirstName, "lastName": p.LastName, "roleIds": p.RoleIDs}, nil)
	return ev
}

// removeItems deletes what is left of a person marked deleting.
func (s *Service) removeItems(ctx context.Context, p *store.Staff, cond expression.ConditionBuilder) error {
	tx := s.Store.Tx()
	s.removeAll(tx, p, cond)
	return s.Store.Write(ctx, tx)
}

// removeAll deletes the profile (under cond), email claim, auth record,
// invitation token, a pending change of address and role memberships.
func (s *Service) removeAll(tx *store.Tx, p *store.Staff, cond expression.ConditionBuilder) {
	tx.Delete(store.StaffKey(p.ID), &cond, problem.Conflict.With("The person changed meanwhile; try again."))
	tx.Delete(store.EmailKey(store.RealmStaff, p.Email), nil, nil)
	if p.Sub != "" {
		tx.Delete(store.AuthKey(p.Sub), nil, nil)
	}
	if p.InvitationHash != "" {
		tx.Delete(store.TokenKey(p.InvitationHash), nil, nil)
	}
	s.accounts().DropEmailChange(tx, &p.Person)
	for _, roleID := range p.RoleIDs {
		tx.Delete(store.RoleMemberKey(roleID, p.ID), nil, nil)
		tx.Update(store.RoleKey(roleID), expression.Add(expression.Name("memberCount"), expression.Value(-1)),
			existsCond(), problem.Conflict.With("A role of this person was deleted meanwhile; try again."))
	}
}
