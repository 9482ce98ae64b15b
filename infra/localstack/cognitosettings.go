package localstack

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"backoffice/shared/directory"
)

// What the local stack does with each property of an AWS::Cognito::UserPool
// and an AWS::Cognito::UserPoolClient. cognito-local (the version pinned in
// infra/emulators) was read for what its Create and Update calls store and
// what its other calls act on; TestCognitoLocalBehaviour shows the parts the
// product relies on, and README.md ("cognito-local: what it honours") has
// the table in prose.
//
// Every property of the template gets a verdict before anything is
// provisioned:
//   - honoured: cognito-local stores it and acts on it as AWS does, for the
//     calls the product makes;
//   - allowed: cognito-local does not act on it, and the reason says why a
//     green local run still hides nothing the product relies on;
//   - refused: cognito-local does not act on it and the product would rely
//     on it. Start fails, naming the property and the reason.
//
// A property missing from these tables is refused too: a new setting gets a
// verdict (and a reason) before a local run can pass with it.
type verdict int

const (
	honoured verdict = iota
	allowed
	refused
)

func (v verdict) String() string {
	return [...]string{"honoured", "allowed", "refused"}[v]
}

// cognitoSetting is one top-level property.
type cognitoSetting struct {
	onCreate bool // cognito-local's CreateUserPool / CreateUserPoolClient takes it
	onUpdate bool // cognito-local's UpdateUserPool / UpdateUserPoolClient takes it
	replaces bool // changing it replaces the resource in AWS (a new id)
	judge    judgeFunc
}

// finding is the verdict on one property path, e.g.
// "Policies.PasswordPolicy.RequireNumbers" or "Schema[personId].Required".
type finding struct {
	path    string
	verdict verdict
	why     string
}

// judgeFunc judges a resolved template value; paths in its findings are
// relative to that value ("" is the value itself).
type judgeFunc func(v any) []finding

func always(v verdict, why string) judgeFunc {
	return func(any) []finding { return []finding{{verdict: v, why: why}} }
}

// when judges a scalar: honoured (or whatever ok says) when test holds.
func when(test func(s string) bool, ok finding, otherwise finding) judgeFunc {
	return func(v any) []finding {
		if test(scalarString(v)) {
			return []finding{ok}
		}
		return []finding{otherwise}
	}
}

func equals(want string) func(string) bool { return func(s string) bool { return s == want } }

// fields judges an object member by member; a member without a judge is refused.
func fields(members map[string]judgeFunc) judgeFunc {
	return func(v any) []finding {
		m, ok := v.(map[string]any)
		if !ok {
			return []finding{{verdict: refused, why: "not an object"}}
		}
		var out []finding
		for _, k := range sortedKeys(m) {
			j, ok := members[k]
			if !ok {
				out = append(out, finding{path: k, verdict: refused, why: notInTable})
				continue
			}
			for _, f := range j(m[k]) {
				f.path = joinPath(k, f.path)
				out = append(out, f)
			}
		}
		return out
	}
}

const notInTable = "not in the local stack's table of what cognito-local honours (infra/localstack/cognitosettings.go): read cognito-local's source, give it a verdict and a reason there"

func joinPath(parent, child string) string {
	switch {
	case child == "":
		return parent
	case strings.HasPrefix(child, "["):
		return parent + child
	}
	return parent + "." + child
}

var messageText = always(allowed, "a message text: cognito-local prints codes to its log without it, and the product has Cognito send its users no mail but attribute verification codes")

// userPoolSettings covers every property of AWS::Cognito::UserPool.
var userPoolSettings = map[string]cognitoSetting{
	"UserPoolName": {onCreate: true, judge: always(honoured,
		"the pool's name; cognito-local can not rename an existing pool (a rename is logged, not applied): nothing reads the name")},
	"UsernameAttributes": {onCreate: true, replaces: true, judge: always(honoured,
		"with email, AdminCreateUser makes the username a generated sub and keeps the address in email; sign-in and Admin* calls find the user by either")},
	"UsernameConfiguration": {onCreate: true, replaces: true, judge: fields(map[string]judgeFunc{
		"CaseSensitive": when(equals("true"),
			finding{verdict: honoured, why: "cognito-local matches usernames exactly"},
			finding{verdict: allowed, why: "cognito-local matches usernames and emails case-sensitively; the API lower-cases every address (shared/text.Email) before it calls Cognito"}),
	})},
	"AliasAttributes": {onCreate: true, replaces: true, judge: always(refused,
		"stored but never used: cognito-local signs in by alias only through UsernameAttributes")},
	"AutoVerifiedAttributes": {onCreate: true, onUpdate: true, judge: always(honoured,
		"an attribute update that leaves email unverified sends a code (to cognito-local's log; env CODE fixes it)")},
	"UserAttributeUpdateSettings": {onCreate: true, judge: always(honoured,
		"UpdateUserAttributes keeps a new email pending (email and email_verified unchanged) until VerifyUserAttribute; cognito-local takes it at create only and DescribeUserPool does not show it, so the value is kept in state.json and a change on an existing pool is refused")},
	"AdminCreateUserConfig": {onCreate: true, onUpdate: true, judge: fields(map[string]judgeFunc{
		"AllowAdminCreateUserOnly": when(func(s string) bool { return s != "true" },
			finding{verdict: honoured, why: "SignUp is open, as in cognito-local"},
			finding{verdict: allowed, why: "cognito-local's SignUp creates a user whatever the setting (and with any attributes: it checks neither WriteAttributes nor Mutable); the product never calls SignUp, a user made that way has no auth record, so the API refuses to sign them in (shared/session), and an accept never binds it (tests/api TestAcceptRefusesAForeignUserAtTheAddress). Locally a SignUp could even forge custom:personId, which an accept would trust: in AWS SignUp is refused by this setting and by the client secret, so a local run is only more permissive than AWS"}),
		"InviteMessageTemplate":     messageText,
		"UnusedAccountValidityDays": always(allowed, "temporary passwords do not expire in cognito-local; the API never leaves one (AdminSetUserPassword with Permanent)"),
	})},
	"AccountRecoverySetting": {onCreate: true, onUpdate: true, judge: always(allowed,
		"cognito-local's ForgotPassword mails a code whatever the setting; the API never calls ForgotPassword or ConfirmForgotPassword (its own reset link sets the password with AdminSetUserPassword)")},
	"Policies": {onCreate: true, onUpdate: true, judge: fields(map[string]judgeFunc{
		"PasswordPolicy": passwordPolicy,
	})},
	"MfaConfiguration": {onCreate: true, onUpdate: true, judge: when(equals("OFF"),
		finding{verdict: honoured, why: "no MFA"},
		finding{verdict: refused, why: "cognito-local's AdminInitiateAuth, the admin sign-in, never asks for a second factor"})},
	"EnabledMfas": {judge: always(refused, "not known to cognito-local")},
	"DeletionProtection": {judge: always(allowed,
		"guards the pool against deletion in AWS; cognito-local does not store it and the local stack never deletes a pool")},
	"UserPoolTier": {judge: always(allowed,
		"the pricing tier, unknown to cognito-local; the features that need a higher tier (threat protection, passkeys, email MFA) are refused by their own properties")},
	"UserPoolTags": {onCreate: true, onUpdate: true, judge: always(honoured, "tags only")},
	"EmailConfiguration": {onCreate: true, onUpdate: true, judge: always(allowed,
		"how Cognito sends mail: cognito-local prints codes to its log instead")},
	"EmailVerificationMessage":    {onCreate: true, onUpdate: true, judge: messageText},
	"EmailVerificationSubject":    {onCreate: true, onUpdate: true, judge: messageText},
	"VerificationMessageTemplate": {onCreate: true, onUpdate: true, judge: messageText},
	"SmsVerificationMessage":      {onCreate: true, onUpdate: true, judge: messageText},
	"SmsAuthenticationMessage":    {onCreate: true, onUpdate: true, judge: messageText},
	"EmailAuthenticationMessage":  {judge: messageText},
	"EmailAuthenticationSubject":  {judge: messageText},
	"SmsConfiguration": {onCreate: true, onUpdate: true, judge: always(allowed,
		"how Cognito sends SMS: cognito-local prints them to its log; the product sends none")},
	"Schema": {onCreate: true, judge: schema},
	"UserPoolAddOns": {onCreate: true, onUpdate: true, judge: fields(map[string]judgeFunc{
		"AdvancedSecurityMode": when(equals("OFF"),
			finding{verdict: honoured, why: "no threat protection"},
			finding{verdict: refused, why: "threat protection is not emulated"}),
	})},
	"LambdaConfig": {onCreate: true, onUpdate: true, judge: always(refused,
		"cognito-local runs triggers from its own config.json, never from the pool: a trigger of the template would not run locally")},
	"DeviceConfiguration": {onCreate: true, onUpdate: true, judge: always(refused,
		"device tracking: cognito-local stores it and never asks for or remembers a device")},
	"WebAuthnRelyingPartyID":   {judge: always(refused, "passkeys are not in cognito-local")},
	"WebAuthnUserVerification": {judge: always(refused, "passkeys are not in cognito-local")},
}

// passwordPolicy: cognito-local checks no password at all. The API checks
// the length itself (shared/directory.CheckPassword), so a policy no
// stricter than that check is allowed, and a stricter one refused: AWS would
// refuse passwords a local run accepts.
var passwordPolicy = fields(map[string]judgeFunc{
	"MinimumLength": func(v any) []finding {
		n, err := strconv.Atoi(scalarString(v))
		if err == nil && n <= directory.MinPasswordLength {
			return []finding{{verdict: allowed, why: fmt.Sprintf(
				"cognito-local checks no password; the API refuses passwords shorter than %d (shared/directory.MinPasswordLength) before it calls Cognito", directory.MinPasswordLength)}}
		}
		return []finding{{verdict: refused, why: fmt.Sprintf(
			"cognito-local checks no password and the API checks %d characters (shared/directory.MinPasswordLength): AWS would refuse passwords a local run accepts; make the two agree", directory.MinPasswordLength)}}
	},
	"RequireLowercase": requireNothing,
	"RequireUppercase": requireNothing,
	"RequireNumbers":   requireNothing,
	"RequireSymbols":   requireNothing,
	"TemporaryPasswordValidityDays": always(allowed,
		"temporary passwords do not expire in cognito-local; the API never leaves one (AdminSetUserPassword with Permanent)"),
	"PasswordHistorySize": when(func(s string) bool { return s == "" || s == "0" },
		finding{verdict: honoured, why: "no history"},
		finding{verdict: refused, why: "cognito-local keeps no password history: AWS would refuse a reused password a local run accepts"}),
})

var requireNothing = when(func(s string) bool { return s != "true" },
	finding{verdict: honoured, why: "no requirement"},
	finding{verdict: refused, why: "cognito-local checks no password and the API checks no character class (shared/directory.CheckPassword): AWS would refuse passwords a local run accepts"})

// standardAttributes are the attributes every pool has; Schema entries
// overriding them are refused (their Required and Mutable are not checked
// by cognito-local the way AWS checks them).
var standardAttributes = []string{"address", "birthdate", "email", "email_verified", "family_name", "gender",
	"given_name", "locale", "middle_name", "name", "nickname", "phone_number", "phone_number_verified",
	"picture", "preferred_username", "profile", "sub", "updated_at", "website", "zoneinfo"}

// schema: custom String attributes with an explicit Mutable are honoured
// (cognito-local creates them, refuses writes to immutable ones and
// AddCustomAttributes adds new ones to an existing pool); anything it would
// not check the way AWS does is refused.
func schema(v any) []finding {
	list, ok := v.([]any)
	if !ok {
		return []finding{{verdict: refused, why: "not a list"}}
	}
	var out []finding
	for i, e := range list {
		m, _ := e.(map[string]any)
		name := scalarString(m["Name"])
		at := fmt.Sprintf("[%d]", i)
		if name != "" {
			at = "[" + name + "]"
		}
		if name == "" || slices.Contains(standardAttributes, name) {
			out = append(out, finding{path: at, verdict: refused,
				why: "only custom attributes are honoured: cognito-local does not enforce Required or Mutable of a standard attribute the way AWS does"})
			continue
		}
		for _, k := range sortedKeys(m) {
			val := scalarString(m[k])
			f := finding{path: at + "." + k, verdict: honoured}
			switch k {
			case "Name":
				f.why = "the attribute custom:<Name>"
			case "AttributeDataType":
				if val != "String" {
					f.verdict, f.why = refused, "cognito-local does not check values against a type: only String is honoured"
				} else {
					f.why = "a string"
				}
			case "Mutable":
				f.why = "cognito-local refuses writes to an immutable attribute, as AWS does"
			case "Required", "DeveloperOnlyAttribute":
				if val == "true" {
					f.verdict, f.why = refused, map[string]string{
						"Required":               "cognito-local creates users without a required attribute; AWS refuses them",
						"DeveloperOnlyAttribute": "AWS names such an attribute dev:custom:<Name> and keeps it from access tokens; cognito-local does neither",
					}[k]
				} else {
					f.why = "not " + strings.ToLower(k)
				}
			case "StringAttributeConstraints", "NumberAttributeConstraints":
				f.verdict, f.why = refused, "cognito-local does not check lengths or ranges: AWS would refuse values a local run accepts"
			default:
				f.verdict, f.why = refused, notInTable
			}
			out = append(out, f)
		}
		if _, ok := m["Mutable"]; !ok {
			out = append(out, finding{path: at + ".Mutable", verdict: refused,
				why: "say Mutable explicitly: cognito-local makes an attribute without it mutable, which need not be what AWS does"})
		}
	}
	return out
}

// userPoolClientSettings covers every property of AWS::Cognito::UserPoolClient.
var userPoolClientSettings = map[string]cognitoSetting{
	"UserPoolId": {onCreate: true, replaces: true, judge: always(honoured, "the pool")},
	"ClientName": {onCreate: true, onUpdate: true, judge: always(honoured, "the client's name")},
	"GenerateSecret": {onCreate: true, replaces: true, judge: when(func(s string) bool { return s != "true" },
		finding{verdict: honoured, why: "no secret"},
		finding{verdict: allowed, why: "CreateUserPoolClient makes a secret and DescribeUserPoolClient answers it, as in AWS, and the functions read it there; but cognito-local never checks SECRET_HASH (missing and wrong ones pass), so a local run can not catch a wrong one: the API's hash is unit-tested against AWS's formula with a vector computed outside the code (shared/directory/cognito TestSecretHashKnownVector), and which username each call hashes over (the address at sign-in, the username at refresh) by TestSignInRefreshAndRevokeUseTheSecret"})},
	"ExplicitAuthFlows": {onCreate: true, onUpdate: true, judge: always(allowed,
		"cognito-local signs in with any flow it implements whatever the list; TestAuthFlowsInTheCodeAreAllowed checks that every flow the code starts is in the list of every client of template.yaml, and infra/template that every client allows exactly the admin flow and refresh (sign-in only through the API)")},
	"AccessTokenValidity": {onCreate: true, onUpdate: true, judge: always(honoured, "the access token's exp")},
	"IdTokenValidity":     {onCreate: true, onUpdate: true, judge: always(honoured, "the id token's exp")},
	"RefreshTokenValidity": {onCreate: true, onUpdate: true, judge: always(allowed,
		"cognito-local's refresh tokens never expire; the API ends a session itself: its session record lives RefreshLifetime (30 days) and is checked before every refresh (shared/session)")},
	"TokenValidityUnits": {onCreate: true, onUpdate: true, judge: fields(map[string]judgeFunc{
		"AccessToken":  always(honoured, "the unit of AccessTokenValidity"),
		"IdToken":      always(honoured, "the unit of IdTokenValidity"),
		"RefreshToken": always(allowed, "the unit of RefreshTokenValidity (see there)"),
	})},
	"EnableTokenRevocation": {onCreate: true, onUpdate: true, judge: when(func(s string) bool { return s != "false" },
		finding{verdict: honoured, why: "RevokeToken ends the refresh token"},
		finding{verdict: refused, why: "cognito-local revokes anyway, AWS refuses RevokeToken, which the API calls at logout"})},
	"PreventUserExistenceErrors": {onCreate: true, onUpdate: true, judge: always(allowed,
		"cognito-local answers an unknown user NotAuthorizedException and a wrong password InvalidPasswordException whatever the setting; the API answers every credential failure alike (directory.ErrInvalidCredentials) and calls none of the calls that would tell (ForgotPassword, SignUp, ResendConfirmationCode)")},
	"ReadAttributes": {onCreate: true, onUpdate: true, judge: always(allowed,
		"not enforced: GetUser and the id token carry every attribute; the API reads users with AdminGetUser and accepts access tokens only")},
	"WriteAttributes": {onCreate: true, onUpdate: true, judge: always(allowed,
		"not enforced: UpdateUserAttributes checks only the schema's Mutable, so locally an access token can write every mutable attribute (email included), more than in AWS; what the product relies on holds without it (a new email stays pending: UserAttributeUpdateSettings, honoured; custom:personId is immutable: Schema Mutable false, honoured), tests of what a user can do to their own account (tests/api TestSelfServiceCallsAreHarmless) run against that worse case, infra/template checks every client's list leaves out email, phone_number and custom attributes, and the API writes with AdminUpdateUserAttributes, which WriteAttributes does not govern")},
	"AuthSessionValidity": {judge: always(allowed,
		"how long a challenge's session lasts, unknown to cognito-local; the API treats every challenge as a failed sign-in")},
	"AnalyticsConfiguration":                   {onCreate: true, onUpdate: true, judge: always(allowed, "Pinpoint analytics: nothing the product sees")},
	"AllowedOAuthFlows":                        {onCreate: true, onUpdate: true, judge: oauth},
	"AllowedOAuthFlowsUserPoolClient":          {onCreate: true, onUpdate: true, judge: oauth},
	"AllowedOAuthScopes":                       {onCreate: true, onUpdate: true, judge: oauth},
	"CallbackURLs":                             {onCreate: true, onUpdate: true, judge: oauth},
	"LogoutURLs":                               {onCreate: true, onUpdate: true, judge: oauth},
	"DefaultRedirectURI":                       {onCreate: true, onUpdate: true, judge: oauth},
	"SupportedIdentityProviders":               {onCreate: true, onUpdate: true, judge: oauth},
	"EnablePropagateAdditionalUserContextData": {judge: always(refused, "threat protection's context data is not emulated")},
	"RefreshTokenRotation": {judge: always(refused,
		"cognito-local never rotates: a refresh answers no new refresh token")},
}

var oauth = always(refused, "the hosted UI and OAuth 2.0 flows: the product signs in through its API only, and cognito-local's OAuth endpoints are not checked against AWS here")

// judgeResource gives every property of a pool or client its verdicts.
func judgeResource(table map[string]cognitoSetting, props map[string]any) []finding {
	var out []finding
	for _, name := range sortedKeys(props) {
		st, ok := table[name]
		if !ok {
			out = append(out, finding{path: name, verdict: refused, why: notInTable})
			continue
		}
		for _, f := range st.judge(props[name]) {
			f.path = joinPath(name, f.path)
			out = append(out, f)
		}
	}
	return out
}

// checkCognitoSettings fails on a refused property, naming each with its
// reason, and logs the allowed ones (one line per resource).
func (s *Stack) checkCognitoSettings(id, typ string, props map[string]any) error {
	table := userPoolSettings
	if typ == typeUserPoolClient {
		table = userPoolClientSettings
	}
	var bad []string
	var lenient []string
	for _, f := range judgeResource(table, props) {
		switch f.verdict {
		case refused:
			bad = append(bad, fmt.Sprintf("%s (%s)", f.path, f.why))
		case allowed:
			lenient = append(lenient, f.path)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("cognito-local can not honour %s", strings.Join(bad, "; "))
	}
	if len(lenient) > 0 {
		s.logs.printf("localstack", "%s: not enforced by cognito-local, allowed (reasons in infra/localstack/cognitosettings.go): %s",
			id, strings.Join(lenient, ", "))
	}
	return nil
}

// selectProps keeps the properties cognito-local takes on create or update.
func selectProps(table map[string]cognitoSetting, props map[string]any, update bool) map[string]any {
	out := map[string]any{}
	for k, v := range props {
		if st := table[k]; update && st.onUpdate || !update && st.onCreate {
			out[k] = v
		}
	}
	return out
}

// toInput copies template properties into an SDK input, property by
// property, so that a value that does not fit names its property. The
// CloudFormation names are the API's member names (encoding/json matches
// them case-insensitively); rename maps the few that differ.
func toInput(props map[string]any, rename map[string]string, dst any) error {
	for _, k := range sortedKeys(props) {
		name := k
		if r, ok := rename[k]; ok {
			name = r
		}
		if err := convertJSON(map[string]any{name: props[k]}, dst); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

// normalized is v as JSON would carry it, without nulls and empty lists or
// objects, so that a template value and an SDK struct compare equal.
func normalized(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(raw, &out) != nil {
		return v
	}
	return prune(out)
}

func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			if p := prune(e); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range t {
			out = append(out, prune(e))
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case bool:
		return t
	case string, float64:
		return t
	}
	return v
}

func sameValue(a, b any) bool { return reflect.DeepEqual(normalized(a), normalized(b)) }

// changedKeys lists the keys whose values differ between two property maps.
func changedKeys(before, after map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range []map[string]any{before, after} {
		for k := range m {
			if !seen[k] && !sameValue(before[k], after[k]) {
				out = append(out, k)
			}
			seen[k] = true
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
