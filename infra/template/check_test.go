package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"backoffice/shared/directory/cognito"
)

// The real template follows every rule.
func TestTemplateFollowsTheRules(t *testing.T) {
	tpl, err := Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tpl.Resources); n < 50 {
		t.Fatalf("only %d resources parsed", n)
	}
	for _, p := range Check(tpl, "../..") {
		t.Error(p)
	}
}

// base is a template that passes; each case breaks one rule.
const base = `
Globals:
  Function:
    Environment:
      Variables:
        CURSOR_KEY_PARAMETER: !Sub /${AWS::StackName}/cursor-key
        MAIL_TOKEN_KEY_PARAMETER: !Sub /${AWS::StackName}/mail-token-key
Parameters:
  Stage:
    Type: String
    Description: The stage.
Resources:
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefaultRouteSettings: {ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50}
      AccessLogSettings:
        DestinationArn: !GetAtt AccessLogs.Arn
        Format: '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","routeKey":"$context.routeKey","status":"$context.status","responseLatency":"$context.responseLatency","integrationError":"$context.integration.error","authorizerError":"$context.authorizer.error"}'
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt: {}
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
      DeletionProtectionEnabled: true
  Pool:
    Type: AWS::Cognito::UserPool
    DeletionPolicy: Retain
    Properties:
      DeletionProtection: ACTIVE
      AdminCreateUserConfig: {AllowAdminCreateUserOnly: true}
      AutoVerifiedAttributes: [email]
      UserAttributeUpdateSettings:
        AttributesRequireVerificationBeforeUpdate: [email]
      Schema:
        - {Name: personId, AttributeDataType: String, Mutable: false}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      GenerateSecret: true
      ExplicitAuthFlows: [ALLOW_REFRESH_TOKEN_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH]
      WriteAttributes: [name]
  ListFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: go1.x
    Properties:
      CodeUri: functions/list
      LoggingConfig:
        LogGroup: !Ref ListLogs
      Policies:
        - Statement:
            - Effect: Allow
              Action: [dynamodb:Query]
              Resource:
                - !GetAtt Table.Arn
                - !Sub "${Table.Arn}/index/*"
              Condition:
                ForAllValues:StringLike:
                  dynamodb:LeadingKeys: ["STAFF#*"]
            - Effect: Allow
              Action: [dynamodb:PutItem]
              Resource: !GetAtt Table.Arn
              Condition:
                ForAllValues:StringLike:
                  dynamodb:LeadingKeys: ["SESSION#*", "RATE#login#*"]
            - Effect: Allow
              Action: [ses:SendEmail]
              Resource: !Sub arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*
              Condition:
                StringEquals:
                  ses:FromAddress: !Ref SenderEmail
            - Effect: Allow
              Action: ssm:GetParameter
              Resource: !Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/cursor-key
            - Effect: Allow
              Action: [xray:PutTraceSegments]
              Resource: "*"
            - Effect: Allow
              Action: [s3:PutObject]
              Resource: !Sub "${Bucket.Arn}/thumbnails/*"
      Events:
        Api:
          Type: HttpApi
          Properties: {ApiId: !Ref HttpApi, Method: GET, Path: /things}
        Public:
          Type: HttpApi
          Properties: {ApiId: !Ref HttpApi, Method: GET, Path: /open, Auth: {Authorizer: NONE}}
  ListLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
  AccessLogs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 30}
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: Something failed.
      AlarmActions: [!Ref Topic]
      Dimensions: [{Name: QueueName, Value: !GetAtt DeadLetters.QueueName}]
  DeadLetters:
    Type: AWS::SQS::Queue
  Dashboard:
    Type: AWS::CloudWatch::Dashboard
    Properties:
      DashboardBody: !Sub '{"widgets": [{"type": "alarm", "properties": {"alarms": ["${Alarm.Arn}"]}}]}'
`

func TestCheckFindsEachBrokenRule(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "functions", "list"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "functions", "list", "main.go"), []byte("package main\nvar s = secret.CursorSigner()\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, src string) []string {
		t.Helper()
		tpl, err := Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return Check(tpl, root)
	}
	if p := check(t, base); len(p) > 0 {
		t.Fatalf("the base template breaks rules: %q", p)
	}

	cases := []struct{ name, old, new, want string }{
		{"parameter without description", "    Description: The stage.\n", "", "parameter Stage: no Description"},
		{"no build metadata", "      BuildMethod: go1.x\n", "      BuildMethod: makefile\n", "BuildMethod is not go1.x"},
		{"missing code", "CodeUri: functions/list", "CodeUri: functions/gone", "has no main.go"},
		{"no log group", "      LoggingConfig:\n        LogGroup: !Ref ListLogs\n", "", "no LoggingConfig.LogGroup"},
		{"log group without retention", "      RetentionInDays: 30\n", "      LogGroupClass: STANDARD\n", "log group ListLogs: no RetentionInDays"},
		{"log group is not one", "LogGroup: !Ref ListLogs", "LogGroup: !Ref Table", "is not an AWS::Logs::LogGroup"},
		{"star action", "Action: [dynamodb:Query]", "Action: [dynamodb:*]", `action "dynamodb:*"`},
		{"star resource", "                - !GetAtt Table.Arn\n", "                - \"*\"\n", `dynamodb:Query on Resource "*"`},
		{"wildcard resource", `!Sub "${Table.Arn}/index/*"`, `!Sub "arn:aws:dynamodb:*:*:table/*"`, "has a wildcard"},
		{"index wildcard for a write", "Action: [dynamodb:Query]", "Action: [dynamodb:Query, dynamodb:PutItem]", "has a wildcard"},
		{"managed policy", "      Policies:\n", "      Policies:\n        - AmazonDynamoDBFullAccess\n", "managed policy"},
		{"mail token key elsewhere", "MAIL_TOKEN_KEY_PARAMETER: !Sub /${AWS::StackName}/mail-token-key", "MAIL_TOKEN_KEY_PARAMETER: /shared/key", "Globals: MAIL_TOKEN_KEY_PARAMETER"},
		{"cursor key elsewhere", "CURSOR_KEY_PARAMETER: !Sub /${AWS::StackName}/cursor-key", "CURSOR_KEY_PARAMETER: /shared/key", "Globals: CURSOR_KEY_PARAMETER"},
		{"bucket wildcard for a read of everything", "Action: [s3:PutObject]", "Action: [s3:PutObject, s3:ListBucket]", "has a wildcard"},
		{"cursor key not granted", "Action: ssm:GetParameter", "Action: ssm:GetParameters", "signs cursors but has no ssm:GetParameter"},
		{"route without API", "{ApiId: !Ref HttpApi, Method: GET, Path: /things}", "{Method: GET, Path: /things}", "ApiId does not name an HttpApi"},
		{"route without decision", "        DefaultAuthorizer: Jwt\n", "", "(GET /things): no authorizer decision"},
		{"unknown authorizer", "Auth: {Authorizer: NONE}", "Auth: {Authorizer: Other}", "(GET /open): no authorizer decision"},
		{"table not retained", "    DeletionPolicy: Retain\n    Properties:\n      PointInTime", "    Properties:\n      PointInTime", "table Table: DeletionPolicy is not Retain"},
		{"no PITR", "PointInTimeRecoveryEnabled: true", "PointInTimeRecoveryEnabled: false", "point-in-time recovery is off"},
		{"pool not protected", "      DeletionProtection: ACTIVE\n", "", "user pool Pool: no DeletionProtection"},
		{"alarm without action", "      AlarmActions: [!Ref Topic]\n", "", "alarm Alarm: no AlarmActions"},
		{"alarm not on dashboard", `["${Alarm.Arn}"]`, `[]`, "not on the dashboard"},
		{"queue without alarm", "Value: !GetAtt DeadLetters.QueueName", "Value: !GetAtt Other.QueueName", "queue DeadLetters: no alarm"},
		{"dashboard not JSON", `"widgets": [`, `"widgets": `, "not valid JSON"},
		{"table access of any kind", `                  dynamodb:LeadingKeys: ["STAFF#*"]` + "\n", "", "without a ForAllValues:StringLike dynamodb:LeadingKeys"},
		{"leading keys of everything", `["STAFF#*"]`, `["*"]`, `LeadingKeys "*" starts with a wildcard`},
		{"a scan", "Action: [dynamodb:Query]", "Action: [dynamodb:Query, dynamodb:Scan]", "grants dynamodb:Scan"},
		{"public function writes roles", `["SESSION#*", "RATE#login#*"]`, `["SESSION#*", "ROLENAME#*"]`, `may write "ROLENAME#*"`},
		{"mail from any address", "ses:FromAddress: !Ref SenderEmail", "ses:FromAddress: !Ref OwnerEmail", "may send mail as any address"},
		{"a secret in the environment", "        CURSOR_KEY_PARAMETER:", "        CURSOR_SECRET: abc\n        CURSOR_KEY_PARAMETER:", "CURSOR_SECRET looks like a secret"},
		{"a client with the password flow", "[ALLOW_REFRESH_TOKEN_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH]", "[ALLOW_REFRESH_TOKEN_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_USER_PASSWORD_AUTH]", "app client Client: ExplicitAuthFlows"},
		{"a client without refresh", "[ALLOW_REFRESH_TOKEN_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH]", "[ALLOW_ADMIN_USER_PASSWORD_AUTH]", "app client Client: ExplicitAuthFlows"},
		{"a client without a secret", "GenerateSecret: true", "GenerateSecret: false", "app client Client: GenerateSecret is not true"},
		{"a client without WriteAttributes", "      WriteAttributes: [name]\n", "", "app client Client: no WriteAttributes"},
		{"a client with empty WriteAttributes", "WriteAttributes: [name]", "WriteAttributes: []", "app client Client: no WriteAttributes"},
		{"a client writing email", "WriteAttributes: [name]", "WriteAttributes: [name, email]", "WriteAttributes has email"},
		{"a client writing the phone", "WriteAttributes: [name]", "WriteAttributes: [phone_number]", "WriteAttributes has phone_number"},
		{"a client writing the person id", "WriteAttributes: [name]", "WriteAttributes: [name, \"custom:personId\"]", "WriteAttributes has custom:personId"},
		{"a pool that does not auto-verify email", "AutoVerifiedAttributes: [email]", "AutoVerifiedAttributes: [phone_number]", "user pool Pool: AutoVerifiedAttributes lacks email"},
		{"a pool applying email changes at once", "        AttributesRequireVerificationBeforeUpdate: [email]\n", "        AttributesRequireVerificationBeforeUpdate: []\n", "user pool Pool: UserAttributeUpdateSettings"},
		{"a pool anyone can sign up to", "AllowAdminCreateUserOnly: true", "AllowAdminCreateUserOnly: false", "user pool Pool: AdminCreateUserConfig.AllowAdminCreateUserOnly"},
		{"a pool with a mutable person id", "Mutable: false", "Mutable: true", "user pool Pool: Schema lacks the immutable String attribute personId"},
		{"a pool without the person id", "{Name: personId, AttributeDataType: String, Mutable: false}", "{Name: other, AttributeDataType: String, Mutable: false}", "user pool Pool: Schema lacks"},
		{"the call recorder deployed", "        CURSOR_KEY_PARAMETER:", "        CALL_RECORD_FILE: /tmp/x\n        CURSOR_KEY_PARAMETER:", "call recorder"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(base, tc.old) {
				t.Fatalf("base has no %q", tc.old)
			}
			problems := check(t, strings.Replace(base, tc.old, tc.new, 1))
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

func TestShortTagsBecomeLongForm(t *testing.T) {
	tpl, err := Parse([]byte("Resources:\n  A:\n    Type: X\n    Properties:\n      R: !Ref B\n      G: !GetAtt B.Arn\n      S: !Sub x-${B}\n      I: !If [C, 1, 2]\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := tpl.Resources["A"].Properties
	if RefTo(p["R"]) != "B" || resourceText(p["G"]) != "${B.Arn}" || resourceText(p["S"]) != "x-${B}" || len(List(Map(p["I"])["Fn::If"])) != 3 {
		t.Fatalf("%#v", p)
	}
}

// The attribute the template checks is the one the Cognito code stamps.
func TestPersonIDAttributeIsTheOneStamped(t *testing.T) {
	if "custom:"+PersonIDAttribute != cognito.PersonIDAttribute {
		t.Fatalf("template checks custom:%s, shared/directory/cognito stamps %s", PersonIDAttribute, cognito.PersonIDAttribute)
	}
}
