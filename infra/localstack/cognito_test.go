package localstack

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestCognitoAgainstCognitoLocal provisions a pool and client in a running
// cognito-local (whose IssuerDomain is its own base URL), checks that a
// restart keeps them, and that the authorizer accepts the emulator's access
// tokens and refuses its id tokens.
func TestCognitoAgainstCognitoLocal(t *testing.T) {
	endpoint := emulatorURL(t, "Cognito")
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{
		Root:      repoRoot(t),
		Template:  "testdata/cognito.yaml",
		StateDir:  filepath.Join(dir, "state"),
		StackName: "it" + newUUID()[:8],
		Endpoints: Endpoints{Cognito: endpoint},
		Logs:      testLogWriter{t},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pool, client := s.Resource("StaffUserPool"), s.Resource("StaffUserPoolClient")
	if !strings.HasPrefix(pool, "local_") || client == "" {
		t.Fatalf("pool %q client %q", pool, client)
	}
	if got := s.Outputs()["ProviderName"]; got != "cognito-idp.eu-west-1.amazonaws.com/"+pool {
		t.Errorf("ProviderName %q", got)
	}
	_ = s.Close()

	s, err = Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if s.Resource("StaffUserPool") != pool || s.Resource("StaffUserPoolClient") != client {
		t.Fatalf("restart changed ids: %s %s", s.Resource("StaffUserPool"), s.Resource("StaffUserPoolClient"))
	}

	idp := newAWSClients(cfg).cognito
	email, password := "owner@example.com", "correct horse battery"
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	defer ccancel()
	if _, err := idp.AdminCreateUser(cctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool),
		Username: aws.String(email), MessageAction: ciptypes.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	if _, err := idp.AdminSetUserPassword(cctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(pool),
		Username: aws.String(email), Password: aws.String(password), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	auth, err := idp.InitiateAuth(cctx, &cip.InitiateAuthInput{ClientId: aws.String(client),
		AuthFlow:       ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password}})
	if err != nil {
		t.Fatal(err)
	}
	access, id := aws.ToString(auth.AuthenticationResult.AccessToken), aws.ToString(auth.AuthenticationResult.IdToken)

	e := decodeEcho(t, call(t, "GET", s.URL()+"/me", nil, map[string]string{"Authorization": "Bearer " + access}))
	if c := e.Event.RequestContext.Authorizer.JWT.Claims; c["client_id"] != client || c["iss"] != strings.TrimRight(endpoint, "/")+"/"+pool {
		t.Errorf("claims %v", c)
	}
	if e.Env["POOL_ID"] != pool || e.Env["CLIENT_ID"] != client {
		t.Errorf("env %s %s", e.Env["POOL_ID"], e.Env["CLIENT_ID"])
	}
	if r := call(t, "GET", s.URL()+"/me", nil, map[string]string{"Authorization": "Bearer " + id}); r.status != 401 {
		t.Errorf("id token: status %d", r.status)
	}
}

// cognitoTemplate is a pool and a client with the given extra properties
// (YAML lines, indented by six spaces) and outputs.
func cognitoTemplate(pool, client, outputs string) string {
	return `
Resources:
  StaffUserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: !Sub ${AWS::StackName}-staff
      UsernameAttributes: [email]
      AdminCreateUserConfig: {AllowAdminCreateUserOnly: true}
` + pool + `
  StaffUserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref StaffUserPool
      ClientName: staff
` + client + `
Outputs:
  ClientId:
    Value: !Ref StaffUserPoolClient
` + outputs
}

// TestCognitoFollowsTemplateChanges restarts a stack on one cognito-local
// with the template changed between starts: pool and client settings are
// updated in place (same ids, users kept), a GenerateSecret flip replaces
// the client, a username setting replaces the pool, and a change
// cognito-local can not make is refused by name.
func TestCognitoFollowsTemplateChanges(t *testing.T) {
	endpoint := emulatorURL(t, "Cognito")
	t.Parallel()
	dir := t.TempDir()
	logs := &syncBuffer{}
	cfg := Config{
		Root:      repoRoot(t),
		Template:  filepath.Join(dir, "template.yaml"),
		StateDir:  filepath.Join(dir, "state"),
		StackName: "chg" + newUUID()[:8],
		Endpoints: Endpoints{Cognito: endpoint},
		Logs:      io.MultiWriter(logs, testLogWriter{t}),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	idp := newAWSClients(cfg).cognito
	start := func(t *testing.T, tmpl string) (*Stack, error) {
		t.Helper()
		if err := os.WriteFile(cfg.Template, []byte(tmpl), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Start(ctx, cfg)
		if err == nil {
			_ = s.Close()
		}
		return s, err
	}
	mustStart := func(t *testing.T, tmpl string) *Stack {
		t.Helper()
		s, err := start(t, tmpl)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	describePool := func(t *testing.T, pool string) *ciptypes.UserPoolType {
		t.Helper()
		out, err := idp.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)})
		if err != nil {
			t.Fatal(err)
		}
		return out.UserPool
	}
	describeClient := func(pool, client string) (*ciptypes.UserPoolClientType, error) {
		out, err := idp.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String(client)})
		if err != nil {
			return nil, err
		}
		return out.UserPoolClient, nil
	}
	stateID := func(t *testing.T, id string) string {
		t.Helper()
		st, err := loadState(filepath.Join(cfg.StateDir, "state.json"))
		if err != nil {
			t.Fatal(err)
		}
		return st.resource(id)
	}
	email, password := "kept@example.com", "correct horse battery"
	signIn := func(t *testing.T, pool, client string) map[string]any {
		t.Helper()
		out, err := idp.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(pool), ClientId: aws.String(client),
			AuthFlow: ciptypes.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password}})
		if err != nil {
			t.Fatal(err)
		}
		return jwtClaims(t, aws.ToString(out.AuthenticationResult.AccessToken))
	}

	// 1. First start, and a user.
	v1Pool := "      Policies: {PasswordPolicy: {MinimumLength: 12}}\n"
	v1Client := "      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]\n" +
		"      AccessTokenValidity: 15\n      TokenValidityUnits: {AccessToken: minutes}\n      WriteAttributes: [name, email]\n"
	s := mustStart(t, cognitoTemplate(v1Pool, v1Client, ""))
	pool, client := s.Resource("StaffUserPool"), s.Resource("StaffUserPoolClient")
	if _, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String(email),
		MessageAction: ciptypes.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(pool), Username: aws.String(email),
		Password: aws.String(password), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	if c := signIn(t, pool, client); c["exp"].(float64)-c["iat"].(float64) != 15*60 {
		t.Errorf("access token lives %v s", c["exp"].(float64)-c["iat"].(float64))
	}

	// 2. Pool and client settings change: updated in place, the user kept.
	v2Pool := "      Policies: {PasswordPolicy: {MinimumLength: 10}}\n      AutoVerifiedAttributes: [email]\n" +
		"      Schema: [{Name: personId, AttributeDataType: String, Mutable: false}]\n"
	v2Client := "      ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]\n" +
		"      AccessTokenValidity: 5\n      TokenValidityUnits: {AccessToken: minutes}\n"
	s = mustStart(t, cognitoTemplate(v2Pool, v2Client, ""))
	if s.Resource("StaffUserPool") != pool || s.Resource("StaffUserPoolClient") != client {
		t.Fatalf("ids changed: %s %s", s.Resource("StaffUserPool"), s.Resource("StaffUserPoolClient"))
	}
	p := describePool(t, pool)
	if len(p.AutoVerifiedAttributes) != 1 || aws.ToInt32(p.Policies.PasswordPolicy.MinimumLength) != 10 {
		t.Errorf("pool not updated: %+v %+v", p.AutoVerifiedAttributes, p.Policies.PasswordPolicy)
	}
	if !slices.ContainsFunc(p.SchemaAttributes, func(a ciptypes.SchemaAttributeType) bool {
		return aws.ToString(a.Name) == "custom:personId" && !aws.ToBool(a.Mutable)
	}) {
		t.Errorf("custom:personId not added: %+v", p.SchemaAttributes)
	}
	c, err := describeClient(pool, client)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(c.AccessTokenValidity) != 5 || len(c.WriteAttributes) != 0 ||
		!slices.Equal(c.ExplicitAuthFlows, []ciptypes.ExplicitAuthFlowsType{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}) {
		t.Errorf("client not updated: validity %d, write %v, flows %v", aws.ToInt32(c.AccessTokenValidity), c.WriteAttributes, c.ExplicitAuthFlows)
	}
	if claims := signIn(t, pool, client); claims["exp"].(float64)-claims["iat"].(float64) != 5*60 {
		t.Errorf("access token lives %v s after the update", claims["exp"].(float64)-claims["iat"].(float64))
	}
	mustContain(t, logs.String(), "updated user pool StaffUserPool ("+pool+"): AutoVerifiedAttributes, Policies, Schema",
		"updated user pool client StaffUserPoolClient ("+client+"): AccessTokenValidity, ExplicitAuthFlows, WriteAttributes")

	// 3. GenerateSecret on: a new client (new id, in state.json), with a
	// secret that DescribeUserPoolClient answers and GetAtt gives; the old
	// client is gone, the user signs in through the new one.
	secretOut := "  Secret:\n    Value: !GetAtt StaffUserPoolClient.ClientSecret\n"
	s = mustStart(t, cognitoTemplate(v2Pool, v2Client+"      GenerateSecret: true\n", secretOut))
	secretClient := s.Resource("StaffUserPoolClient")
	if secretClient == client || stateID(t, "StaffUserPoolClient") != secretClient || s.Outputs()["ClientId"] != secretClient {
		t.Fatalf("client %s → %s (state %s)", client, secretClient, stateID(t, "StaffUserPoolClient"))
	}
	c, err = describeClient(pool, secretClient)
	if err != nil || aws.ToString(c.ClientSecret) == "" || aws.ToString(c.ClientSecret) != s.Outputs()["Secret"] {
		t.Fatalf("secret: %v %+v, output %q", err, c, s.Outputs()["Secret"])
	}
	if _, err := describeClient(pool, client); !isNotFound(err) {
		t.Errorf("replaced client still there: %v", err)
	}
	signIn(t, pool, secretClient)

	// A restart without a change keeps the client and its secret.
	s = mustStart(t, cognitoTemplate(v2Pool, v2Client+"      GenerateSecret: true\n", secretOut))
	if s.Resource("StaffUserPoolClient") != secretClient || s.Outputs()["Secret"] != aws.ToString(c.ClientSecret) {
		t.Errorf("restart changed the client: %s %q", s.Resource("StaffUserPoolClient"), s.Outputs()["Secret"])
	}

	// And off again: another new client, without a secret.
	s = mustStart(t, cognitoTemplate(v2Pool, v2Client+"      GenerateSecret: false\n", ""))
	plain := s.Resource("StaffUserPoolClient")
	if c, err := describeClient(pool, plain); plain == secretClient || err != nil || c.ClientSecret != nil {
		t.Errorf("client %s → %s: %v %+v", secretClient, plain, err, c)
	}

	// 4. What cognito-local can not change in place is refused by name,
	// and nothing is changed.
	_, err = start(t, cognitoTemplate(v2Pool+"      UserAttributeUpdateSettings: {AttributesRequireVerificationBeforeUpdate: [email]}\n", v2Client, ""))
	if err == nil {
		t.Fatal("UserAttributeUpdateSettings added to an existing pool: started")
	}
	mustContain(t, err.Error(), "StaffUserPool: ", "UserAttributeUpdateSettings changed (was none, now {\"AttributesRequireVerificationBeforeUpdate\":[\"email\"]})",
		"cognito-local takes it at create only")
	if !errors.Is(err, ErrNeedsFreshData) {
		t.Errorf("the refusal is not ErrNeedsFreshData (scripts/dev.sh tells to start fresh on it): %v", err)
	}
	_, err = start(t, cognitoTemplate(v2Pool+"      MfaConfiguration: \"ON\"\n", v2Client, ""))
	if err == nil {
		t.Fatal("MfaConfiguration ON: started")
	}
	mustContain(t, err.Error(), "StaffUserPool: cognito-local can not honour MfaConfiguration (cognito-local's AdminInitiateAuth")

	// 5. A username setting changes: AWS needs a new pool, and so a new
	// client; the old pool and its user stay.
	s = mustStart(t, cognitoTemplate(v2Pool+"      UsernameConfiguration: {CaseSensitive: false}\n", v2Client, ""))
	newPool := s.Resource("StaffUserPool")
	if newPool == pool || s.Resource("StaffUserPoolClient") == plain {
		t.Fatalf("pool %s → %s, client %s → %s", pool, newPool, plain, s.Resource("StaffUserPoolClient"))
	}
	if _, err := idp.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(email)}); err != nil {
		t.Errorf("old pool's user: %v", err)
	}
	if p := describePool(t, newPool); p.UsernameConfiguration == nil || aws.ToBool(p.UsernameConfiguration.CaseSensitive) {
		t.Errorf("new pool: %+v", p.UsernameConfiguration)
	}
	mustContain(t, logs.String(), "user pool StaffUserPool: UsernameConfiguration changed")
}
