package cognito

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"backoffice/shared/directory"
	"backoffice/shared/problem"
)

// fakeAPI answers each call with a scripted error (nil = success) and
// records which calls were made.
type fakeAPI struct {
	API
	errs  map[string]error
	calls []string
}

func (f *fakeAPI) err(name string) error { f.calls = append(f.calls, name); return f.errs[name] }

func (f *fakeAPI) AdminCreateUser(_ context.Context, in *cip.AdminCreateUserInput, _ ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	if err := f.err("AdminCreateUser"); err != nil {
		return nil, err
	}
	return &cip.AdminCreateUserOutput{User: &types.UserType{Username: in.Username, Attributes: []types.AttributeType{{Name: aws.String("sub"), Value: aws.String("new-sub")}}}}, nil
}
func (f *fakeAPI) AdminEnableUser(context.Context, *cip.AdminEnableUserInput, ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error) {
	return &cip.AdminEnableUserOutput{}, f.err("AdminEnableUser")
}
func (f *fakeAPI) AdminGetUser(_ context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	return &cip.AdminGetUserOutput{Username: in.Username, UserAttributes: []types.AttributeType{{Name: aws.String("sub"), Value: aws.String("old-sub")}}}, f.err("AdminGetUser")
}
func (f *fakeAPI) AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	return &cip.AdminSetUserPasswordOutput{}, f.err("AdminSetUserPassword")
}
func (f *fakeAPI) AdminDeleteUser(context.Context, *cip.AdminDeleteUserInput, ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error) {
	return &cip.AdminDeleteUserOutput{}, f.err("AdminDeleteUser")
}
func (f *fakeAPI) AdminUpdateUserAttributes(context.Context, *cip.AdminUpdateUserAttributesInput, ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error) {
	return &cip.AdminUpdateUserAttributesOutput{}, f.err("AdminUpdateUserAttributes")
}
func (f *fakeAPI) AdminDisableUser(context.Context, *cip.AdminDisableUserInput, ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error) {
	return &cip.AdminDisableUserOutput{}, f.err("AdminDisableUser")
}
func (f *fakeAPI) AdminUserGlobalSignOut(context.Context, *cip.AdminUserGlobalSignOutInput, ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	return &cip.AdminUserGlobalSignOutOutput{}, f.err("AdminUserGlobalSignOut")
}
func (f *fakeAPI) InitiateAuth(context.Context, *cip.InitiateAuthInput, ...func(*cip.Options)) (*cip.InitiateAuthOutput, error) {
	if err := f.err("InitiateAuth"); err != nil {
		return nil, err
	}
	if f.errs["challenge"] != nil {
		return &cip.InitiateAuthOutput{ChallengeName: types.ChallengeNameTypeNewPasswordRequired}, nil
	}
	return &cip.InitiateAuthOutput{AuthenticationResult: &types.AuthenticationResultType{AccessToken: aws.String("a"), RefreshToken: aws.String("r"), ExpiresIn: 900}}, nil
}

func TestEnsureUserReusesLeftover(t *testing.T) {
	f := &fakeAPI{errs: map[string]error{}}
	c := &Cognito{API: f}
	if sub, err := c.EnsureUser(context.Background(), "a@x.nl"); err != nil || sub != "new-sub" {
		t.Fatalf("new user: %q %v", sub, err)
	}
	f = &fakeAPI{errs: map[string]error{"AdminCreateUser": &types.UsernameExistsException{}}}
	c = &Cognito{API: f}
	sub, err := c.EnsureUser(context.Background(), "a@x.nl")
	if err != nil || sub != "old-sub" || f.calls[1] != "AdminEnableUser" {
		t.Fatalf("leftover user: %q %v %v", sub, err, f.calls)
	}
}

func TestLoginMapsEveryFailureAlike(t *testing.T) {
	for name, errs := range map[string]map[string]error{
		"wrong password":          {"InitiateAuth": &types.NotAuthorizedException{}},
		"emulator wrong password": {"InitiateAuth": &types.InvalidPasswordException{}},
		"unknown user":            {"InitiateAuth": &types.UserNotFoundException{}},
		"reset required":          {"InitiateAuth": &types.PasswordResetRequiredException{}},
		"challenge":               {"challenge": errors.New("x")},
	} {
		c := &Cognito{API: &fakeAPI{errs: errs}}
		if _, err := c.Login(context.Background(), "a@x.nl", "pw"); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := &Cognito{API: &fakeAPI{errs: map[string]error{"InitiateAuth": errors.New("network down")}}}
	if _, err := c.Login(context.Background(), "a@x.nl", "pw"); err == nil || errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("an outage must not look like a wrong password: %v", err)
	}
}

func TestWeakPasswordIs422(t *testing.T) {
	c := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminSetUserPassword": &types.InvalidPasswordException{}}}}
	if err := c.SetPassword(context.Background(), "a@x.nl", "pw"); !errors.Is(err, problem.ValidationFailed) {
		t.Fatalf("%v", err)
	}
}

// Unsupported calls are tolerated against the emulator only.
func TestGlobalSignOutToleratesEmulatorOnly(t *testing.T) {
	unsupported := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}}, Err: errors.New("internal")}
	emulated := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminUserGlobalSignOut": unsupported}}, Emulated: true}
	if err := emulated.SignOutEverywhere(context.Background(), "a@x.nl"); err != nil {
		t.Fatalf("emulator: %v", err)
	}
	real := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminUserGlobalSignOut": unsupported}}}
	if err := real.SignOutEverywhere(context.Background(), "a@x.nl"); err == nil {
		t.Fatal("in AWS a failing sign-out must be reported")
	}
	gone := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminUserGlobalSignOut": &types.UserNotFoundException{}}}}
	if err := gone.SignOutEverywhere(context.Background(), "a@x.nl"); err != nil {
		t.Fatalf("deleted user: %v", err)
	}
}

func TestChangeEmail(t *testing.T) {
	ok := &Cognito{API: &fakeAPI{errs: map[string]error{}}}
	if err := ok.ChangeEmail(context.Background(), "a@x.nl", "b@x.nl"); err != nil {
		t.Fatal(err)
	}
	taken := &Cognito{API: &fakeAPI{errs: map[string]error{"AdminUpdateUserAttributes": &types.AliasExistsException{}}}}
	if err := taken.ChangeEmail(context.Background(), "a@x.nl", "b@x.nl"); !errors.Is(err, directory.ErrEmailTaken) {
		t.Fatalf("alias exists: %v", err)
	}
	// A retry after an earlier change: the old address is gone, the new one exists.
	done := &fakeAPI{errs: map[string]error{"AdminUpdateUserAttributes": &types.UserNotFoundException{}}}
	if err := (&Cognito{API: done}).ChangeEmail(context.Background(), "a@x.nl", "b@x.nl"); err != nil || done.calls[1] != "AdminGetUser" {
		t.Fatalf("retry: %v %v", err, done.calls)
	}
}
