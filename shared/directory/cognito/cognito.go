// Package cognito implements directory.Directory on an Amazon Cognito user
// pool. It is a package of its own so functions that never call Cognito do
// not link its SDK client.
package cognito

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"backoffice/shared/awsenv"
	"backoffice/shared/calls"
	"backoffice/shared/directory"
	"backoffice/shared/problem"
)

// API is the part of the Cognito client used here.
type API interface {
	AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, opts ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, opts ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	AdminEnableUser(ctx context.Context, in *cip.AdminEnableUserInput, opts ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error)
	AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, opts ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminDeleteUser(ctx context.Context, in *cip.AdminDeleteUserInput, opts ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error)
	AdminUpdateUserAttributes(ctx context.Context, in *cip.AdminUpdateUserAttributesInput, opts ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error)
	AdminDisableUser(ctx context.Context, in *cip.AdminDisableUserInput, opts ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminUserGlobalSignOut(ctx context.Context, in *cip.AdminUserGlobalSignOutInput, opts ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
	InitiateAuth(ctx context.Context, in *cip.InitiateAuthInput, opts ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RevokeToken(ctx context.Context, in *cip.RevokeTokenInput, opts ...func(*cip.Options)) (*cip.RevokeTokenOutput, error)
}

var _ API = (*cip.Client)(nil)

// Cognito is a directory.Directory on one user pool and app client.
type Cognito struct {
	API      API
	PoolID   string
	ClientID string
	// Emulated is set (DIRECTORY_EMULATED=true) only by the local stack:
	// cognito-local answers 500 to a few admin calls it lacks. Those calls
	// are tolerated then and only then; in AWS every failure counts.
	Emulated bool
}

var _ directory.Directory = (*Cognito)(nil)

// NewClient builds the Cognito client. The emulator answers unsupported
// calls with HTTP 500, which the SDK would retry three times for nothing.
func NewClient(cfg aws.Config, emulated bool) *cip.Client {
	return cip.NewFromConfig(cfg, func(o *cip.Options) {
		if emulated {
			o.RetryMaxAttempts = 1
		}
		o.APIOptions = append(o.APIOptions, calls.Middleware("cognito"))
	})
}

func (c *Cognito) EnsureUser(ctx context.Context, email string) (string, error) {
	out, err := c.API.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:    &c.PoolID,
		Username:      &email,
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: &email},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	if err == nil {
		return subOf(out.User.Attributes, out.User.Username), nil
	}
	var exists *types.UsernameExistsException
	if !errors.As(err, &exists) {
		return "", fmt.Errorf("create user: %w", err)
	}
	// A user from an earlier, interrupted attempt (or a deleted person whose
	// Cognito user survived): reuse it.
	if _, err := c.API.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &c.PoolID, Username: &email}); err != nil {
		return "", fmt.Errorf("enable user: %w", err)
	}
	got, err := c.API.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &c.PoolID, Username: &email})
	if err != nil {
		return "", fmt.Errorf("get user: %w", err)
	}
	return subOf(got.UserAttributes, got.Username), nil
}

func subOf(attrs []types.AttributeType, username *string) string {
	for _, a := range attrs {
		if aws.ToString(a.Name) == "sub" {
			return aws.ToString(a.Value)
		}
	}
	return aws.ToString(username)
}

func (c *Cognito) SetPassword(ctx context.Context, email, password string) error {
	_, err := c.API.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &c.PoolID, Username: &email, Password: &password, Permanent: true,
	})
	var weak *types.InvalidPasswordException
	if errors.As(err, &weak) {
		return problem.Invalid("password", "does not meet the password policy")
	}
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

func (c *Cognito) Login(ctx context.Context, email, password string) (directory.Tokens, error) {
	out, err := c.API.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserPasswordAuth,
		ClientId:       &c.ClientID,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil {
		if isCredentialError(err) {
			return directory.Tokens{}, directory.ErrInvalidCredentials
		}
		return directory.Tokens{}, fmt.Errorf("initiate auth: %w", err)
	}
	if out.ChallengeName != "" || out.AuthenticationResult == nil {
		return directory.Tokens{}, directory.ErrInvalidCredentials
	}
	r := out.AuthenticationResult
	return directory.Tokens{AccessToken: aws.ToString(r.AccessToken), RefreshToken: aws.ToString(r.RefreshToken), ExpiresIn: r.ExpiresIn}, nil
}

func (c *Cognito) Refresh(ctx context.Context, refreshToken string) (directory.Tokens, error) {
	out, err := c.API.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
		ClientId:       &c.ClientID,
		AuthParameters: map[string]string{"REFRESH_TOKEN": refreshToken},
	})
	if err != nil {
		if isCredentialError(err) {
			return directory.Tokens{}, directory.ErrInvalidCredentials
		}
		return directory.Tokens{}, fmt.Errorf("refresh: %w", err)
	}
	if out.AuthenticationResult == nil {
		return directory.Tokens{}, directory.ErrInvalidCredentials
	}
	r := out.AuthenticationResult
	return directory.Tokens{AccessToken: aws.ToString(r.AccessToken), ExpiresIn: r.ExpiresIn}, nil
}

func (c *Cognito) Revoke(ctx context.Context, refreshToken string) error {
	_, err := c.API.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: &c.ClientID, Token: &refreshToken})
	if err != nil && !isCredentialError(err) {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

func (c *Cognito) SignOutEverywhere(ctx context.Context, email string) error {
	_, err := c.API.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &c.PoolID, Username: &email})
	if err == nil || c.unsupportedLocally(err) || isNotFound(err) {
		return nil
	}
	return fmt.Errorf("global sign-out: %w", err)
}

func (c *Cognito) Disable(ctx context.Context, email string) error {
	_, err := c.API.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &c.PoolID, Username: &email})
	if err == nil || isNotFound(err) {
		return nil
	}
	return fmt.Errorf("disable user: %w", err)
}

func (c *Cognito) Enable(ctx context.Context, email string) error {
	_, err := c.API.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &c.PoolID, Username: &email})
	if err != nil {
		return fmt.Errorf("enable user: %w", err)
	}
	return nil
}

func (c *Cognito) Delete(ctx context.Context, email string) error {
	_, err := c.API.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: &c.PoolID, Username: &email})
	if err == nil || isNotFound(err) {
		return nil
	}
	return fmt.Errorf("delete user: %w", err)
}

// ChangeEmail updates the email attribute; with email as the pool's
// username attribute, sign-in and admin calls follow it.
func (c *Cognito) ChangeEmail(ctx context.Context, old, new string) error {
	_, err := c.API.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: &c.PoolID, Username: &old,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: &new},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	var taken *types.AliasExistsException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &taken):
		return directory.ErrEmailTaken
	case isNotFound(err):
		// Changed by an earlier attempt whose database write failed.
		if _, gerr := c.API.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &c.PoolID, Username: &new}); gerr == nil {
			return nil
		}
	}
	return fmt.Errorf("change email: %w", err)
}

// unsupportedLocally recognises cognito-local's answer to calls it lacks
// (an internal error), only when running against the emulator.
func (c *Cognito) unsupportedLocally(err error) bool {
	if !c.Emulated {
		return false
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && strings.Contains(strings.ToLower(api.ErrorCode()), "unsupported")
}

func isCredentialError(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException",
		"PasswordResetRequiredException", "InvalidPasswordException", "InvalidParameterException":
		// cognito-local answers a wrong password with InvalidPasswordException.
		return true
	}
	return false
}

func isNotFound(err error) bool {
	var nf *types.UserNotFoundException
	return errors.As(err, &nf)
}

// FromEnv builds the directory of one pool from the function's environment:
// <prefix>_POOL_ID and <prefix>_CLIENT_ID (prefix "STAFF" or "CUSTOMER"),
// and DIRECTORY_EMULATED, which only the local stack sets.
func FromEnv(cfg aws.Config, prefix string) *Cognito {
	emulated := os.Getenv("DIRECTORY_EMULATED") == "true"
	return &Cognito{
		API:      NewClient(cfg, emulated),
		PoolID:   awsenv.Require(prefix + "_POOL_ID"),
		ClientID: awsenv.Require(prefix + "_CLIENT_ID"),
		Emulated: emulated,
	}
}
