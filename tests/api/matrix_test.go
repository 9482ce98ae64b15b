//go:build integration

package api_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"backoffice/shared/auth"
	"backoffice/shared/ids"
	"backoffice/shared/store"
)

// newRole writes a custom role straight into the table (the roles routes
// have their own tests) and returns its id.
func newRole(t *testing.T, name string, perms ...string) string {
	t.Helper()
	db := testStore()
	now := time.Now().UTC().Format(time.RFC3339)
	r := &store.Role{ID: ids.New(), Name: name + " " + ids.New(), Permissions: perms, CreatedAt: now, UpdatedAt: now, Version: 1}
	tx := db.Tx()
	tx.PutNew(r.Index(), nil)
	if err := db.Write(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// allBut is every permission except one.
func allBut(p string) []string {
	var out []string
	for _, k := range auth.AllPermissions() {
		if k != p {
			out = append(out, k)
		}
	}
	return out
}

// concrete fills a route's path parameters with ids that exist nowhere.
func concrete(path string) string {
	for _, param := range []string{"{id}", "{staffId}"} {
		path = strings.ReplaceAll(path, param, ids.New())
	}
	return path
}

func matrixCall(t *testing.T, route, token string) answer {
	t.Helper()
	method, path, _ := strings.Cut(route, " ")
	var body any
	if method == "POST" || method == "PATCH" || method == "PUT" {
		body = map[string]any{}
	}
	return call(t, method, concrete(path), token, body)
}

// Every protected route × {customer token, no roles, a role lacking the
// route's permission, a role holding only it, owner} (customer routes ×
// {staff token, owner token, customer token}): the expected outcome comes from
// auth.Routes, which TestRoutesMatchTemplate ties to template.yaml, so a new
// route can not skip this test.
func TestAuthorizationMatrix(t *testing.T) {
	var routes []string
	for r, need := range auth.Routes {
		if need != auth.Public {
			routes = append(routes, r)
		}
	}
	sort.Strings(routes)
	nobody := newActive(t, uniqueEmail("noroles"))
	_, owner := newOwner(t)
	customer := uniqueEmail("matrix-customer")
	activeCustomer(t, owner, customer)
	cells := 0

	for _, route := range routes {
		need := auth.Routes[route]
		t.Run(route, func(t *testing.T) {
			// Self-service routes may end the caller's sessions: fresh
			// sign-ins for every cell.
			tok, _ := login(t, nobody.Email)
			in := call(t, "POST", "/customer-auth/login", "", map[string]any{"email": customer, "password": password})
			expect(t, in, 200)
			customerTok := in.str("accessToken")
			if need == auth.CustomerSelf {
				// Only the customer pool's tokens pass; a staff owner's do not.
				for name, tok := range map[string]string{"staff without roles": tok, "staff owner": owner} {
					if a := matrixCall(t, route, tok); a.Status != 401 || a.Raw != `{"message":"Unauthorized"}` {
						t.Errorf("%s on a customer route: %d, want 401: %s", name, a.Status, a.Raw)
					}
				}
				if a := matrixCall(t, route, customerTok); a.Status == 401 || a.Status == 403 || a.Status >= 500 {
					t.Errorf("customer, self-service: %d %s", a.Status, a.Raw)
				}
				cells += 3
				return
			}
			// Every staff route refuses the customer pool's tokens.
			if a := matrixCall(t, route, customerTok); a.Status != 401 || a.Raw != `{"message":"Unauthorized"}` {
				t.Errorf("customer token: %d, want 401: %s", a.Status, a.Raw)
			}
			cells++
			a := matrixCall(t, route, tok)
			if need == auth.Self {
				if a.Status == 403 || a.Status >= 500 {
					t.Errorf("no roles, self-service: %d %s", a.Status, a.Raw)
				}
				cells++
				return
			}
			if a.Status != 403 {
				t.Errorf("no roles: %d, want 403: %s", a.Status, a.Raw)
			}
			lacking := newActive(t, uniqueEmail("lacking"), newRole(t, "Lacking", allBut(need)...))
			tok, _ = login(t, lacking.Email)
			if a := matrixCall(t, route, tok); a.Status != 403 {
				t.Errorf("role without %s: %d, want 403: %s", need, a.Status, a.Raw)
			}
			holding := newActive(t, uniqueEmail("holding"), newRole(t, "Holding", need))
			tok, _ = login(t, holding.Email)
			if a := matrixCall(t, route, tok); a.Status == 403 || a.Status >= 500 || a.Status == 401 {
				t.Errorf("role with only %s: %d: %s", need, a.Status, a.Raw)
			}
			if a := matrixCall(t, route, owner); a.Status == 403 || a.Status >= 500 || a.Status == 401 {
				t.Errorf("owner: %d: %s", a.Status, a.Raw)
			}
			cells += 4
		})
	}
	t.Logf("%d routes, %d cells checked", len(routes), cells)
}
