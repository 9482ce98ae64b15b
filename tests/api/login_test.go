//go:build integration

package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/auth"
	"backoffice/shared/session"
	"backoffice/shared/store"
)

// The first owner is seeded by the template's custom resource: the mail
// arrives, the link works once, and the owner can sign in with every
// permission.
func TestOwnerInvitationAcceptOnceAndLogin(t *testing.T) {
	tok := st.MailLink(t, "owner@example.com", "").Token

	inspect := call(t, "POST", "/auth/invitations/inspect", "", map[string]any{"token": tok})
	expect(t, inspect, 200)
	if inspect.str("email") != "owner@example.com" || inspect.str("kind") != "invitation" || inspect.str("expiresAt") == "" {
		t.Fatalf("inspect: %s", inspect.Raw)
	}
	// Opening the link (inspect) consumes nothing: twice is fine.
	expect(t, call(t, "POST", "/auth/invitations/inspect", "", map[string]any{"token": tok}), 200)

	weak := call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": "short"})
	expect(t, weak, 422, "validation_failed")

	accept := call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password, "firstName": "Olga", "lastName": "Owner"})
	expect(t, accept, 204)
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 400, "invalid_token")
	expect(t, call(t, "POST", "/auth/invitations/inspect", "", map[string]any{"token": tok}), 400, "invalid_token")

	a := call(t, "POST", "/auth/login", "", map[string]any{"email": "Owner@Example.com", "password": password})
	expect(t, a, 200)
	if a.str("tokenType") != "Bearer" || a.str("accessToken") == "" || a.str("refreshToken") == "" || a.JSON["idToken"] != nil {
		t.Fatalf("login answer: %s", a.Raw)
	}
	user := a.JSON["user"].(map[string]any)
	if user["firstName"] != "Olga" || user["status"] != "active" || len(user["permissions"].([]any)) != len(auth.Catalogue) {
		t.Fatalf("user: %v", user)
	}

	me := call(t, "GET", "/auth/me", a.str("accessToken"), nil)
	expect(t, me, 200)
	roles := me.JSON["roles"].([]any)
	if len(roles) != 1 || roles[0].(map[string]any)["id"] != auth.OwnerRoleID || me.Header.Get("ETag") == "" {
		t.Fatalf("me: %s", me.Raw)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	active := newActive(t, uniqueEmail("alike"))
	inactive := newActive(t, uniqueEmail("inactive"))
	setStatus(t, inactive, store.StatusInactive)

	wrongPassword := call(t, "POST", "/auth/login", "", map[string]any{"email": active.Email, "password": "wrong password!"})
	unknown := call(t, "POST", "/auth/login", "", map[string]any{"email": uniqueEmail("nobody"), "password": password})
	deactivated := call(t, "POST", "/auth/login", "", map[string]any{"email": inactive.Email, "password": password})
	for _, a := range []answer{wrongPassword, unknown, deactivated} {
		expect(t, a, 401, "invalid_credentials")
	}
	if wrongPassword.Raw != unknown.Raw || unknown.Raw != deactivated.Raw {
		t.Fatalf("bodies differ:\n%s\n%s\n%s", wrongPassword.Raw, unknown.Raw, deactivated.Raw)
	}
}

// setStatus changes a person's status directly in the table, as the
// deactivate route (staff issue) will do inside its transaction.
func setStatus(t *testing.T, p person, status string) {
	t.Helper()
	db := testStore()
	var profile store.Staff
	if err := db.Get(context.Background(), store.StaffKey(p.ID), &profile, true); err != nil {
		t.Fatal(err)
	}
	tx := db.Tx()
	tx.Update(store.AuthKey(profile.Sub), expression.Set(expression.Name("status"), expression.Value(status)), nil, nil)
	profile.Status = status
	tx.Put(profile.Index(), nil, nil)
	if err := db.Write(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
}

func TestRefreshStopsAfterLogout(t *testing.T) {
	p := newActive(t, uniqueEmail("logout"))
	access, refresh := login(t, p.Email)

	r := call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": refresh})
	expect(t, r, 200)
	fresh := r.str("accessToken")
	expect(t, call(t, "GET", "/auth/me", fresh, nil), 200)

	expect(t, call(t, "POST", "/auth/logout", access, map[string]any{"refreshToken": refresh}), 204)
	expect(t, call(t, "GET", "/auth/me", access, nil), 401, "unauthenticated")
	expect(t, call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": refresh}), 401, "unauthenticated")
}

func TestLogoutAllEndsEveryTokenAndSession(t *testing.T) {
	p := newActive(t, uniqueEmail("everywhere"))
	accessA, refreshA := login(t, p.Email)
	accessB, refreshB := login(t, p.Email)

	expect(t, call(t, "POST", "/auth/logout-all", accessA, nil), 204)
	for _, tok := range []string{accessA, accessB} {
		expect(t, call(t, "GET", "/auth/me", tok, nil), 401, "unauthenticated")
	}
	for _, tok := range []string{refreshA, refreshB} {
		expect(t, call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": tok}), 401, "unauthenticated")
	}
	// A new login right away works: the API waits out the revocation second.
	access, _ := login(t, p.Email)
	expect(t, call(t, "GET", "/auth/me", access, nil), 200)
}

func TestMeUpdateWithIfMatch(t *testing.T) {
	p := newActive(t, uniqueEmail("me"))
	access, _ := login(t, p.Email)
	me := call(t, "GET", "/auth/me", access, nil)
	expect(t, me, 200)
	etag := me.Header.Get("ETag")

	upd := call(t, "PATCH", "/auth/me", access, map[string]any{"firstName": "Jürgen", "locale": "de"}, "If-Match", etag)
	expect(t, upd, 200)
	if upd.str("firstName") != "Jürgen" || upd.str("locale") != "de" || upd.Header.Get("ETag") == etag {
		t.Fatalf("update: %s %s", upd.Raw, upd.Header.Get("ETag"))
	}
	expect(t, call(t, "PATCH", "/auth/me", access, map[string]any{"lastName": "X"}, "If-Match", etag), 412, "precondition_failed")
	expect(t, call(t, "PATCH", "/auth/me", access, map[string]any{"locale": "fr"}), 422, "validation_failed")
	expect(t, call(t, "PATCH", "/auth/me", access, map[string]any{"firstName": ""}), 422, "validation_failed")
}

func TestSixthFailedLoginIsRateLimited(t *testing.T) {
	p := newActive(t, uniqueEmail("limited"))
	for i := 1; i <= 5; i++ {
		a := call(t, "POST", "/auth/login", "", map[string]any{"email": p.Email, "password": "wrong password " + strconv.Itoa(i)})
		expect(t, a, 401, "invalid_credentials")
	}
	sixth := call(t, "POST", "/auth/login", "", map[string]any{"email": p.Email, "password": password})
	expect(t, sixth, 429, "rate_limited")
	if s, err := strconv.Atoi(sixth.Header.Get("Retry-After")); err != nil || s < 1 || s > int((15*time.Minute).Seconds()) {
		t.Fatalf("Retry-After %q", sixth.Header.Get("Retry-After"))
	}
}

func TestHealth(t *testing.T) {
	a := call(t, "GET", "/health", "", nil)
	expect(t, a, 200)
	if a.str("status") != "ok" || a.Header.Get("X-Request-Id") == "" {
		t.Fatalf("health: %s", a.Raw)
	}
}

// Issue 15, finding 12: cognito-local answers no ExpiresIn; login and
// refresh derive it from the access token's exp (15 minutes here).
func TestLoginAndRefreshAnswerExpiresIn(t *testing.T) {
	p := newActive(t, uniqueEmail("expires"))
	in := call(t, "POST", "/auth/login", "", map[string]any{"email": p.Email, "password": password})
	expect(t, in, 200)
	r := call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": in.str("refreshToken")})
	expect(t, r, 200)
	for name, a := range map[string]answer{"login": in, "refresh": r} {
		if n, _ := a.JSON["expiresIn"].(float64); n < 15*60-5 || n > 15*60 {
			t.Errorf("%s: expiresIn %v, want about 900 (the token's exp)", name, a.JSON["expiresIn"])
		}
	}
}

// cognitoCalls counts the calls of operation the staff login function has
// made at Cognito so far (from the recorded calls).
func cognitoCalls(t *testing.T, operation string) int {
	t.Helper()
	calls, err := st.Calls()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range calls {
		if c.Service == "Cognito Identity Provider" && c.Operation == operation &&
			strings.HasSuffix(c.Function, "AuthLoginFunction") && !strings.Contains(c.Function, "Customer") {
			n++
		}
	}
	return n
}

// Issue 15, finding 4: every attempt is counted before Cognito is asked, so
// of 40 parallel wrong passwords for one address at most the limit reach
// Cognito; the others answer 429 at once.
func TestParallelWrongPasswordsReachCognitoAtMostTheLimit(t *testing.T) {
	p := newActive(t, uniqueEmail("parallel"))
	before := cognitoCalls(t, "AdminInitiateAuth")
	answers := race(t, 40, func(i int) (answer, error) {
		return send("POST", "/auth/login", "", map[string]any{"email": p.Email, "password": "wrong password " + strconv.Itoa(i)})
	})
	reached := cognitoCalls(t, "AdminInitiateAuth") - before
	counts := tally(answers)
	if counts["401 invalid_credentials"]+counts["429 rate_limited"] != 40 {
		t.Fatalf("answers %v: only invalid_credentials and rate_limited belong here", counts)
	}
	if limit := session.DefaultLimits.PerEmail; reached > limit || counts["401 invalid_credentials"] > limit {
		t.Fatalf("%d sign-ins reached Cognito (answers %v); the limit is %d", reached, counts, limit)
	}
	// The limit holds for the right password too, until the window moves on.
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": p.Email, "password": password}), 429, "rate_limited")
}
