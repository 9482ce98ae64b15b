package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/smithy-go/logging"
)

// callTimeout bounds every single call to an emulator.
const callTimeout = 10 * time.Second

// awsClients talk to the emulators; a client is nil when its endpoint is empty.
type awsClients struct {
	ddb     *dynamodb.Client
	streams *dynamodbstreams.Client
	cognito *cognitoidentityprovider.Client
}

func newAWSClients(cfg Config) *awsClients {
	base := aws.Config{
		Region:           cfg.Region,
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:       &http.Client{Timeout: callTimeout},
		RetryMaxAttempts: 2,
		Logger:           logging.Nop{},
	}
	c := &awsClients{}
	if ep := cfg.Endpoints.DynamoDB; ep != "" {
		c.ddb = dynamodb.NewFromConfig(base, func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(ep)
			o.DisableValidateResponseChecksum = true // DynamoDB Local's errors carry no CRC32
		})
		c.streams = dynamodbstreams.NewFromConfig(base, func(o *dynamodbstreams.Options) {
			o.BaseEndpoint = aws.String(ep)
		})
	}
	if ep := cfg.Endpoints.Cognito; ep != "" {
		c.cognito = cognitoidentityprovider.NewFromConfig(base, func(o *cognitoidentityprovider.Options) {
			o.BaseEndpoint = aws.String(ep)
		})
	}
	return c
}

// provisionTables creates every AWS::DynamoDB::Table from its own template
// definition. An existing table is left alone so data survives restarts.
func (s *Stack) provisionTables(ctx context.Context) error {
	for _, id := range s.tmpl.Order {
		res := s.tmpl.Resources[id]
		if res.Type != typeTable || !s.res.enabled(res) {
			continue
		}
		props, err := s.res.resolveMap(res.Properties)
		if err != nil {
			return fmt.Errorf("table %s: %w", id, err)
		}
		name := scalarString(props["TableName"])
		if name == "" {
			name = s.cfg.StackName + "-" + id
		}
		phys := tablePhysical(s.cfg.Region, name)
		streamArn := phys.attrs["Arn"].(string) + "/stream/1970-01-01T00:00:00.000"
		if s.aws.ddb != nil {
			if streamArn, err = s.ensureTable(ctx, name, props); err != nil {
				return fmt.Errorf("table %s: %w", id, err)
			}
		}
		if props["StreamSpecification"] != nil {
			phys.attrs["StreamArn"] = streamArn
		}
		s.setPhysical(id, phys)
	}
	return nil
}

// ensureTable creates the table if missing, turns on its stream and TTL, and
// returns the stream's real ARN.
func (s *Stack) ensureTable(ctx context.Context, name string, props map[string]any) (string, error) {
	desc, err := s.describeTable(ctx, name)
	if err != nil {
		return "", err
	}
	if desc == nil {
		in, err := createTableInput(name, props)
		if err != nil {
			return "", err
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := s.aws.ddb.CreateTable(cctx, in)
		cancel()
		if err != nil {
			return "", fmt.Errorf("create: %w", err)
		}
		desc = out.TableDescription
		s.logs.printf("localstack", "created table %s", name)
	}
	streamArn := aws.ToString(desc.LatestStreamArn)
	if view := scalarString(asMap(props["StreamSpecification"])["StreamViewType"]); view != "" &&
		(desc.StreamSpecification == nil || !aws.ToBool(desc.StreamSpecification.StreamEnabled)) {
		// The table predates the stream in the template: add it, as an update would.
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := s.aws.ddb.UpdateTable(cctx, &dynamodb.UpdateTableInput{
			TableName: aws.String(name),
			StreamSpecification: &ddbtypes.StreamSpecification{
				StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewType(view)},
		})
		cancel()
		if err != nil {
			return "", fmt.Errorf("enable stream: %w", err)
		}
		streamArn = aws.ToString(out.TableDescription.LatestStreamArn)
	}
	if ttl := asMap(props["TimeToLiveSpecification"]); ttl != nil {
		s.enableTTL(ctx, name, ttl)
	}
	return streamArn, nil
}

// describeTable returns nil, nil when the table does not exist.
func (s *Stack) describeTable(ctx context.Context, name string) (*ddbtypes.TableDescription, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	out, err := s.aws.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var notFound *ddbtypes.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe: %w", err)
	}
	return out.Table, nil
}

func (s *Stack) enableTTL(ctx context.Context, name string, spec map[string]any) {
	attr := scalarString(spec["AttributeName"])
	if attr == "" || scalarString(spec["Enabled"]) != "true" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err := s.aws.ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{
			AttributeName: aws.String(attr), Enabled: aws.Bool(true)},
	})
	// "TimeToLive is already enabled" comes back as a ValidationException on
	// every restart; anything else is worth a line but not a failed start.
	var apiErr interface{ ErrorCode() string }
	if err != nil && !(errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationException") {
		s.logs.printf("localstack", "table %s: TTL: %v", name, err)
	}
}

// createTableInput maps the CloudFormation properties onto the API call.
// Properties DynamoDB Local lacks (PITR, deletion protection, SSE, tags,
// contributor insights) are left out.
func createTableInput(name string, props map[string]any) (*dynamodb.CreateTableInput, error) {
	in := &dynamodb.CreateTableInput{TableName: aws.String(name)}
	fields := []struct {
		key      string
		dst      any
		required bool
	}{
		{"AttributeDefinitions", &in.AttributeDefinitions, true},
		{"KeySchema", &in.KeySchema, true},
		{"GlobalSecondaryIndexes", &in.GlobalSecondaryIndexes, false},
		{"LocalSecondaryIndexes", &in.LocalSecondaryIndexes, false},
		{"ProvisionedThroughput", &in.ProvisionedThroughput, false},
	}
	for _, f := range fields {
		v, ok := props[f.key]
		if !ok {
			if f.required {
				return nil, fmt.Errorf("%s is required", f.key)
			}
			continue
		}
		if err := convertJSON(v, f.dst); err != nil {
			return nil, fmt.Errorf("%s: %w", f.key, err)
		}
	}
	in.BillingMode = ddbtypes.BillingModeProvisioned // CloudFormation's default
	if bm := scalarString(props["BillingMode"]); bm != "" {
		in.BillingMode = ddbtypes.BillingMode(bm)
	}
	if in.BillingMode == ddbtypes.BillingModeProvisioned && in.ProvisionedThroughput == nil {
		return nil, errors.New("ProvisionedThroughput is required without BillingMode PAY_PER_REQUEST")
	}
	if view := scalarString(asMap(props["StreamSpecification"])["StreamViewType"]); view != "" {
		in.StreamSpecification = &ddbtypes.StreamSpecification{
			StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewType(view)}
	}
	return in, nil
}

// convertJSON copies a template value into an SDK struct through JSON: the
// CloudFormation property names are the API's member names, and encoding/json
// matches them case-insensitively.
func convertJSON(v, dst any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, dst)
}
