//go:build integration

package faults_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/shared/api"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory/directorytest"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// newRole puts a custom role holding perms.
func newRole(t *testing.T, perms ...string) store.Role {
	t.Helper()
	name := "Pinned " + ids.New()
	r := (&store.Role{ID: ids.New(), Name: name, Permissions: perms, Version: 1}).Index()
	tx := db.Tx()
	tx.PutNew(r, nil)
	k := store.RoleNameKey(text.Fold(name))
	tx.PutNew(map[string]any{"pk": k.PK, "sk": k.SK, "type": "RoleName", "roleId": r.ID, "name": name}, nil)
	if err := db.Write(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	return *r
}

// callerOf is the caller check's view of an active person, as a request
// with a fresh token of theirs would get it.
func callerOf(t *testing.T, p *store.Staff) *auth.Caller {
	t.Helper()
	req := api.Request{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{
				"sub": p.Sub, "jti": ids.New(), "token_use": "access",
				"auth_time": strconv.FormatInt(time.Now().Unix()+60, 10),
			}},
		},
	}}
	c, err := (&auth.Checker{Store: db, Realm: store.RealmStaff}).Check(context.Background(), req)
	if err != nil {
		t.Fatalf("caller check of %s: %v", p.Email, err)
	}
	return c
}

// editingDB runs edit once, just before the first transaction passes: a
// change that lands between a service's reads and its write.
type editingDB struct {
	store.DB
	edit func()
	done atomic.Bool
}

func (e *editingDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if e.done.CompareAndSwap(false, true) {
		e.edit()
	}
	return e.DB.TransactWriteItems(ctx, in, opts...)
}

// addPermission is what a roles.manage holder's edit of r writes: a new
// permission and the next version.
func addPermission(t *testing.T, roleID, perm string) {
	t.Helper()
	tx := db.Tx()
	tx.Update(store.RoleKey(roleID), expression.
		Set(expression.Name("permissions"), expression.ListAppend(expression.Name("permissions"), expression.Value([]string{perm}))).
		Add(expression.Name("version"), expression.Value(1)), nil, nil)
	if err := db.Write(context.Background(), tx); err != nil {
		t.Errorf("edit role %s: %v", roleID, err)
	}
}

// A grant is checked against the roles as read and must be written only if
// they are still that: a role that gains a permission the granter lacks
// between the check and the write is not granted (409, nothing written).
// The same holds for the roles of the person acted on (a new invitation
// link, an edit) and for a membership given from the role's page.
func TestGrantsArePinnedToTheRoleVersion(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	// The granter may invite, edit and assign, but not delete customers.
	granterRole := newRole(t, auth.StaffRead, auth.StaffInvite, auth.StaffUpdate, auth.RolesAssign)
	granter := active(t, svc, uniqueEmail("granter"), granterRole.ID)
	caller := callerOf(t, granter)
	actor := audit.Actor{ID: granter.ID, Email: granter.Email}

	racing := func(roleID string) *staff.Service {
		return &staff.Service{Store: store.New(&editingDB{DB: db.DB, edit: func() { addPermission(t, roleID, auth.CustomersDelete) }}, db.Table), Dir: dir, Now: db.Now}
	}
	wantChanged := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, problem.Conflict) {
			t.Errorf("%s while the role gained a permission the caller lacks: %v, want 409", what, err)
		}
	}

	t.Run("invite", func(t *testing.T) {
		r := newRole(t, auth.StaffRead)
		email := uniqueEmail("pinned-invite")
		_, err := racing(r.ID).InviteAs(ctx, caller, actor, staff.InviteInput{Email: email, FirstName: "Pin", LastName: "Ned", RoleIDs: []string{r.ID}}, st.URL)
		wantChanged("invite", err)
		if exists(t, store.EmailKey(store.RealmStaff, email)) {
			t.Error("the invitation was written")
		}
	})
	t.Run("edit roleIds", func(t *testing.T) {
		r := newRole(t, auth.StaffRead)
		target := active(t, svc, uniqueEmail("pinned-edit"))
		roles := []string{r.ID}
		_, err := racing(r.ID).UpdateAs(ctx, caller, actor, target.ID, staff.Update{RoleIDs: &roles}, 0, st.URL)
		wantChanged("edit", err)
		if slices.Contains(profile(t, target.ID).RoleIDs, r.ID) || role(t, r.ID).MemberCount != 0 {
			t.Error("the role was given")
		}
	})
	t.Run("membership from the role's page", func(t *testing.T) {
		r := newRole(t, auth.StaffRead)
		target := active(t, svc, uniqueEmail("pinned-member"))
		wantChanged("membership", racing(r.ID).SetRole(ctx, caller, actor, target.ID, r.ID, true))
		if _, isMember := member(t, r.ID, target.ID); isMember || slices.Contains(profile(t, target.ID).RoleIDs, r.ID) {
			t.Error("the role was given")
		}
	})
	t.Run("edit of a person holding the role", func(t *testing.T) {
		r := newRole(t, auth.StaffRead)
		target := active(t, svc, uniqueEmail("pinned-holder"), r.ID)
		name := "Changed"
		_, err := racing(r.ID).UpdateAs(ctx, caller, actor, target.ID, staff.Update{FirstName: &name}, 0, st.URL)
		wantChanged("edit of a holder", err)
		if profile(t, target.ID).FirstName == name {
			t.Error("the edit was written")
		}
	})
	t.Run("new invitation link", func(t *testing.T) {
		r := newRole(t, auth.StaffRead)
		id, _ := invited(t, svc, uniqueEmail("pinned-resend"), r.ID)
		before := profile(t, id).InvitationHash
		_, err := racing(r.ID).Resend(ctx, caller, actor, "Granter", id, st.URL)
		wantChanged("resend", err)
		if profile(t, id).InvitationHash != before {
			t.Error("a new invitation was written")
		}
	})
	t.Run("unchanged roles still work", func(t *testing.T) {
		r := newRole(t, auth.StaffRead)
		target := active(t, svc, uniqueEmail("pinned-ok"))
		if err := svc.SetRole(ctx, caller, actor, target.ID, r.ID, true); err != nil {
			t.Fatal(err)
		}
		if role(t, r.ID).MemberCount != 1 || role(t, r.ID).Version != 1 {
			t.Errorf("role after the grant: %+v", role(t, r.ID))
		}
	})
}
