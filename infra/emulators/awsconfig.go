package emulators

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWSConfig returns an aws.Config that sends every emulated service to this
// set, with static dummy credentials: pass it to any SDK client.
func (s *Set) AWSConfig(region string) aws.Config {
	// s3rver accepts only its own key pair; the other emulators take any.
	key := "local"
	if s.S3 != "" {
		key = "S3RVER"
	}
	return aws.Config{
		Region:        region,
		Credentials:   aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, key, "")),
		ConfigSources: []any{endpoints{s}},
	}
}

// endpoints plugs into the SDK's per-service endpoint resolution (the hook
// behind AWS_ENDPOINT_URL_<SERVICE>), keyed by SDK service id.
type endpoints struct{ set *Set }

func (e endpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	var url string
	switch sdkID {
	case "DynamoDB", "DynamoDB Streams":
		url = e.set.DynamoDB
	case "Cognito Identity Provider":
		url = e.set.Cognito
	case "SES", "SESv2":
		url = e.set.SES
	case "S3":
		url = e.set.S3
	}
	return url, url != "", nil
}
