//go:build integration

package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"backoffice/shared/audit"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

// cognitoClient talks to the test stack's cognito-local directly, as a
// browser holding an access token could talk to Cognito.
func cognitoClient() *cip.Client { return cip.NewFromConfig(st.AWS) }

// staffProfile reads a staff profile straight from the table.
func staffProfile(t *testing.T, id string) store.Staff {
	t.Helper()
	var p store.Staff
	if err := testStore().Get(context.Background(), store.StaffKey(id), &p, true); err != nil {
		t.Fatal(err)
	}
	return p
}

// authRecord reads the auth record of a Cognito sub, and whether it exists.
func authRecord(t *testing.T, sub string) (store.Auth, bool) {
	t.Helper()
	var rec store.Auth
	err := testStore().Get(context.Background(), store.AuthKey(sub), &rec, true)
	if err != nil {
		return rec, false
	}
	return rec, true
}

// inviteStaff invites email through the domain package and returns the
// person's id and the link's token from the mail.
func inviteStaff(t *testing.T, email string) (id, token string) {
	t.Helper()
	db := testStore()
	svc := &staff.Service{Store: db, Now: db.Now}
	inv, err := svc.Invite(context.Background(), audit.System, "Test",
		staff.InviteInput{Email: email, FirstName: "Invited", LastName: "Person"}, st.URL)
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return inv.Staff.ID, st.MailLink(t, email, "").Token
}

// Issue 15, finding 1: a staff member moves their own Cognito address with
// their access token (UpdateUserAttributes: an access token's scope is all
// Cognito asks for, and cognito-local does not even enforce the client's
// WriteAttributes) to an address that is then invited. Accepting that
// invitation must bind nothing of theirs: their auth record keeps naming
// them, and their token never checks as the invitee.
func TestAcceptNeverAdoptsAnotherPersonsCognitoUser(t *testing.T) {
	ctx := context.Background()
	mover := newActive(t, uniqueEmail("mover"))
	access, _ := login(t, mover.Email)
	moverSub := staffProfile(t, mover.ID).Sub

	target := uniqueEmail("invitee")
	if _, err := cognitoClient().UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(access),
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(target)}}}); err != nil {
		t.Logf("UpdateUserAttributes refused: %v", err)
	}

	inviteeID, tok := inviteStaff(t, target)
	accept := call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": "another long password"})
	if accept.Status != 204 && accept.Status != 409 {
		t.Fatalf("accept: %d %s", accept.Status, accept.Raw)
	}

	if rec, ok := authRecord(t, moverSub); !ok || rec.PersonID != mover.ID || rec.Email != mover.Email {
		t.Errorf("the mover's auth record now says %+v (found %v): it must still name the mover", rec, ok)
	}
	me := call(t, "GET", "/auth/me", access, nil)
	if me.Status == 200 && me.str("id") != mover.ID {
		t.Fatalf("the mover's token checks as %s (the invitee is %s): %s", me.str("id"), inviteeID, me.Raw)
	}
	invitee := staffProfile(t, inviteeID)
	if invitee.Sub == moverSub {
		t.Fatalf("the invitee was bound to the mover's Cognito user %s", moverSub)
	}
	switch accept.Status {
	case 204:
		// A Cognito user of the invitee's own: they sign in with their
		// password, and the mover's still works for the mover.
		if invitee.Status != store.StatusActive || invitee.Sub == "" {
			t.Fatalf("accepted invitee: %+v", invitee)
		}
		in := call(t, "POST", "/auth/login", "", map[string]any{"email": target, "password": "another long password"})
		expect(t, in, 200)
		if u := in.JSON["user"].(map[string]any); u["id"] != inviteeID {
			t.Fatalf("the invitee signed in as %v", u["id"])
		}
	case 409:
		if invitee.Status != store.StatusInvited || invitee.Sub != "" {
			t.Fatalf("a refused accept wrote the invitee: %+v", invitee)
		}
	}
	// Signing in with the mover's address (if their Cognito user still has
	// it) is the mover; with the invited address, never the mover.
	for _, email := range []string{mover.Email, target} {
		pw := password
		if email == target {
			pw = "another long password"
		}
		in := call(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": pw})
		if in.Status != 200 {
			continue
		}
		if id := in.JSON["user"].(map[string]any)["id"]; (email == mover.Email) != (id == mover.ID) {
			t.Fatalf("signing in with %s gives person %v (mover %s, invitee %s)", email, id, mover.ID, inviteeID)
		}
	}
}

// createCognitoUser makes a user at email straight in the staff pool, as a
// user made outside the API (personID "") or by an accept that was
// interrupted after it made the user (personID the invitee's), and gives it
// a password; it returns the user's sub.
func createCognitoUser(t *testing.T, email, personID, password string) string {
	t.Helper()
	return createPoolUser(t, st.StaffPoolID, email, personID, password)
}

// createPoolUser is createCognitoUser in the pool poolID.
func createPoolUser(t *testing.T, poolID, email, personID, password string) string {
	t.Helper()
	ctx := context.Background()
	attrs := []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(email)},
		{Name: aws.String("email_verified"), Value: aws.String("true")}}
	if personID != "" {
		attrs = append(attrs, ciptypes.AttributeType{Name: aws.String("custom:personId"), Value: aws.String(personID)})
	}
	idp := cognitoClient()
	out, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String(email),
		MessageAction: ciptypes.MessageActionTypeSuppress, UserAttributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID),
		Username: out.User.Username, Password: aws.String(password), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	for _, a := range out.User.Attributes {
		if aws.ToString(a.Name) == "sub" {
			return aws.ToString(a.Value)
		}
	}
	t.Fatal("no sub")
	return ""
}

// A user at the invited address that was not made for this person (made
// outside the API here) is never bound: the accept answers 409, writes
// nothing, and the link works once the stray user is gone.
func TestAcceptRefusesAForeignUserAtTheAddress(t *testing.T) {
	email := uniqueEmail("stray")
	id, tok := inviteStaff(t, email)
	straySub := createCognitoUser(t, email, "", "the stray's own password")

	refused := call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password})
	expect(t, refused, 409, "email_taken")
	if p := staffProfile(t, id); p.Status != store.StatusInvited || p.Sub != "" {
		t.Fatalf("a refused accept changed the person: %+v", p)
	}
	if rec, ok := authRecord(t, straySub); ok {
		t.Fatalf("the stray user got an auth record: %+v", rec)
	}
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": "the stray's own password"}), 401, "invalid_credentials")

	// An operator removes the stray user: the same link works.
	if _, err := cognitoClient().AdminDeleteUser(context.Background(), &cip.AdminDeleteUserInput{
		UserPoolId: aws.String(st.StaffPoolID), Username: aws.String(straySub)}); err != nil {
		t.Fatal(err)
	}
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 204)
	if p := staffProfile(t, id); p.Status != store.StatusActive || p.Sub == "" || p.Sub == straySub || p.Username == "" {
		t.Fatalf("accepted: %+v", p)
	}
	login(t, email)
}

// A user an interrupted accept made for this very person is reused: bound,
// with the new password, and no token it had before the accept works.
func TestAcceptReusesTheLeftoverUserOfTheSamePerson(t *testing.T) {
	ctx := context.Background()
	email := uniqueEmail("leftover")
	id, tok := inviteStaff(t, email)
	sub := createCognitoUser(t, email, id, "an earlier password")
	// A token of that user from before the accept (cognito-local checks no
	// SECRET_HASH, so none is sent).
	early, err := cognitoClient().AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(st.StaffPoolID),
		ClientId: aws.String(st.StaffClientID), AuthFlow: ciptypes.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": "an earlier password"}})
	if err != nil {
		t.Fatal(err)
	}

	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 204)
	p := staffProfile(t, id)
	if p.Status != store.StatusActive || p.Sub != sub {
		t.Fatalf("the leftover user %s was not bound: %+v", sub, p)
	}
	rec, ok := authRecord(t, sub)
	if !ok || rec.PersonID != id || rec.Username == "" || rec.TokensNotBefore == 0 {
		t.Fatalf("auth record %+v", rec)
	}
	expect(t, call(t, "GET", "/auth/me", aws.ToString(early.AuthenticationResult.AccessToken), nil), 401, "unauthenticated")
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": "an earlier password"}), 401, "invalid_credentials")
	access, _ := login(t, email)
	if me := call(t, "GET", "/auth/me", access, nil); me.Status != 200 || me.str("id") != id {
		t.Fatalf("me: %s", me.Raw)
	}
}

// userAttribute reads one attribute of the staff pool's user at username.
func userAttribute(t *testing.T, username, name string) (string, bool) {
	t.Helper()
	got, err := cognitoClient().AdminGetUser(context.Background(), &cip.AdminGetUserInput{
		UserPoolId: aws.String(st.StaffPoolID), Username: aws.String(username)})
	if err != nil {
		return "", false
	}
	for _, a := range got.UserAttributes {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value), true
		}
	}
	return "", true
}

// What a person can do to their own Cognito user with the access token the
// API gave them (its scope is all Cognito asks of these calls; cognito-local
// also ignores the clients' WriteAttributes) binds nothing to anyone else:
// an email change waits for a code sent to the new address (the pools'
// UserAttributeUpdateSettings), the person id can not be rewritten (it is
// immutable), a password change needs the current password, and a deleted
// user leaves a person the API can still deactivate and delete.
func TestSelfServiceCallsAreHarmless(t *testing.T) {
	ctx := context.Background()
	owner := newActive(t, uniqueEmail("owner"), "owner")
	ownerToken, _ := login(t, owner.Email)
	p := newActive(t, uniqueEmail("self"))
	access, _ := login(t, p.Email)
	username := staffProfile(t, p.ID).Username
	idp := cognitoClient()

	elsewhere := uniqueEmail("elsewhere")
	if _, err := idp.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(access),
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(elsewhere)}}}); err != nil {
		t.Logf("email change refused: %v", err)
	}
	if email, _ := userAttribute(t, username, "email"); email != p.Email {
		t.Errorf("the Cognito address moved to %q without verification", email)
	}
	if v, _ := userAttribute(t, username, "email_verified"); v != "true" {
		t.Errorf("email_verified %q", v)
	}
	login(t, p.Email)
	expect(t, call(t, "POST", "/auth/login", "", map[string]any{"email": elsewhere, "password": password}), 401, "invalid_credentials")

	if _, err := idp.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(access),
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("custom:personId"), Value: aws.String(owner.ID)}}}); err == nil {
		t.Error("custom:personId was rewritten with an access token")
	}
	if id, _ := userAttribute(t, username, "custom:personId"); id != p.ID {
		t.Errorf("custom:personId %q, want %s", id, p.ID)
	}

	if _, err := idp.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: aws.String(access),
		PreviousPassword: aws.String("not the password"), ProposedPassword: aws.String("a password of my own")}); err == nil {
		t.Error("ChangePassword without the current password worked")
	}

	if _, err := idp.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: aws.String(access)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := userAttribute(t, username, "sub"); ok {
		t.Fatal("DeleteUser left the user")
	}
	expect(t, call(t, "POST", "/staff/"+p.ID+"/deactivate", ownerToken, nil), 200)
	expect(t, call(t, "DELETE", "/staff/"+p.ID, ownerToken, nil), 204)
	expect(t, call(t, "GET", "/staff/"+p.ID, ownerToken, nil), 404, "not_found")
}

// customerProfile reads a customer profile straight from the table.
func customerProfile(t *testing.T, id string) store.Customer {
	t.Helper()
	var p store.Customer
	if err := testStore().Get(context.Background(), store.CustomerKey(id), &p, true); err != nil {
		t.Fatal(err)
	}
	return p
}

// The customer accept runs the same rules against its own pool: a user at
// the invited address that was not made for this customer is refused (409,
// nothing written), and a user an interrupted accept made for this very
// customer is bound again, enabled, signed out everywhere: a token it had
// before the accept is refused and its old password no longer signs in.
func TestCustomerAcceptRefusesAStrayAndReusesALeftover(t *testing.T) {
	ctx := context.Background()
	_, owner := newOwner(t)
	invite := func(prefix string) (id, email, tok string) {
		email = uniqueEmail(prefix)
		a := createCustomer(t, owner, email, nil)
		expect(t, a, 201)
		return a.JSON["customer"].(map[string]any)["id"].(string), email, customerLink(t, email)
	}

	id, email, tok := invite("customer-stray")
	straySub := createPoolUser(t, st.CustomerPoolID, email, "", "the stray's own password")
	expect(t, call(t, "POST", "/customer-auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 409, "email_taken")
	if p := customerProfile(t, id); p.Status != store.StatusInvited || p.Sub != "" {
		t.Fatalf("a refused accept changed the customer: %+v", p.Person)
	}
	if rec, ok := authRecord(t, straySub); ok {
		t.Fatalf("the stray user got an auth record: %+v", rec)
	}

	id, email, tok = invite("customer-leftover")
	sub := createPoolUser(t, st.CustomerPoolID, email, id, "an earlier password")
	if _, err := cognitoClient().AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(st.CustomerPoolID), Username: aws.String(email)}); err != nil {
		t.Fatal(err)
	}
	expect(t, call(t, "POST", "/customer-auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 204)
	p := customerProfile(t, id)
	if p.Status != store.StatusActive || p.Sub != sub || p.Username == "" {
		t.Fatalf("the leftover user %s was not bound: %+v", sub, p.Person)
	}
	if rec, ok := authRecord(t, sub); !ok || rec.PersonID != id || rec.Realm != store.RealmCustomer || rec.TokensNotBefore == 0 {
		t.Fatalf("auth record %+v (found %v)", rec, ok)
	}
	expect(t, call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": "an earlier password"}), 401, "invalid_credentials")
	in := call(t, "POST", "/customer-auth/login", "", map[string]any{"email": email, "password": password})
	expect(t, in, 200)
	if me := call(t, "GET", "/customer-auth/me", in.str("accessToken"), nil); me.Status != 200 || me.str("id") != id {
		t.Fatalf("me: %s", me.Raw)
	}
}
