//go:build integration

package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/shared/store"
	"backoffice/shared/tokens"
)

// refreshed mints a new access token from a refresh token.
func refreshed(t *testing.T, refresh string) string {
	t.Helper()
	r := call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": refresh})
	expect(t, r, 200)
	return r.str("accessToken")
}

// sessionsOf lists the session items of a person through the index the
// session model keeps them in.
func sessionsOf(t *testing.T, personID string) []store.Session {
	t.Helper()
	db := testStore()
	cond, err := expression.NewBuilder().WithKeyCondition(expression.Key("gsi1pk").Equal(expression.Value(store.SessionsPartition(personID)))).Build()
	if err != nil {
		t.Fatal(err)
	}
	out, err := db.DB.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(db.Table), IndexName: aws.String(store.IndexByLastName),
		KeyConditionExpression: cond.KeyCondition(), ExpressionAttributeNames: cond.Names(), ExpressionAttributeValues: cond.Values()})
	if err != nil {
		t.Fatal(err)
	}
	var list []store.Session
	for _, item := range out.Items {
		var s store.Session
		if err := store.Unmarshal(item, &s); err != nil {
			t.Fatal(err)
		}
		list = append(list, s)
	}
	return list
}

// Issue 15, finding 3: ending a session refuses every access token minted
// from it, the refreshed ones too, on the very next request; the person's
// other sessions keep working; a repeated logout with the same tokens still
// completes.
func TestEndingASessionRefusesEveryTokenOfIt(t *testing.T) {
	p := newActive(t, uniqueEmail("sessions"))
	accessA, refreshA := login(t, p.Email)
	accessB, refreshB := login(t, p.Email)
	renewedA := refreshed(t, refreshA)
	expect(t, call(t, "GET", "/auth/me", renewedA, nil), 200)
	if n := len(sessionsOf(t, p.ID)); n != 2 {
		t.Fatalf("%d sessions listed for the person, want 2", n)
	}

	expect(t, call(t, "POST", "/auth/logout", accessA, map[string]any{"refreshToken": refreshA}), 204)
	for name, tok := range map[string]string{"the login's token": accessA, "a refreshed token": renewedA} {
		if a := call(t, "GET", "/auth/me", tok, nil); a.Status != 401 || a.str("code") != "unauthenticated" {
			t.Errorf("%s of the ended session: %d %s", name, a.Status, a.Raw)
		}
	}
	expect(t, call(t, "POST", "/auth/refresh", "", map[string]any{"refreshToken": refreshA}), 401, "unauthenticated")

	// The other session is untouched.
	expect(t, call(t, "GET", "/auth/me", accessB, nil), 200)
	renewedB := refreshed(t, refreshB)
	expect(t, call(t, "GET", "/auth/me", renewedB, nil), 200)
	if list := sessionsOf(t, p.ID); len(list) != 1 || list[0].PK != store.SessionKey(tokens.Hash(refreshB)).PK {
		t.Fatalf("sessions after the logout: %+v", list)
	}

	// The logout's answer was lost: the same request again completes.
	expect(t, call(t, "POST", "/auth/logout", accessA, map[string]any{"refreshToken": refreshA}), 204)
	// A token of an ended session can not end another one.
	expect(t, call(t, "POST", "/auth/logout", renewedA, map[string]any{"refreshToken": refreshB}), 401, "unauthenticated")
	expect(t, call(t, "GET", "/auth/me", renewedB, nil), 200)
}

// Deleting a person deletes their sessions.
func TestDeletingAPersonDeletesTheirSessions(t *testing.T) {
	ownerP := newActive(t, uniqueEmail("owner"), "owner")
	owner, _ := login(t, ownerP.Email)
	p := newActive(t, uniqueEmail("deleted"))
	login(t, p.Email)
	_, refresh := login(t, p.Email)
	if n := len(sessionsOf(t, p.ID)); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	expect(t, call(t, "DELETE", "/staff/"+p.ID, owner, nil), 204)
	if list := sessionsOf(t, p.ID); len(list) != 0 {
		t.Fatalf("sessions left after the delete: %+v", list)
	}
	var s store.Session
	if err := testStore().Get(context.Background(), store.SessionKey(tokens.Hash(refresh)), &s, true); err == nil {
		t.Fatalf("session item left: %+v", s)
	}
}
