package roles

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// chunk is how many members leave the role per transaction (each costs
// three items: profile, auth record, member item).
const chunk = 25

// maxRounds bounds one request's work well inside API Gateway's 30 s.
const maxRounds = 200

// Delete removes a custom role and takes it from every member. First the
// role is marked deleting, which ends the permissions it gave on the very
// next request of each member; then members leave it in chunked
// transactions, each consistent on its own; then the role goes. A failure
// part-way leaves the role marked, and repeating DELETE resumes.
//
// ifMatch (0 for none) is the version the caller saw: a role changed since
// is not deleted (412). A role already being deleted resumes whatever the
// version, so a retry of the same request completes.
func (s *Service) Delete(ctx context.Context, actor audit.Actor, id string, ifMatch int64) error {
	r, err := s.role(ctx, id)
	if err != nil {
		return err
	}
	if r.BuiltIn {
		return problem.BuiltinRole.With("Built-in roles can not be deleted.")
	}
	if ifMatch != 0 && !r.Deleting && ifMatch != r.Version {
		return problem.PreconditionFailed
	}
	if !r.Deleting {
		if err := s.markDeleting(ctx, actor, r); err != nil {
			return err
		}
	}
	for rounds := 0; ; rounds++ {
		if rounds == maxRounds {
			return fmt.Errorf("role %s: members still left after %d rounds; DELETE again resumes", r.ID, rounds)
		}
		members, err := s.members(ctx, r.ID)
		if err != nil {
			return err
		}
		if len(members) == 0 {
			break
		}
		if err := s.removeFrom(ctx, r.ID, members); err != nil {
			return err
		}
	}
	tx := s.Store.Tx()
	tx.Delete(store.RoleKey(r.ID), nil, nil)
	tx.Delete(store.RoleNameKey(text.Fold(r.Name)), nil, nil)
	return s.Store.Write(ctx, tx)
}

func (s *Service) markDeleting(ctx context.Context, actor audit.Actor, r *store.Role) error {
	now := s.Now().UTC()
	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(r.Version))
	tx.Update(store.RoleKey(r.ID), expression.Set(expression.Name("deleting"), expression.Value(true)).
		Set(expression.Name("updatedAt"), expression.Value(now.Format(time.RFC3339))).
		Add(expression.Name("version"), expression.Value(1)), &cond, problem.PreconditionFailed)
	ev := audit.New(actor, "role.delete", "role", r.ID, fmt.Sprintf("Deleted role %s (%d members)", r.Name, r.MemberCount), now)
	ev.Changes = audit.Diff(snapshot(r), nil)
	ev.Add(tx)
	return s.Store.Write(ctx, tx)
}

// members lists up to one chunk of the role's member ids.
func (s *Service) members(ctx context.Context, roleID string) ([]string, error) {
	k := store.RoleMemberKey(roleID, "")
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key("pk").Equal(expression.Value(k.PK)).And(expression.Key("sk").BeginsWith(k.SK))).Build()
	if err != nil {
		return nil, err
	}
	out, err := s.Store.DB.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.Store.Table, KeyConditionExpression: expr.KeyCondition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		Limit: aws.Int32(chunk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("role members: %w", err)
	}
	ids := make([]string, 0, len(out.Items))
	for _, item := range out.Items {
		var m store.RoleMember
		if err := store.Unmarshal(item, &m); err != nil {
			return nil, err
		}
		ids = append(ids, m.PersonID)
	}
	return ids, nil
}

// removeFrom takes the role from a chunk of members in one transaction. A
// profile changed meanwhile fails the version check; the caller's loop
// reads it again.
func (s *Service) removeFrom(ctx context.Context, roleID string, personIDs []string) error {
	keys := make([]store.Key, len(personIDs))
	for i, id := range personIDs {
		keys[i] = store.StaffKey(id)
	}
	found, err := s.Store.BatchGet(ctx, keys, true)
	if err != nil {
		return err
	}
	now := s.Now().UTC().Format(time.RFC3339)
	authExists := expression.AttributeExists(expression.Name("pk"))
	tx := s.Store.Tx()
	for _, id := range personIDs {
		tx.Delete(store.RoleMemberKey(roleID, id), nil, nil)
		raw, ok := found[store.StaffKey(id)]
		if !ok {
			continue // a member item left by a deleted person
		}
		var p store.Staff
		if err := store.Unmarshal(raw, &p); err != nil {
			return err
		}
		prev := p.Version
		p.RoleIDs = slices.DeleteFunc(p.RoleIDs, func(r string) bool { return r == roleID })
		p.UpdatedAt, p.Version = now, p.Version+1
		cond := expression.Name("version").Equal(expression.Value(prev))
		tx.Put(p.Index(), &cond, nil)
		if p.Sub != "" {
			// Only an existing auth record is updated: an UpdateItem on a
			// missing key would create a stub AUTH# item. Every flow writes
			// and removes a profile's sub together with its auth record (the
			// accept, the delete), and the profile's version condition above
			// holds this transaction to the profile read, so the record
			// exists; should it not, the chunk stops with an error of its own
			// (not the conflict the loop reads again) and writes nothing.
			tx.Update(store.AuthKey(p.Sub), expression.Set(expression.Name("roleIds"), expression.Value(p.RoleIDs)),
				&authExists, fmt.Errorf("role %s: member %s names sub %s, which has no auth record", roleID, p.ID, p.Sub))
		}
	}
	err = s.Store.Write(ctx, tx)
	if errors.Is(err, problem.Conflict) {
		return nil // someone changed a member meanwhile: the loop reads again
	}
	return err
}

// Catalogue answers GET /permissions.
func Catalogue() []auth.PermissionInfo { return auth.Catalogue }
