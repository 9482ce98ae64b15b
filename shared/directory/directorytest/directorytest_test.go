package directorytest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/shared/directory"
	"backoffice/shared/problem"
)

const pw = "correct horse battery staple"

func TestEnsureUserCreatesThenReusesOnlyForTheSamePerson(t *testing.T) {
	ctx := context.Background()
	d := New()
	made, err := d.EnsureUser(ctx, "ann@example.com", "person-ann")
	if err != nil || made.Sub == "" || made.Username == "" {
		t.Fatalf("EnsureUser: %+v %v", made, err)
	}
	if err := d.Disable(ctx, made.Username); err != nil {
		t.Fatal(err)
	}
	if _, err := d.EnsureUser(ctx, "ann@example.com", "person-bob"); !errors.Is(err, directory.ErrForeignUser) {
		t.Fatalf("another person's EnsureUser of the address: %v", err)
	}
	again, err := d.EnsureUser(ctx, "ann@example.com", "person-ann")
	if err != nil || again != made {
		t.Fatalf("second EnsureUser: %+v %v, want the same user %+v", again, err, made)
	}
	u, ok := d.User("ann@example.com")
	if !ok || !u.Enabled || u.Sub != made.Sub || u.PersonID != "person-ann" || u.Password != "" {
		t.Fatalf("user %+v %v: a reused user must be enabled again", u, ok)
	}
	if d.Calls(EnsureUser) != 3 || d.Calls(Disable) != 1 || d.Users() != 1 {
		t.Fatalf("calls %d/%d users %d", d.Calls(EnsureUser), d.Calls(Disable), d.Users())
	}
	if _, err := d.EnsureUser(ctx, "Ann@Example.com", "person-ann"); !errors.Is(err, ErrNotLowercase) {
		t.Fatalf("mixed-case email: %v", err)
	}
	outside := d.AddUser("cat@example.com", pw)
	if _, err := d.EnsureUser(ctx, "cat@example.com", "person-cat"); !errors.Is(err, directory.ErrForeignUser) {
		t.Fatalf("a user made outside the API: %v", err)
	}
	if err := d.Disable(ctx, "ann@example.com"); !errors.Is(err, ErrNotAUsername) {
		t.Fatalf("an address where a username belongs: %v", err)
	}
	if u, _ := d.User("cat@example.com"); u.Username != outside.Username || u.PersonID != "" {
		t.Fatalf("the outside user changed: %+v", u)
	}
}

func TestLoginIssuesJWTShapedAccessTokens(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	d := New()
	d.Now = func() time.Time { return now }
	bob, _ := d.EnsureUser(ctx, "bob@example.com", "person-bob")
	sub := bob.Sub
	if _, err := d.Login(ctx, "bob@example.com", pw); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("login without a password: %v", err)
	}
	if err := d.SetPassword(ctx, bob.Username, pw); err != nil {
		t.Fatal(err)
	}
	tok, err := d.Login(ctx, "bob@example.com", pw)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.ExpiresIn != 3600 {
		t.Fatalf("tokens %+v", tok)
	}
	parts := strings.Split(tok.AccessToken, ".")
	if len(parts) != 3 {
		t.Fatalf("access token %q is not three dot-separated parts", tok.AccessToken)
	}
	// Decode the way shared/session does: raw base64url JSON payload.
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Sub      string `json:"sub"`
		JTI      string `json:"jti"`
		AuthTime int64  `json:"auth_time"`
		IAT      int64  `json:"iat"`
		Exp      int64  `json:"exp"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if c.Sub != sub || c.JTI == "" || c.AuthTime != now.Unix() || c.IAT != now.Unix() || c.Exp != now.Add(time.Hour).Unix() {
		t.Fatalf("claims %+v", c)
	}
	other, _ := d.Login(ctx, "bob@example.com", pw)
	if oc, _ := ParseAccessToken(other.AccessToken); oc.JTI == c.JTI {
		t.Fatal("two logins share a jti")
	}

	// Refresh keeps the login's auth_time and gives no new refresh token.
	now = now.Add(10 * time.Minute)
	r, err := d.Refresh(ctx, bob.Username, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ParseAccessToken(r.AccessToken)
	if err != nil || r.RefreshToken != "" || rc.AuthTime != c.AuthTime || rc.IssuedAt != now.Unix() || rc.Sub != sub {
		t.Fatalf("refresh %+v claims %+v %v", r, rc, err)
	}

	for _, bad := range [][2]string{{"bob@example.com", "wrong password!!"}, {"nobody@example.com", pw}} {
		if _, err := d.Login(ctx, bad[0], bad[1]); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Errorf("login %v: %v", bad, err)
		}
	}
	if _, err := d.Refresh(ctx, bob.Username, "garbage"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("refresh garbage: %v", err)
	}
	if _, err := d.Refresh(ctx, "someone-else", tok.RefreshToken); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("refresh as another username: %v", err)
	}
	if err := d.VerifyPassword(ctx, bob.Username, pw); err != nil {
		t.Errorf("verify password: %v", err)
	}
	if err := d.VerifyPassword(ctx, bob.Username, "wrong password!!"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("verify a wrong password: %v", err)
	}
}

func TestDisableSignOutRevokeDelete(t *testing.T) {
	ctx := context.Background()
	d := New()
	cy := d.AddUser("cy@example.com", pw).Username
	a, _ := d.Login(ctx, "cy@example.com", pw)
	b, _ := d.Login(ctx, "cy@example.com", pw)
	if u, _ := d.User("cy@example.com"); u.Sessions != 2 {
		t.Fatalf("sessions %d", u.Sessions)
	}

	if err := d.Revoke(ctx, a.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Refresh(ctx, cy, a.RefreshToken); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("revoked refresh token still works: %v", err)
	}
	if err := d.Revoke(ctx, "unknown"); err != nil {
		t.Fatalf("revoking an unknown token: %v", err)
	}

	if err := d.Disable(ctx, cy); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Login(ctx, "cy@example.com", pw); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("disabled user logs in: %v", err)
	}
	if _, err := d.Refresh(ctx, cy, b.RefreshToken); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("disabled user refreshes: %v", err)
	}
	if err := d.Enable(ctx, cy); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Refresh(ctx, cy, b.RefreshToken); err != nil {
		t.Fatalf("enabled again, the session works again (the fake keeps sessions across Disable; SignOutEverywhere ends them): %v", err)
	}
	if err := d.SignOutEverywhere(ctx, cy); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Refresh(ctx, cy, b.RefreshToken); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("signed out everywhere, refresh works: %v", err)
	}
	if u, _ := d.User("cy@example.com"); u.Sessions != 0 || !u.Enabled {
		t.Fatalf("user %+v", u)
	}

	for name, err := range map[string]error{
		Enable:      d.Enable(ctx, "ghost"),
		SetPassword: d.SetPassword(ctx, "ghost", pw),
		ChangeEmail: d.ChangeEmail(ctx, "ghost", "ghost@example.com"),
	} {
		if !errors.Is(err, ErrUserNotFound) {
			t.Errorf("%s of a missing user: %v", name, err)
		}
	}
	for name, err := range map[string]error{
		Disable:           d.Disable(ctx, "ghost"),
		SignOutEverywhere: d.SignOutEverywhere(ctx, "ghost"),
	} {
		if err != nil {
			t.Errorf("%s of a missing user must count as done: %v", name, err)
		}
	}

	if err := d.Delete(ctx, cy); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.User("cy@example.com"); ok {
		t.Fatal("deleted user still there")
	}
	if err := d.Delete(ctx, cy); err != nil {
		t.Fatalf("deleting a missing user must count as done: %v", err)
	}
}

func TestSetPasswordChecksPolicy(t *testing.T) {
	ctx := context.Background()
	d := New()
	di := d.AddUser("di@example.com", pw).Username
	err := d.SetPassword(ctx, di, "short")
	if p, ok := problem.As(err); !ok || !errors.Is(err, problem.ValidationFailed) || p.Fields[0].Field != "password" {
		t.Fatalf("weak password: %v", err)
	}
	if u, _ := d.User("di@example.com"); u.Password != pw {
		t.Fatal("a refused password replaced the old one")
	}
}

func TestFailOnFailsExactlyTheNthCallWithoutEffect(t *testing.T) {
	ctx := context.Background()
	d := New()
	boom := errors.New("boom")
	d.FailOn(EnsureUser, 2, boom)
	d.FailOn(Delete, 1, nil)

	e1, err := d.EnsureUser(ctx, "e1@example.com", "p1")
	if err != nil {
		t.Fatalf("first call: %v", err)
	}
	if _, err := d.EnsureUser(ctx, "e2@example.com", "p2"); !errors.Is(err, boom) {
		t.Fatalf("second call: %v, want boom", err)
	}
	if _, ok := d.User("e2@example.com"); ok {
		t.Fatal("a failed EnsureUser created the user")
	}
	if _, err := d.EnsureUser(ctx, "e2@example.com", "p2"); err != nil {
		t.Fatalf("third call: %v", err)
	}
	if err := d.Delete(ctx, e1.Username); !errors.Is(err, ErrInjected) {
		t.Fatalf("delete: %v, want ErrInjected", err)
	}
	if _, ok := d.User("e1@example.com"); !ok {
		t.Fatal("a failed Delete removed the user")
	}
	if err := d.Delete(ctx, e1.Username); err != nil {
		t.Fatal(err)
	}
	if d.Calls(EnsureUser) != 3 || d.Calls(Delete) != 2 || d.Calls(Login) != 0 {
		t.Fatalf("calls: ensure %d delete %d login %d", d.Calls(EnsureUser), d.Calls(Delete), d.Calls(Login))
	}

	// A call number already passed never fires; FailNext aims at the next.
	d.FailOn(EnsureUser, 1, boom)
	e3, err := d.EnsureUser(ctx, "e3@example.com", "p3")
	if err != nil {
		t.Fatalf("past call number fired: %v", err)
	}
	d.FailNext(SetPassword, boom)
	if err := d.SetPassword(ctx, e3.Username, pw); !errors.Is(err, boom) {
		t.Fatalf("FailNext: %v", err)
	}
	if err := d.SetPassword(ctx, e3.Username, pw); err != nil {
		t.Fatalf("after FailNext: %v", err)
	}

	for _, f := range []func(){
		func() { d.FailOn("Disabel", 1, nil) },
		func() { d.FailOn(Disable, 0, nil) },
		func() { d.Calls("nope") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic for a bad method name or call number")
				}
			}()
			f()
		}()
	}
}

func TestConcurrentUseIsSafe(t *testing.T) {
	ctx := context.Background()
	d := New()
	d.AddUser("par@example.com", pw)
	d.FailOn(Login, 7, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Login(ctx, "par@example.com", pw); errors.Is(err, ErrInjected) {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if d.Calls(Login) != 20 || failed != 1 {
		t.Fatalf("calls %d injected failures %d", d.Calls(Login), failed)
	}
	if u, _ := d.User("par@example.com"); u.Sessions != 19 {
		t.Fatalf("sessions %d", u.Sessions)
	}
}
