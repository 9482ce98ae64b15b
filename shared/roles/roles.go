// Package roles holds the rules for roles: named sets of permissions with
// the built-in owner (everything, immutable) and admin (editable) roles.
// Nobody can create or edit a role to hold a permission they lack.
package roles

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Service applies the role rules.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

// View is a role as the API shows it.
type View struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	BuiltIn     bool     `json:"builtIn"`
	MemberCount int      `json:"memberCount"`
	CreatedAt   string   `json:"createdAt"`
	UpdatedAt   string   `json:"updatedAt"`
	Version     int64    `json:"version"`
}

func viewOf(r *store.Role) View {
	perms := r.Permissions
	if perms == nil {
		perms = []string{}
	}
	return View{ID: r.ID, Name: r.Name, Description: r.Description, Permissions: perms, BuiltIn: r.BuiltIn,
		MemberCount: max(r.MemberCount, 0), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
}

// ValidID reports whether id can name a role.
func ValidID(id string) bool {
	return id == auth.OwnerRoleID || id == auth.AdminRoleID || ids.Valid(id)
}

// List returns every role, by name: one Query (a shop has few roles).
func (s *Service) List(ctx context.Context) ([]View, error) {
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key("gsi5pk").Equal(expression.Value(store.RolesPartition))).Build()
	if err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName: &s.Store.Table, IndexName: aws.String(store.IndexByOther),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}
	views := []View{}
	for {
		out, err := s.Store.DB.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list roles: %w", err)
		}
		for _, item := range out.Items {
			var r store.Role
			if err := store.Unmarshal(item, &r); err != nil {
				return nil, err
			}
			if !r.Deleting {
				views = append(views, viewOf(&r))
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return views, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// role reads one role; a role being deleted is already gone for the API.
func (s *Service) role(ctx context.Context, id string) (*store.Role, error) {
	if !ValidID(id) {
		return nil, problem.NotFound
	}
	var r store.Role
	if err := s.Store.Load(ctx, store.RoleKey(id), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Get reads one role.
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	r, err := s.role(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Deleting {
		return nil, problem.NotFound
	}
	v := viewOf(r)
	return &v, nil
}

// Input is a role's editable fields; nil keeps a field on update.
type Input struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
}

func (in *Input) validate(create bool) error {
	var f problem.Fields
	if in.Name == nil && create {
		f.Add(problem.Required("name"))
	}
	if in.Name != nil {
		v := text.CleanLine(*in.Name)
		switch {
		case text.HasControl(*in.Name):
			f.Add(problem.ControlCharacters("name"))
		case v == "":
			f.Add(problem.Required("name"))
		case len([]rune(v)) > 60:
			f.Add(problem.TooLong("name", 60))
		}
		in.Name = &v
	}
	if in.Description != nil {
		v := *in.Description
		if text.HasControl(stripNewlines(v)) {
			f.Add(problem.ControlCharacters("description"))
		} else if len([]rune(v)) > 500 {
			f.Add(problem.TooLong("description", 500))
		}
	}
	if in.Permissions == nil && create {
		in.Permissions = &[]string{}
	}
	if in.Permissions != nil {
		seen := map[string]bool{}
		for _, p := range *in.Permissions {
			if seen[p] {
				f.Add(problem.Duplicate("permissions"))
				break
			}
			if !auth.Known(p) {
				f.Add(problem.NoSuch("permissions", "permission (see GET /permissions)"))
				break
			}
			seen[p] = true
		}
	}
	return f.Err()
}

func stripNewlines(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r != '\n' && r != '\r' {
			out = append(out, r)
		}
	}
	return string(out)
}

// mayHold refuses permissions the caller does not hold (no escalation).
func mayHold(caller *auth.Caller, perms []string) error {
	for _, p := range perms {
		if !caller.Can(p) {
			return problem.Forbidden.With("You can not give a role %s: you do not hold it yourself.", p)
		}
	}
	return nil
}

// Create makes a custom role.
func (s *Service) Create(ctx context.Context, caller *auth.Caller, actor audit.Actor, in Input) (*View, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	if err := mayHold(caller, *in.Permissions); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	stamp := now.Format(time.RFC3339)
	r := &store.Role{ID: ids.New(), Name: *in.Name, Permissions: catalogueOrder(*in.Permissions), CreatedAt: stamp, UpdatedAt: stamp, Version: 1}
	if in.Description != nil {
		r.Description = *in.Description
	}
	tx := s.Store.Tx()
	tx.PutNew(r.Index(), problem.Conflict)
	tx.PutNew(nameClaim(r), problem.NameTaken)
	ev := audit.New(actor, "role.create", "role", r.ID, "Created role "+r.Name, now)
	ev.Changes = audit.Diff(nil, snapshot(r))
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	v := viewOf(r)
	return &v, nil
}

func nameClaim(r *store.Role) map[string]any {
	k := store.RoleNameKey(text.Fold(r.Name))
	return map[string]any{"pk": k.PK, "sk": k.SK, "type": "RoleName", "roleId": r.ID, "name": r.Name}
}

func snapshot(r *store.Role) map[string]any {
	return map[string]any{"name": r.Name, "description": r.Description, "permissions": slices.Clone(r.Permissions)}
}

// catalogueOrder sorts permission keys as the catalogue lists them.
func catalogueOrder(perms []string) []string {
	out := []string{}
	for _, p := range auth.AllPermissions() {
		if slices.Contains(perms, p) {
			out = append(out, p)
		}
	}
	return out
}

// Update edits a role. The owner role can not change; permissions added
// must be the caller's own.
func (s *Service) Update(ctx context.Context, caller *auth.Caller, actor audit.Actor, id string, in Input, ifMatch int64) (*View, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	r, err := s.role(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Deleting {
		return nil, problem.NotFound
	}
	if r.ID == auth.OwnerRoleID {
		return nil, problem.BuiltinRole.With("The owner role holds every permission and can not be changed.")
	}
	if ifMatch != 0 && ifMatch != r.Version {
		return nil, problem.PreconditionFailed
	}
	before, oldName, prev := snapshot(r), r.Name, r.Version
	if in.Name != nil {
		r.Name = *in.Name
	}
	if in.Description != nil {
		r.Description = *in.Description
	}
	if in.Permissions != nil {
		var added []string
		for _, p := range *in.Permissions {
			if !slices.Contains(r.Permissions, p) {
				added = append(added, p)
			}
		}
		if err := mayHold(caller, added); err != nil {
			return nil, err
		}
		r.Permissions = catalogueOrder(*in.Permissions)
	}
	changes := audit.Diff(before, snapshot(r))
	if changes == nil {
		v := viewOf(r)
		return &v, nil
	}
	now := s.Now().UTC()
	r.UpdatedAt, r.Version = now.Format(time.RFC3339), r.Version+1
	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(prev)).And(expression.AttributeNotExists(expression.Name("deleting")))
	// Only what the edit changes is written: memberCount is counted by the
	// membership transactions (ADD, without the role's version), so writing
	// back the count this edit read would undo the ones that ran meanwhile.
	r.Index()
	tx.Update(store.RoleKey(r.ID), expression.
		Set(expression.Name("name"), expression.Value(r.Name)).
		Set(expression.Name("description"), expression.Value(r.Description)).
		Set(expression.Name("permissions"), expression.Value(r.Permissions)).
		Set(expression.Name("gsi5sk"), expression.Value(r.GSI5SK)).
		Set(expression.Name("updatedAt"), expression.Value(r.UpdatedAt)).
		Set(expression.Name("version"), expression.Value(r.Version)),
		&cond, problem.PreconditionFailed)
	if text.Fold(oldName) != text.Fold(r.Name) {
		tx.Delete(store.RoleNameKey(text.Fold(oldName)), nil, nil)
		tx.PutNew(nameClaim(r), problem.NameTaken)
	}
	ev := audit.New(actor, "role.update", "role", r.ID, "Updated role "+r.Name, now)
	ev.Changes = changes
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	v := viewOf(r)
	return &v, nil
}
