//go:build integration

package faults_test

import (
	"context"
	"errors"
	"testing"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/customers"
	"backoffice/shared/directory/directorytest"
	"backoffice/shared/store"
)

// activeCustomer adds a customer whose user lives in dir and accepts the
// invitation from the mail, as the customer routes do.
func activeCustomer(t *testing.T, dir *directorytest.Directory, email string) *store.Customer {
	t.Helper()
	ctx := context.Background()
	svc := &customers.Service{Store: db, Dir: dir, Now: db.Now}
	created, err := svc.Create(ctx, audit.System, "", customers.CreateInput{Fields: customers.Fields{
		Email: &email, FirstName: ptr("Cora"), LastName: ptr("Klant")}}, st.URL)
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	tok := mailToken(t, email, "/accept-invitation")
	acc := &account.Service{Store: db, Dir: dir, Realm: account.Customer, Now: db.Now}
	if err := acc.Accept(ctx, account.AcceptInput{Token: tok, Password: password}, audit.Actor{}); err != nil {
		t.Fatalf("accept %s: %v", email, err)
	}
	c, err := svc.Profile(ctx, created.Customer.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr(s string) *string { return &s }

// Customer deactivation: DynamoDB refuses the customer first, so a failing
// Disable or sign-out leaves no access; the retry completes the directory.
func TestCustomerDeactivateSurvivesDirectoryFailures(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := &customers.Service{Store: db, Dir: dir, Now: db.Now}
	c := activeCustomer(t, dir, uniqueEmail("cust-deact"))
	if _, err := dir.Login(ctx, c.Email, password); err != nil {
		t.Fatal(err)
	}
	dir.FailNext(directorytest.Disable, errCognito)
	if _, err := svc.Deactivate(ctx, audit.System, c.ID, 0); !errors.Is(err, errCognito) {
		t.Fatalf("deactivate with Disable failing: %v", err)
	}
	if a := authRecord(t, c.Sub); a.Status != store.StatusInactive || a.TokensNotBefore == 0 {
		t.Fatalf("after Disable failed DynamoDB must already refuse the customer: %+v", a)
	}
	dir.FailNext(directorytest.SignOutEverywhere, errCognito)
	if _, err := svc.Deactivate(ctx, audit.System, c.ID, 0); !errors.Is(err, errCognito) {
		t.Fatalf("deactivate with SignOutEverywhere failing: %v", err)
	}
	v, err := svc.Deactivate(ctx, audit.System, c.ID, 0)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if u, _ := dir.User(c.Email); v.Status != store.StatusInactive || u.Enabled || u.Sessions != 0 {
		t.Fatalf("after the retry: view %q, user %+v", v.Status, u)
	}
	dir.FailNext(directorytest.Enable, errCognito)
	if _, err := svc.Activate(ctx, audit.System, c.ID, 0); !errors.Is(err, errCognito) {
		t.Fatalf("activate with Enable failing: %v", err)
	}
	if _, err := svc.Activate(ctx, audit.System, c.ID, 0); err != nil {
		t.Fatalf("activate retry: %v", err)
	}
	if u, _ := dir.User(c.Email); !u.Enabled || authRecord(t, c.Sub).Status != store.StatusActive {
		t.Fatalf("after activation: user %+v", u)
	}
}

// Customer delete: with the directory's Delete failing the customer is
// marked deleting (no access, email still claimed); the retry removes every
// item and the user, and the address makes a new account.
func TestCustomerDeleteSurvivesDirectoryFailure(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := &customers.Service{Store: db, Dir: dir, Now: db.Now}
	c := activeCustomer(t, dir, uniqueEmail("cust-del"))

	dir.FailNext(directorytest.Delete, errCognito)
	if err := svc.Delete(ctx, audit.System, c.ID, 0); !errors.Is(err, errCognito) {
		t.Fatalf("delete with the directory failing: %v", err)
	}
	if a := authRecord(t, c.Sub); a.Status == store.StatusActive || a.TokensNotBefore == 0 {
		t.Fatalf("auth record still grants access: %+v", a)
	}
	if !exists(t, store.EmailKey(store.RealmCustomer, c.Email)) {
		t.Fatal("the email claim went before the user did")
	}
	if _, err := svc.Get(ctx, c.ID); err == nil {
		t.Fatal("a customer being deleted is still shown")
	}
	if err := svc.Delete(ctx, audit.System, c.ID, 0); err != nil {
		t.Fatalf("retry: %v", err)
	}
	for name, k := range map[string]store.Key{"profile": store.CustomerKey(c.ID),
		"email claim": store.EmailKey(store.RealmCustomer, c.Email), "auth record": store.AuthKey(c.Sub)} {
		if exists(t, k) {
			t.Errorf("the %s survived the delete", name)
		}
	}
	if _, ok := dir.User(c.Email); ok {
		t.Error("the directory user survived the delete")
	}
	if again := activeCustomer(t, dir, c.Email); again.ID == c.ID || again.Sub == c.Sub {
		t.Fatalf("re-created customer reuses id or user: %+v", again)
	}
}
