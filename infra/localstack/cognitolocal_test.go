package localstack

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/golang-jwt/jwt/v5"
)

// TestCognitoLocalBehaviour records, against a running cognito-local, what
// it does with the settings and calls the product relies on (README:
// "cognito-local: what it honours"). Each subtest is one line of that table;
// a new cognito-local version that changes one fails here first.
func TestCognitoLocalBehaviour(t *testing.T) {
	endpoint := emulatorURL(t, "Cognito")
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	idp := newAWSClients(Config{Region: "eu-west-1", Endpoints: Endpoints{Cognito: endpoint}}).cognito

	// The pools and clients issue 15 asks for.
	pool := func(t *testing.T, verifyEmail bool) string {
		t.Helper()
		in := &cip.CreateUserPoolInput{
			PoolName:               aws.String("behaviour-" + newUUID()[:8]),
			UsernameAttributes:     []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail},
			UsernameConfiguration:  &ciptypes.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
			AdminCreateUserConfig:  &ciptypes.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true},
			AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail},
			Policies: &ciptypes.UserPoolPolicyType{PasswordPolicy: &ciptypes.PasswordPolicyType{
				MinimumLength: aws.Int32(12)}},
			Schema: []ciptypes.SchemaAttributeType{{Name: aws.String("personId"),
				AttributeDataType: ciptypes.AttributeDataTypeString, Mutable: aws.Bool(true)}},
		}
		if verifyEmail {
			in.UserAttributeUpdateSettings = &ciptypes.UserAttributeUpdateSettingsType{
				AttributesRequireVerificationBeforeUpdate: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail}}
		}
		out, err := idp.CreateUserPool(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.UserPool.Id)
	}
	adminClient := func(t *testing.T, poolID string) (id, secret string) {
		t.Helper()
		out, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId: aws.String(poolID), ClientName: aws.String("api"), GenerateSecret: true,
			ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{
				ciptypes.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
			WriteAttributes:       []string{"name"},
			ReadAttributes:        []string{"email", "name"},
			AccessTokenValidity:   aws.Int32(15),
			TokenValidityUnits:    &ciptypes.TokenValidityUnitsType{AccessToken: ciptypes.TimeUnitsTypeMinutes},
			EnableTokenRevocation: aws.Bool(true),
		})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.UserPoolClient.ClientId), aws.ToString(out.UserPoolClient.ClientSecret)
	}
	user := func(t *testing.T, poolID, email, password string) string {
		t.Helper()
		out, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID),
			Username: aws.String(email), MessageAction: ciptypes.MessageActionTypeSuppress,
			UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(email)},
				{Name: aws.String("email_verified"), Value: aws.String("true")}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID),
			Username: aws.String(email), Password: aws.String(password), Permanent: true}); err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.User.Username)
	}
	adminLogin := func(poolID, clientID, email, password, secretHash string) (*cip.AdminInitiateAuthOutput, error) {
		params := map[string]string{"USERNAME": email, "PASSWORD": password}
		if secretHash != "" {
			params["SECRET_HASH"] = secretHash
		}
		return idp.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(poolID),
			ClientId: aws.String(clientID), AuthFlow: ciptypes.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: params})
	}
	attr := func(t *testing.T, poolID, username, name string) string {
		t.Helper()
		got, err := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String(username)})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range got.UserAttributes {
			if aws.ToString(a.Name) == name {
				return aws.ToString(a.Value)
			}
		}
		return ""
	}
	const password = "correct horse battery"

	t.Run("GenerateSecret: CreateUserPoolClient and DescribeUserPoolClient return the secret", func(t *testing.T) {
		p := pool(t, false)
		id, secret := adminClient(t, p)
		if secret == "" {
			t.Fatal("no ClientSecret from CreateUserPoolClient")
		}
		d, err := idp.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(p), ClientId: aws.String(id)})
		if err != nil || aws.ToString(d.UserPoolClient.ClientSecret) != secret {
			t.Fatalf("DescribeUserPoolClient: %v %q", err, aws.ToString(d.UserPoolClient.ClientSecret))
		}
	})

	t.Run("SECRET_HASH is not verified: missing, wrong and right all sign in", func(t *testing.T) {
		p := pool(t, false)
		id, secret := adminClient(t, p)
		email := "hash@example.com"
		user(t, p, email, password)
		for name, hash := range map[string]string{"missing": "", "wrong": "d3Jvbmc=", "right": secretHash(secret, email, id)} {
			if out, err := adminLogin(p, id, email, password, hash); err != nil || out.AuthenticationResult == nil {
				t.Errorf("%s SECRET_HASH: %v", name, err)
			}
		}
	})

	t.Run("ExplicitAuthFlows is not enforced: USER_PASSWORD_AUTH on an admin-only client signs in", func(t *testing.T) {
		p := pool(t, false)
		id, _ := adminClient(t, p)
		user(t, p, "flows@example.com", password)
		out, err := idp.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(id), AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "flows@example.com", "PASSWORD": password}})
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("InitiateAuth: %v", err)
		}
	})

	t.Run("tokens: claims, refresh through both calls, no ExpiresIn, no new refresh token", func(t *testing.T) {
		p := pool(t, false)
		id, secret := adminClient(t, p)
		email := "tokens@example.com"
		username := user(t, p, email, password)
		login, err := adminLogin(p, id, email, password, secretHash(secret, email, id))
		if err != nil {
			t.Fatal(err)
		}
		r := login.AuthenticationResult
		if r.ExpiresIn != 0 || r.TokenType != nil {
			t.Errorf("ExpiresIn %d TokenType %v", r.ExpiresIn, r.TokenType)
		}
		claims := jwtClaims(t, aws.ToString(r.AccessToken))
		for _, c := range []string{"jti", "auth_time", "client_id", "exp", "iat", "iss", "sub", "scope", "token_use", "username", "event_id"} {
			if _, ok := claims[c]; !ok {
				t.Errorf("access token lacks %s: %v", c, claims)
			}
		}
		if _, ok := claims["origin_jti"]; ok {
			t.Errorf("access token has origin_jti: %v", claims)
		}
		if claims["client_id"] != id || claims["username"] != username || claims["scope"] != "aws.cognito.signin.user.admin" {
			t.Errorf("claims %v", claims)
		}
		if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 15*60 {
			t.Errorf("exp-iat %v: AccessTokenValidity 15 minutes", exp-iat)
		}
		time.Sleep(1100 * time.Millisecond) // auth_time has a one second grain

		admin, err := idp.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(p), ClientId: aws.String(id),
			AuthFlow: ciptypes.AuthFlowTypeRefreshTokenAuth, AuthParameters: map[string]string{
				"REFRESH_TOKEN": aws.ToString(r.RefreshToken), "SECRET_HASH": "wrong"}})
		if err != nil {
			t.Fatalf("AdminInitiateAuth REFRESH_TOKEN_AUTH: %v", err)
		}
		public, err := idp.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(id),
			AuthFlow: ciptypes.AuthFlowTypeRefreshTokenAuth, AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(r.RefreshToken)}})
		if err != nil {
			t.Fatalf("InitiateAuth REFRESH_TOKEN_AUTH: %v", err)
		}
		for _, out := range []*ciptypes.AuthenticationResultType{admin.AuthenticationResult, public.AuthenticationResult} {
			if out.RefreshToken != nil || out.ExpiresIn != 0 {
				t.Errorf("refresh answered a refresh token or ExpiresIn: %+v", out)
			}
			c := jwtClaims(t, aws.ToString(out.AccessToken))
			if c["auth_time"] == claims["auth_time"] || c["jti"] == claims["jti"] {
				t.Errorf("refresh kept auth_time or jti: %v vs %v", c, claims)
			}
			if _, ok := c["origin_jti"]; ok {
				t.Errorf("refreshed access token has origin_jti")
			}
		}
	})

	t.Run("UpdateUserAttributes ignores WriteAttributes; with UserAttributeUpdateSettings an email waits for its code", func(t *testing.T) {
		p := pool(t, true)
		id, secret := adminClient(t, p)
		email := "verify@example.com"
		username := user(t, p, email, password)
		login, err := adminLogin(p, id, email, password, secretHash(secret, email, id))
		if err != nil {
			t.Fatal(err)
		}
		out, err := idp.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: login.AuthenticationResult.AccessToken,
			UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("new@example.com")},
				{Name: aws.String("custom:personId"), Value: aws.String("someone-else")}}})
		if err != nil {
			t.Fatalf("UpdateUserAttributes (email, custom:personId not in WriteAttributes): %v", err)
		}
		if len(out.CodeDeliveryDetailsList) != 1 {
			t.Errorf("code deliveries %+v", out.CodeDeliveryDetailsList)
		}
		if got := attr(t, p, username, "email"); got != email {
			t.Errorf("email %q: applied before verification", got)
		}
		if got := attr(t, p, username, "email_verified"); got != "true" {
			t.Errorf("email_verified %q", got)
		}
		if got := attr(t, p, username, "custom:personId"); got != "someone-else" {
			t.Errorf("custom:personId %q: WriteAttributes enforced after all?", got)
		}
	})

	t.Run("without UserAttributeUpdateSettings an email change applies at once and resets email_verified", func(t *testing.T) {
		p := pool(t, false)
		id, secret := adminClient(t, p)
		email := "now@example.com"
		username := user(t, p, email, password)
		login, err := adminLogin(p, id, email, password, secretHash(secret, email, id))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := idp.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: login.AuthenticationResult.AccessToken,
			UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("now2@example.com")}}}); err != nil {
			t.Fatal(err)
		}
		if got, v := attr(t, p, username, "email"), attr(t, p, username, "email_verified"); got != "now2@example.com" || v != "false" {
			t.Errorf("email %q email_verified %q", got, v)
		}
	})

	t.Run("UpdateUserPool does not change UserAttributeUpdateSettings, DescribeUserPool does not show it", func(t *testing.T) {
		p := pool(t, false)
		if _, err := idp.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(p),
			AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail},
			UserAttributeUpdateSettings: &ciptypes.UserAttributeUpdateSettingsType{
				AttributesRequireVerificationBeforeUpdate: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail}}}); err != nil {
			t.Fatal(err)
		}
		d, err := idp.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(p)})
		if err != nil {
			t.Fatal(err)
		}
		if d.UserPool.UserAttributeUpdateSettings != nil || d.UserPool.DeletionProtection != "" {
			t.Errorf("described %+v %q", d.UserPool.UserAttributeUpdateSettings, d.UserPool.DeletionProtection)
		}
		id, secret := adminClient(t, p)
		email := "later@example.com"
		username := user(t, p, email, password)
		login, err := adminLogin(p, id, email, password, secretHash(secret, email, id))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := idp.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: login.AuthenticationResult.AccessToken,
			UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("later2@example.com")}}}); err != nil {
			t.Fatal(err)
		}
		if got := attr(t, p, username, "email"); got != "later2@example.com" {
			t.Errorf("email %q: the update did take effect", got)
		}
	})

	t.Run("self-service calls trust any token: a forged, unsigned-by-cognito token changes a user", func(t *testing.T) {
		p := pool(t, false)
		id, _ := adminClient(t, p)
		username := user(t, p, "victim@example.com", password)
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		forged, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": username, "client_id": id,
			"username": username, "token_use": "access", "exp": time.Now().Add(-time.Hour).Unix()}).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := idp.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(forged),
			UserAttributes: []ciptypes.AttributeType{{Name: aws.String("name"), Value: aws.String("forged")}}}); err != nil {
			t.Fatalf("forged token refused: %v", err)
		}
		if got := attr(t, p, username, "name"); got != "forged" {
			t.Errorf("name %q", got)
		}
	})

	t.Run("AdminDisableUser does not stop sign-in or refresh", func(t *testing.T) {
		p := pool(t, false)
		id, secret := adminClient(t, p)
		email := "disabled@example.com"
		user(t, p, email, password)
		login, err := adminLogin(p, id, email, password, secretHash(secret, email, id))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := idp.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(p), Username: aws.String(email)}); err != nil {
			t.Fatal(err)
		}
		if _, err := adminLogin(p, id, email, password, ""); err != nil {
			t.Errorf("disabled user: %v", err)
		}
		if _, err := idp.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(id), AuthFlow: ciptypes.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(login.AuthenticationResult.RefreshToken)}}); err != nil {
			t.Errorf("disabled user's refresh: %v", err)
		}
	})

	t.Run("RevokeToken ends the refresh token", func(t *testing.T) {
		p := pool(t, false)
		id, secret := adminClient(t, p)
		email := "revoke@example.com"
		user(t, p, email, password)
		login, err := adminLogin(p, id, email, password, secretHash(secret, email, id))
		if err != nil {
			t.Fatal(err)
		}
		refresh := login.AuthenticationResult.RefreshToken
		if _, err := idp.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(id), Token: refresh}); err != nil {
			t.Fatal(err)
		}
		_, err = idp.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(id), AuthFlow: ciptypes.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(refresh)}})
		if code := errorCode(err); code != "NotAuthorizedException" {
			t.Errorf("refresh after revoke: %v", err)
		}
	})

	t.Run("missing calls answer 500 CognitoLocal#Unsupported", func(t *testing.T) {
		p := pool(t, false)
		user(t, p, "gso@example.com", password)
		_, err := idp.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(p), Username: aws.String("gso@example.com")},
			func(o *cip.Options) { o.RetryMaxAttempts = 1 })
		if code := errorCode(err); code != "Unsupported" {
			t.Errorf("AdminUserGlobalSignOut: %v", err)
		}
		_, err = idp.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: aws.String("x")}, func(o *cip.Options) { o.RetryMaxAttempts = 1 })
		if code := errorCode(err); code != "Unsupported" {
			t.Errorf("GlobalSignOut: %v", err)
		}
	})

	t.Run("sign-in errors: wrong password InvalidPasswordException, unknown user NotAuthorizedException, FORCE_CHANGE_PASSWORD gets tokens", func(t *testing.T) {
		p := pool(t, false)
		id, _ := adminClient(t, p)
		user(t, p, "errors@example.com", password)
		if _, err := adminLogin(p, id, "errors@example.com", "wrong password!", ""); errorCode(err) != "InvalidPasswordException" {
			t.Errorf("wrong password: %v", err)
		}
		if _, err := adminLogin(p, id, "nobody@example.com", password, ""); errorCode(err) != "NotAuthorizedException" {
			t.Errorf("unknown user: %v", err)
		}
		if _, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(p), Username: aws.String("temp@example.com"),
			TemporaryPassword: aws.String(password), MessageAction: ciptypes.MessageActionTypeSuppress}); err != nil {
			t.Fatal(err)
		}
		if out, err := adminLogin(p, id, "temp@example.com", password, ""); err != nil || out.ChallengeName != "" || out.AuthenticationResult == nil {
			t.Errorf("FORCE_CHANGE_PASSWORD user: %v %+v", err, out)
		}
	})

	t.Run("refresh tokens: expiry not checked, any client of the pool accepts them", func(t *testing.T) {
		p := pool(t, false)
		short, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(p), ClientName: aws.String("short"),
			RefreshTokenValidity: 1, TokenValidityUnits: &ciptypes.TokenValidityUnitsType{RefreshToken: ciptypes.TimeUnitsTypeSeconds}})
		if err != nil {
			t.Fatal(err)
		}
		other, _ := adminClient(t, p)
		id := aws.ToString(short.UserPoolClient.ClientId)
		user(t, p, "expiry@example.com", password)
		login, err := adminLogin(p, id, "expiry@example.com", password, "")
		if err != nil {
			t.Fatal(err)
		}
		refresh := aws.ToString(login.AuthenticationResult.RefreshToken)
		if exp := jwtClaims(t, refresh)["exp"].(float64); int64(exp) > time.Now().Unix()+1 {
			t.Errorf("refresh token exp %v", exp)
		}
		time.Sleep(2100 * time.Millisecond)
		for _, c := range []string{id, other} {
			if _, err := idp.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(c), AuthFlow: ciptypes.AuthFlowTypeRefreshTokenAuth,
				AuthParameters: map[string]string{"REFRESH_TOKEN": refresh}}); err != nil {
				t.Errorf("expired refresh token with client %s: %v", c, err)
			}
		}
	})

	t.Run("pool rules not enforced: password policy, admin-only creation, case-insensitive usernames", func(t *testing.T) {
		p := pool(t, false)
		id, _ := adminClient(t, p)
		user(t, p, "short@example.com", "x") // MinimumLength 12
		if _, err := idp.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(id), Username: aws.String("self@example.com"),
			Password: aws.String("y")}); err != nil {
			t.Errorf("SignUp with AllowAdminCreateUserOnly: %v", err)
		}
		_, err := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(p), Username: aws.String("Short@Example.com")})
		if code := errorCode(err); code != "UserNotFoundException" {
			t.Errorf("AdminGetUser with other case: %v", err)
		}
	})

	t.Run("AdminUpdateUserAttributes: no AliasExistsException, an unknown user is NotAuthorizedException", func(t *testing.T) {
		p := pool(t, false)
		user(t, p, "first@example.com", password)
		second := user(t, p, "second@example.com", password)
		if _, err := idp.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(p),
			Username: aws.String("second@example.com"), UserAttributes: []ciptypes.AttributeType{
				{Name: aws.String("email"), Value: aws.String("first@example.com")},
				{Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
			t.Errorf("taking another user's address: %v", err)
		}
		if got := attr(t, p, second, "email"); got != "first@example.com" {
			t.Errorf("email %q", got)
		}
		_, err := idp.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(p),
			Username: aws.String("nobody@example.com"), UserAttributes: []ciptypes.AttributeType{
				{Name: aws.String("name"), Value: aws.String("x")}}})
		if code := errorCode(err); code != "NotAuthorizedException" {
			t.Errorf("unknown user: %v", err)
		}
	})

	t.Run("UpdateUserPoolClient keeps what the request leaves out", func(t *testing.T) {
		p := pool(t, false)
		id, _ := adminClient(t, p)
		out, err := idp.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(p), ClientId: aws.String(id),
			ClientName: aws.String("renamed")})
		if err != nil {
			t.Fatal(err)
		}
		if c := out.UserPoolClient; len(c.ExplicitAuthFlows) != 2 || len(c.WriteAttributes) != 1 || aws.ToInt32(c.AccessTokenValidity) != 15 {
			t.Errorf("left-out settings reset: %+v", c)
		}
	})
}

// secretHash is Cognito's SECRET_HASH: Base64(HMAC-SHA256(secret, username + clientId)).
func secretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	if err != nil {
		return strings.TrimSpace(err.Error())
	}
	return ""
}
