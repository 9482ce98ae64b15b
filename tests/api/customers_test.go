//go:build integration

package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// customerLink waits for the newest mail to `to` and returns its token,
// checking the link sends the page to the customer API.
func customerLink(t *testing.T, to string, subject ...string) string {
	t.Helper()
	l := st.MailLink(t, to, strings.Join(subject, ""))
	if !strings.Contains(l.URL, "?for=customer#token=") {
		t.Fatalf("customer mail link does not name the customer API: %q", l.Mail.Text)
	}
	if strings.Contains(strings.ToLower(l.Mail.Subject+l.Mail.Text), "backoffice") {
		t.Errorf("a customer's mail speaks of the backoffice: %q", l.Mail.Subject)
	}
	return l.Token
}

func createCustomer(t *testing.T, token, email string, extra map[string]any) answer {
	t.Helper()
	body := map[string]any{"email": email, "firstName": "Émilie", "lastName": "Dubois", "company": "Pâtisserie Amélie"}
	for k, v := range extra {
		body[k] = v
	}
	return call(t, "POST", "/customers", token, body)
}

// activeCustomer adds a customer through the API, accepts the invitation
// through the customer routes and signs in. It answers the id and token.
func activeCustomer(t *testing.T, owner, email string) (id, access, refresh string) {
	t.Helper()
	a := createCustomer(t, owner, email, nil)
	expect(t, a, 201)
	id = a.JSON["customer"].(map[string]any)["id"].(string)
	tok := customerLink(t, email)
	expect(t, call(t, "POST", "/customer-auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 204)
	in := call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": password})
	expect(t, in, 200)
	return id, in.str("accessToken"), in.str("refreshToken")
}

func TestCustomerLifecycle(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("klant")

	a := createCustomer(t, owner, email, map[string]any{"phone": "+31 20 123 4567", "vatNumber": "nl 8512.34.567 b01",
		"address": map[string]any{"street": "Prinsengracht 1", "postalCode": "1015 DK", "city": "Amsterdam", "country": "nl"},
		"notes":   "Prefers mail.\nPays on time."})
	expect(t, a, 201)
	c := a.JSON["customer"].(map[string]any)
	id := c["id"].(string)
	if a.Header.Get("Location") != "/customers/"+id || c["status"] != "invited" || a.JSON["emailQueued"] != true ||
		c["vatNumber"] != "NL851234567B01" || c["address"].(map[string]any)["country"] != "NL" {
		t.Fatalf("create answer: %s", a.Raw)
	}
	tok := customerLink(t, email)

	// The link belongs to the customer API only.
	expect(t, call(t, "POST", "/auth/invitations/inspect", "", map[string]any{"token": tok}), 400, "invalid_token")
	info := call(t, "POST", "/customer-auth/invitations/inspect", "", map[string]any{"token": tok})
	expect(t, info, 200)
	if info.str("email") != email {
		t.Fatalf("inspect: %s", info.Raw)
	}
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 400, "invalid_token")
	expect(t, call(t, "POST", "/customer-auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 204)

	// A customer signs in to the customer API only.
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": password}), 401, "invalid_credentials")
	in := call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": password})
	expect(t, in, 200)
	user := in.JSON["user"].(map[string]any)
	if user["id"] != id || user["status"] != "active" || user["notes"] != nil {
		t.Fatalf("login user (notes are the shop's, not the customer's): %s", in.Raw)
	}
	access := in.str("accessToken")
	me := call(t, "GET", "/customer-auth/me", access, nil)
	expect(t, me, 200)
	if me.str("company") != "Pâtisserie Amélie" || me.Header.Get("ETag") == "" {
		t.Fatalf("me: %s", me.Raw)
	}
	upd := call(t, "PATCH", "/customer-auth/me", access, map[string]any{"phone": "+49 221 555"}, "If-Match", me.Header.Get("ETag"))
	expect(t, upd, 200)
	if upd.str("phone") != "+49 221 555" {
		t.Fatalf("me update: %s", upd.Raw)
	}
	expect(t, call(t, "PATCH", "/customer-auth/me", access, map[string]any{"email": "x@example.com"}), 422, "validation_failed")
	expect(t, call(t, "PATCH", "/customer-auth/me", access, map[string]any{"phone": "+31 6 1234"}, "If-Match", me.Header.Get("ETag")), 412, "precondition_failed")

	// Cross-pool: neither token passes the other realm's routes.
	_, staffRefresh := login(t, newActive(t, uniqueEmail("colleague")).Email)
	staffAccess, _ := login(t, newActive(t, uniqueEmail("colleague")).Email)
	for _, path := range []string{"/staff", "/customers", "/auth/me", "/roles", "/customers/" + id} {
		if a := call(t, "GET", path, access, nil); a.Status != 401 {
			t.Errorf("customer token on %s: %d %s", path, a.Status, a.Raw)
		}
	}
	for _, r := range [][2]string{{"GET", "/customer-auth/me"}, {"PATCH", "/customer-auth/me"}, {"POST", "/customer-auth/logout"}} {
		if a := call(t, r[0], r[1], staffAccess, map[string]any{}); a.Status != 401 {
			t.Errorf("staff token on %s %s: %d %s", r[0], r[1], a.Status, a.Raw)
		}
	}
	expect(t, call(t, "POST", "/customer-auth/refresh", "", map[string]any{"refreshToken": staffRefresh}), 401)

	// The shop sees the customer, with notes; deactivation ends access at once.
	got := call(t, "GET", "/customers/"+id, owner, nil)
	expect(t, got, 200)
	if got.str("status") != "active" || !strings.Contains(got.str("notes"), "Pays on time") || got.str("lastLoginAt") == "" {
		t.Fatalf("get: %s", got.Raw)
	}
	expect(t, call(t, "POST", "/customers/"+id+"/deactivate", owner, nil), 200)
	expect(t, call(t, "GET", "/customer-auth/me", access, nil), 401)
	expect(t, call(t, "POST", "/customer-auth/refresh", "", map[string]any{"refreshToken": in.str("refreshToken")}), 401)
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": password}), 401, "invalid_credentials")
	expect(t, call(t, "POST", "/customers/"+id+"/activate", owner, nil), 200)
	again := call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": password})
	expect(t, again, 200)

	// Logout ends this token.
	expect(t, call(t, "POST", "/customer-auth/logout", again.str("accessToken"), map[string]any{"refreshToken": again.str("refreshToken")}), 204)
	expect(t, call(t, "GET", "/customer-auth/me", again.str("accessToken"), nil), 401)

	// Delete, then the same address makes a new account.
	expect(t, call(t, "DELETE", "/customers/"+id, owner, nil), 204)
	expect(t, call(t, "GET", "/customers/"+id, owner, nil), 404, "not_found")
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": password}), 401, "invalid_credentials")
	re := createCustomer(t, owner, strings.ToUpper(email), nil)
	expect(t, re, 201)
	if re.JSON["customer"].(map[string]any)["id"] == id {
		t.Fatal("re-created customer kept the old id")
	}
	tok = customerLink(t, email)
	expect(t, call(t, "POST", "/customer-auth/invitations/accept", "", map[string]any{"token": tok, "password": "another long passphrase"}), 204)
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": "another long passphrase"}), 200)
}

func TestCustomerWithoutInvitationGetsOneLater(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("later")
	a := createCustomer(t, owner, email, map[string]any{"sendInvitation": false})
	expect(t, a, 201)
	c := a.JSON["customer"].(map[string]any)
	if a.JSON["emailQueued"] != false || c["status"] != "invited" || c["invitation"] != nil {
		t.Fatalf("create without invitation: %s", a.Raw)
	}
	st.WaitStreams(t)
	if n := countMails(t, email, ""); n != 0 {
		t.Fatalf("%d mails sent without an invitation", n)
	}
	id := c["id"].(string)
	sent := call(t, "POST", "/customers/"+id+"/invitation", owner, nil)
	expect(t, sent, http.StatusAccepted)
	tok := customerLink(t, email)
	got := call(t, "GET", "/customers/"+id, owner, nil)
	if inv, _ := got.JSON["invitation"].(map[string]any); inv == nil || inv["expired"] != false {
		t.Fatalf("invitation not shown after sending: %s", got.Raw)
	}
	expect(t, call(t, "POST", "/customer-auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 204)
	expect(t, call(t, "POST", "/customers/"+id+"/invitation", owner, nil), 409, "conflict")
	// Deactivating someone who never signed in is refused; delete them instead.
	other := createCustomer(t, owner, uniqueEmail("never"), map[string]any{"sendInvitation": false})
	oid := other.JSON["customer"].(map[string]any)["id"].(string)
	expect(t, call(t, "POST", "/customers/"+oid+"/deactivate", owner, nil), 409, "conflict")
	expect(t, call(t, "DELETE", "/customers/"+oid, owner, nil), 204)
}

func TestCustomerEmailsAreUniquePerRealm(t *testing.T) {
	colleague, owner := newOwner(t)
	email := uniqueEmail("dup")
	expect(t, createCustomer(t, owner, email, nil), 201)
	expect(t, createCustomer(t, owner, strings.ToUpper(email), nil), 409, "email_taken")
	// A colleague may also be a customer: the realms have their own addresses.
	expect(t, createCustomer(t, owner, colleague.Email, map[string]any{"sendInvitation": false}), 201)
}

func TestCustomerPatch(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("patch")
	id, access, _ := activeCustomer(t, owner, email)
	cur := call(t, "GET", "/customers/"+id, owner, nil)
	etag := cur.Header.Get("ETag")

	newEmail := uniqueEmail("moved")
	upd := call(t, "PATCH", "/customers/"+id, owner, map[string]any{"email": newEmail, "company": "", "lastName": "Dubois-Martin"}, "If-Match", etag)
	expect(t, upd, 200)
	if upd.str("email") != email || pendingOf(upd)["email"] != newEmail || upd.JSON["company"] != nil || upd.str("lastName") != "Dubois-Martin" {
		t.Fatalf("patch: %s", upd.Raw)
	}
	expect(t, call(t, "PATCH", "/customers/"+id, owner, map[string]any{"firstName": "Stale"}, "If-Match", etag), 412, "precondition_failed")
	// The old address hears of it, naming the new one.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	notice, err := st.WaitMail(ctx, email, "sign-in address")
	if err != nil || !strings.Contains(notice.Text, newEmail) {
		t.Fatalf("no notice to the old address: %v %q", err, notice.Text)
	}
	// The sign-in address stays until the new one confirms it
	// (emailchange_test.go follows it through).
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": password}), 200)
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": newEmail, "password": password}), 401, "invalid_credentials")
	expect(t, call(t, "GET", "/customer-auth/me", access, nil), 200)

	other := uniqueEmail("taken")
	expect(t, createCustomer(t, owner, other, map[string]any{"sendInvitation": false}), 201)
	expect(t, call(t, "PATCH", "/customers/"+id, owner, map[string]any{"email": other}), 409, "email_taken")

	// Clearing the address takes four empty fields.
	expect(t, call(t, "PATCH", "/customers/"+id, owner, map[string]any{"address": map[string]any{"street": "Markt 1", "postalCode": "9000", "city": "Gent", "country": "BE"}}), 200)
	cleared := call(t, "PATCH", "/customers/"+id, owner, map[string]any{"address": map[string]any{"street": "", "postalCode": "", "city": "", "country": ""}})
	expect(t, cleared, 200)
	if cleared.JSON["address"] != nil {
		t.Fatalf("address not cleared: %s", cleared.Raw)
	}
}

func TestCustomerBadInputWritesNothing(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("bad")
	bad := []map[string]any{
		{"email": "not-an-email", "firstName": "A", "lastName": "B"},
		{"email": email, "firstName": "", "lastName": "B"},
		{"email": email, "firstName": "A", "lastName": strings.Repeat("x", 101)},
		{"email": email, "firstName": "A", "lastName": "B", "phone": "call me"},
		{"email": email, "firstName": "A", "lastName": "B", "vatNumber": "12"},
		{"email": email, "firstName": "A", "lastName": "B", "address": map[string]any{"street": "x", "postalCode": "1", "city": "y", "country": "Netherlands"}},
		{"email": email, "firstName": "A", "lastName": "B", "notes": "bell\x07"},
		{"email": email, "firstName": "A", "lastName": "B", "locale": "fr"},
		{"email": email, "firstName": "A\u0000", "lastName": "B"},
	}
	for i, body := range bad {
		if a := call(t, "POST", "/customers", owner, body); a.Status != 422 || a.str("code") != "validation_failed" {
			t.Errorf("case %d: %d %s", i, a.Status, a.Raw)
		}
	}
	expect(t, call(t, "POST", "/customers", owner, map[string]any{"email": email, "firstName": "A", "lastName": "B", "role": "x"}), 422, "validation_failed")
	// None of it was written: the address is still free.
	expect(t, createCustomer(t, owner, email, map[string]any{"sendInvitation": false}), 201)

	for _, path := range []string{"/customers/not-an-id", "/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV"} {
		expect(t, call(t, "GET", path, owner, nil), 404, "not_found")
		expect(t, call(t, "PATCH", path, owner, map[string]any{"firstName": "X"}), 404, "not_found")
		expect(t, call(t, "DELETE", path, owner, nil), 404, "not_found")
	}
	for _, q := range []string{"sort=status", "order=up", "status=deleting", "limit=0", "limit=101", "cursor=abc"} {
		a := call(t, "GET", "/customers?"+q, owner, nil)
		if a.Status != 422 && a.Status != 400 {
			t.Errorf("GET /customers?%s: %d %s", q, a.Status, a.Raw)
		}
	}
}

func TestCustomerPasswordResets(t *testing.T) {
	_, owner := newOwner(t)
	email := uniqueEmail("forgetful")
	id, _, _ := activeCustomer(t, owner, email)

	// Self-service: the staff route knows nothing of customers.
	expect(t, call(t, "POST", "/auth/password/forgot", "", map[string]any{"email": email}), 202)
	expect(t, call(t, "POST", "/customer-auth/password/forgot", "", map[string]any{"email": email}), 202)
	tok := customerLink(t, email, "Reset")
	expect(t, call(t, "POST", "/auth/password/reset", "", map[string]any{"token": tok, "newPassword": "a brand new passphrase"}), 400, "invalid_token")
	expect(t, call(t, "POST", "/customer-auth/password/reset", "", map[string]any{"token": tok, "newPassword": "a brand new passphrase"}), 204)
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": "a brand new passphrase"}), 200)

	// Bulk, by the shop.
	invited := createCustomer(t, owner, uniqueEmail("pending"), map[string]any{"sendInvitation": false})
	pid := invited.JSON["customer"].(map[string]any)["id"].(string)
	a := call(t, "POST", "/customers/password-resets", owner, map[string]any{"ids": []string{id, pid}})
	expect(t, a, 202)
	results := a.JSON["results"].([]any)
	if results[0].(map[string]any)["status"] != "queued" || results[1].(map[string]any)["reason"] != "not_active" {
		t.Fatalf("bulk results: %s", a.Raw)
	}
	bulkLink := customerLink(t, email, "Reset")

	// Asked again within two minutes of the last mail: nothing is sent, and
	// the link already sent keeps working.
	before := countMails(t, email, "reset")
	expect(t, call(t, "POST", "/customer-auth/password/forgot", "", map[string]any{"email": email}), 202)
	st.WaitStreams(t)
	if n := countMails(t, email, "reset"); n != before {
		t.Fatalf("%d reset mails after asking again, want %d", n, before)
	}
	expect(t, call(t, "POST", "/customer-auth/password/reset", "", map[string]any{"token": bulkLink, "newPassword": password}), 204)
}

func TestCustomerListsAreTheirOwn(t *testing.T) {
	_, owner := newOwner(t)
	marker := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	email := "zz" + marker + "@example.com"
	expect(t, createCustomer(t, owner, email, map[string]any{"sendInvitation": false, "firstName": "Zygmunt", "lastName": "Zz" + marker}), 201)
	// A customer is not staff: the staff list does not show them.
	if got := search(t, owner, "zz"+marker, nil); len(got) != 0 {
		t.Fatalf("staff search found a customer: %v", names(got))
	}
	a := call(t, "GET", "/customers?q=zz"+marker, owner, nil)
	expect(t, a, 200)
	if items := a.JSON["items"].([]any); len(items) != 1 || items[0].(map[string]any)["email"] != email {
		t.Fatalf("customer search: %s", a.Raw)
	}
}
