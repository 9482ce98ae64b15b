//go:build integration

package faults_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory/directorytest"
	"backoffice/shared/ids"
	"backoffice/shared/roles"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Role deletion takes the role from its members in chunked transactions.
// With the second chunk's transaction failing, the role grants nothing
// (marked deleting), the first chunk's members are consistent without it
// and the others with it; repeating DELETE finishes: the role, its name and
// every membership are gone and nobody holds it.
func TestRoleDeletionStopsConsistentAndResumes(t *testing.T) {
	ctx := context.Background()
	name := "Faulty " + ids.New()
	r := (&store.Role{ID: ids.New(), Name: name, Permissions: []string{auth.StaffRead}, Version: 1}).Index()
	tx := db.Tx()
	tx.PutNew(r, nil)
	k := store.RoleNameKey(text.Fold(name))
	tx.PutNew(map[string]any{"pk": k.PK, "sk": k.SK, "type": "RoleName", "roleId": r.ID, "name": name}, nil)
	if err := db.Write(ctx, tx); err != nil {
		t.Fatal(err)
	}
	svc := &staff.Service{Store: db, Now: db.Now}
	var people []string
	for i := 0; i < 30; i++ { // two chunks of members
		inv, err := svc.Invite(ctx, audit.System, "Faults", staff.InviteInput{
			Email: uniqueEmail("role-member"), FirstName: "Mem", LastName: "Ber", RoleIDs: []string{r.ID}}, st.URL)
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, inv.Staff.ID)
	}

	// Transactions: 1 marks the role deleting, 2 and 3 take it from a chunk each.
	broken := &roles.Service{Store: storeFailingTx(3), Now: db.Now}
	if err := broken.Delete(ctx, audit.System, r.ID, 0); err == nil {
		t.Fatal("the delete succeeded although a chunk failed")
	}
	if !role(t, r.ID).Deleting {
		t.Fatal("the role is not marked deleting after a failed chunk")
	}
	with, without := 0, 0
	for _, id := range people {
		p := profile(t, id)
		_, isMember := member(t, r.ID, id)
		if slices.Contains(p.RoleIDs, r.ID) != isMember {
			t.Errorf("%s: profile holds the role %v but member item %v", id, slices.Contains(p.RoleIDs, r.ID), isMember)
		}
		if isMember {
			with++
		} else {
			without++
		}
	}
	if without != 25 || with != 5 {
		t.Fatalf("after one chunk: %d without and %d with the role, want 25 and 5", without, with)
	}

	if err := (&roles.Service{Store: db, Now: db.Now}).Delete(ctx, audit.System, r.ID, 0); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if exists(t, store.RoleKey(r.ID)) || exists(t, store.RoleNameKey(text.Fold(name))) {
		t.Fatal("the role or its name survived")
	}
	for _, id := range people {
		if _, isMember := member(t, r.ID, id); isMember || slices.Contains(profile(t, id).RoleIDs, r.ID) {
			t.Errorf("%s still holds the deleted role", id)
		}
	}
}

// authStubs lists AUTH# items that are not auth records (no personId): what
// an UpdateItem on a missing AUTH# key would leave behind.
func authStubs(t *testing.T) []string {
	t.Helper()
	expr, err := expression.NewBuilder().WithFilter(expression.Name("pk").BeginsWith("AUTH#").
		And(expression.AttributeNotExists(expression.Name("personId")))).Build()
	if err != nil {
		t.Fatal(err)
	}
	var stubs []string
	var start map[string]types.AttributeValue
	for {
		out, err := dynamoClient().Scan(context.Background(), &dynamodb.ScanInput{TableName: &db.Table, FilterExpression: expr.Filter(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(), ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range out.Items {
			var k struct {
				PK string `dynamodbav:"pk"`
			}
			_ = store.Unmarshal(item, &k)
			stubs = append(stubs, k.PK)
		}
		if start = out.LastEvaluatedKey; start == nil {
			return stubs
		}
	}
}

// Taking a role from its members writes an auth record only where one
// exists: not for an invited person (who has none), and not for a profile
// that names a sub whose auth record is missing (which no flow leaves, but
// a blind update would then create a stub AUTH# item; the removal stops
// instead, and nothing is written).
func TestRoleRemovalWritesNoStubAuthRecords(t *testing.T) {
	ctx := context.Background()
	svc := service(directorytest.New())
	r := newRole(t, auth.StaffRead)
	invited(t, svc, uniqueEmail("stub-invited"), r.ID)
	if err := (&roles.Service{Store: db, Now: db.Now}).Delete(ctx, audit.System, r.ID, 0); err != nil {
		t.Fatalf("delete a role an invited person holds: %v", err)
	}
	if stubs := authStubs(t); len(stubs) > 0 {
		t.Fatalf("stub auth records after removals from an invited person: %v", stubs)
	}

	// A member whose profile names a sub without an auth record.
	r = newRole(t, auth.StaffRead)
	orphanID, _ := invited(t, svc, uniqueEmail("stub-orphan"), r.ID)
	ghost := "ghost-" + ids.New()
	tx := db.Tx()
	tx.Update(store.StaffKey(orphanID), expression.Set(expression.Name("sub"), expression.Value(ghost)), nil, nil)
	if err := db.Write(ctx, tx); err != nil {
		t.Fatal(err)
	}
	_ = (&roles.Service{Store: db, Now: db.Now}).Delete(ctx, audit.System, r.ID, 0)
	if exists(t, store.AuthKey(ghost)) {
		t.Fatal("the role's removal created an auth record for a sub that had none")
	}
}
