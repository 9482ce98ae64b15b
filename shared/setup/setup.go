// Package setup prepares a new shop: its settings item, the built-in roles,
// and the first owner's invitation. The deploy-time custom resource, the
// operator command and the local stack all run this same code.
package setup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/problem"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Seed writes the settings and the built-in roles unless they exist. Each
// item is independent and written with attribute_not_exists, so running it
// again (or after a partial run) changes nothing that is there.
func Seed(ctx context.Context, st *store.Store, shopName string) error {
	now := st.Now().UTC().Format(time.RFC3339)
	items := []any{
		store.DefaultSettings(shopName, now),
		builtinRole(auth.OwnerRoleID, auth.OwnerRoleName, "Full access, including owners, roles and settings. Can not be changed.", auth.AllPermissions(), now),
		builtinRole(auth.AdminRoleID, auth.AdminRoleName, "Runs the shop: customers, categories; reads staff, roles, audit and settings.", auth.AdminPermissions(), now),
		roleName(auth.OwnerRoleID, auth.OwnerRoleName),
		roleName(auth.AdminRoleID, auth.AdminRoleName),
	}
	for _, item := range items {
		if err := putIfAbsent(ctx, st, item); err != nil {
			return err
		}
	}
	return nil
}

func builtinRole(id, name, description string, permissions []string, now string) store.Role {
	r := store.Role{
		ID: id, Name: name, Description: description,
		Permissions: permissions, BuiltIn: true, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	return *r.Index()
}

func roleName(id, name string) map[string]any {
	k := store.RoleNameKey(text.Fold(name))
	return map[string]any{"pk": k.PK, "sk": k.SK, "type": "RoleName", "roleId": id, "name": name}
}

func putIfAbsent(ctx context.Context, st *store.Store, item any) error {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return err
	}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("pk"))).Build()
	if err != nil {
		return err
	}
	_, err = st.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &st.Table, Item: av,
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(),
	})
	var exists *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// OwnerResult says what InviteOwner did.
type OwnerResult struct {
	Email     string
	PersonID  string
	Status    string // "invited" (a mail is queued) or "active"/"inactive" (nothing done)
	ExpiresAt time.Time
}

// InviteOwner queues an invitation for the owner. A person who is already
// invited gets a fresh link (the old one dies); an active owner is left alone.
func InviteOwner(ctx context.Context, svc *staff.Service, email, linkBase string) (*OwnerResult, error) {
	email, err := text.Email(email)
	if err != nil {
		return nil, fmt.Errorf("owner email %q: %w", email, err)
	}
	p, err := svc.ByEmail(ctx, email)
	switch {
	case errors.Is(err, problem.NotFound):
		in := staff.InviteInput{Email: email, FirstName: "Shop", LastName: "Owner", RoleIDs: []string{auth.OwnerRoleID}}
		inv, err := svc.Invite(ctx, audit.System, "", in, linkBase)
		if err != nil {
			return nil, err
		}
		return &OwnerResult{Email: email, PersonID: inv.Staff.ID, Status: store.StatusInvited, ExpiresAt: inv.ExpiresAt}, nil
	case err != nil:
		return nil, err
	case p.Status == store.StatusInvited:
		inv, err := svc.Resend(ctx, nil, audit.System, "", p.ID, linkBase)
		if err != nil {
			return nil, err
		}
		return &OwnerResult{Email: email, PersonID: p.ID, Status: store.StatusInvited, ExpiresAt: inv.ExpiresAt}, nil
	default:
		return &OwnerResult{Email: email, PersonID: p.ID, Status: p.Status}, nil
	}
}
