package template

import (
	"slices"
	"strings"
)

// lintIgnores: cfn-lint runs in scripts/test.sh and fails on any finding;
// a rule the template switches off must say why, in a comment next to it.
func (c *checker) lintIgnores() {
	for _, ig := range c.t.LintIgnores {
		if ig.Comment == "" {
			c.addf("cfn-lint ignore_checks %s (%s): no comment saying why it is ignored", ig.Rule, ig.Where)
		}
	}
}

// deployRules are rules CloudFormation or the service enforces only when
// the stack is deployed, which cfn-lint does not check. Each one found
// here failed (or would fail) a deploy after every local test passed.
func (c *checker) deployRules() {
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		switch r.Type {
		case "AWS::Cognito::UserPool":
			// Cognito refuses a pool whose attributes that need
			// verification before an update are not auto-verified
			// ("The verification for the attributes ... is not enabled").
			auto := strs(r.Properties["AutoVerifiedAttributes"])
			for _, a := range strs(Map(r.Properties["UserAttributeUpdateSettings"])["AttributesRequireVerificationBeforeUpdate"]) {
				if !slices.Contains(auto, a) {
					c.addf("user pool %s: %s needs verification before an update but is not in AutoVerifiedAttributes (Cognito refuses the pool at deploy)", id, a)
				}
			}
		case "AWS::CloudFront::ResponseHeadersPolicy", "AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::CachePolicy":
			// Their names are unique per account, not per stack: a fixed
			// name makes the second stage (dev, then prod) fail to create.
			cfg := Map(r.Properties[strings.TrimPrefix(r.Type, "AWS::CloudFront::")+"Config"])
			if !strings.Contains(resourceText(cfg["Name"]), "${AWS::StackName}") {
				c.addf("%s %s: Name does not contain ${AWS::StackName} (names are unique per account: a second stack would fail to create)", r.Type, id)
			}
		}
	}
}
