//go:build integration

package faults_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/directory/directorytest"
	"backoffice/shared/problem"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/shared/tokens"
)

// crashAfter fails the first transaction once armed reports true: a
// function that dies (or loses DynamoDB) after the step armed watches.
type crashAfter struct {
	store.DB
	armed func() bool
	fired atomic.Bool
}

func (c *crashAfter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if c.armed() && c.fired.CompareAndSwap(false, true) {
		return nil, errors.New("dynamodb: injected failure after the directory")
	}
	return c.DB.TransactWriteItems(ctx, in, opts...)
}

// afterSetPassword is a staff service whose first transaction after the
// directory's next SetPassword fails.
func afterSetPassword(dir *directorytest.Directory) *staff.Service {
	n := dir.Calls(directorytest.SetPassword)
	broken := &crashAfter{DB: db.DB, armed: func() bool { return dir.Calls(directorytest.SetPassword) > n }}
	return &staff.Service{Store: store.New(broken, db.Table), Dir: dir, Now: db.Now}
}

// nextSecond waits until the second after notBefore: tokensNotBefore has
// whole seconds.
func nextSecond(notBefore int64) { time.Sleep(time.Until(time.Unix(notBefore+1, 0))) }

// A reset whose transaction never lands after Cognito took the new password
// (the function died there) has ended every session all the same: the
// sessions are ended before the password is set. The link still works and
// its retry finishes the reset.
func TestResetEndsSessionsBeforeThePasswordIsSet(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	p := active(t, svc, uniqueEmail("reset-order"))
	notBefore := authRecord(t, p.Sub).TokensNotBefore
	if err := accounts(svc).Forgot(ctx, audit.Actor{}, p.Email, st.URL); err != nil {
		t.Fatal(err)
	}
	tok := mailToken(t, p.Email, "/reset-password")
	const next = "a brand new passphrase"
	nextSecond(notBefore)

	if err := accounts(afterSetPassword(dir)).Reset(ctx, account.ResetInput{Token: tok, NewPassword: next}, audit.Actor{}); err == nil {
		t.Fatal("the reset succeeded although its transaction failed")
	}
	if u, _ := dir.User(p.Email); u.Password != next {
		t.Fatal("the directory did not get the new password")
	}
	if a := authRecord(t, p.Sub); a.TokensNotBefore <= notBefore {
		t.Fatalf("the password is set but tokensNotBefore stayed %d: older sessions live on", a.TokensNotBefore)
	}
	if err := accounts(svc).Reset(ctx, account.ResetInput{Token: tok, NewPassword: next}, audit.Actor{}); err != nil {
		t.Fatalf("retry with the same link: %v", err)
	}
	var tk store.Token
	if err := db.Get(ctx, store.TokenKey(tokens.Hash(tok)), &tk, true); err != nil || tk.UsedAt == "" {
		t.Fatalf("after the retry the token is not used: %+v %v", tk, err)
	}
}

// Cognito refusing the new password (its policy) keeps the link usable and
// the password as it was; the sessions have ended already (they end before
// Cognito is asked).
func TestResetRefusedByThePolicyKeepsTheLink(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	p := active(t, svc, uniqueEmail("reset-policy"))
	notBefore := authRecord(t, p.Sub).TokensNotBefore
	if err := accounts(svc).Forgot(ctx, audit.Actor{}, p.Email, st.URL); err != nil {
		t.Fatal(err)
	}
	tok := mailToken(t, p.Email, "/reset-password")
	nextSecond(notBefore)
	dir.FailNext(directorytest.SetPassword, problem.Invalid(problem.WeakPassword("password")))
	err := accounts(svc).Reset(ctx, account.ResetInput{Token: tok, NewPassword: "a refused passphrase"}, audit.Actor{})
	if pe, ok := problem.As(err); !ok || len(pe.Fields) == 0 || pe.Fields[0].Field != "newPassword" || pe.Fields[0].Code != problem.CodeWeakPassword {
		t.Fatalf("refused password: %v, want 422 weak_password on newPassword", err)
	}
	if u, _ := dir.User(p.Email); u.Password != password {
		t.Fatal("a refused password changed the password")
	}
	if a := authRecord(t, p.Sub); a.TokensNotBefore <= notBefore {
		t.Fatalf("tokensNotBefore stayed %d: the sessions must end before Cognito is asked", a.TokensNotBefore)
	}
	var tk store.Token
	if err := db.Get(ctx, store.TokenKey(tokens.Hash(tok)), &tk, true); err != nil || tk.ClaimID != "" || tk.UsedAt != "" {
		t.Fatalf("after the refusal the token is claimed or used: %+v %v", tk, err)
	}
	if err := accounts(svc).Reset(ctx, account.ResetInput{Token: tok, NewPassword: "an accepted passphrase"}, audit.Actor{}); err != nil {
		t.Fatalf("the link after a refused password: %v", err)
	}
}

// The same for a password change: once Cognito holds the new password,
// every older session has ended, whatever happens after.
func TestPasswordChangeEndsSessionsBeforeThePasswordIsSet(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	p := active(t, svc, uniqueEmail("change-order"))
	notBefore := authRecord(t, p.Sub).TokensNotBefore
	const next = "a brand new passphrase"
	nextSecond(notBefore)
	actor := audit.Actor{ID: p.ID, Email: p.Email}
	if err := accounts(afterSetPassword(dir)).ChangePassword(ctx, p.ID, actor, password, next); err == nil {
		t.Fatal("the change succeeded although its transaction failed")
	}
	if u, _ := dir.User(p.Email); u.Password != next {
		t.Fatal("the directory did not get the new password")
	}
	if a := authRecord(t, p.Sub); a.TokensNotBefore <= notBefore {
		t.Fatalf("the password is set but tokensNotBefore stayed %d: older sessions live on", a.TokensNotBefore)
	}
	// A policy refusal answers 422 on newPassword and keeps the password.
	dir.FailNext(directorytest.SetPassword, problem.Invalid(problem.WeakPassword("password")))
	if err := accounts(svc).ChangePassword(ctx, p.ID, actor, next, "a refused passphrase"); !errors.Is(err, problem.ValidationFailed) {
		t.Fatalf("refused password: %v", err)
	}
	if u, _ := dir.User(p.Email); u.Password != next {
		t.Fatal("a refused password changed the password")
	}
}
