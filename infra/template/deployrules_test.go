package template

import (
	"strings"
	"testing"
)

// checkOnly runs the given rules of the checker on src, so the cases of one
// rule family stay independent of the base template of the others.
func checkOnly(t *testing.T, src string, rules ...func(*checker)) []string {
	t.Helper()
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := &checker{t: tpl, root: t.TempDir()}
	for _, r := range rules {
		r(c)
	}
	return c.problems
}

// breakCase replaces old with new in base (once) and expects a problem
// containing want.
type breakCase struct{ name, old, new, want string }

func runBreakCases(t *testing.T, base string, cases []breakCase, rules ...func(*checker)) {
	t.Helper()
	if p := checkOnly(t, base, rules...); len(p) > 0 {
		t.Fatalf("the base template breaks rules: %q", p)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(base, tc.old) {
				t.Fatalf("base has no %q", tc.old)
			}
			problems := checkOnly(t, strings.Replace(base, tc.old, tc.new, 1), rules...)
			found := false
			for _, p := range problems {
				found = found || strings.Contains(p, tc.want)
			}
			if !found {
				t.Fatalf("no problem containing %q; got %q", tc.want, problems)
			}
		})
	}
}

const deployBase = `
Metadata:
  cfn-lint:
    config:
      # W1234: a rule that does not apply here, for this reason.
      ignore_checks: [W1234]
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Metadata:
      cfn-lint:
        config:
          ignore_checks:
            - I3011 # the pool is retained by hand, see README
    Properties:
      AutoVerifiedAttributes: [email]
      UserAttributeUpdateSettings:
        AttributesRequireVerificationBeforeUpdate: [email]
  Headers:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        Name: !Sub ${AWS::StackName}-thumbnails
  Access:
    Type: AWS::CloudFront::OriginAccessControl
    Properties:
      OriginAccessControlConfig:
        Name: !Sub ${AWS::StackName}-thumbnails
`

func TestDeployRulesFindEachBrokenRule(t *testing.T) {
	runBreakCases(t, deployBase, []breakCase{
		{"verification without auto-verification", "AutoVerifiedAttributes: [email]", "AutoVerifiedAttributes: []", "email needs verification before an update"},
		{"policy name fixed", "        Name: !Sub ${AWS::StackName}-thumbnails\n  Access:", "        Name: thumbnails\n  Access:", "ResponseHeadersPolicy Headers: Name does not contain"},
		{"access control name fixed", "OriginAccessControlConfig:\n        Name: !Sub ${AWS::StackName}-thumbnails", "OriginAccessControlConfig:\n        Name: thumbnails", "OriginAccessControl Access: Name does not contain"},
		{"template ignore without comment", "      # W1234: a rule that does not apply here, for this reason.\n", "", "ignore_checks W1234 (template): no comment"},
		{"resource ignore without comment", "            - I3011 # the pool is retained by hand, see README\n", "            - I3011\n", "ignore_checks I3011 (Pool): no comment"},
	}, (*checker).lintIgnores, (*checker).deployRules)
}

func TestLintIgnoresAreRead(t *testing.T) {
	tpl, err := Parse([]byte(deployBase))
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.LintIgnores) != 2 || tpl.LintIgnores[0].Rule != "W1234" || tpl.LintIgnores[1].Where != "Pool" ||
		!strings.Contains(tpl.LintIgnores[1].Comment, "retained by hand") {
		t.Fatalf("%+v", tpl.LintIgnores)
	}
}
