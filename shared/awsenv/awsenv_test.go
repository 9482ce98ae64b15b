package awsenv

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func TestConfigReadsLambdaEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_SESSION_TOKEN", "TOKEN")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")

	cfg := Config()
	if cfg.Region != "eu-central-1" {
		t.Fatalf("region = %q", cfg.Region)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKID" || creds.SessionToken != "TOKEN" {
		t.Fatalf("credentials = %+v, %v", creds, err)
	}
	client := dynamodb.NewFromConfig(cfg)
	if got := client.Options().BaseEndpoint; got == nil || *got != "http://127.0.0.1:8000" {
		t.Fatalf("dynamodb endpoint = %v", got)
	}
	if !Local("DynamoDB") || Local("Cognito Identity Provider") {
		t.Fatal("Local() does not follow the environment")
	}
}

func TestServiceNamesWithSpaces(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "http://127.0.0.1:9229")
	got, ok, _ := envEndpoints{}.GetServiceBaseEndpoint(context.Background(), "Cognito Identity Provider")
	if !ok || got != "http://127.0.0.1:9229" {
		t.Fatalf("got %q %v", got, ok)
	}
}
