//go:build integration

package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/account"
	"backoffice/shared/ratelimit"
	"backoffice/shared/store"
	"backoffice/tests/stack"
)

// countMails counts the mails to `to` whose subject mentions word.
func countMails(t *testing.T, to, word string) int {
	t.Helper()
	mails, err := st.Emu.Mails(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range mails {
		if stack.Addressed(m, to) && strings.Contains(strings.ToLower(m.Subject), word) {
			n++
		}
	}
	return n
}

func TestForgotPasswordRevealsNothing(t *testing.T) {
	unknown := uniqueEmail("nobody")
	a := call(t, "POST", "/auth/password/forgot", "", map[string]any{"email": unknown})
	expect(t, a, 202)
	inactive := newActive(t, uniqueEmail("sleeping"))
	setStatus(t, inactive, "inactive")
	b := call(t, "POST", "/auth/password/forgot", "", map[string]any{"email": inactive.Email})
	expect(t, b, 202)
	if a.Raw != b.Raw {
		t.Fatalf("answers differ: %s vs %s", a.Raw, b.Raw)
	}
	st.WaitStreams(t)
	for _, to := range []string{unknown, inactive.Email} {
		if n := countMails(t, to, "password"); n != 0 {
			t.Errorf("%s got %d reset mails", to, n)
		}
	}
}

// Asking again within two minutes sends nothing more (a mailbox can not be
// flooded through the public route) and answers the same 202.
func TestForgotPasswordSendsOneMailPerTwoMinutes(t *testing.T) {
	p := newActive(t, uniqueEmail("impatient"))
	for i := 0; i < 3; i++ {
		expect(t, call(t, "POST", "/auth/password/forgot", "", map[string]any{"email": p.Email}), 202)
	}
	st.MailLink(t, p.Email, "")
	st.WaitStreams(t)
	if n := countMails(t, p.Email, "password"); n != 1 {
		t.Fatalf("%d reset mails for three requests in a row, want 1", n)
	}
}

func TestResetLinkSetsPasswordAndEndsSessions(t *testing.T) {
	p := newActive(t, uniqueEmail("reset"))
	oldAccess, oldRefresh := login(t, p.Email)
	expect(t, call(t, "POST", "/auth/password/forgot", "", map[string]any{"email": p.Email}), 202)
	tok := st.MailLink(t, p.Email, "").Token

	expect(t, call(t, "POST", "/auth/password/reset", "", map[string]any{"token": tok, "newPassword": "short"}), 422, "validation_failed")
	expect(t, call(t, "POST", "/auth/password/reset", "", map[string]any{"token": tok, "newPassword": "a brand new passphrase"}), 204)
	expect(t, call(t, "POST", "/auth/password/reset", "", map[string]any{"token": tok, "newPassword": "yet another passphrase"}), 400, "invalid_token")

	expect(t, call(t, "GET", "/auth/me", oldAccess, nil), 401, "unauthenticated")
	expect(t, call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": oldRefresh}), 401, "unauthenticated")
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": p.Email, "password": password}), 401, "invalid_credentials")
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": p.Email, "password": "a brand new passphrase"}), 200)
	st.WaitStreams(t)
	if n := countMails(t, p.Email, "password"); n < 2 {
		t.Fatalf("%d mails about the password, want the reset link and the change notice", n)
	}
}

func TestChangePasswordGivesFreshTokensAndEndsOthers(t *testing.T) {
	p := newActive(t, uniqueEmail("change"))
	access, refresh := login(t, p.Email)
	expect(t, call(t, "POST", "/auth/password/change", access, map[string]any{"currentPassword": "wrong one!!", "newPassword": "a different passphrase"}), 422, "validation_failed")
	c := call(t, "POST", "/auth/password/change", access, map[string]any{"currentPassword": password, "newPassword": "a different passphrase"})
	expect(t, c, 200)
	expect(t, call(t, "GET", "/auth/me", c.str("accessToken"), nil), 200)
	expect(t, call(t, "GET", "/auth/me", access, nil), 401, "unauthenticated")
	expect(t, call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": refresh}), 401, "unauthenticated")
}

func TestBulkResets(t *testing.T) {
	_, owner := newOwner(t)
	a := newActive(t, uniqueEmail("bulk-a"))
	b := newActive(t, uniqueEmail("bulk-b"))
	setStatus(t, b, "inactive")
	r := call(t, "POST", "/staff/password-resets", owner, map[string]any{"ids": []string{a.ID, b.ID, "01ARZ3NDEKTSV4RRFFQ69G5FAV"}})
	expect(t, r, 202)
	results := r.JSON["results"].([]any)
	want := []string{"queued", "skipped", "skipped"}
	for i, w := range want {
		if results[i].(map[string]any)["status"] != w {
			t.Fatalf("results %s", r.Raw)
		}
	}
	st.MailLink(t, a.Email, "")
	expect(t, call(t, "POST", "/staff/password-resets", owner, map[string]any{"ids": []string{}}), 422, "validation_failed")
}

// Issue 15, finding 4: the current-password check of a password change is
// limited per person like sign-ins per address: after 5 wrong ones the
// sixth attempt is 429 and never reaches Cognito, even with the right one.
func TestPasswordChangeLimitsCurrentPasswordChecks(t *testing.T) {
	p := newActive(t, uniqueEmail("guessing"))
	access, _ := login(t, p.Email)
	for i := 0; i < account.PasswordCheckLimit; i++ {
		expect(t, call(t, "POST", "/auth/password/change", access, map[string]any{
			"currentPassword": "guess number " + strconv.Itoa(i), "newPassword": "a different passphrase"}), 422, "validation_failed")
	}
	expect(t, call(t, "POST", "/auth/password/change", access, map[string]any{"currentPassword": password, "newPassword": "a different passphrase"}), 429, "rate_limited")
}

// setCounter sets (count >= 0) or removes (count < 0) the counter of a rule
// in the current and the previous window, waiting out the last seconds of a
// window first so the test does not straddle two.
func setCounter(t *testing.T, rule ratelimit.Rule, count int) {
	t.Helper()
	l := ratelimit.Limiter{}
	if _, elapsed := l.WindowAt(time.Now()); elapsed > 0.99 {
		time.Sleep(time.Duration((1-elapsed)*float64(ratelimit.DefaultWindow)) + time.Second)
	}
	cur, _ := l.WindowAt(time.Now())
	db := testStore()
	tx := db.Tx()
	for _, w := range []int64{cur, cur - 1} {
		k := store.RateKey(rule.Scope, rule.Key, w)
		if count < 0 {
			tx.Delete(k, nil, nil)
			continue
		}
		n := count
		if w != cur {
			n = 0
		}
		tx.Update(k, expression.Set(expression.Name("count"), expression.Value(n)).
			Set(expression.Name("ttl"), expression.Value(time.Now().Add(time.Hour).Unix())), nil, nil)
	}
	if err := db.Write(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
}

// Forgot-password is limited per source IP and for the whole realm, for
// every address alike (known or not); both realms.
func TestForgotPasswordLimitsPerIPAndOverall(t *testing.T) {
	limits := account.DefaultForgotLimits
	for _, realm := range []struct {
		r    account.Realm
		path string
	}{{account.Staff, "/auth/password/forgot"}, {account.Customer, "/customer-auth/password/forgot"}} {
		rules := realm.r.ForgotRules(limits, "127.0.0.1")
		for i, rule := range rules {
			// One request left under this rule: it passes, the next is refused.
			setCounter(t, rule, rule.Limit-1)
			expect(t, call(t, "POST", realm.path, "", map[string]any{"email": uniqueEmail("forgot")}), 202)
			limited := call(t, "POST", realm.path, "", map[string]any{"email": uniqueEmail("forgot")})
			expect(t, limited, 429, "rate_limited")
			if limited.Header.Get("Retry-After") == "" {
				t.Errorf("%s, rule %d: no Retry-After", realm.path, i)
			}
			for _, r := range rules {
				setCounter(t, r, -1)
			}
		}
	}
}
