//go:build integration

package api_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/auth"
)

// The last active owner keeps the owner role, through PATCH roleIds and
// through DELETE of the membership. As in the concurrency test, the counter
// is set to 1 by hand (other tests' owners share the table) and put back.
func TestLastOwnerKeepsTheOwnerRole(t *testing.T) {
	a, ownerA := newOwner(t)
	b, _ := newOwner(t)
	before := readSettings(t)
	updateSettings(t, expression.Set(expression.Name("activeOwners"), expression.Value(1)))
	t.Cleanup(func() {
		updateSettings(t, expression.Set(expression.Name("activeOwners"), expression.Value(before.ActiveOwners)))
	})
	expect(t, call(t, "PATCH", "/staff/"+b.ID, ownerA, map[string]any{"roleIds": []string{}}), 409, "last_owner")
	expect(t, call(t, "DELETE", "/roles/"+auth.OwnerRoleID+"/members/"+a.ID, ownerA, nil), 409, "last_owner")
	expect(t, call(t, "DELETE", "/staff/"+b.ID, ownerA, nil), 409, "last_owner")
	// Nothing changed: B is still an owner.
	got := call(t, "GET", "/staff/"+b.ID, ownerA, nil)
	expect(t, got, 200)
	if roles := got.JSON["roles"].([]any); len(roles) != 1 || roles[0].(map[string]any)["id"] != auth.OwnerRoleID {
		t.Fatalf("roles after refused changes: %s", got.Raw)
	}
}

// Activating takes a seat: with every seat in use it is refused and the
// person stays inactive.
func TestActivatingOverTheSeatLimit(t *testing.T) {
	_, owner := newOwner(t)
	p := newActive(t, uniqueEmail("benched"))
	expect(t, call(t, "POST", "/staff/"+p.ID+"/deactivate", owner, nil), 200)
	used := readSettings(t).SeatsUsed
	updateSettings(t, expression.Set(expression.Name("seatLimit"), expression.Value(used)))
	t.Cleanup(func() {
		updateSettings(t, expression.Set(expression.Name("seatLimit"), expression.Value(1000)))
	})
	expect(t, call(t, "POST", "/staff/"+p.ID+"/activate", owner, nil), 409, "seat_limit_reached")
	got := call(t, "GET", "/staff/"+p.ID, owner, nil)
	if got.str("status") != "inactive" {
		t.Fatalf("status after a refused activation: %s", got.Raw)
	}
	updateSettings(t, expression.Set(expression.Name("seatLimit"), expression.Value(used+1)))
	expect(t, call(t, "POST", "/staff/"+p.ID+"/activate", owner, nil), 200)
}
