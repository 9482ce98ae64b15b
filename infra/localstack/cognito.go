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

// ErrNeedsFreshData is in the error of a Start that met local data the
// template can not be applied to (a pool setting cognito-local takes at
// create only): only starting from empty emulators (scripts/dev.sh --fresh)
// gets past it.
var ErrNeedsFreshData = errors.New("the local data predates a setting the local stack can only apply to new data")

// provisionCognito brings user pools, then their clients, in line with the
// template on every start, as a stack update would: what is missing is
// created, what exists is updated with every property cognito-local takes
// (cognitosettings.go), and a change AWS answers with a replacement (a new
// id) gets one here too. cognito-local makes up the ids, so they are kept in
// the state file and checked on every start (the emulator's data may have
// been wiped). Properties cognito-local can not honour and the product relies
// on fail the start, with or without an emulator.
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
	poolID := fakeID("local_", s.cfg.StackName+"/"+id, 8)
	if c := s.aws.cognito; c != nil {
		var err error
		if poolID, err = s.syncUserPool(ctx, c, id, props); err != nil {
			return err
		}
	}
	s.setPhysical(id, poolPhysical(s.cfg.Region, poolID))
	return nil
}

// syncUserPool returns the id of the pool, created or brought up to date.
func (s *Stack) syncUserPool(ctx context.Context, c *cip.Client, id string, props map[string]any) (string, error) {
	name := scalarString(props["UserPoolName"])
	if name == "" {
		name = s.cfg.StackName + "-" + id
	}
	props = withValue(props, "UserPoolName", name)
	known := s.state.resource(id)
	if known != "" {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := c.DescribeUserPool(cctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(known)})
		cancel()
		switch {
		case isNotFound(err):
			s.logs.printf("localstack", "user pool %s (%s) is gone: creating it again", id, known)
		case err != nil:
			return "", fmt.Errorf("describe user pool: %w", err)
		default:
			pool := out.UserPool
			if changed := poolReplacement(pool, props); changed != "" {
				s.logs.printf("localstack", "user pool %s: %s changed, which AWS can only do with a new pool: "+
					"creating one (the old pool %s and its users stay, as with UpdateReplacePolicy Retain)", id, changed, known)
				break
			}
			if err := s.updateUserPool(ctx, c, id, pool, props); err != nil {
				return "", err
			}
			return known, nil
		}
	}
	return s.createUserPool(ctx, c, id, props)
}

// poolReplacement names the first property whose change replaces a pool
// in AWS, or "" when none changed.
func poolReplacement(pool *ciptypes.UserPoolType, props map[string]any) string {
	current := map[string]any{
		"UsernameAttributes":    pool.UsernameAttributes,
		"UsernameConfiguration": pool.UsernameConfiguration,
		"AliasAttributes":       pool.AliasAttributes,
	}
	for _, k := range sortedKeys(current) {
		if !sameValue(current[k], props[k]) {
			return k
		}
	}
	return ""
}

func (s *Stack) createUserPool(ctx context.Context, c *cip.Client, id string, props map[string]any) (string, error) {
	pass := selectProps(userPoolSettings, props, false)
	in := &cip.CreateUserPoolInput{}
	if err := toInput(pass, map[string]string{"UserPoolName": "PoolName"}, in); err != nil {
		return "", fmt.Errorf("create user pool: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	out, err := c.CreateUserPool(cctx, in)
	cancel()
	if err != nil {
		return "", fmt.Errorf("create user pool: %w", err)
	}
	poolID := aws.ToString(out.UserPool.Id)
	s.logs.printf("localstack", "created user pool %s: %s", aws.ToString(in.PoolName), poolID)
	return poolID, s.state.setCognito(id, poolID, pass)
}

// updateUserPool applies the template to an existing pool: UpdateUserPool
// with every property cognito-local updates (those the template leaves out
// fall back to their defaults, as in AWS), AddCustomAttributes for new
// Schema attributes, and a refusal for the changes cognito-local can not
// make although AWS can.
func (s *Stack) updateUserPool(ctx context.Context, c *cip.Client, id string, pool *ciptypes.UserPoolType, props map[string]any) error {
	poolID := aws.ToString(pool.Id)
	before := s.state.cognitoApplied(id) // nil: created before this was recorded, i.e. with none of the create-only settings below
	if !sameValue(before["UserAttributeUpdateSettings"], props["UserAttributeUpdateSettings"]) {
		return fmt.Errorf("%w: UserAttributeUpdateSettings changed (was %s, now %s): AWS updates it in place, but cognito-local "+
			"takes it at create only (its UpdateUserPool ignores it), so the local pool %s would keep the old rule; "+
			"start from fresh local data (scripts/dev.sh --fresh; its users are lost) to create the pool with it",
			ErrNeedsFreshData, jsonText(before["UserAttributeUpdateSettings"]), jsonText(props["UserAttributeUpdateSettings"]), poolID)
	}
	if want := scalarString(props["UserPoolName"]); want != aws.ToString(pool.Name) {
		s.logs.printf("localstack", "user pool %s: UserPoolName %q not applied: cognito-local can not rename %s (%q); nothing reads the name",
			id, want, poolID, aws.ToString(pool.Name))
	}
	added, err := customAttributesToAdd(pool, props["Schema"])
	if err != nil {
		return err
	}
	if len(added) > 0 {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := c.AddCustomAttributes(cctx, &cip.AddCustomAttributesInput{UserPoolId: aws.String(poolID), CustomAttributes: added})
		cancel()
		if err != nil {
			return fmt.Errorf("add custom attributes: %w", err)
		}
	}

	update := selectProps(userPoolSettings, props, true)
	if _, ok := update["MfaConfiguration"]; !ok {
		update["MfaConfiguration"] = "OFF" // AWS's default; cognito-local would leave it unset, which is not OFF to it
	}
	in := &cip.UpdateUserPoolInput{UserPoolId: aws.String(poolID)}
	if err := toInput(update, nil, in); err != nil {
		return fmt.Errorf("update user pool: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	_, err = c.UpdateUserPool(cctx, in)
	cancel()
	if err != nil {
		return fmt.Errorf("update user pool: %w", err)
	}
	applied := selectProps(userPoolSettings, props, false)
	if before != nil {
		if changed := changedKeys(before, applied); len(changed) > 0 {
			s.logs.printf("localstack", "updated user pool %s (%s): %s", id, poolID, strings.Join(changed, ", "))
		}
	}
	return s.state.setCognito(id, poolID, applied)
}

// customAttributesToAdd returns the template's custom attributes the pool
// lacks. One that exists with another type or mutability is an error: AWS
// can not change it either. One the template dropped stays, as in AWS.
func customAttributesToAdd(pool *ciptypes.UserPoolType, schemaProp any) ([]ciptypes.SchemaAttributeType, error) {
	if schemaProp == nil {
		return nil, nil
	}
	var want []ciptypes.SchemaAttributeType
	if err := convertJSON(schemaProp, &want); err != nil {
		return nil, fmt.Errorf("Schema: %w", err)
	}
	var add []ciptypes.SchemaAttributeType
	for _, w := range want {
		name := "custom:" + aws.ToString(w.Name)
		i := -1
		for j, have := range pool.SchemaAttributes {
			if aws.ToString(have.Name) == name {
				i = j
			}
		}
		if i < 0 {
			add = append(add, w)
			continue
		}
		have := pool.SchemaAttributes[i]
		wantType := w.AttributeDataType
		if wantType == "" {
			wantType = ciptypes.AttributeDataTypeString
		}
		if have.AttributeDataType != wantType || aws.ToBool(have.Mutable) != aws.ToBool(w.Mutable) {
			return nil, fmt.Errorf("Schema[%s]: the pool has it as %s, Mutable %t; AWS can not change an existing attribute either",
				aws.ToString(w.Name), have.AttributeDataType, aws.ToBool(have.Mutable))
		}
	}
	return add, nil
}

func (s *Stack) ensureUserPoolClient(ctx context.Context, id string, props map[string]any) error {
	poolID := scalarString(props["UserPoolId"])
	clientID := fakeID("", s.cfg.StackName+"/"+id, 13)
	var secret string
	if scalarString(props["GenerateSecret"]) == "true" {
		secret = fakeID("", s.cfg.StackName+"/"+id+"/secret", 51)
	}
	if c := s.aws.cognito; c != nil {
		var err error
		if clientID, secret, err = s.syncUserPoolClient(ctx, c, id, poolID, props); err != nil {
			return err
		}
	}
	attrs := map[string]any{
		"ClientId": clientID,
		"Name":     scalarString(props["ClientName"]),
	}
	if secret != "" {
		attrs["ClientSecret"] = secret
	}
	s.setPhysical(id, physicalResource{ref: clientID, attrs: attrs})
	return nil
}

// syncUserPoolClient returns the id and secret of the client, created or
// brought up to date. GenerateSecret can not change on an existing client
// in AWS (CloudFormation makes a new client and deletes the old one): the
// same happens here, so the client id changes exactly when it would in AWS.
func (s *Stack) syncUserPoolClient(ctx context.Context, c *cip.Client, id, poolID string, props map[string]any) (clientID, secret string, err error) {
	if scalarString(props["ClientName"]) == "" {
		props = withValue(props, "ClientName", s.cfg.StackName+"-"+id)
	}
	props = withTokenValidity(props)
	wantSecret := scalarString(props["GenerateSecret"]) == "true"
	if known := s.state.resource(id); known != "" {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := c.DescribeUserPoolClient(cctx, &cip.DescribeUserPoolClientInput{
			UserPoolId: aws.String(poolID), ClientId: aws.String(known)})
		cancel()
		switch {
		case isNotFound(err):
			// Gone, or its pool was replaced: a new one, as in AWS.
		case err != nil:
			return "", "", fmt.Errorf("describe user pool client: %w", err)
		case (aws.ToString(out.UserPoolClient.ClientSecret) != "") != wantSecret:
			s.logs.printf("localstack", "user pool client %s: GenerateSecret is now %t, which AWS can only do with a new client: "+
				"creating one and deleting %s", id, wantSecret, known)
			clientID, secret, err := s.createUserPoolClient(ctx, c, id, poolID, props)
			if err != nil {
				return "", "", err
			}
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			_, err = c.DeleteUserPoolClient(cctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(known)})
			cancel()
			if err != nil && !isNotFound(err) {
				return "", "", fmt.Errorf("delete the replaced client %s: %w", known, err)
			}
			return clientID, secret, nil
		default:
			secret, err := s.updateUserPoolClient(ctx, c, id, poolID, known, props)
			return known, secret, err
		}
	}
	return s.createUserPoolClient(ctx, c, id, poolID, props)
}

func (s *Stack) createUserPoolClient(ctx context.Context, c *cip.Client, id, poolID string, props map[string]any) (clientID, secret string, err error) {
	pass := selectProps(userPoolClientSettings, props, false)
	in := &cip.CreateUserPoolClientInput{}
	if err := toInput(pass, nil, in); err != nil {
		return "", "", fmt.Errorf("create user pool client: %w", err)
	}
	in.UserPoolId = aws.String(poolID)
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	out, err := c.CreateUserPoolClient(cctx, in)
	cancel()
	if err != nil {
		return "", "", fmt.Errorf("create user pool client: %w", err)
	}
	clientID = aws.ToString(out.UserPoolClient.ClientId)
	s.logs.printf("localstack", "created user pool client %s: %s", aws.ToString(in.ClientName), clientID)
	return clientID, aws.ToString(out.UserPoolClient.ClientSecret), s.state.setCognito(id, clientID, pass)
}

// clientLists are the list properties UpdateUserPoolClient keeps in
// cognito-local when they are left out: they are sent empty instead, so a
// list removed from the template is removed locally too.
var clientLists = []string{"ExplicitAuthFlows", "ReadAttributes", "WriteAttributes", "AllowedOAuthFlows",
	"AllowedOAuthScopes", "CallbackURLs", "LogoutURLs", "SupportedIdentityProviders"}

func (s *Stack) updateUserPoolClient(ctx context.Context, c *cip.Client, id, poolID, clientID string, props map[string]any) (string, error) {
	update := selectProps(userPoolClientSettings, props, true)
	for _, k := range clientLists {
		if _, ok := update[k]; !ok {
			update[k] = []any{}
		}
	}
	in := &cip.UpdateUserPoolClientInput{}
	if err := toInput(update, nil, in); err != nil {
		return "", fmt.Errorf("update user pool client: %w", err)
	}
	in.UserPoolId, in.ClientId = aws.String(poolID), aws.String(clientID)
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	out, err := c.UpdateUserPoolClient(cctx, in)
	cancel()
	if err != nil {
		return "", fmt.Errorf("update user pool client: %w", err)
	}
	applied := selectProps(userPoolClientSettings, props, false)
	if before := s.state.cognitoApplied(id); before != nil {
		if changed := changedKeys(before, applied); len(changed) > 0 {
			s.logs.printf("localstack", "updated user pool client %s (%s): %s", id, clientID, strings.Join(changed, ", "))
		}
	}
	return aws.ToString(out.UserPoolClient.ClientSecret), s.state.setCognito(id, clientID, applied)
}

// withTokenValidity fills in the token validities and units AWS assumes
// when the template leaves them out (access and id tokens 1 hour, refresh
// tokens 30 days; units hours, hours, days). cognito-local's own defaults
// differ: 24 hours, and minutes as the id token's unit.
func withTokenValidity(props map[string]any) map[string]any {
	units := map[string]any{}
	for k, v := range asMap(props["TokenValidityUnits"]) {
		units[k] = v
	}
	seconds := map[string]int{"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
	out := withValue(props, "TokenValidityUnits", units)
	for _, d := range []struct {
		prop, unit, defaultUnit string
		defaultSeconds          int
	}{
		{"AccessTokenValidity", "AccessToken", "hours", 3600},
		{"IdTokenValidity", "IdToken", "hours", 3600},
		{"RefreshTokenValidity", "RefreshToken", "days", 30 * 86400},
	} {
		unit := scalarString(units[d.unit])
		if unit == "" {
			unit = d.defaultUnit
		}
		if _, ok := props[d.prop]; !ok {
			per, known := seconds[unit]
			if !known || d.defaultSeconds%per != 0 {
				unit, per = d.defaultUnit, seconds[d.defaultUnit]
			}
			out[d.prop] = d.defaultSeconds / per
		}
		units[d.unit] = unit
	}
	return out
}

// withValue returns a copy of props with k set to v.
func withValue(props map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(props)+1)
	for key, val := range props {
		out[key] = val
	}
	out[k] = v
	return out
}

func jsonText(v any) string {
	if n := normalized(v); n != nil {
		raw, err := json.Marshal(n)
		if err == nil {
			return string(raw)
		}
	}
	return "none"
}

func isNotFound(err error) bool {
	var nf *ciptypes.ResourceNotFoundException
	return errors.As(err, &nf)
}

// fakeID makes a stable id for a resource that was not provisioned.
func fakeID(prefix, seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	id := hex.EncodeToString(sum[:])
	for len(id) < n {
		next := sha256.Sum256([]byte(id))
		id += hex.EncodeToString(next[:])
	}
	return prefix + id[:n]
}
