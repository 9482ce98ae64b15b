package localstack

import (
	"context"
	"path/filepath"
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
