package localstack

import (
	"strings"
	"testing"
)

const rulesTemplate = `
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  AllowedOrigin: {Type: String, Default: "", AllowedPattern: '^$|^\*$|^https?://[a-z.]+$'}
  Regions: {Type: CommaDelimitedList, Default: "eu-west-1,eu-central-1"}
  Rate: {Type: Number, Default: 50, MinValue: 1, MaxValue: 10000}
  Name: {Type: String, Default: shop, MinLength: 2, MaxLength: 8}
Conditions:
  HasOrigin: !Not [!Equals [!Ref AllowedOrigin, ""]]
Rules:
  ProdAllowsNoAnyOrigin:
    RuleCondition: !Equals [!Ref Stage, prod]
    Assertions:
      - Assert: !Not [!Equals [!Ref AllowedOrigin, "*"]]
        AssertDescription: no * in prod
  EuropeOnly:
    Assertions:
      - Assert: !EachMemberIn [!Ref Regions, [eu-west-1, eu-central-1]]
        AssertDescription: European regions only
      - Assert: {"Fn::Contains": [!Ref Regions, eu-west-1]}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: !If
        - HasOrigin
        - {AllowOrigins: [!Ref AllowedOrigin], AllowMethods: [GET]}
        - !Ref AWS::NoValue
`

func rulesResolver(overrides map[string]string) (*resolver, error) {
	tmpl, err := parseTemplate([]byte(rulesTemplate))
	if err != nil {
		return nil, err
	}
	return newResolver(tmpl, "eu-west-1", "stk", overrides, func(id, _ string) (any, error) { return id, nil })
}

// Rules and parameter bounds refuse what CloudFormation refuses, before
// anything starts.
func TestRulesAndParameterBounds(t *testing.T) {
	t.Parallel()
	for _, ok := range []map[string]string{
		nil,
		{"Stage": "prod", "AllowedOrigin": "https://shop.example"},
		{"Stage": "dev", "AllowedOrigin": "*"},
		{"Rate": "10000", "Name": "ab"},
	} {
		if _, err := rulesResolver(ok); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, c := range []struct {
		overrides map[string]string
		want      string
	}{
		{map[string]string{"Stage": "prod", "AllowedOrigin": "*"}, "rule ProdAllowsNoAnyOrigin: no * in prod"},
		{map[string]string{"Regions": "eu-west-1,us-east-1"}, "rule EuropeOnly: European regions only"},
		{map[string]string{"Regions": "eu-central-1"}, "rule EuropeOnly: assertion 2 failed"},
		{map[string]string{"Rate": "0"}, "parameter Rate: 0 is below MinValue 1"},
		{map[string]string{"Rate": "20000"}, "parameter Rate: 20000 is above MaxValue 10000"},
		{map[string]string{"Rate": "fast"}, `parameter Rate: "fast" is not a number`},
		{map[string]string{"Name": "a"}, "shorter than MinLength 2"},
		{map[string]string{"Name": "a-long-name"}, "longer than MaxLength 8"},
		{map[string]string{"AllowedOrigin": "https://shop.example/"}, "does not match AllowedPattern"},
	} {
		_, err := rulesResolver(c.overrides)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.overrides, err, c.want)
		}
	}
}

func TestRulesNeedingAnAccountAreRefused(t *testing.T) {
	t.Parallel()
	tmpl, err := parseTemplate([]byte("Parameters:\n  Vpc: {Type: String, Default: v}\nRules:\n  R:\n    Assertions:\n      - Assert: !Equals [!ValueOf [Vpc, Tag], x]\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = newResolver(tmpl, "eu-west-1", "stk", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "Fn::ValueOf needs an AWS account") {
		t.Fatalf("got %v", err)
	}
}

// A CorsConfiguration behind a condition: absent (no CORS at all) without
// an origin, the origin's CORS with one.
func TestConditionalCORS(t *testing.T) {
	t.Parallel()
	for origin, want := range map[string]bool{"": false, "https://shop.example": true} {
		r, err := rulesResolver(map[string]string{"AllowedOrigin": origin})
		if err != nil {
			t.Fatal(err)
		}
		props, err := r.resolveMap(r.tmpl.Resources["Api"].Properties)
		if err != nil {
			t.Fatal(err)
		}
		c := newCORSConfig(props["CorsConfiguration"])
		if (c != nil) != want {
			t.Fatalf("origin %q: CORS %+v", origin, c)
		}
		if c != nil && (c.allowOrigin(origin) != origin || c.allowOrigin("https://other.example") != "") {
			t.Fatalf("origin %q: allows %+v", origin, c.origins)
		}
	}
}
