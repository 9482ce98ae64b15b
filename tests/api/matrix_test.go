//go:build integration

package api_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

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

// Every protected route × {no token, garbage, expired, another issuer,
// a deactivated person's token, a logged-out token}: API Gateway's
// authorizer refuses the first four with its own body before any function
// runs; the caller check refuses the last two (401 unauthenticated) from
// the very next request on. Customer routes get the customer pool's tokens.
func TestEveryRouteRefusesBadTokens(t *testing.T) {
	key := cognitoKey(t)
	_, owner := newOwner(t)

	// The signed tokens differ from a good one only in the claim under test:
	// the same signing as a good token passes (the control).
	type realm struct{ issuer, client, sub, deactivated, loggedOut string }
	staffRealm := realm{issuer: st.Issuer, client: st.StaffClientID}
	customerRealm := realm{issuer: st.CustomerIssuer, client: st.CustomerClientID}
	{
		p := newActive(t, uniqueEmail("tokens-staff"), auth.OwnerRoleID)
		access, _ := login(t, p.Email)
		staffRealm.sub = claimSub(t, access)
		control := signedToken(t, key, staffRealm.issuer, staffRealm.client, staffRealm.sub, time.Now().Add(time.Hour))
		expect(t, call(t, "GET", "/auth/me", control, nil), 200)

		gone := newActive(t, uniqueEmail("tokens-deactivated"), auth.OwnerRoleID)
		staffRealm.deactivated, _ = login(t, gone.Email)
		expect(t, call(t, "POST", "/staff/"+gone.ID+"/deactivate", owner, nil), 200)

		out := newActive(t, uniqueEmail("tokens-logged-out"), auth.OwnerRoleID)
		access, refresh := login(t, out.Email)
		expect(t, call(t, "POST", "/auth/logout", access, map[string]any{"refreshToken": refresh}), 204)
		staffRealm.loggedOut = access
	}
	{
		_, access, _ := activeCustomer(t, owner, uniqueEmail("tokens-customer"))
		customerRealm.sub = claimSub(t, access)
		control := signedToken(t, key, customerRealm.issuer, customerRealm.client, customerRealm.sub, time.Now().Add(time.Hour))
		expect(t, call(t, "GET", "/customer-auth/me", control, nil), 200)

		id, gone, _ := activeCustomer(t, owner, uniqueEmail("tokens-customer-deactivated"))
		customerRealm.deactivated = gone
		expect(t, call(t, "POST", "/customers/"+id+"/deactivate", owner, nil), 200)

		_, access, refresh := activeCustomer(t, owner, uniqueEmail("tokens-customer-logged-out"))
		expect(t, call(t, "POST", "/customer-auth/logout", access, map[string]any{"refreshToken": refresh}), 204)
		customerRealm.loggedOut = access
	}

	var routes []string
	for r, need := range auth.Routes {
		if need != auth.Public {
			routes = append(routes, r)
		}
	}
	sort.Strings(routes)
	cells := 0
	for _, route := range routes {
		r := staffRealm
		if auth.Routes[route] == auth.CustomerSelf {
			r = customerRealm
		}
		gateway := map[string]string{
			"no token": "",
			"garbage":  "not.a.jwt",
			"expired":  signedToken(t, key, r.issuer, r.client, r.sub, time.Now().Add(-time.Minute)),
			"another issuer": signedToken(t, key, st.Emu.Cognito+"/eu-west-1_Elsewhere", r.client, r.sub,
				time.Now().Add(time.Hour)),
		}
		for name, tok := range gateway {
			if a := matrixCall(t, route, tok); a.Status != 401 || a.Raw != `{"message":"Unauthorized"}` {
				t.Errorf("%s, %s: %d %s, want API Gateway's 401", route, name, a.Status, a.Raw)
			}
			cells++
		}
		for name, tok := range map[string]string{"deactivated": r.deactivated, "logged out": r.loggedOut} {
			a := matrixCall(t, route, tok)
			if a.Status != 401 || a.str("code") != "unauthenticated" {
				t.Errorf("%s, %s person's token: %d %s, want 401 unauthenticated", route, name, a.Status, a.Raw)
			}
			cells++
		}
	}
	t.Logf("%d routes, %d cells checked", len(routes), cells)
}

// claimSub reads the sub of a token the API issued (no check: the test
// only needs whom it names).
func claimSub(t *testing.T, token string) string {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		t.Fatal(err)
	}
	sub, _ := claims["sub"].(string)
	return sub
}
