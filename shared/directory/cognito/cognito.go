// Package cognito implements directory.Directory on an Amazon Cognito user
// pool. It is a package of its own so functions that never call Cognito do
// not link its SDK client.
package cognito

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

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
	AdminInitiateAuth(ctx context.Context, in *cip.AdminInitiateAuthInput, opts ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error)
	DescribeUserPoolClient(ctx context.Context, in *cip.DescribeUserPoolClientInput, opts ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error)
	RevokeToken(ctx context.Context, in *cip.RevokeTokenInput, opts ...func(*cip.Options)) (*cip.RevokeTokenOutput, error)
}

var _ API = (*cip.Client)(nil)

// PersonIDAttribute is the attribute every user is stamped with at
// creation: the id of the person it was made for. It is immutable (the
// pools' Schema says Mutable: false) and in no app client's WriteAttributes,
// so only AdminCreateUser ever sets it.
const PersonIDAttribute = "custom:personId"

// Cognito is a directory.Directory on one user pool and app client.
type Cognito struct {
	API      API
	PoolID   string
	ClientID string
	// Emulated is set (DIRECTORY_EMULATED=true) only by the local stack:
	// cognito-local answers 500 to a few admin calls it lacks. Those calls
	// are tolerated then and only then; in AWS every failure counts.
	Emulated bool

	// The app client's secret, read at first use (DescribeUserPoolClient)
	// and kept for the life of the process; never in the environment or a
	// log. Nil until read; "" for a client without a secret.
	secretMu sync.Mutex
	secret   *string
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

// SecretHash is the SECRET_HASH a client with a secret must send with every
// sign-in and refresh: Base64(HMAC-SHA256(key: the client secret, message:
// username + client id)), AWS's documented formula. cognito-local never
// checks it, so cognito_test.go checks it against a known vector.
func SecretHash(secret, username, clientID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// clientSecret is the app client's secret ("" without one), read once. A
// failed read is not kept: the next call tries again.
func (c *Cognito) clientSecret(ctx context.Context) (string, error) {
	c.secretMu.Lock()
	defer c.secretMu.Unlock()
	if c.secret != nil {
		return *c.secret, nil
	}
	out, err := c.API.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &c.PoolID, ClientId: &c.ClientID})
	if err != nil {
		return "", fmt.Errorf("describe user pool client: %w", err)
	}
	var s string
	if out.UserPoolClient != nil {
		s = aws.ToString(out.UserPoolClient.ClientSecret)
	}
	c.secret = &s
	return s, nil
}

// withSecretHash adds SECRET_HASH over username to params when the client
// has a secret.
func (c *Cognito) withSecretHash(ctx context.Context, username string, params map[string]string) (map[string]string, error) {
	secret, err := c.clientSecret(ctx)
	if err != nil {
		return nil, err
	}
	if secret != "" {
		params["SECRET_HASH"] = SecretHash(secret, username, c.ClientID)
	}
	return params, nil
}

func (c *Cognito) EnsureUser(ctx context.Context, email, personID string) (directory.User, error) {
	out, err := c.API.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:    &c.PoolID,
		Username:      &email,
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: &email},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String(PersonIDAttribute), Value: &personID},
		},
	})
	if err == nil {
		return userOf(out.User.Attributes, out.User.Username), nil
	}
	var exists *types.UsernameExistsException
	if !errors.As(err, &exists) {
		return directory.User{}, fmt.Errorf("create user: %w", err)
	}
	// A user holds the address already. Only one an earlier, interrupted
	// attempt made for this very person may be reused; any other (made
	// outside the API, or another person's that moved here) is never bound.
	got, err := c.API.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &c.PoolID, Username: &email})
	if err != nil {
		return directory.User{}, fmt.Errorf("get user: %w", err)
	}
	if attribute(got.UserAttributes, PersonIDAttribute) != personID {
		return directory.User{}, directory.ErrForeignUser
	}
	u := userOf(got.UserAttributes, got.Username)
	if err := c.Enable(ctx, u.Username); err != nil {
		return directory.User{}, err
	}
	// Whatever it was given before ends: the person starts with no session.
	if err := c.SignOutEverywhere(ctx, u.Username); err != nil {
		return directory.User{}, err
	}
	return u, nil
}

func attribute(attrs []types.AttributeType, name string) string {
	for _, a := range attrs {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

func userOf(attrs []types.AttributeType, username *string) directory.User {
	u := directory.User{Username: directory.Username(aws.ToString(username)), Sub: attribute(attrs, "sub")}
	if u.Sub == "" {
		u.Sub = string(u.Username)
	}
	return u
}

func (c *Cognito) SetPassword(ctx context.Context, user directory.Username, password string) error {
	_, err := c.API.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &c.PoolID, Username: aws.String(string(user)), Password: &password, Permanent: true,
	})
	var weak *types.InvalidPasswordException
	if errors.As(err, &weak) {
		return problem.Invalid(problem.WeakPassword("password"))
	}
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// signIn runs AdminInitiateAuth with the admin password flow; username is
// what the person is signed in by (an address, or a username), and what the
// SECRET_HASH is computed over.
func (c *Cognito) signIn(ctx context.Context, username, password string) (directory.Tokens, error) {
	params, err := c.withSecretHash(ctx, username, map[string]string{"USERNAME": username, "PASSWORD": password})
	if err != nil {
		return directory.Tokens{}, err
	}
	out, err := c.API.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId:     &c.PoolID,
		ClientId:       &c.ClientID,
		AuthFlow:       types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: params,
	})
	if err != nil {
		if isCredentialError(err) {
			return directory.Tokens{}, directory.ErrInvalidCredentials
		}
		return directory.Tokens{}, fmt.Errorf("admin initiate auth: %w", err)
	}
	if out.ChallengeName != "" || out.AuthenticationResult == nil {
		return directory.Tokens{}, directory.ErrInvalidCredentials
	}
	r := out.AuthenticationResult
	return directory.Tokens{AccessToken: aws.ToString(r.AccessToken), RefreshToken: aws.ToString(r.RefreshToken), ExpiresIn: r.ExpiresIn}, nil
}

func (c *Cognito) Login(ctx context.Context, email, password string) (directory.Tokens, error) {
	return c.signIn(ctx, email, password)
}

func (c *Cognito) VerifyPassword(ctx context.Context, user directory.Username, password string) error {
	t, err := c.signIn(ctx, string(user), password)
	if err != nil {
		return err
	}
	// That sign-in only proved the password.
	if err := c.Revoke(ctx, t.RefreshToken); err != nil {
		slog.WarnContext(ctx, "revoking the refresh token of a password check failed", "error", err.Error())
	}
	return nil
}

// Refresh computes the SECRET_HASH over the user's username: AWS requires
// that for REFRESH_TOKEN_AUTH, not the address the person signed in with.
func (c *Cognito) Refresh(ctx context.Context, user directory.Username, refreshToken string) (directory.Tokens, error) {
	params, err := c.withSecretHash(ctx, string(user), map[string]string{"REFRESH_TOKEN": refreshToken})
	if err != nil {
		return directory.Tokens{}, err
	}
	out, err := c.API.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId:     &c.PoolID,
		ClientId:       &c.ClientID,
		AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: params,
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
	secret, err := c.clientSecret(ctx)
	if err != nil {
		return err
	}
	in := &cip.RevokeTokenInput{ClientId: &c.ClientID, Token: &refreshToken}
	if secret != "" {
		in.ClientSecret = &secret
	}
	_, err = c.API.RevokeToken(ctx, in)
	if err != nil && !isCredentialError(err) {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

func (c *Cognito) SignOutEverywhere(ctx context.Context, user directory.Username) error {
	_, err := c.API.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &c.PoolID, Username: aws.String(string(user))})
	if err == nil || c.unsupportedLocally(err) || isNotFound(err) {
		return nil
	}
	return fmt.Errorf("global sign-out: %w", err)
}

func (c *Cognito) Disable(ctx context.Context, user directory.Username) error {
	_, err := c.API.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &c.PoolID, Username: aws.String(string(user))})
	if err == nil || isNotFound(err) {
		return nil
	}
	return fmt.Errorf("disable user: %w", err)
}

func (c *Cognito) Enable(ctx context.Context, user directory.Username) error {
	_, err := c.API.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &c.PoolID, Username: aws.String(string(user))})
	if err != nil {
		return fmt.Errorf("enable user: %w", err)
	}
	return nil
}

func (c *Cognito) Delete(ctx context.Context, user directory.Username) error {
	_, err := c.API.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: &c.PoolID, Username: aws.String(string(user))})
	if err == nil || isNotFound(err) {
		return nil
	}
	return fmt.Errorf("delete user: %w", err)
}

// ChangeEmail sets the email attribute (verified); with email as the pool's
// sign-in attribute, sign-in follows it. Addressed by username, it is the
// same call the first time and on a retry.
func (c *Cognito) ChangeEmail(ctx context.Context, user directory.Username, newEmail string) error {
	_, err := c.API.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: &c.PoolID, Username: aws.String(string(user)),
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: &newEmail},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	var taken *types.AliasExistsException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &taken):
		return directory.ErrEmailTaken
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
