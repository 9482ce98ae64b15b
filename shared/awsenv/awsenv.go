// Package awsenv builds an aws.Config from the Lambda environment.
//
// config.LoadDefaultConfig links SSO, STS and IMDS code that a Lambda never
// uses; measured on arm64 it made binaries 1.8 MB bigger and cold init about
// twice as slow. Inside Lambda the region and credentials are plain
// environment variables, so reading them directly is all that is needed.
package awsenv

import (
	"context"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config returns an aws.Config with the region and credentials of the
// environment. Service endpoints follow AWS_ENDPOINT_URL_<SERVICE> like the
// SDK's own loader does, which is how the local stack points functions at
// emulators without any code knowing it.
//
// When the local stack asks for it (RecordEnv), every client and presigner
// made from the config records each call it makes (record.go).
func Config() aws.Config {
	cfg := aws.Config{
		Region: firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION")),
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"),
			os.Getenv("AWS_SECRET_ACCESS_KEY"),
			os.Getenv("AWS_SESSION_TOKEN"),
		)),
		ConfigSources: []any{envEndpoints{}},
	}
	if r := activeRecorder(); r != nil {
		cfg.APIOptions = append(cfg.APIOptions, recordCalls(r))
	}
	return cfg
}

// Local reports whether the given service (an SDK id such as "DynamoDB") is
// pointed at a non-AWS endpoint.
func Local(sdkID string) bool {
	_, ok, _ := envEndpoints{}.GetServiceBaseEndpoint(context.Background(), sdkID)
	return ok
}

// envEndpoints implements the SDK's ServiceBaseEndpointProvider, the same
// hook config.LoadDefaultConfig installs for AWS_ENDPOINT_URL_*.
type envEndpoints struct{}

func (envEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	name := "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_"))
	if v := os.Getenv(name); v != "" {
		return v, true, nil
	}
	if v := os.Getenv("AWS_ENDPOINT_URL"); v != "" {
		return v, true, nil
	}
	return "", false, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// Require returns an environment variable that must be set. It panics when
// it is missing, at cold start, so a misconfigured function fails its init
// (visible in logs and as 5xx) instead of failing later per request.
func Require(name string) string {
	v := os.Getenv(name)
	if v == "" {
		panic("missing environment variable " + name)
	}
	return v
}
