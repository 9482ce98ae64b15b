//go:build integration

package stack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/tests/stack"
)

// The harness itself: a stack on free ports, SDK clients reaching the
// emulators through Stack.AWS, and the seeded owner's invitation mail.
func TestStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), stack.StartTimeout)
	defer cancel()
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	st, err := stack.Start(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t.Logf("stack up in %s at %s", time.Since(began).Round(time.Millisecond), st.URL)

	resp, err := http.Get(st.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /health: %d", resp.StatusCode)
	}

	if _, err := dynamodb.NewFromConfig(st.AWS).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &st.TableName}); err != nil {
		t.Fatalf("describe table through Stack.AWS: %v", err)
	}
	if _, err := cip.NewFromConfig(st.AWS).DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
		UserPoolId: &st.StaffPoolID, ClientId: &st.StaffClientID,
	}); err != nil {
		t.Fatalf("describe pool client through Stack.AWS: %v", err)
	}
	if !strings.HasPrefix(st.Issuer, st.Emu.Cognito+"/local_") {
		t.Fatalf("issuer %q", st.Issuer)
	}

	m, err := st.WaitMail(ctx, "OWNER@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "accept-invitation") {
		t.Fatalf("owner mail text: %q", m.Text)
	}
	// The mail was taken: a second wait finds nothing new.
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if _, err := st.WaitMail(short, stack.OwnerEmail, ""); err == nil {
		t.Fatal("the same mail was returned twice")
	}
	st.WaitStreams(t)
	// The owner's invitation (custom resource) and its mail (mail-sender)
	// made AWS calls; each must be allowed by the function's policy.
	if err := st.CheckCalls(); err != nil {
		t.Fatal(err)
	}
}
