package template

import (
	"strings"
	"testing"
)

// edgeBase passes the edge checks; each case breaks one of them.
const edgeBase = `
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  AllowedOrigin: {Type: String, Default: ""}
  RateLimit: {Type: Number, Default: 50}
  BurstLimit: {Type: Number, Default: 100}
  AuthRate: {Type: Number, Default: 10}
  AuthBurst: {Type: Number, Default: 20}
  Reserved: {Type: Number, Default: 0}
Conditions:
  HasReserved: !Not [!Equals [!Ref Reserved, "0"]]
  HasOrigin: !Not [!Equals [!Ref AllowedOrigin, ""]]
Rules:
  ProdNoStar:
    RuleCondition: !Equals [!Ref Stage, prod]
    Assertions:
      - Assert: !Not [!Equals [!Ref AllowedOrigin, "*"]]
        AssertDescription: no * in prod
Globals:
  Function:
    ReservedConcurrentExecutions: !If [HasReserved, !Ref Reserved, !Ref AWS::NoValue]
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth: {DefaultAuthorizer: Jwt, Authorizers: {Jwt: {}}}
      CorsConfiguration: !If [HasOrigin, {AllowOrigins: [!Ref AllowedOrigin], MaxAge: 600}, !Ref AWS::NoValue]
      DefaultRouteSettings: {ThrottlingBurstLimit: !Ref BurstLimit, ThrottlingRateLimit: !Ref RateLimit}
      RouteSettings:
        "POST /auth/login": {ThrottlingBurstLimit: !Ref AuthBurst, ThrottlingRateLimit: !Ref AuthRate}
        "POST /customer-auth/login": {ThrottlingBurstLimit: 5, ThrottlingRateLimit: 1}
      AccessLogSettings:
        DestinationArn: !Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${AccessLogs}
        Format: '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","routeKey":"$context.routeKey","status":"$context.status","responseLatency":"$context.responseLatency","integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}'
  AccessLogs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 30}
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        DefaultCacheBehavior:
          ResponseHeadersPolicyId: !Ref Headers
        CacheBehaviors:
          - PathPattern: /big/*
            ResponseHeadersPolicyId: !GetAtt Headers.Id
  Headers:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        SecurityHeadersConfig:
          ContentTypeOptions: {Override: true}
          ContentSecurityPolicy: {ContentSecurityPolicy: "default-src 'none'; img-src 'self'; sandbox", Override: true}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      CorsConfiguration: !If
        - HasOrigin
        - CorsRules: [{AllowedMethods: [GET, PUT], AllowedOrigins: [!Ref AllowedOrigin]}]
        - !Ref AWS::NoValue
  LoginFunction:
    Type: AWS::Serverless::Function
    Properties:
      ReservedConcurrentExecutions: !If [HasReserved, 2, !Ref AWS::NoValue]
      Events:
        Staff: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: POST, Path: /auth/login, Auth: {Authorizer: NONE}}}
        Customer: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: POST, Path: /customer-auth/login, Auth: {Authorizer: NONE}}}
        Me: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /auth/me}}
`

func TestEdgeChecksFindEachBrokenRule(t *testing.T) {
	runBreakCases(t, edgeBase, []breakCase{
		{"no default throttling", "      DefaultRouteSettings: {ThrottlingBurstLimit: !Ref BurstLimit, ThrottlingRateLimit: !Ref RateLimit}\n", "", "DefaultRouteSettings needs ThrottlingRateLimit and ThrottlingBurstLimit"},
		{"default rate 0", "RateLimit: {Type: Number, Default: 50}", "RateLimit: {Type: Number, Default: 0}", "DefaultRouteSettings needs"},
		{"settings of no route", `"POST /auth/login": {`, `"POST /auth/signin": {`, `RouteSettings "POST /auth/signin" is not a route`},
		{"sign-in route not throttled", "        \"POST /customer-auth/login\": {ThrottlingBurstLimit: 5, ThrottlingRateLimit: 1}\n", "", "public sign-in route POST /customer-auth/login has no RouteSettings"},
		{"sign-in route as loose as the default", "AuthRate: {Type: Number, Default: 10}", "AuthRate: {Type: Number, Default: 50}", "POST /auth/login is not throttled more strictly"},
		{"sign-in burst above the default", "{ThrottlingBurstLimit: 5, ThrottlingRateLimit: 1}", "{ThrottlingBurstLimit: 500, ThrottlingRateLimit: 1}", "POST /customer-auth/login is not throttled more strictly"},
		{"no access log", "      AccessLogSettings:\n", "      OtherSettings:\n", "no AccessLogSettings"},
		{"access log elsewhere", "log-group:${AccessLogs}", "log-group:/shared/logs", "is not the ARN of a log group of the template"},
		{"access log by GetAtt of no group", "!Sub arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${AccessLogs}", "!GetAtt Api.Arn", "is not the ARN of a log group"},
		{"access log kept forever", "Properties: {RetentionInDays: 30}", "Properties: {}", "log group AccessLogs: no RetentionInDays"},
		{"access log without request id", `"requestId":"$context.requestId",`, "", "neither $context.requestId nor $context.extendedRequestId"},
		{"access log without authorizer error", `,"authorizerError":"$context.authorizer.error"`, "", "lacks $context.authorizer.error"},
		{"access log without integration error", `,"integrationError":"$context.integrationErrorMessage"`, "", "lacks $context.integrationErrorMessage or $context.integration.error"},
		{"access log not JSON", `"status":"$context.status"`, `"status":$context.status`, "is not one JSON object"},
		{"access log with the token", `"ip":"$context.identity.sourceIp"`, `"ip":"$context.identity.sourceIp","auth":"$request.header.Authorization"`, "may carry tokens"},
		{"reservation on by default", "Reserved: {Type: Number, Default: 0}", "Reserved: {Type: Number, Default: 5}", "Globals: ReservedConcurrentExecutions is set"},
		{"a function reserves", "ReservedConcurrentExecutions: !If [HasReserved, 2, !Ref AWS::NoValue]", "ReservedConcurrentExecutions: 2", "function LoginFunction: ReservedConcurrentExecutions is set"},
		{"any origin by default", `AllowedOrigin: {Type: String, Default: ""}`, `AllowedOrigin: {Type: String, Default: "*"}`, `Api: with the parameters' defaults its CORS allows the origin "*"`},
		{"CORS for everyone", "CorsConfiguration: !If [HasOrigin, {AllowOrigins: [!Ref AllowedOrigin], MaxAge: 600}, !Ref AWS::NoValue]", "CorsConfiguration: true", `Api: with the parameters' defaults its CORS allows the origin "*"`},
		{"empty bucket origin", "      CorsConfiguration: !If\n        - HasOrigin\n        - CorsRules: [{AllowedMethods: [GET, PUT], AllowedOrigins: [!Ref AllowedOrigin]}]\n        - !Ref AWS::NoValue\n", "      CorsConfiguration:\n        CorsRules: [{AllowedMethods: [GET, PUT], AllowedOrigins: [!Ref AllowedOrigin]}]\n", `Bucket: with the parameters' defaults its CORS allows the origin ""`},
		{"origin ignored", "{AllowOrigins: [!Ref AllowedOrigin], MaxAge: 600}", `{AllowOrigins: [!If [HasReserved, !Ref AllowedOrigin, "https://fixed.example.com"]], MaxAge: 600}`, "Api: setting parameter AllowedOrigin does not turn its CORS on"},
		{"prod takes any origin", "RuleCondition: !Equals [!Ref Stage, prod]", "RuleCondition: !Equals [!Ref Stage, qa]", `parameter AllowedOrigin: prod accepts "*"`},
		{"prod takes no origin", `- Assert: !Not [!Equals [!Ref AllowedOrigin, "*"]]`, `- Assert: !Equals [!Ref AllowedOrigin, ""]`, "prod refuses the origin https://frontend.example.com too"},
		{"no stage", "Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}", "Stage: {Type: String, Default: dev}", "no Stage parameter with the value prod"},
		{"no headers policy", "          ResponseHeadersPolicyId: !Ref Headers\n", "", "distribution Cdn: DefaultCacheBehavior has no ResponseHeadersPolicyId"},
		{"managed headers policy", "ResponseHeadersPolicyId: !GetAtt Headers.Id", "ResponseHeadersPolicyId: 67f7725c-6f97-4210-82d7-5512b31e9d03", "distribution Cdn: CacheBehaviors[0] has no ResponseHeadersPolicyId"},
		{"sniffing allowed", "ContentTypeOptions: {Override: true}", "ContentTypeOptions: {Override: false}", "response headers policy Headers: no X-Content-Type-Options nosniff"},
		{"permissive CSP", "default-src 'none'; img-src", "default-src 'self'; img-src", "response headers policy Headers: no restrictive Content-Security-Policy"},
		{"CSP not overriding", "sandbox\", Override: true}", "sandbox\"}", "no restrictive Content-Security-Policy"},
	}, (*checker).edge)
}

func TestEvalWithParameters(t *testing.T) {
	tpl, err := Parse([]byte(edgeBase))
	if err != nil {
		t.Fatal(err)
	}
	def := tpl.Defaults(nil)
	if def["AllowedOrigin"] != "" || def["Reserved"] != "0" || tpl.Condition("HasOrigin", def) || tpl.Condition("HasReserved", def) {
		t.Fatalf("defaults %v", def)
	}
	api := tpl.Eval(tpl.Resources["Api"].Properties, tpl.Defaults(Values{"AllowedOrigin": "https://a.example.com"})).(map[string]any)
	if got := strs(Map(api["CorsConfiguration"])["AllowOrigins"]); len(got) != 1 || got[0] != "https://a.example.com" {
		t.Fatalf("CORS with an origin: %v", api["CorsConfiguration"])
	}
	if _, ok := tpl.Eval(tpl.Resources["Api"].Properties, def).(map[string]any)["CorsConfiguration"]; ok {
		t.Fatal("CORS without an origin: NoValue must drop it")
	}
	if f := tpl.RuleFailures(tpl.Defaults(Values{"Stage": "prod", "AllowedOrigin": "*"})); len(f) != 1 || f[0] != "no * in prod" {
		t.Fatalf("prod with *: %q", f)
	}
	if f := tpl.RuleFailures(tpl.Defaults(Values{"AllowedOrigin": "*"})); len(f) != 0 {
		t.Fatalf("dev with *: %q", f)
	}
	if got := tpl.Eval(map[string]any{"Fn::Contains": []any{[]any{"a", "b"}, map[string]any{"Ref": "Stage"}}}, Values{"Stage": "b"}); got != true {
		t.Fatalf("Fn::Contains: %v", got)
	}
	if got := tpl.Eval(map[string]any{"Fn::Sub": "${AWS::Region}"}, def); Map(got)["Fn::Sub"] != "${AWS::Region}" {
		t.Fatalf("other intrinsics stay as written: %v", got)
	}
}

// A bucket rule that only lets browsers PUT to presigned URLs may allow any
// origin (the signature authorises the upload); one that also allows GET
// may not.
func TestBucketPutOnlyRuleMayAllowAnyOrigin(t *testing.T) {
	old := "      CorsConfiguration: !If\n        - HasOrigin\n        - CorsRules: [{AllowedMethods: [GET, PUT], AllowedOrigins: [!Ref AllowedOrigin]}]\n        - !Ref AWS::NoValue\n"
	if !strings.Contains(edgeBase, old) {
		t.Fatal("edgeBase changed")
	}
	for _, c := range []struct {
		rule string
		ok   bool
	}{
		{`[{AllowedMethods: [PUT], AllowedOrigins: ["*"], AllowedHeaders: [Content-Type, If-None-Match]}]`, true},
		{`[{AllowedMethods: [GET, PUT], AllowedOrigins: ["*"]}]`, false},
		{`[{AllowedMethods: [PUT], AllowedOrigins: ["*"], ExposedHeaders: [ETag]}]`, false},
	} {
		tpl, err := Parse([]byte(strings.Replace(edgeBase, old, "      CorsConfiguration:\n        CorsRules: "+c.rule+"\n", 1)))
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, p := range Check(tpl, t.TempDir()) {
			if strings.HasPrefix(p, "Bucket:") {
				found = append(found, p)
			}
		}
		if (len(found) == 0) != c.ok {
			t.Errorf("%s: problems %q, want ok=%v", c.rule, found, c.ok)
		}
	}
}
