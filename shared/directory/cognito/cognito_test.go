package cognito

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"backoffice/shared/directory"
	"backoffice/shared/problem"
)

// fakeAPI answers each call with a scripted error (nil = success) and
// records which calls were made, and what the auth calls were given.
type fakeAPI struct {
	API
	errs      map[string]error
	calls     []string
	secret    string              // the client's secret DescribeUserPoolClient answers
	personID  string              // custom:personId of the user AdminGetUser finds
	auth      []map[string]string // AuthParameters of each AdminInitiateAuth
	flows     []types.AuthFlowType
	usernames []string // Username of every Admin* user call
	revoked   []*cip.RevokeTokenInput
}

func (f *fakeAPI) err(name string) error { f.calls = append(f.calls, name); return f.errs[name] }
func (f *fakeAPI) user(name *string)     { f.usernames = append(f.usernames, aws.ToString(name)) }

func (f *fakeAPI) AdminCreateUser(_ context.Context, in *cip.AdminCreateUserInput, _ ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	if err := f.err("AdminCreateUser"); err != nil {
		return nil, err
	}
	attrs := append([]types.AttributeType{{Name: aws.String("sub"), Value: aws.String("new-sub")}}, in.UserAttributes...)
	return &cip.AdminCreateUserOutput{User: &types.UserType{Username: aws.String("new-username"), Attributes: attrs}}, nil
}
func (f *fakeAPI) AdminEnableUser(_ context.Context, in *cip.AdminEnableUserInput, _ ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error) {
	f.user(in.Username)
	return &cip.AdminEnableUserOutput{}, f.err("AdminEnableUser")
}
func (f *fakeAPI) AdminGetUser(_ context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	attrs := []types.AttributeType{{Name: aws.String("sub"), Value: aws.String("old-sub")}}
	if f.personID != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String(PersonIDAttribute), Value: aws.String(f.personID)})
	}
	return &cip.AdminGetUserOutput{Username: aws.String("old-username"), UserAttributes: attrs}, f.err("AdminGetUser")
}
func (f *fakeAPI) AdminSetUserPassword(_ context.Context, in *cip.AdminSetUserPasswordInput, _ ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	f.user(in.Username)
	return &cip.AdminSetUserPasswordOutput{}, f.err("AdminSetUserPassword")
}
func (f *fakeAPI) AdminDeleteUser(_ context.Context, in *cip.AdminDeleteUserInput, _ ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error) {
	f.user(in.Username)
	return &cip.AdminDeleteUserOutput{}, f.err("AdminDeleteUser")
}
func (f *fakeAPI) AdminUpdateUserAttributes(_ context.Context, in *cip.AdminUpdateUserAttributesInput, _ ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error) {
	f.user(in.Username)
	return &cip.AdminUpdateUserAttributesOutput{}, f.err("AdminUpdateUserAttributes")
}
func (f *fakeAPI) AdminDisableUser(_ context.Context, in *cip.AdminDisableUserInput, _ ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error) {
	f.user(in.Username)
	return &cip.AdminDisableUserOutput{}, f.err("AdminDisableUser")
}
func (f *fakeAPI) AdminUserGlobalSignOut(_ context.Context, in *cip.AdminUserGlobalSignOutInput, _ ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	f.user(in.Username)
	return &cip.AdminUserGlobalSignOutOutput{}, f.err("AdminUserGlobalSignOut")
}
func (f *fakeAPI) DescribeUserPoolClient(context.Context, *cip.DescribeUserPoolClientInput, ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error) {
	if err := f.err("DescribeUserPoolClient"); err != nil {
		return nil, err
	}
	out := &types.UserPoolClientType{}
	if f.secret != "" {
		out.ClientSecret = aws.String(f.secret)
	}
	return &cip.DescribeUserPoolClientOutput{UserPoolClient: out}, nil
}
func (f *fakeAPI) AdminInitiateAuth(_ context.Context, in *cip.AdminInitiateAuthInput, _ ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error) {
	f.auth = append(f.auth, in.AuthParameters)
	f.flows = append(f.flows, in.AuthFlow)
	if err := f.err("AdminInitiateAuth"); err != nil {
		return nil, err
	}
	if f.errs["challenge"] != nil {
		return &cip.AdminInitiateAuthOutput{ChallengeName: types.ChallengeNameTypeNewPasswordRequired}, nil
	}
	return &cip.AdminInitiateAuthOutput{AuthenticationResult: &types.AuthenticationResultType{AccessToken: aws.String("a"), RefreshToken: aws.String("r"), ExpiresIn: 900}}, nil
}
func (f *fakeAPI) RevokeToken(_ context.Context, in *cip.RevokeTokenInput, _ ...func(*cip.Options)) (*cip.RevokeTokenOutput, error) {
	f.revoked = append(f.revoked, in)
	return &cip.RevokeTokenOutput{}, f.err("RevokeToken")
}

// SECRET_HASH as AWS documents it: Base64(HMAC-SHA256(key: the client
// secret, message: username + client id)). cognito-local never checks it,
// so this vector (computed with openssl dgst -sha256 -hmac and with
// Python's hmac, outside this code) is the only proof it is right.
func TestSecretHashKnownVector(t *testing.T) {
	const (
		secret   = "1q2w3e4r5t6y7u8i9o0p1q2w3e4r5t6y7u8i9o0p1q2w3e4r5"
		username = "3a8f6c2e-1b7d-4e0a-9c55-0d2f1e4b7a90"
		clientID = "1example23456789"
		want     = "7LmMcvDGgqiNIEcbusTCwDjgDzQGYQSxAPu8w8y+I1s="
	)
	if got := SecretHash(secret, username, clientID); got != want {
		t.Fatalf("SecretHash = %s, want %s", got, want)
	}
	if SecretHash(secret, "a@x.nl", clientID) == want {
		t.Fatal("the hash does not depend on the username")
	}
}

// The secret is read once per process, on first use, and every sign-in,
// refresh and revocation carries what it must: refresh hashes over the
// username, sign-in over what the person signed in with.
func TestSignInRefreshAndRevokeUseTheSecret(t *testing.T) {
	ctx := context.Background()
	f := &fakeAPI{errs: map[string]error{}, secret: "s3cret"}
	c := &Cognito{API: f, PoolID: "pool", ClientID: "client"}
	if _, err := c.Login(ctx, "a@x.nl", "pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(ctx, "uuid-user", "refresh-token"); err != nil {
		t.Fatal(err)
	}
	if err := c.Revoke(ctx, "refresh-token"); err != nil {
		t.Fatal(err)
	}
	if err := c.VerifyPassword(ctx, "uuid-user", "pw"); err != nil {
		t.Fatal(err)
	}
	described := 0
	for _, call := range f.calls {
		if call == "DescribeUserPoolClient" {
			described++
		}
	}
	if described != 1 {
		t.Fatalf("DescribeUserPoolClient %d times: the secret must be read once and kept", described)
	}
	login, refresh, verify := f.auth[0], f.auth[1], f.auth[2]
	if f.flows[0] != types.AuthFlowTypeAdminUserPasswordAuth || login["USERNAME"] != "a@x.nl" || login["SECRET_HASH"] != SecretHash("s3cret", "a@x.nl", "client") {
		t.Errorf("login %v %v", f.flows[0], login)
	}
	if f.flows[1] != types.AuthFlowTypeRefreshTokenAuth || refresh["REFRESH_TOKEN"] != "refresh-token" || refresh["SECRET_HASH"] != SecretHash("s3cret", "uuid-user", "client") {
		t.Errorf("refresh %v %v", f.flows[1], refresh)
	}
	if verify["USERNAME"] != "uuid-user" || verify["SECRET_HASH"] != SecretHash("s3cret", "uuid-user", "client") {
		t.Errorf("verify %v", verify)
	}
	if len(f.revoked) != 2 || aws.ToString(f.revoked[0].ClientSecret) != "s3cret" || aws.ToString(f.revoked[1].Token) != "r" {
		t.Errorf("revocations %+v: each needs the secret; a password check leaves no refresh token", f.revoked)
	}
	for _, call := range f.calls {
		if call == "InitiateAuth" {
			t.Error("InitiateAuth: sign-in goes through the admin flow only")
		}
	}

	// A client without a secret sends no SECRET_HASH; a failed read is not kept.
	f = &fakeAPI{errs: map[string]error{"DescribeUserPoolClient": errors.New("throttled")}}
	c = &Cognito{API: f, PoolID: "pool", ClientID: "client"}
	if _, err := c.Login(ctx, "a@x.nl", "pw"); err == nil || errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("an unreadable secret must fail the sign-in as an error: %v", err)
	}
	delete(f.errs, "DescribeUserPoolClient")
	if _, err := c.Login(ctx, "a@x.nl", "pw"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.auth[0]["SECRET_HASH"]; ok {
		t.Errorf("SECRET_HASH without a secret: %v", f.auth[0])
	}
}

func TestEnsureUserStampsAndReusesOnlyTheSamePerson(t *testing.T) {
	ctx := context.Background()
	f := &fakeAPI{errs: map[string]error{}}
	c := &Cognito{API: f}
	u, err := c.EnsureUser(ctx, "a@x.nl", "person-1")
	if err != nil || u.Sub != "new-sub" || u.Username != "new-username" {
		t.Fatalf("new user: %+v %v", u, err)
	}

	// The address is held by a user this flow made for this person: reused,
	// enabled, signed out everywhere, addressed by its username.
	f = &fakeAPI{errs: map[string]error{"AdminCreateUser": &types.UsernameExistsException{}}, personID: "person-1"}
	c = &Cognito{API: f}
	u, err = c.EnsureUser(ctx, "a@x.nl", "person-1")
	if err != nil || u.Sub != "old-sub" || u.Username != "old-username" {
		t.Fatalf("leftover user: %+v %v", u, err)
	}
	if want := []string{"AdminCreateUser", "AdminGetUser", "AdminEnableUser", "AdminUserGlobalSignOut"}; !slices.Equal(f.calls, want) {
		t.Fatalf("calls %v, want %v", f.calls, want)
	}
	if !slices.Equal(f.usernames, []string{"old-username", "old-username"}) {
		t.Fatalf("enable and sign-out must name the username: %v", f.usernames)
	}

	// Held by another person's user, or one made outside the API: refused,
	// and nothing is changed.
	for _, other := range []string{"person-2", ""} {
		f = &fakeAPI{errs: map[string]error{"AdminCreateUser": &types.UsernameExistsException{}}, personID: other}
		c = &Cognito{API: f}
		if _, err := c.EnsureUser(ctx, "a@x.nl", "person-1"); !errors.Is(err, directory.ErrForeignUser) {
			t.Fatalf("user of %q: %v", other, err)
		}
		if !slices.Equal(f.calls, []string{"AdminCreateUser", "AdminGetUser"}) {
			t.Fatalf("a foreign user was changed: %v", f.calls)
		}
	}
}

func TestLoginMapsEveryFailureAlike(t *testing.T) {
	for name, errs := range map[string]map[string]error{
		"wrong password":          {"AdminInitiateAuth": &types.NotAuthorizedException{}},
		"emulator wrong password": {"AdminInitiateAuth": &types.InvalidPasswordException{}},
		"unknown user":            {"AdminInitiateAuth": &types.UserNotFoundException{}},
		"reset required":          {"AdminInitiateAuth": &types.PasswordResetRequiredException{}},
		"challenge":               {"challenge": errors.New("x")},
	} {
		c := &Cognito{API: &fakeAPI{errs: errs}}
		if _, err := c.Login(context.Background(), "a@x.nl", "pw"); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminInitiateAuth": errors.New("network down")}}}
	if _, err := c.Login(context.Background(), "a@x.nl", "pw"); err == nil || errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("an outage must not look like a wrong password: %v", err)
	}
}

func TestWeakPasswordIs422(t *testing.T) {
	c := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminSetUserPassword": &types.InvalidPasswordException{}}}}
	if err := c.SetPassword(context.Background(), "u", "pw"); !errors.Is(err, problem.ValidationFailed) {
		t.Fatalf("%v", err)
	}
}

// Unsupported calls are tolerated against the emulator only.
func TestGlobalSignOutToleratesEmulatorOnly(t *testing.T) {
	unsupported := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}}, Err: errors.New("internal")}
	emulated := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminUserGlobalSignOut": unsupported}}, Emulated: true}
	if err := emulated.SignOutEverywhere(context.Background(), "u"); err != nil {
		t.Fatalf("emulator: %v", err)
	}
	real := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminUserGlobalSignOut": unsupported}}}
	if err := real.SignOutEverywhere(context.Background(), "u"); err == nil {
		t.Fatal("in AWS a failing sign-out must be reported")
	}
	gone := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminUserGlobalSignOut": &types.UserNotFoundException{}}}}
	if err := gone.SignOutEverywhere(context.Background(), "u"); err != nil {
		t.Fatalf("deleted user: %v", err)
	}
}

// Addressed by username, "not found" means the user is gone: done for
// delete, disable and sign-out, an error for enable.
func TestNotFoundCountsAsDoneWhereItMeansGone(t *testing.T) {
	ctx := context.Background()
	nf := &types.UserNotFoundException{}
	f := &fakeAPI{errs: map[string]error{"AdminDeleteUser": nf, "AdminDisableUser": nf, "AdminEnableUser": nf}}
	c := &Cognito{API: f}
	if err := c.Delete(ctx, "u"); err != nil {
		t.Errorf("delete: %v", err)
	}
	if err := c.Disable(ctx, "u"); err != nil {
		t.Errorf("disable: %v", err)
	}
	if err := c.Enable(ctx, "u"); err == nil {
		t.Error("enabling a user that is gone must fail")
	}
}

func TestChangeEmail(t *testing.T) {
	f := &fakeAPI{errs: map[string]error{}}
	if err := (&Cognito{API: f}).ChangeEmail(context.Background(), "uuid-user", "b@x.nl"); err != nil || !slices.Equal(f.usernames, []string{"uuid-user"}) {
		t.Fatalf("%v %v", err, f.usernames)
	}
	taken := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminUpdateUserAttributes": &types.AliasExistsException{}}}}
	if err := taken.ChangeEmail(context.Background(), "uuid-user", "b@x.nl"); !errors.Is(err, directory.ErrEmailTaken) {
		t.Fatalf("alias exists: %v", err)
	}
	gone := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminUpdateUserAttributes": &types.UserNotFoundException{}}}}
	if err := gone.ChangeEmail(context.Background(), "uuid-user", "b@x.nl"); err == nil {
		t.Fatal("the email of a user that is gone can not change")
	}
}
