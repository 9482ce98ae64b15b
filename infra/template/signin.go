package template

import (
	"slices"
	"sort"
	"strings"
)

// SignInFlows are the auth flows every app client allows, no more: the
// admin sign-in (it needs IAM credentials, so only the API can start it)
// and refresh. With a client secret (GenerateSecret), a browser can then
// neither sign in nor refresh at Cognito directly: every token is minted by
// the API, where rate limits, status checks and session records apply.
var SignInFlows = []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}

// PersonIDAttribute is the custom attribute every user is stamped with at
// creation (shared/directory/cognito.PersonIDAttribute): the pools must have
// it immutable, and no client may write it.
const PersonIDAttribute = "personId"

// unwritable reports whether a user may never write attr with their own
// access token (UpdateUserAttributes): the sign-in address, the phone
// number, their verified flags and every custom attribute (the person id).
func unwritable(attr string) bool {
	switch attr {
	case "email", "email_verified", "phone_number", "phone_number_verified":
		return true
	}
	return strings.HasPrefix(attr, "custom:") || strings.HasPrefix(attr, "dev:")
}

// signIn: every app client uses exactly the admin flow and refresh, has a
// secret, and can not write email or phone (WriteAttributes present: left
// out, it means every standard attribute); every user pool keeps a new email
// pending until it is verified (UserAttributeUpdateSettings, which
// CloudFormation accepts only with AutoVerifiedAttributes email), lets only
// admins create users, and has the immutable person id attribute.
func (c *checker) signIn() {
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		switch r.Type {
		case "AWS::Cognito::UserPoolClient":
			c.appClient(id, r.Properties)
		case "AWS::Cognito::UserPool":
			c.userPool(id, r.Properties)
		}
	}
}

func (c *checker) appClient(id string, p map[string]any) {
	var flows []string
	for _, f := range List(p["ExplicitAuthFlows"]) {
		flows = append(flows, String(f))
	}
	sort.Strings(flows)
	want := slices.Clone(SignInFlows)
	sort.Strings(want)
	if !slices.Equal(flows, want) {
		c.addf("app client %s: ExplicitAuthFlows %v, want exactly %v: sign-in only through the API", id, flows, SignInFlows)
	}
	if String(p["GenerateSecret"]) != "true" {
		c.addf("app client %s: GenerateSecret is not true: without a secret a browser can refresh at Cognito directly, past the API", id)
	}
	writes, ok := p["WriteAttributes"]
	if !ok || len(List(writes)) == 0 {
		c.addf("app client %s: no WriteAttributes: left out (or empty) it lets a person's access token write every standard attribute, email and phone_number included", id)
	}
	for _, a := range List(writes) {
		if unwritable(String(a)) {
			c.addf("app client %s: WriteAttributes has %s: a person's access token could change it (UpdateUserAttributes)", id, String(a))
		}
	}
}

func (c *checker) userPool(id string, p map[string]any) {
	if !hasString(p["AutoVerifiedAttributes"], "email") {
		c.addf("user pool %s: AutoVerifiedAttributes lacks email (UserAttributeUpdateSettings needs it)", id)
	}
	if !hasString(Map(p["UserAttributeUpdateSettings"])["AttributesRequireVerificationBeforeUpdate"], "email") {
		c.addf("user pool %s: UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate lacks email: a person's own token could move their sign-in address at once", id)
	}
	if String(Map(p["AdminCreateUserConfig"])["AllowAdminCreateUserOnly"]) != "true" {
		c.addf("user pool %s: AdminCreateUserConfig.AllowAdminCreateUserOnly is not true: anyone could sign up, with attributes of their choosing", id)
	}
	stamped := false
	for _, a := range List(p["Schema"]) {
		if m := Map(a); String(m["Name"]) == PersonIDAttribute {
			stamped = String(m["Mutable"]) == "false" && (String(m["AttributeDataType"]) == "" || String(m["AttributeDataType"]) == "String")
		}
	}
	if !stamped {
		c.addf("user pool %s: Schema lacks the immutable String attribute %s (every user is stamped with its person's id at creation)", id, PersonIDAttribute)
	}
}

func hasString(v any, want string) bool {
	for _, e := range List(v) {
		if String(e) == want {
			return true
		}
	}
	return false
}
