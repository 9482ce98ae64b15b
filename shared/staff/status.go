package staff

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// target loads the person a caller acts on and applies the rules every
// action on another person shares: a valid id, not oneself (where that is
// refused), the caller covers the person (mayActOn), and If-Match.
func (s *Service) target(ctx context.Context, caller *auth.Caller, id string, ifMatch int64, selfAllowed bool) (*store.Staff, error) {
	p, _, err := s.pinnedTarget(ctx, caller, id, ifMatch, selfAllowed)
	return p, err
}

// pinnedTarget is target with the versions of the roles mayActOn read, for
// a write that hands the account over to condition on them (pins).
func (s *Service) pinnedTarget(ctx context.Context, caller *auth.Caller, id string, ifMatch int64, selfAllowed bool) (*store.Staff, pins, error) {
	if !ids.Valid(id) {
		return nil, nil, problem.NotFound
	}
	if id == caller.PersonID && !selfAllowed {
		return nil, nil, problem.SelfAction
	}
	p, err := s.Profile(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	pinned, err := s.covers(ctx, caller, p)
	if err != nil {
		return nil, nil, err
	}
	if ifMatch != 0 && ifMatch != p.Version {
		return nil, nil, problem.PreconditionFailed
	}
	return p, pinned, nil
}

// mayActOn refuses (403) an action of caller on p unless caller holds every
// permission of p's roles (auth.Caller.CheckActOn): whoever can edit,
// re-address, deactivate, delete, reset or re-invite a person can take over
// their account, so that needs what granting their roles needs. Only owners
// act on owners. Roles the caller holds too are not read: their permissions
// are the caller's. A nil caller is the system (setup, scripts).
func (s *Service) mayActOn(ctx context.Context, caller *auth.Caller, p *store.Staff) error {
	_, err := s.covers(ctx, caller, p)
	return err
}

// covers is mayActOn answering the versions of the roles it read (pins),
// for the write that follows to condition on.
func (s *Service) covers(ctx context.Context, caller *auth.Caller, p *store.Staff) (pins, error) {
	if caller == nil || caller.IsOwner() {
		return nil, nil
	}
	if p.HasRole(auth.OwnerRoleID) {
		return nil, problem.Forbidden.With("Only owners can act on owners.")
	}
	var keys []store.Key
	for _, id := range p.RoleIDs {
		if !slices.Contains(caller.RoleIDs, id) {
			keys = append(keys, store.RoleKey(id))
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	items, err := s.Store.BatchGet(ctx, keys, true)
	if err != nil {
		return nil, err
	}
	var pinned pins
	roles := make([]store.Role, 0, len(keys))
	for _, k := range keys {
		var r store.Role
		if account.DecodeFound(items, k, &r) == nil && !r.Deleting {
			roles = append(roles, r) // a role deleted meanwhile grants nothing
			pinned.pin(r)
		}
	}
	return pinned, caller.CheckActOn(roles)
}

// Deactivate ends a person's access at once: status, tokensNotBefore and
// the seat change in DynamoDB first (every token and session is refused from
// the next request on), then Cognito disables the user and signs them out.
// Repeating it on an inactive person repeats only the Cognito steps, so a
// failure there is mended by a retry.
func (s *Service) Deactivate(ctx context.Context, caller *auth.Caller, actor audit.Actor, id string, ifMatch int64) (*View, error) {
	p, err := s.target(ctx, caller, id, ifMatch, false)
	if err != nil {
		return nil, err
	}
	switch p.Status {
	case store.StatusInactive:
	case store.StatusActive:
		if err := s.setStatus(ctx, actor, p, store.StatusInactive); err != nil {
			return nil, err
		}
	default:
		return nil, problem.Conflict.With("Only active people can be deactivated; delete an invitation instead.")
	}
	if err := s.Dir.Disable(ctx, account.UserOf(&p.Person)); err != nil {
		return nil, err
	}
	if err := s.Dir.SignOutEverywhere(ctx, account.UserOf(&p.Person)); err != nil {
		return nil, err
	}
	return s.viewWithRoles(ctx, p)
}

// Activate gives an inactive person access again; it takes a seat.
func (s *Service) Activate(ctx context.Context, caller *auth.Caller, actor audit.Actor, id string, ifMatch int64) (*View, error) {
	p, err := s.target(ctx, caller, id, ifMatch, false)
	if err != nil {
		return nil, err
	}
	switch p.Status {
	case store.StatusActive:
	case store.StatusInactive:
		if err := s.setStatus(ctx, actor, p, store.StatusActive); err != nil {
			return nil, err
		}
	default:
		return nil, problem.Conflict.With("Only inactive people can be activated.")
	}
	if err := s.Dir.Enable(ctx, account.UserOf(&p.Person)); err != nil {
		return nil, err
	}
	return s.viewWithRoles(ctx, p)
}

// setStatus moves an active person to inactive or back in one transaction:
// profile and member items, auth record, seat and owner counters, audit.
func (s *Service) setStatus(ctx context.Context, actor audit.Actor, p *store.Staff, status string) error {
	now := s.Now().UTC()
	prevStatus, prevVersion := p.Status, p.Version
	p.Status, p.UpdatedAt, p.Version = status, now.Format(time.RFC3339), p.Version+1

	tx := s.Store.Tx()
	unchanged := expression.Name("version").Equal(expression.Value(prevVersion))
	p.Put(tx, &unchanged, problem.PreconditionFailed) // member items move to the new status partition too

	authUpdate := expression.Set(expression.Name("status"), expression.Value(status))
	if status == store.StatusInactive {
		authUpdate = authUpdate.Set(expression.Name("tokensNotBefore"), expression.Value(now.Unix()))
	}
	if p.Sub != "" {
		tx.Update(store.AuthKey(p.Sub), authUpdate, existsCond(), nil)
	}

	owner := p.HasRole(auth.OwnerRoleID)
	action := "staff.deactivate"
	if status == store.StatusInactive {
		freeSeat(tx, owner)
	} else {
		action = "staff.activate"
		cond := expression.Name("seatsUsed").LessThan(expression.Name("seatLimit"))
		update := expression.Add(expression.Name("seatsUsed"), expression.Value(1))
		if owner {
			update = update.Add(expression.Name("activeOwners"), expression.Value(1))
		}
		tx.Update(store.SettingsKey(), update, &cond, problem.SeatLimitReached)
	}
	ev := audit.New(actor, action, "staff", p.ID, fmt.Sprintf("%s → %s: %s", prevStatus, status, p.Email), now)
	ev.Changes = audit.Diff(map[string]any{"status": prevStatus}, map[string]any{"status": status})
	ev.Add(tx)
	return s.Store.Write(ctx, tx)
}

// freeSeat gives back the seat of a person who stops counting, and for an
// owner the owner count too, refused (last_owner) when it is the last one.
func freeSeat(tx *store.Tx, owner bool) {
	update := expression.Add(expression.Name("seatsUsed"), expression.Value(-1))
	var cond *expression.ConditionBuilder
	if owner {
		update = update.Add(expression.Name("activeOwners"), expression.Value(-1))
		c := expression.Name("activeOwners").GreaterThan(expression.Value(1))
		cond = &c
	}
	tx.Update(store.SettingsKey(), update, cond, problem.LastOwner)
}
