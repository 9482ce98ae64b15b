//go:build integration

package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/infra/emulators"
	"backoffice/shared/auth"
	"backoffice/shared/store"
	"backoffice/shared/tokens"
)

// Subjects of the mails of an address change (English: the test people's
// locale), as the templates in shared/mail write them.
const (
	confirmSubject   = "Confirm your new sign-in address"
	requestedSubject = "is about to change"
	changedSubject   = "was changed"
)

// waitMail waits for the next mail to `to` whose subject contains subject.
func waitMail(t *testing.T, to, subject string) emulators.Mail {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := st.WaitMail(ctx, to, subject)
	if err != nil {
		t.Fatalf("mail to %s (%q): %v", to, subject, err)
	}
	return m
}

// pendingOf is the pendingEmail object of a person's answer (nil: none).
func pendingOf(a answer) map[string]any {
	p, _ := a.JSON["pendingEmail"].(map[string]any)
	return p
}

func loginFails(t *testing.T, path, email string) {
	t.Helper()
	expect(t, call(t, "POST", path, "", map[string]any{"email": email, "password": password}), 401, "invalid_credentials")
}

// A colleague's new address takes effect only once that address confirms
// it with the link mailed to it: until then the old address signs in and
// the new one does not (but is claimed: nobody else can take it); a resend
// kills the first link; the link works once and only on its realm's route;
// after it the new address signs in, the old does not, every earlier
// session ends, and the old address is told at both steps and free again.
func TestStaffEmailChangeWaitsForConfirmation(t *testing.T) {
	_, owner := newOwner(t)
	p := newActive(t, uniqueEmail("mover"))
	access, refresh := login(t, p.Email)
	next := uniqueEmail("moved")

	u := call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"email": strings.ToUpper(next)})
	expect(t, u, 200)
	pending := pendingOf(u)
	if u.str("email") != p.Email || pending == nil || pending["email"] != next || pending["expired"] != false || pending["expiresAt"] == nil {
		t.Fatalf("answer to the change: %s", u.Raw)
	}
	if notice := waitMail(t, p.Email, requestedSubject); !strings.Contains(notice.Text, next) {
		t.Fatalf("the notice to the current address does not name the new one: %q", notice.Text)
	}
	first := st.MailLink(t, next, confirmSubject).Token

	// Nothing moved yet.
	login(t, p.Email)
	loginFails(t, "/auth/login", next)
	expect(t, call(t, "GET", "/auth/me", access, nil), 200)
	expect(t, invite(t, owner, next), 409, "email_taken")
	got := call(t, "GET", "/staff/"+p.ID, owner, nil)
	expect(t, got, 200)
	if got.str("email") != p.Email || pendingOf(got)["email"] != next {
		t.Fatalf("get: %s", got.Raw)
	}
	// Asking for the same address again changes nothing (a resend is its own route).
	again := call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"email": next})
	expect(t, again, 200)
	if again.JSON["version"] != got.JSON["version"] {
		t.Fatalf("the same address again changed the person: %s", again.Raw)
	}

	// A resend: a new link, the first one dies.
	r := call(t, "POST", "/staff/"+p.ID+"/email-change/resend", owner, nil)
	expect(t, r, 202)
	if r.JSON["emailQueued"] != true || r.str("expiresAt") == "" {
		t.Fatalf("resend: %s", r.Raw)
	}
	second := st.MailLink(t, next, confirmSubject).Token
	if second == first {
		t.Fatal("the resend reused the token")
	}
	expect(t, call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": first}), 400, "invalid_token")
	expect(t, call(t, "POST", "/customer-auth/email-change/confirm", "", map[string]any{"token": second}), 400, "invalid_token")

	c := call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": second})
	expect(t, c, 200)
	if c.str("email") != next {
		t.Fatalf("confirm: %s", c.Raw)
	}
	expect(t, call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": second}), 400, "invalid_token")

	// The reverse now.
	expect(t, call(t, "GET", "/auth/me", access, nil), 401, "unauthenticated")
	expect(t, call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": refresh}), 401, "unauthenticated")
	loginFails(t, "/auth/login", p.Email)
	fresh, _ := login(t, next)
	if me := call(t, "GET", "/auth/me", fresh, nil); me.str("email") != next {
		t.Fatalf("me after the change: %s", me.Raw)
	}
	got = call(t, "GET", "/staff/"+p.ID, owner, nil)
	if got.str("email") != next || pendingOf(got) != nil {
		t.Fatalf("get after the change: %s", got.Raw)
	}
	if notice := waitMail(t, p.Email, changedSubject); !strings.Contains(notice.Text, next) {
		t.Fatalf("the old address was not told: %q", notice.Text)
	}
	// The address claim is the person's for good (no expiry left on it),
	// and the old address is free again.
	var claim map[string]any
	if err := testStore().Get(context.Background(), store.EmailKey(store.RealmStaff, next), &claim, true); err != nil || claim["ttl"] != nil || claim["pendingUntil"] != nil || claim["personId"] != p.ID {
		t.Fatalf("claim of the new address: %v %v", claim, err)
	}
	expect(t, invite(t, owner, p.Email), 201)
	expect(t, call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"email": p.Email}), 409, "email_taken")
}

// Cancelling a change frees the address and kills the link; nothing is
// left to cancel or resend afterwards.
func TestStaffEmailChangeCancel(t *testing.T) {
	_, owner := newOwner(t)
	p := newActive(t, uniqueEmail("stay"), auth.AdminRoleID)
	next := uniqueEmail("never")
	expect(t, call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"email": next}), 200)
	tok := st.MailLink(t, next, confirmSubject).Token

	c := call(t, "DELETE", "/staff/"+p.ID+"/email-change", owner, nil)
	expect(t, c, 200)
	if pendingOf(c) != nil || c.str("email") != p.Email {
		t.Fatalf("cancel: %s", c.Raw)
	}
	expect(t, call(t, "DELETE", "/staff/"+p.ID+"/email-change", owner, nil), 409, "conflict")
	expect(t, call(t, "POST", "/staff/"+p.ID+"/email-change/resend", owner, nil), 409, "conflict")
	expect(t, call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": tok}), 400, "invalid_token")
	expect(t, invite(t, owner, next), 201)
	login(t, p.Email)

	// A second change replaces a pending one: the first address is free, its link dead.
	a, b := uniqueEmail("first-ask"), uniqueEmail("second-ask")
	expect(t, call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"email": a}), 200)
	tokA := st.MailLink(t, a, confirmSubject).Token
	u := call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"email": b})
	expect(t, u, 200)
	if pendingOf(u)["email"] != b {
		t.Fatalf("second change: %s", u.Raw)
	}
	expect(t, call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": tokA}), 400, "invalid_token")
	expect(t, invite(t, owner, a), 201)
	tokB := st.MailLink(t, b, confirmSubject).Token
	expect(t, call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": tokB}), 200)
	access, _ := login(t, b)
	if me := call(t, "GET", "/auth/me", access, nil); me.str("email") != b || len(me.JSON["roles"].([]any)) != 1 {
		t.Fatalf("me after the change: %s", me.Raw)
	}

	// Deleting a person frees the address they were moving to.
	q := newActive(t, uniqueEmail("leaving"))
	c2 := uniqueEmail("left-behind")
	expect(t, call(t, "PATCH", "/staff/"+q.ID, owner, map[string]any{"email": c2}), 200)
	tokC := st.MailLink(t, c2, confirmSubject).Token
	expect(t, call(t, "DELETE", "/staff/"+q.ID, owner, nil), 204)
	expect(t, call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": tokC}), 400, "invalid_token")
	expect(t, invite(t, owner, c2), 201)
}

// A change nobody confirms in time dies: the link is invalid_token, the
// person's answer says expired, the address is free for anyone, and a
// resend then finds it taken.
func TestStaffEmailChangeExpires(t *testing.T) {
	_, owner := newOwner(t)
	p := newActive(t, uniqueEmail("slow"))
	next := uniqueEmail("late")
	expect(t, call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"email": next}), 200)
	tok := st.MailLink(t, next, confirmSubject).Token

	// Time passes: every deadline of the change moves into the past.
	past := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	db := testStore()
	tx := db.Tx()
	tx.Update(store.StaffKey(p.ID), expression.Set(expression.Name("pendingEmailExpiresAt"), expression.Value(past)), nil, nil)
	tx.Update(store.EmailKey(store.RealmStaff, next), expression.Set(expression.Name("pendingUntil"), expression.Value(past)), nil, nil)
	tx.Update(store.TokenKey(tokens.Hash(tok)), expression.Set(expression.Name("expiresAt"), expression.Value(past)), nil, nil)
	if err := db.Write(context.Background(), tx); err != nil {
		t.Fatal(err)
	}

	got := call(t, "GET", "/staff/"+p.ID, owner, nil)
	if pendingOf(got)["expired"] != true {
		t.Fatalf("get: %s", got.Raw)
	}
	expect(t, call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": tok}), 400, "invalid_token")
	expect(t, invite(t, owner, next), 201)
	expect(t, call(t, "POST", "/staff/"+p.ID+"/email-change/resend", owner, nil), 409, "email_taken")
	expect(t, call(t, "DELETE", "/staff/"+p.ID+"/email-change", owner, nil), 200)
	login(t, p.Email)
	// The address stays the invitee's.
	expect(t, call(t, "PATCH", "/staff/"+p.ID, owner, map[string]any{"email": next}), 409, "email_taken")
}

// An invited person has never signed in: a new address takes effect at
// once with a new invitation to it, and the old link dies.
func TestInvitedEmailChangeGetsANewInvitation(t *testing.T) {
	_, owner := newOwner(t)
	old := uniqueEmail("typo")
	a := invite(t, owner, old)
	expect(t, a, 201)
	id := a.JSON["staff"].(map[string]any)["id"].(string)
	first := st.MailLink(t, old, "").Token

	fixed := uniqueEmail("fixed")
	u := call(t, "PATCH", "/staff/"+id, owner, map[string]any{"email": fixed})
	expect(t, u, 200)
	if u.str("email") != fixed || pendingOf(u) != nil || u.JSON["invitation"] == nil {
		t.Fatalf("change of an invited person: %s", u.Raw)
	}
	second := st.MailLink(t, fixed, "").Token
	expect(t, call(t, "POST", "/auth/invitations/inspect", "", map[string]any{"token": first}), 400, "invalid_token")
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": first, "password": password}), 400, "invalid_token")
	if info := call(t, "POST", "/auth/invitations/inspect", "", map[string]any{"token": second}); info.str("email") != fixed {
		t.Fatalf("inspect: %s", info.Raw)
	}
	expect(t, invite(t, owner, old), 201) // the old address is free again
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": second, "password": password}), 204)
	login(t, fixed)
}

// Customers' addresses change the same way, on the customer routes, with
// the customer pool and the customer pages.
func TestCustomerEmailChangeWaitsForConfirmation(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("cust-mover")
	id, access, refresh := activeCustomer(t, owner, email)
	next := uniqueEmail("cust-moved")

	u := call(t, "PATCH", "/customers/"+id, owner, map[string]any{"email": next, "company": "Nieuw BV"})
	expect(t, u, 200)
	if u.str("email") != email || pendingOf(u)["email"] != next || u.str("company") != "Nieuw BV" {
		t.Fatalf("patch: %s", u.Raw)
	}
	notice := waitMail(t, email, requestedSubject)
	if !strings.Contains(notice.Text, next) || strings.Contains(strings.ToLower(notice.Text), "backoffice") {
		t.Fatalf("notice to a customer: %q", notice.Text)
	}
	first := customerLink(t, next, confirmSubject)
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": password}), 200)
	loginFails(t, "/customer-auth/login", next)
	expect(t, createCustomer(t, owner, next, map[string]any{"sendInvitation": false}), 409, "email_taken")
	if me := call(t, "GET", "/customer-auth/me", access, nil); pendingOf(me)["email"] != next {
		t.Fatalf("the customer sees the change waiting: %s", me.Raw)
	}

	expect(t, call(t, "POST", "/customers/"+id+"/email-change/resend", owner, nil), 202)
	second := customerLink(t, next, confirmSubject)
	expect(t, call(t, "POST", "/customer-auth/email-change/confirm", "", map[string]any{"token": first}), 400, "invalid_token")
	expect(t, call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": second}), 400, "invalid_token")
	expect(t, call(t, "POST", "/customer-auth/email-change/confirm", "", map[string]any{"token": second}), 200)
	expect(t, call(t, "POST", "/customer-auth/email-change/confirm", "", map[string]any{"token": second}), 400, "invalid_token")

	expect(t, call(t, "GET", "/customer-auth/me", access, nil), 401, "unauthenticated")
	expect(t, call(t, "POST", "/customer-auth/refresh", "", map[string]any{"refreshToken": refresh}), 401, "unauthenticated")
	loginFails(t, "/customer-auth/login", email)
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": next, "password": password}), 200)
	if notice := waitMail(t, email, changedSubject); !strings.Contains(notice.Text, next) {
		t.Fatalf("the old address was not told: %q", notice.Text)
	}
	expect(t, createCustomer(t, owner, email, map[string]any{"sendInvitation": false}), 201)

	// Cancel frees the address and kills the link.
	third := uniqueEmail("cust-never")
	expect(t, call(t, "PATCH", "/customers/"+id, owner, map[string]any{"email": third}), 200)
	tok := customerLink(t, third, confirmSubject)
	c := call(t, "DELETE", "/customers/"+id+"/email-change", owner, nil)
	expect(t, c, 200)
	if pendingOf(c) != nil {
		t.Fatalf("cancel: %s", c.Raw)
	}
	expect(t, call(t, "POST", "/customer-auth/email-change/confirm", "", map[string]any{"token": tok}), 400, "invalid_token")
	expect(t, call(t, "DELETE", "/customers/"+id+"/email-change", owner, nil), 409, "conflict")
	expect(t, createCustomer(t, owner, third, map[string]any{"sendInvitation": false}), 201)

	// A customer who was invited and never signed in: a new invitation at once.
	typo := uniqueEmail("cust-typo")
	a := createCustomer(t, owner, typo, nil)
	expect(t, a, 201)
	invitedID := a.JSON["customer"].(map[string]any)["id"].(string)
	old := customerLink(t, typo)
	fixed := uniqueEmail("cust-fixed")
	u = call(t, "PATCH", "/customers/"+invitedID, owner, map[string]any{"email": fixed})
	expect(t, u, 200)
	if u.str("email") != fixed || pendingOf(u) != nil {
		t.Fatalf("invited customer: %s", u.Raw)
	}
	fresh := customerLink(t, fixed)
	expect(t, call(t, "POST", "/customer-auth/invitations/inspect", "", map[string]any{"token": old}), 400, "invalid_token")
	expect(t, call(t, "POST", "/customer-auth/invitations/accept", "", map[string]any{"token": fresh, "password": password}), 204)
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": fixed, "password": password}), 200)
}
