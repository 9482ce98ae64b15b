//go:build integration

package faults_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory/directorytest"
	"backoffice/shared/problem"
	"backoffice/shared/session"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/shared/tokens"
)

// Accept: Cognito failing at EnsureUser, then at SetPassword, leaves the
// invitation usable and the person invited; the retry activates them with an
// auth record under the directory's sub.
func TestAcceptSurvivesDirectoryFailures(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	email := uniqueEmail("accept")
	id, tok := invited(t, svc, email, auth.AdminRoleID)
	in := account.AcceptInput{Token: tok, Password: password}

	for _, step := range []string{directorytest.EnsureUser, directorytest.SetPassword} {
		dir.FailNext(step, errCognito)
		if err := accounts(svc).Accept(ctx, in, audit.Actor{}); !errors.Is(err, errCognito) {
			t.Fatalf("accept with %s failing: %v, want the directory's error", step, err)
		}
		if _, err := accounts(svc).Inspect(ctx, tok); err != nil {
			t.Fatalf("after %s failed the link is dead: %v", step, err)
		}
		var tk store.Token
		if err := db.Get(ctx, store.TokenKey(tokens.Hash(tok)), &tk, true); err != nil || tk.ClaimID != "" || tk.UsedAt != "" {
			t.Fatalf("after %s failed the token is still claimed or used: %+v %v", step, tk, err)
		}
		if p := profile(t, id); p.Status != store.StatusInvited || p.Sub != "" {
			t.Fatalf("after %s failed the person is %q (sub %q)", step, p.Status, p.Sub)
		}
	}
	// SetPassword failed after EnsureUser made the user: that user is a
	// leftover, with no auth record pointing at it.
	left, ok := dir.User(email)
	if !ok || exists(t, store.AuthKey(left.Sub)) {
		t.Fatalf("leftover user %+v %v, or an auth record for it already", left, ok)
	}

	if err := accounts(svc).Accept(ctx, in, audit.Actor{}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	p := profile(t, id)
	u, _ := dir.User(email)
	if p.Status != store.StatusActive || p.Sub != left.Sub || u.Sub != left.Sub || !u.Enabled || u.Password != password {
		t.Fatalf("after the retry: person %q sub %q, user %+v (the leftover user must be reused)", p.Status, p.Sub, u)
	}
	a := authRecord(t, p.Sub)
	if a.Status != store.StatusActive || a.PersonID != id || a.Email != email || a.Realm != store.RealmStaff || len(a.RoleIDs) != 1 || a.RoleIDs[0] != auth.AdminRoleID {
		t.Fatalf("auth record %+v", a)
	}
	if m, ok := member(t, auth.AdminRoleID, id); !ok || m.GSI1PK != store.RoleStaffPartition(auth.AdminRoleID, store.StatusActive) {
		t.Fatalf("member item %+v %v", m, ok)
	}
	if dir.Users() != 1 || dir.Calls(directorytest.EnsureUser) != 3 || dir.Calls(directorytest.SetPassword) != 2 {
		t.Fatalf("users %d, EnsureUser %d, SetPassword %d", dir.Users(), dir.Calls(directorytest.EnsureUser), dir.Calls(directorytest.SetPassword))
	}
	if _, err := accounts(svc).Inspect(ctx, tok); !errors.Is(err, problem.InvalidToken) {
		t.Fatalf("the used link still works: %v", err)
	}
	if err := accounts(svc).Accept(ctx, in, audit.Actor{}); !errors.Is(err, problem.InvalidToken) {
		t.Fatalf("second accept: %v", err)
	}
}

// Accept: the directory succeeds but the final DynamoDB transaction fails.
// The claim is released and the retry reuses the user made the first time.
func TestAcceptSurvivesTransactionFailureAfterDirectory(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	email := uniqueEmail("accept-tx")
	id, tok := invited(t, service(dir), email)
	// Transactions of an accept: 1 claim, 2 activate, 3 release.
	broken := &staff.Service{Store: storeFailingTx(2), Dir: dir, Now: db.Now}
	if err := accounts(broken).Accept(ctx, account.AcceptInput{Token: tok, Password: password}, audit.Actor{}); err == nil {
		t.Fatal("accept succeeded although its transaction failed")
	}
	first, ok := dir.User(email)
	if !ok || profile(t, id).Status != store.StatusInvited || exists(t, store.AuthKey(first.Sub)) {
		t.Fatalf("after the failed transaction: user %+v %v, person %q", first, ok, profile(t, id).Status)
	}
	if err := accounts(service(dir)).Accept(ctx, account.AcceptInput{Token: tok, Password: password}, audit.Actor{}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if p := profile(t, id); p.Status != store.StatusActive || p.Sub != first.Sub || dir.Users() != 1 {
		t.Fatalf("person %q sub %q, want sub %q; users %d", p.Status, p.Sub, first.Sub, dir.Users())
	}
	if a := authRecord(t, first.Sub); a.Status != store.StatusActive {
		t.Fatalf("auth record %+v", a)
	}
}

// Deactivate: DynamoDB first. With Disable failing, then SignOutEverywhere
// failing, DynamoDB already refuses the person; the retry finishes the
// directory's part, and the seat is given back exactly once.
func TestDeactivateSurvivesDirectoryFailures(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	caller, actor := owner()
	p := active(t, svc, uniqueEmail("deact"), auth.AdminRoleID)
	if _, err := dir.Login(ctx, p.Email, password); err != nil {
		t.Fatal(err)
	}
	before := settings(t)

	dir.FailNext(directorytest.Disable, errCognito)
	if _, err := svc.Deactivate(ctx, caller, actor, p.ID, 0); !errors.Is(err, errCognito) {
		t.Fatalf("deactivate with Disable failing: %v", err)
	}
	a := authRecord(t, p.Sub)
	if profile(t, p.ID).Status != store.StatusInactive || a.Status != store.StatusInactive || a.TokensNotBefore == 0 {
		t.Fatalf("after Disable failed DynamoDB must already refuse the person: profile %q, auth %+v", profile(t, p.ID).Status, a)
	}
	if m, _ := member(t, auth.AdminRoleID, p.ID); m.GSI1PK != store.RoleStaffPartition(auth.AdminRoleID, store.StatusInactive) {
		t.Fatalf("member item still lists the person under %q", m.GSI1PK)
	}
	if u, _ := dir.User(p.Email); !u.Enabled {
		t.Fatal("a failed Disable disabled the user")
	}

	dir.FailNext(directorytest.SignOutEverywhere, errCognito)
	if _, err := svc.Deactivate(ctx, caller, actor, p.ID, 0); !errors.Is(err, errCognito) {
		t.Fatalf("deactivate with SignOutEverywhere failing: %v", err)
	}
	if u, _ := dir.User(p.Email); u.Enabled || u.Sessions != 1 {
		t.Fatalf("after SignOutEverywhere failed: user %+v, want disabled with its session", u)
	}
	if again := authRecord(t, p.Sub); again.Status != store.StatusInactive || again.TokensNotBefore < a.TokensNotBefore {
		t.Fatalf("auth record %+v", again)
	}

	v, err := svc.Deactivate(ctx, caller, actor, p.ID, 0)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if u, _ := dir.User(p.Email); v.Status != store.StatusInactive || u.Enabled || u.Sessions != 0 {
		t.Fatalf("after the retry: view %q, user %+v", v.Status, u)
	}
	if after := settings(t); after.SeatsUsed != before.SeatsUsed-1 || after.ActiveOwners != before.ActiveOwners {
		t.Fatalf("seats %d → %d, owners %d → %d: three attempts must free exactly one seat",
			before.SeatsUsed, after.SeatsUsed, before.ActiveOwners, after.ActiveOwners)
	}
	if dir.Calls(directorytest.Disable) != 3 || dir.Calls(directorytest.SignOutEverywhere) != 2 {
		t.Fatalf("Disable %d, SignOutEverywhere %d", dir.Calls(directorytest.Disable), dir.Calls(directorytest.SignOutEverywhere))
	}
}

// Activate: the emulator ignores the disabled flag, so only the fake proves
// Enable is called; with Enable failing, the retry calls it again and the
// seat is taken once.
func TestActivateEnablesTheUser(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	caller, actor := owner()
	p := active(t, svc, uniqueEmail("act"))
	if _, err := svc.Deactivate(ctx, caller, actor, p.ID, 0); err != nil {
		t.Fatal(err)
	}
	before := settings(t)
	enables := dir.Calls(directorytest.Enable)

	dir.FailNext(directorytest.Enable, errCognito)
	if _, err := svc.Activate(ctx, caller, actor, p.ID, 0); !errors.Is(err, errCognito) {
		t.Fatalf("activate with Enable failing: %v", err)
	}
	if u, _ := dir.User(p.Email); u.Enabled {
		t.Fatal("a failed Enable enabled the user")
	}
	v, err := svc.Activate(ctx, caller, actor, p.ID, 0)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if dir.Calls(directorytest.Enable) != enables+2 {
		t.Fatalf("Enable called %d times, want 2", dir.Calls(directorytest.Enable)-enables)
	}
	if u, _ := dir.User(p.Email); v.Status != store.StatusActive || !u.Enabled || authRecord(t, p.Sub).Status != store.StatusActive {
		t.Fatalf("after the retry: view %q, user %+v", v.Status, u)
	}
	if after := settings(t); after.SeatsUsed != before.SeatsUsed+1 {
		t.Fatalf("seats %d → %d: two attempts must take exactly one seat", before.SeatsUsed, after.SeatsUsed)
	}
	if _, err := dir.Login(ctx, p.Email, password); err != nil {
		t.Fatalf("login after activation: %v", err)
	}
}

// Delete: with the directory's Delete failing the person is half gone
// (deleting, no access, email still claimed); the retry removes every item
// and the user, and the address can be invited again.
func TestDeleteSurvivesDirectoryFailure(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	caller, actor := owner()
	members := role(t, auth.AdminRoleID).MemberCount
	p := active(t, svc, uniqueEmail("del"), auth.AdminRoleID)
	sessions := &session.Service{Store: db, Dir: dir, Realm: store.RealmStaff, Limits: session.DefaultLimits,
		RefreshLifetime: 24 * time.Hour, Now: db.Now, Sleep: sleep}
	in, err := sessions.Login(ctx, p.Email, password, session.Client{IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("login before the delete: %v", err)
	}
	sessionKey := store.SessionKey(tokens.Hash(in.Tokens.RefreshToken))
	before := settings(t)

	dir.FailNext(directorytest.Delete, errCognito)
	if err := svc.Delete(ctx, caller, actor, p.ID, 0); !errors.Is(err, errCognito) {
		t.Fatalf("delete with the directory failing: %v", err)
	}
	if got := profile(t, p.ID); got.Status != store.StatusDeleting {
		t.Fatalf("person is %q, want deleting", got.Status)
	}
	if a := authRecord(t, p.Sub); a.Status == store.StatusActive || a.TokensNotBefore == 0 {
		t.Fatalf("auth record still grants access: %+v", a)
	}
	if _, err := sessions.Login(ctx, p.Email, password, session.Client{IP: "192.0.2.1"}); !errors.Is(err, problem.InvalidCredentials) {
		t.Fatalf("login of a person being deleted: %v", err)
	}
	if _, err := svc.Invite(ctx, audit.System, "Faults", staff.InviteInput{Email: p.Email, FirstName: "Fay", LastName: "Again"}, st.URL); !errors.Is(err, problem.EmailTaken) {
		t.Fatalf("re-invite while deleting: %v, want email_taken", err)
	}
	if after := settings(t); after.SeatsUsed != before.SeatsUsed-1 {
		t.Fatalf("seats %d → %d: marking deleting frees the seat", before.SeatsUsed, after.SeatsUsed)
	}

	if err := svc.Delete(ctx, caller, actor, p.ID, 0); err != nil {
		t.Fatalf("retry: %v", err)
	}
	for name, k := range map[string]store.Key{
		"profile": store.StaffKey(p.ID), "email claim": store.EmailKey(store.RealmStaff, p.Email),
		"auth record": store.AuthKey(p.Sub), "member item": store.RoleMemberKey(auth.AdminRoleID, p.ID),
		"session": sessionKey,
	} {
		if exists(t, k) {
			t.Errorf("the %s survived the delete", name)
		}
	}
	if _, ok := dir.User(p.Email); ok {
		t.Error("the directory user survived the delete")
	}
	if n := role(t, auth.AdminRoleID).MemberCount; n != members {
		t.Errorf("admin memberCount %d, want %d as before the person", n, members)
	}
	if after := settings(t); after.SeatsUsed != before.SeatsUsed-1 {
		t.Errorf("seats %d → %d: the retry must not free the seat again", before.SeatsUsed, after.SeatsUsed)
	}
	id, tok := invited(t, svc, p.Email)
	if err := accounts(svc).Accept(ctx, account.AcceptInput{Token: tok, Password: "a fresh passphrase"}, audit.Actor{}); err != nil {
		t.Fatalf("accepting the new invitation of the same address: %v", err)
	}
	if again := profile(t, id); again.Status != store.StatusActive || again.Sub == p.Sub {
		t.Fatalf("re-invited person %q with sub %q (old %q)", again.Status, again.Sub, p.Sub)
	}
}

// Delete: the directory's user is gone but the final DynamoDB transaction
// fails; the retry treats the missing user as deleted and finishes.
func TestDeleteSurvivesTransactionFailureAfterDirectory(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	caller, actor := owner()
	p := active(t, service(dir), uniqueEmail("del-tx"))
	// Transactions of a delete of an active person: 1 mark deleting, 2 remove.
	broken := &staff.Service{Store: storeFailingTx(2), Dir: dir, Now: db.Now}
	if err := broken.Delete(ctx, caller, actor, p.ID, 0); err == nil {
		t.Fatal("delete succeeded although its last transaction failed")
	}
	if _, ok := dir.User(p.Email); ok || profile(t, p.ID).Status != store.StatusDeleting {
		t.Fatalf("after the failed transaction: user exists %v, person %q", ok, profile(t, p.ID).Status)
	}
	if err := service(dir).Delete(ctx, caller, actor, p.ID, 0); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if exists(t, store.StaffKey(p.ID)) || exists(t, store.EmailKey(store.RealmStaff, p.Email)) || exists(t, store.AuthKey(p.Sub)) {
		t.Fatal("items survived the retried delete")
	}
	if _, err := service(dir).Invite(ctx, audit.System, "Faults", staff.InviteInput{Email: p.Email, FirstName: "Fay", LastName: "Again"}, st.URL); err != nil {
		t.Fatalf("re-invite: %v", err)
	}
}

// Password reset: with SetPassword failing the reset link stays usable (the
// sessions have ended: that comes first, TestResetEndsSessionsBeforeThePasswordIsSet);
// the retry sets the password and moves tokensNotBefore again.
func TestResetSurvivesDirectoryFailure(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	p := active(t, svc, uniqueEmail("reset"))
	notBefore := authRecord(t, p.Sub).TokensNotBefore
	if err := accounts(svc).Forgot(ctx, audit.Actor{}, p.Email, st.URL); err != nil {
		t.Fatal(err)
	}
	tok := mailToken(t, p.Email, "/reset-password")
	const next = "a brand new passphrase"

	dir.FailNext(directorytest.SetPassword, errCognito)
	if err := accounts(svc).Reset(ctx, account.ResetInput{Token: tok, NewPassword: next}, audit.Actor{}); !errors.Is(err, errCognito) {
		t.Fatalf("reset with SetPassword failing: %v", err)
	}
	var tk store.Token
	if err := db.Get(ctx, store.TokenKey(tokens.Hash(tok)), &tk, true); err != nil || tk.ClaimID != "" || tk.UsedAt != "" {
		t.Fatalf("after the failure the reset token is claimed or used: %+v %v", tk, err)
	}
	if got := profile(t, p.ID); got.ResetHash != tokens.Hash(tok) {
		t.Fatal("after the failure the person no longer points at the reset token")
	}
	if u, _ := dir.User(p.Email); u.Password != password {
		t.Fatal("a failed SetPassword changed the password")
	}

	// tokensNotBefore has whole seconds: make sure the retry is in a later one.
	notBefore = authRecord(t, p.Sub).TokensNotBefore
	time.Sleep(time.Until(time.Unix(notBefore+1, 0)))
	if err := accounts(svc).Reset(ctx, account.ResetInput{Token: tok, NewPassword: next}, audit.Actor{}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if a := authRecord(t, p.Sub); a.TokensNotBefore <= notBefore {
		t.Fatalf("tokensNotBefore %d → %d: the reset must end older tokens", notBefore, a.TokensNotBefore)
	}
	if u, _ := dir.User(p.Email); u.Password != next {
		t.Fatal("the retry did not set the new password")
	}
	if got := profile(t, p.ID); got.ResetHash != "" {
		t.Fatal("the used reset token is still the person's current one")
	}
	if err := accounts(svc).Reset(ctx, account.ResetInput{Token: tok, NewPassword: "yet another passphrase"}, audit.Actor{}); !errors.Is(err, problem.InvalidToken) {
		t.Fatalf("second use of the reset link: %v", err)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// Two owners deactivate each other at once while they are the only active
// owners. Called on the service (no caller check in front that could refuse
// the later one first), the owner counter's "> 1" condition is what must
// stop the second: exactly one succeeds, the other gets last_owner.
func TestOwnersDeactivatingEachOtherKeepOne(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	a := active(t, svc, uniqueEmail("owner-a"), auth.OwnerRoleID)
	b := active(t, svc, uniqueEmail("owner-b"), auth.OwnerRoleID)
	// This stack's own owner never accepted its invitation, so a and b are
	// the only active owners; the counter says so too.
	if n := settings(t).ActiveOwners; n != 2 {
		t.Fatalf("activeOwners %d, want 2 (a and b)", n)
	}
	callerOf := func(p *store.Staff) (*auth.Caller, audit.Actor) {
		return &auth.Caller{PersonID: p.ID, Email: p.Email, RoleIDs: p.RoleIDs}, audit.Actor{ID: p.ID, Email: p.Email}
	}
	errs := make([]error, 2)
	start := make(chan struct{})
	done := make(chan int)
	for i, pair := range [][2]*store.Staff{{a, b}, {b, a}} {
		go func() {
			c, act := callerOf(pair[0])
			<-start
			_, errs[i] = svc.Deactivate(ctx, c, act, pair[1].ID, 0)
			done <- i
		}()
	}
	close(start)
	<-done
	<-done
	ok, lastOwner := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, problem.LastOwner):
			lastOwner++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || lastOwner != 1 {
		t.Fatalf("results %v: want one success and one last_owner", errs)
	}
	activeOwners := 0
	for _, p := range []*store.Staff{a, b} {
		if profile(t, p.ID).Status == store.StatusActive {
			activeOwners++
		}
	}
	if n := settings(t).ActiveOwners; activeOwners != 1 || n != 1 {
		t.Fatalf("%d owners active, counter %d: want 1 and 1", activeOwners, n)
	}
}

// accounts runs the flows staff share with customers on svc's store and directory.
func accounts(svc *staff.Service) *account.Service {
	return &account.Service{Store: svc.Store, Dir: svc.Dir, Realm: account.Staff, Now: svc.Now}
}
