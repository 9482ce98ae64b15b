//go:build integration

package faults_test

import (
	"context"
	"errors"
	"testing"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory/directorytest"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/shared/tokens"
)

// Confirming a new sign-in address: with Cognito failing nothing changes;
// with the transaction after Cognito failing, the Cognito address is moved
// back; either way the link stays usable, and the retry moves the address
// in the directory and the table alike (profile, auth record, both claims).
func TestEmailConfirmSurvivesFailures(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	caller, actor := owner()
	p := active(t, svc, uniqueEmail("ec-old"), auth.AdminRoleID)
	next := uniqueEmail("ec-new")
	if _, err := svc.UpdateAs(ctx, caller, actor, p.ID, staff.Update{Email: &next}, 0, st.URL); err != nil {
		t.Fatal(err)
	}
	if dir.Calls(directorytest.ChangeEmail) != 0 {
		t.Fatal("asking for a new address called the directory")
	}
	tok := mailToken(t, next, "/confirm-email")
	unchanged := func(step string) {
		t.Helper()
		if _, ok := dir.User(p.Email); !ok {
			t.Fatalf("%s: the user is not at the old address", step)
		}
		if _, ok := dir.User(next); ok {
			t.Fatalf("%s: a user is at the new address", step)
		}
		var tk store.Token
		if err := db.Get(ctx, store.TokenKey(tokens.Hash(tok)), &tk, true); err != nil || tk.ClaimID != "" || tk.UsedAt != "" {
			t.Fatalf("%s: the token is claimed or used: %+v %v", step, tk, err)
		}
		if got := profile(t, p.ID); got.Email != p.Email || got.PendingEmail != next || authRecord(t, p.Sub).Email != p.Email {
			t.Fatalf("%s: the table moved: %+v", step, got.Person)
		}
	}

	dir.FailNext(directorytest.ChangeEmail, errCognito)
	if _, err := accounts(svc).ConfirmEmail(ctx, tok, audit.Actor{}); !errors.Is(err, errCognito) {
		t.Fatalf("confirm with the directory failing: %v", err)
	}
	unchanged("directory failing")

	// Transactions of a confirmation: 1 claims the token, 2 moves everything.
	broken := &account.Service{Store: storeFailingTx(2), Dir: dir, Realm: account.Staff, Now: db.Now}
	if _, err := broken.ConfirmEmail(ctx, tok, audit.Actor{}); err == nil {
		t.Fatal("confirm succeeded although its transaction failed")
	}
	unchanged("transaction failing")

	done, err := accounts(svc).ConfirmEmail(ctx, tok, audit.Actor{})
	if err != nil || done.Email != next {
		t.Fatalf("retry: %+v %v", done, err)
	}
	if _, ok := dir.User(next); !ok {
		t.Fatal("the user did not move to the new address")
	}
	got := profile(t, p.ID)
	if got.Email != next || got.PendingEmail != "" || got.PendingEmailHash != "" || authRecord(t, p.Sub).Email != next {
		t.Fatalf("after the retry: %+v", got.Person)
	}
	if m, ok := member(t, auth.AdminRoleID, p.ID); !ok || m.GSI3SK == "" || m.GSI3SK[:len(next)] != next {
		t.Fatalf("the role member item keeps the old address in its sort key: %+v", m)
	}
	if exists(t, store.EmailKey(store.RealmStaff, p.Email)) {
		t.Fatal("the old address is still claimed")
	}
	var claim store.EmailClaim
	if err := db.Get(ctx, store.EmailKey(store.RealmStaff, next), &claim, true); err != nil || claim.PersonID != p.ID || claim.PendingUntil != "" || claim.TTL != 0 {
		t.Fatalf("claim of the new address: %+v %v", claim, err)
	}
	if _, err := accounts(svc).ConfirmEmail(ctx, tok, audit.Actor{}); err == nil {
		t.Fatal("the link worked twice")
	}
}
