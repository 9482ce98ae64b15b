package localstack

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"backoffice/shared/secret"
)

// The functions' own SSM call (shared/secret) reads what the stack serves.
func TestSSMEndpointServesParameters(t *testing.T) {
	s, err := startSSM("eu-west-1", map[string]string{"/backoffice/cursor-key": "k1 k0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_SSM", s.url)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}

	if v, err := secret.Parameter(cfg, "/backoffice/cursor-key"); err != nil || v != "k1 k0" {
		t.Fatalf("GetParameter = %q, %v", v, err)
	}
	if _, err := secret.Parameter(cfg, "/other/cursor-key"); err == nil || !strings.Contains(err.Error(), "ParameterNotFound") {
		t.Fatalf("unknown parameter: %v", err)
	}
	cfg.Region = "us-east-1"
	if _, err := secret.Parameter(cfg, "/backoffice/cursor-key"); err == nil {
		t.Fatal("a call signed for another region was answered")
	}
	resp, err := http.Post(s.url, "application/x-amz-json-1.1", strings.NewReader(`{"Name":"/backoffice/cursor-key","WithDecryption":true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unsigned request: HTTP %d", resp.StatusCode)
	}
}
