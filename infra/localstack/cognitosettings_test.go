package localstack

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// judgeTemplate gives the verdicts on every pool and client of a template,
// keyed "<logical id>.<path>".
func judgeTemplate(t *testing.T, raw []byte, params map[string]string) map[string]finding {
	t.Helper()
	tmpl, err := parseTemplate(raw)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newResolver(tmpl, "eu-west-1", "stk", params, func(id, attr string) (any, error) { return "phys-" + id, nil })
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]finding{}
	for _, id := range tmpl.Order {
		res := tmpl.Resources[id]
		table := map[string]map[string]cognitoSetting{typeUserPool: userPoolSettings, typeUserPoolClient: userPoolClientSettings}[res.Type]
		if table == nil {
			continue
		}
		props, err := r.resolveMap(res.Properties)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range judgeResource(table, props) {
			out[id+"."+f.path] = f
		}
	}
	return out
}

func refusedPaths(findings map[string]finding) []string {
	var out []string
	for k, f := range findings {
		if f.verdict == refused {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// The template the product runs passes, in both stages.
func TestCognitoSettingsOfTemplateYAML(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"dev", "prod"} {
		got := judgeTemplate(t, raw, map[string]string{"Stage": stage, "OwnerEmail": "o@example.com",
			"SenderEmail": "s@example.com", "AllowedOrigin": "https://shop.example.com"})
		if len(got) == 0 {
			t.Fatal("no pool or client judged")
		}
		if bad := refusedPaths(got); len(bad) > 0 {
			t.Errorf("%s: refused %v", stage, bad)
		}
	}
}

// What issue 15 switches the template to passes too, and says which of
// its settings cognito-local does not enforce.
func TestCognitoSettingsOfTheAdminFlowTemplate(t *testing.T) {
	t.Parallel()
	got := judgeTemplate(t, []byte(`
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: staff
      UsernameAttributes: [email]
      UsernameConfiguration: {CaseSensitive: false}
      AdminCreateUserConfig: {AllowAdminCreateUserOnly: true}
      AccountRecoverySetting: {RecoveryMechanisms: [{Name: admin_only, Priority: 1}]}
      AutoVerifiedAttributes: [email]
      UserAttributeUpdateSettings: {AttributesRequireVerificationBeforeUpdate: [email]}
      Schema: [{Name: personId, AttributeDataType: String, Mutable: false}]
      Policies: {PasswordPolicy: {MinimumLength: 12, RequireLowercase: false, RequireUppercase: false,
                 RequireNumbers: false, RequireSymbols: false, TemporaryPasswordValidityDays: 7}}
      DeletionProtection: ACTIVE
      UserPoolTier: ESSENTIALS
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ClientName: staff
      GenerateSecret: true
      ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      ReadAttributes: [email, email_verified]
      WriteAttributes: [name]
      AccessTokenValidity: 15
      IdTokenValidity: 15
      RefreshTokenValidity: 30
      TokenValidityUnits: {AccessToken: minutes, IdToken: minutes, RefreshToken: days}
      EnableTokenRevocation: true
      PreventUserExistenceErrors: ENABLED
`), nil)
	if bad := refusedPaths(got); len(bad) > 0 {
		t.Errorf("refused %v", bad)
	}
	want := map[string]verdict{
		"Pool.UserAttributeUpdateSettings":           honoured,
		"Pool.AutoVerifiedAttributes":                honoured,
		"Pool.Schema[personId].Mutable":              honoured,
		"Pool.UsernameConfiguration.CaseSensitive":   allowed,
		"Pool.Policies.PasswordPolicy.MinimumLength": allowed,
		"Client.GenerateSecret":                      allowed,
		"Client.ExplicitAuthFlows":                   allowed,
		"Client.WriteAttributes":                     allowed,
		"Client.AccessTokenValidity":                 honoured,
		"Client.TokenValidityUnits.AccessToken":      honoured,
		"Client.RefreshTokenValidity":                allowed,
	}
	for path, v := range want {
		if f, ok := got[path]; !ok || f.verdict != v || f.why == "" {
			t.Errorf("%s: %+v, want %s with a reason", path, f, v)
		}
	}
}

func TestCognitoSettingsRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, typ, props string
		refused          []string // paths, in order
	}{
		{"unknown property", typeUserPool, `{Bogus: 1}`, []string{"Bogus"}},
		{"unknown member", typeUserPool, `{AdminCreateUserConfig: {AllowAdminCreateUserOnly: true, Bogus: 1}}`,
			[]string{"AdminCreateUserConfig.Bogus"}},
		{"triggers", typeUserPool, `{LambdaConfig: {PreSignUp: arn}}`, []string{"LambdaConfig"}},
		{"MFA", typeUserPool, `{MfaConfiguration: OPTIONAL}`, []string{"MfaConfiguration"}},
		{"MFA off", typeUserPool, `{MfaConfiguration: "OFF"}`, nil},
		{"stricter password length", typeUserPool, `{Policies: {PasswordPolicy: {MinimumLength: 14}}}`,
			[]string{"Policies.PasswordPolicy.MinimumLength"}},
		{"character classes", typeUserPool, `{Policies: {PasswordPolicy: {MinimumLength: 8, RequireNumbers: true, RequireSymbols: "false"}}}`,
			[]string{"Policies.PasswordPolicy.RequireNumbers"}},
		{"sign-in policy", typeUserPool, `{Policies: {SignInPolicy: {AllowedFirstAuthFactors: [PASSWORD]}}}`,
			[]string{"Policies.SignInPolicy"}},
		{"aliases", typeUserPool, `{AliasAttributes: [email]}`, []string{"AliasAttributes"}},
		{"threat protection", typeUserPool, `{UserPoolAddOns: {AdvancedSecurityMode: ENFORCED}}`,
			[]string{"UserPoolAddOns.AdvancedSecurityMode"}},
		{"schema", typeUserPool, `{Schema: [
			{Name: email, Required: true},
			{Name: personId, AttributeDataType: String, Mutable: true, Required: true},
			{Name: age, AttributeDataType: Number, Mutable: true},
			{Name: code, Mutable: true, StringAttributeConstraints: {MaxLength: "8"}},
			{Name: secret, Mutable: true, DeveloperOnlyAttribute: true},
			{Name: loose}]}`,
			[]string{"Schema[age].AttributeDataType", "Schema[code].StringAttributeConstraints", "Schema[email]",
				"Schema[loose].Mutable", "Schema[personId].Required", "Schema[secret].DeveloperOnlyAttribute"}},
		{"revocation off", typeUserPoolClient, `{EnableTokenRevocation: false}`, []string{"EnableTokenRevocation"}},
		{"hosted UI", typeUserPoolClient, `{AllowedOAuthFlows: [code], CallbackURLs: ["https://x"]}`,
			[]string{"AllowedOAuthFlows", "CallbackURLs"}},
		{"rotation", typeUserPoolClient, `{RefreshTokenRotation: {Feature: ENABLED}}`, []string{"RefreshTokenRotation"}},
		{"secret off", typeUserPoolClient, `{GenerateSecret: false}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := asMap(parseValue(t, c.props))
			table := map[string]map[string]cognitoSetting{typeUserPool: userPoolSettings, typeUserPoolClient: userPoolClientSettings}[c.typ]
			var got []string
			for _, f := range judgeResource(table, props) {
				if f.verdict == refused {
					if f.why == "" {
						t.Errorf("%s refused without a reason", f.path)
					}
					got = append(got, f.path)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, c.refused) {
				t.Errorf("refused %q, want %q", got, c.refused)
			}
		})
	}
}

// Start refuses, by name and with the reason, before anything runs (no
// emulator needed: the check does not depend on one).
func TestStartRefusesUnhonourableCognitoSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tmpl, []byte(`
Resources:
  StaffUserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      MfaConfiguration: "ON"
      Policies: {PasswordPolicy: {MinimumLength: 12, RequireSymbols: true}}
  StaffUserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref StaffUserPool
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Config{Root: repoRoot(t), Template: tmpl, StateDir: filepath.Join(dir, "state"), Logs: testLogWriter{t}})
	if err == nil {
		_ = s.Close()
		t.Fatal("started")
	}
	mustContain(t, err.Error(), "StaffUserPool: cognito-local can not honour",
		"MfaConfiguration (cognito-local's AdminInitiateAuth, the admin sign-in, never asks for a second factor)",
		"Policies.PasswordPolicy.RequireSymbols (cognito-local checks no password")
}

// Without an emulator a client with a secret still has one to GetAtt.
func TestClientSecretWithoutEmulator(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tmpl, []byte(`
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool, GenerateSecret: true}
Outputs:
  Secret:
    Value: !GetAtt Client.ClientSecret
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Config{Root: repoRoot(t), Template: tmpl, StateDir: filepath.Join(dir, "state"), Logs: testLogWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if got := s.Outputs()["Secret"]; len(got) != 51 {
		t.Errorf("secret %q", got)
	}
}

func TestWithTokenValidity(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{`{}`, `{AccessTokenValidity: 1, IdTokenValidity: 1, RefreshTokenValidity: 30,
			TokenValidityUnits: {AccessToken: hours, IdToken: hours, RefreshToken: days}}`},
		{`{AccessTokenValidity: 15, TokenValidityUnits: {AccessToken: minutes, IdToken: minutes}}`,
			`{AccessTokenValidity: 15, IdTokenValidity: 60, RefreshTokenValidity: 30,
			TokenValidityUnits: {AccessToken: minutes, IdToken: minutes, RefreshToken: days}}`},
		{`{TokenValidityUnits: {AccessToken: days, RefreshToken: hours}}`,
			`{AccessTokenValidity: 1, IdTokenValidity: 1, RefreshTokenValidity: 720,
			TokenValidityUnits: {AccessToken: hours, IdToken: hours, RefreshToken: hours}}`},
	}
	for _, c := range cases {
		got := withTokenValidity(asMap(parseValue(t, c.in)))
		if want := parseValue(t, c.want); !sameValue(got, want) {
			t.Errorf("%s: got %s, want %s", c.in, jsonText(got), jsonText(want))
		}
	}
}

// Every entry of the tables has a verdict function, and README.md's table
// names every property.
func TestCognitoSettingsTablesAreDocumented(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for typ, table := range map[string]map[string]cognitoSetting{typeUserPool: userPoolSettings, typeUserPoolClient: userPoolClientSettings} {
		for name, st := range table {
			if st.judge == nil {
				t.Errorf("%s %s: no judge", typ, name)
			}
			if !strings.Contains(string(readme), "`"+name+"`") {
				t.Errorf("README.md does not name %s %s", typ, name)
			}
		}
	}
}

// ExplicitAuthFlows is allowed although cognito-local does not enforce it,
// because this test holds: every auth flow the code starts is one every
// app client of template.yaml allows (AWS would refuse the others).
func TestAuthFlowsInTheCodeAreAllowed(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	flows := map[string]string{ // SDK constant suffix → the ExplicitAuthFlows value that allows it
		"UserPasswordAuth":      "ALLOW_USER_PASSWORD_AUTH",
		"AdminUserPasswordAuth": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
		"AdminNoSrpAuth":        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
		"RefreshTokenAuth":      "ALLOW_REFRESH_TOKEN_AUTH",
		"RefreshToken":          "ALLOW_REFRESH_TOKEN_AUTH",
		"UserSrpAuth":           "ALLOW_USER_SRP_AUTH",
		"CustomAuth":            "ALLOW_CUSTOM_AUTH",
		"UserAuth":              "ALLOW_USER_AUTH",
	}
	literals := map[string]string{ // the same flows spelt as the API does
		"USER_PASSWORD_AUTH": "UserPasswordAuth", "ADMIN_USER_PASSWORD_AUTH": "AdminUserPasswordAuth",
		"ADMIN_NO_SRP_AUTH": "AdminNoSrpAuth", "REFRESH_TOKEN_AUTH": "RefreshTokenAuth",
		"USER_SRP_AUTH": "UserSrpAuth", "CUSTOM_AUTH": "CustomAuth", "USER_AUTH": "UserAuth",
	}
	use := regexp.MustCompile(`AuthFlowType(\w+)|"(USER_PASSWORD_AUTH|ADMIN_USER_PASSWORD_AUTH|ADMIN_NO_SRP_AUTH|REFRESH_TOKEN_AUTH|USER_SRP_AUTH|CUSTOM_AUTH|USER_AUTH)"`)
	used := map[string]string{} // allowing value → where
	for _, dir := range []string{"shared", "functions"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range use.FindAllStringSubmatch(string(src), -1) {
				name := m[1]
				if name == "" {
					name = literals[m[2]]
				}
				allow, ok := flows[name]
				if !ok {
					t.Errorf("%s: auth flow %s is not in this test's table", path, m[0])
					continue
				}
				used[allow] = path
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(used) == 0 {
		t.Fatal("no auth flow found in the code")
	}
	raw, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := parseTemplate(raw)
	if err != nil {
		t.Fatal(err)
	}
	clients := 0
	for _, id := range tmpl.Order {
		res := tmpl.Resources[id]
		if res.Type != typeUserPoolClient {
			continue
		}
		clients++
		var allowedFlows []string
		for _, f := range asList(res.Properties["ExplicitAuthFlows"]) {
			allowedFlows = append(allowedFlows, scalarString(f))
		}
		for allow, where := range used {
			if !slices.Contains(allowedFlows, allow) {
				t.Errorf("%s: ExplicitAuthFlows %v lacks %s, which %s uses: AWS would refuse it, cognito-local does not",
					id, allowedFlows, allow, where)
			}
		}
	}
	if clients == 0 {
		t.Fatal("no app client in template.yaml")
	}
}
