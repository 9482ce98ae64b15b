package localstack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Properties passed through to cognito-local as they are; what it can not
// take is dropped (one property at a time) rather than failing the start.
var (
	userPoolProps = []string{"Policies", "UsernameAttributes", "AliasAttributes",
		"AutoVerifiedAttributes", "AdminCreateUserConfig", "Schema", "UsernameConfiguration",
		"AccountRecoverySetting", "MfaConfiguration", "DeletionProtection",
		"EmailConfiguration", "VerificationMessageTemplate"}
	userPoolClientProps = []string{"ExplicitAuthFlows", "AccessTokenValidity", "IdTokenValidity",
		"RefreshTokenValidity", "TokenValidityUnits", "EnableTokenRevocation",
		"PreventUserExistenceErrors", "AuthSessionValidity", "ReadAttributes", "WriteAttributes",
		"AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
		"CallbackURLs", "LogoutURLs", "SupportedIdentityProviders"}
)

// provisionCognito creates user pools, then their clients. cognito-local
// makes up the ids, so they are kept in the state file and checked on every
// start (the emulator's data may have been wiped).
func (s *Stack) provisionCognito(ctx context.Context) error {
	for _, typ := range []string{typeUserPool, typeUserPoolClient} {
		for _, id := range s.tmpl.Order {
			res := s.tmpl.Resources[id]
			if res.Type != typ || !s.res.enabled(res) {
				continue
			}
			props, err := s.res.resolveMap(res.Properties)
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			if err := s.checkCognitoSettings(id, typ, props); err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			if typ == typeUserPool {
				err = s.ensureUserPool(ctx, id, props)
			} else {
				err = s.ensureUserPoolClient(ctx, id, props)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
		}
	}
	return nil
}

func (s *Stack) ensureUserPool(ctx context.Context, id string, props map[string]any) error {
	name := scalarString(props["UserPoolName"])
	if name == "" {
		name = s.cfg.StackName + "-" + id
	}
	poolID := fakeID("local_", s.cfg.StackName+"/"+id, 8)
	if c := s.aws.cognito; c != nil {
		var err error
		if poolID, err = s.findOrCreatePool(ctx, c, id, name, props); err != nil {
			return err
		}
	}
	provider := fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", s.cfg.Region, poolID)
	s.setPhysical(id, physicalResource{ref: poolID, attrs: map[string]any{
		"Arn":          fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", s.cfg.Region, accountID, poolID),
		"ProviderName": provider,
		"ProviderURL":  provider,
		"UserPoolId":   poolID,
	}})
	return nil
}

func (s *Stack) findOrCreatePool(ctx context.Context, c *cip.Client, id, name string, props map[string]any) (string, error) {
	if known := s.state.resource(id); known != "" {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := c.DescribeUserPool(cctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(known)})
		cancel()
		if err == nil {
			return known, nil
		}
		if !isNotFound(err) {
			return "", fmt.Errorf("describe user pool: %w", err)
		}
		s.logs.printf("localstack", "user pool %s (%s) is gone: creating it again", id, known)
	}

	in := &cip.CreateUserPoolInput{PoolName: aws.String(name)}
	dropped := copyProps(props, userPoolProps, in)
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	out, err := c.CreateUserPool(cctx, in)
	cancel()
	if err != nil {
		// The emulator may refuse a property it does not know: retry with the name alone.
		s.logs.printf("localstack", "user pool %s: %v; retrying with the name only", id, err)
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err = c.CreateUserPool(cctx, &cip.CreateUserPoolInput{PoolName: aws.String(name)})
		cancel()
		if err != nil {
			return "", fmt.Errorf("create user pool: %w", err)
		}
	}
	logDropped(s, id, dropped)
	poolID := aws.ToString(out.UserPool.Id)
	s.logs.printf("localstack", "created user pool %s: %s", name, poolID)
	return poolID, s.state.setResource(id, poolID)
}

func (s *Stack) ensureUserPoolClient(ctx context.Context, id string, props map[string]any) error {
	poolID := scalarString(props["UserPoolId"])
	clientID := fakeID("", s.cfg.StackName+"/"+id, 13)
	if c := s.aws.cognito; c != nil {
		var err error
		if clientID, err = s.findOrCreateClient(ctx, c, id, poolID, props); err != nil {
			return err
		}
	}
	s.setPhysical(id, physicalResource{ref: clientID, attrs: map[string]any{
		"ClientId": clientID,
		"Name":     scalarString(props["ClientName"]),
	}})
	return nil
}

func (s *Stack) findOrCreateClient(ctx context.Context, c *cip.Client, id, poolID string, props map[string]any) (string, error) {
	if known := s.state.resource(id); known != "" {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := c.DescribeUserPoolClient(cctx, &cip.DescribeUserPoolClientInput{
			UserPoolId: aws.String(poolID), ClientId: aws.String(known)})
		cancel()
		if err == nil {
			return known, nil
		}
		if !isNotFound(err) {
			return "", fmt.Errorf("describe user pool client: %w", err)
		}
	}
	name := scalarString(props["ClientName"])
	if name == "" {
		name = s.cfg.StackName + "-" + id
	}
	in := &cip.CreateUserPoolClientInput{
		UserPoolId:     aws.String(poolID),
		ClientName:     aws.String(name),
		GenerateSecret: false, // a browser client can not keep one
	}
	dropped := copyProps(props, userPoolClientProps, in)
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	out, err := c.CreateUserPoolClient(cctx, in)
	cancel()
	if err != nil {
		return "", fmt.Errorf("create user pool client: %w", err)
	}
	logDropped(s, id, dropped)
	clientID := aws.ToString(out.UserPoolClient.ClientId)
	s.logs.printf("localstack", "created user pool client %s: %s", name, clientID)
	return clientID, s.state.setResource(id, clientID)
}

// copyProps copies the named template properties into an SDK input, one at a
// time, and returns the names that did not fit.
func copyProps(props map[string]any, names []string, dst any) []string {
	var dropped []string
	for _, name := range names {
		v, ok := props[name]
		if !ok {
			continue
		}
		raw, err := json.Marshal(map[string]any{name: v})
		if err == nil {
			err = json.Unmarshal(raw, dst)
		}
		if err != nil {
			dropped = append(dropped, name)
		}
	}
	return dropped
}

func logDropped(s *Stack, id string, dropped []string) {
	if len(dropped) > 0 {
		s.logs.printf("localstack", "%s: not passed to the emulator: %s", id, strings.Join(dropped, ", "))
	}
}

func isNotFound(err error) bool {
	var nf *ciptypes.ResourceNotFoundException
	return errors.As(err, &nf)
}

// fakeID makes a stable id for a resource that was not provisioned.
func fakeID(prefix, seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + hex.EncodeToString(sum[:])[:n]
}
