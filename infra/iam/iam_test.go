package iam

import (
	"strings"
	"testing"

	"backoffice/shared/awsenv"
)

const table = "arn:aws:dynamodb:eu-west-1:000000000000:table/t"

func leading(keys ...string) map[string][]string {
	return map[string][]string{"dynamodb:LeadingKeys": keys}
}

func TestEvaluate(t *testing.T) {
	policy := []Statement{
		{Effect: "Allow", Action: []string{"dynamodb:GetItem", "DynamoDB:Put*"}, Resource: []string{table},
			Condition: map[string]map[string][]string{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": {"AUTH#*", "SETTINGS"}}}},
		{Effect: "Allow", Action: []string{"dynamodb:Query"}, Resource: []string{table + "/index/*"}},
		{Effect: "Allow", Action: []string{"ses:SendEmail"}, Resource: []string{"arn:aws:ses:eu-west-1:000000000000:identity/*"},
			Condition: map[string]map[string][]string{"StringEquals": {"ses:FromAddress": {"noreply@example.com"}}}},
		{Effect: "Deny", Action: []string{"dynamodb:PutItem"}, Resource: []string{table},
			Condition: map[string]map[string][]string{"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": {"AUTH#root"}}}},
		{Effect: "Allow", NotAction: []string{"s3:*"}, Resource: []string{"arn:aws:sqs:*:*:q?"}},
	}
	cases := []struct {
		name  string
		req   Request
		allow bool
		why   string
	}{
		{"action and key prefix match", Request{"dynamodb:GetItem", table, leading("AUTH#abc")}, true, ""},
		{"action wildcard, any case", Request{"dynamodb:PutItem", table, leading("SETTINGS")}, true, ""},
		{"one key of several outside the prefixes", Request{"dynamodb:GetItem", table, leading("AUTH#a", "STAFF#b")}, false, "condition ForAllValues:StringLike"},
		{"no key at all passes ForAllValues", Request{"dynamodb:GetItem", table, nil}, true, ""},
		{"action not granted", Request{"dynamodb:DeleteItem", table, leading("AUTH#a")}, false, "no statement allows dynamodb:DeleteItem"},
		{"other table", Request{"dynamodb:GetItem", table + "2", leading("AUTH#a")}, false, "no statement allows"},
		{"index wildcard", Request{"dynamodb:Query", table + "/index/gsi1", leading("STAFF#active")}, true, ""},
		{"table is not an index", Request{"dynamodb:Query", table, leading("STAFF#active")}, false, "no statement allows"},
		{"explicit deny wins", Request{"dynamodb:PutItem", table, leading("AUTH#root")}, false, "denies it explicitly"},
		{"sender allowed", Request{"ses:SendEmail", "arn:aws:ses:eu-west-1:000000000000:identity/noreply@example.com",
			map[string][]string{"ses:FromAddress": {"noreply@example.com"}}}, true, ""},
		{"other sender", Request{"ses:SendEmail", "arn:aws:ses:eu-west-1:000000000000:identity/ceo@example.com",
			map[string][]string{"ses:FromAddress": {"ceo@example.com"}}}, false, "StringEquals ses:FromAddress"},
		{"absent key fails a plain operator", Request{"ses:SendEmail", "arn:aws:ses:eu-west-1:000000000000:identity/x", nil}, false, "does not hold"},
		{"NotAction and ? in the resource", Request{"sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:q1", nil}, true, ""},
		{"? is exactly one character", Request{"sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:q12", nil}, false, ""},
		{"NotAction excludes", Request{"s3:GetObject", "arn:aws:sqs:eu-west-1:1:q1", nil}, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Evaluate(policy, c.req)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != c.allow || !strings.Contains(d.Why, c.why) {
				t.Fatalf("got allowed=%v why=%q, want %v with %q", d.Allowed, d.Why, c.allow, c.why)
			}
		})
	}
}

func TestConditionOperators(t *testing.T) {
	cases := []struct {
		op      string
		want    []string
		got     []string
		present bool
		hold    bool
	}{
		{"StringNotEquals", []string{"a"}, nil, false, true}, // negated: absent holds
		{"StringNotEquals", []string{"a"}, []string{"a"}, true, false},
		{"StringEqualsIfExists", []string{"a"}, nil, false, true},
		{"StringEqualsIgnoreCase", []string{"ABC"}, []string{"abc"}, true, true},
		{"ForAnyValue:StringLike", []string{"A*"}, nil, false, false},
		{"ForAnyValue:StringLike", []string{"A*"}, []string{"B", "Ax"}, true, true},
		{"ForAllValues:StringNotLike", []string{"A*"}, []string{"B", "C"}, true, true},
		{"ForAllValues:StringNotLike", []string{"A*"}, []string{"B", "Ax"}, true, false},
		{"Null", []string{"true"}, nil, false, true},
		{"Null", []string{"false"}, nil, false, false},
		{"ArnLike", []string{"arn:aws:s3:::b/*"}, []string{"arn:aws:s3:::b/k/1"}, true, true},
	}
	for _, c := range cases {
		ok, err := condition(c.op, c.want, c.got, c.present)
		if err != nil || ok != c.hold {
			t.Errorf("%s %v on %v (present %v) = %v %v, want %v", c.op, c.want, c.got, c.present, ok, err, c.hold)
		}
	}
	for _, op := range []string{"NumericLessThan", "Whatever:StringLike"} {
		if _, err := condition(op, []string{"1"}, []string{"1"}, true); err == nil {
			t.Errorf("%s: unknown operators must be an error, not a guess", op)
		}
	}
	if _, err := condition("StringLike", []string{"A*"}, []string{"A", "B"}, true); err == nil {
		t.Error("a plain operator on a multivalued key must be an error")
	}
}

var acct = Account{Partition: "aws", Region: "eu-west-1", ID: "000000000000", HashKey: func(_, index string) string {
	if index != "" {
		return index + "pk"
	}
	return "pk"
}}

func TestRequestsOfRecordedCalls(t *testing.T) {
	cases := []struct {
		call awsenv.Call
		want []string
	}{
		{awsenv.Call{Service: "DynamoDB", Operation: "TransactWriteItems", Input: map[string]any{"TransactItems": []any{
			map[string]any{"Put": map[string]any{"TableName": "t", "Item": map[string]any{"pk": "SESSION#1", "sk": "S"}}},
			map[string]any{"ConditionCheck": map[string]any{"TableName": "t", "Key": map[string]any{"pk": "AUTH#1", "sk": "A"}}},
		}}}, []string{
			"dynamodb:PutItem on " + table + " dynamodb:LeadingKeys=[SESSION#1]",
			"dynamodb:ConditionCheckItem on " + table + " dynamodb:LeadingKeys=[AUTH#1]"}},
		{awsenv.Call{Service: "DynamoDB", Operation: "Query", Input: map[string]any{"TableName": "t", "IndexName": "gsi2",
			"KeyConditionExpression": "(#0 = :0) AND (begins_with (#1, :1))", "ExpressionAttributeNames": map[string]any{"#0": "gsi2pk", "#1": "gsi2sk"},
			"ExpressionAttributeValues": map[string]any{":0": "STAFF#active", ":1": "sm"}}},
			[]string{"dynamodb:Query on " + table + "/index/gsi2 dynamodb:LeadingKeys=[STAFF#active]"}},
		{awsenv.Call{Service: "DynamoDB", Operation: "BatchGetItem", Input: map[string]any{"RequestItems": map[string]any{"t": map[string]any{
			"Keys": []any{map[string]any{"pk": "SETTINGS"}, map[string]any{"pk": "AUTH#1"}, map[string]any{"pk": "AUTH#1"}}}}}},
			[]string{"dynamodb:BatchGetItem on " + table + " dynamodb:LeadingKeys=[AUTH#1 SETTINGS]"}},
		{awsenv.Call{Service: "Cognito Identity Provider", Operation: "AdminCreateUser", Input: map[string]any{"UserPoolId": "local_1"}},
			[]string{"cognito-idp:AdminCreateUser on arn:aws:cognito-idp:eu-west-1:000000000000:userpool/local_1"}},
		{awsenv.Call{Service: "Cognito Identity Provider", Operation: "InitiateAuth", Input: map[string]any{"ClientId": "c"}}, nil},
		{awsenv.Call{Service: "SESv2", Operation: "SendEmail", Input: map[string]any{"FromEmailAddress": "=?utf-8?q?Caf=C3=A9?= <noreply@example.com>"}},
			[]string{"ses:SendEmail on arn:aws:ses:eu-west-1:000000000000:identity/noreply@example.com ses:FromAddress=[noreply@example.com]"}},
		{awsenv.Call{Service: "S3", Operation: "PutObject", Input: map[string]any{"Bucket": "b", "Key": "thumbnails/x.png"}},
			[]string{"s3:PutObject on arn:aws:s3:::b/thumbnails/x.png"}},
		{awsenv.Call{Service: "SSM", Operation: "GetParameter", Input: map[string]any{"Name": "/backoffice/cursor-key"}},
			[]string{"ssm:GetParameter on arn:aws:ssm:eu-west-1:000000000000:parameter/backoffice/cursor-key"}},
	}
	for _, c := range cases {
		reqs, err := acct.Requests(c.call)
		if err != nil {
			t.Fatalf("%s: %v", c.call.Operation, err)
		}
		var got []string
		for _, r := range reqs {
			got = append(got, r.String())
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s %s:\n got %q\nwant %q", c.call.Service, c.call.Operation, got, c.want)
		}
	}
	if _, err := acct.Requests(awsenv.Call{Service: "Lambda", Operation: "Invoke"}); err == nil {
		t.Error("an unmapped service must be an error")
	}
	if _, err := acct.Requests(awsenv.Call{Service: "DynamoDB", Operation: "Query", Input: map[string]any{"TableName": "t", "KeyConditionExpression": "#0 > :0"}}); err == nil {
		t.Error("a Query without a partition key equality must be an error")
	}
}

// The check names the function, the call and the grant it lacks; and it
// reports grants no call used, except those allowed for.
func TestCheckDeniedAndUnused(t *testing.T) {
	fns := []Function{{Name: "stack-Login", LogicalID: "LoginFunction", Policy: []Statement{
		{Effect: "Allow", Action: []string{"dynamodb:GetItem", "dynamodb:DeleteItem"}, Resource: []string{table}},
		{Effect: "Allow", Action: []string{"sqs:SendMessage"}, Resource: []string{"arn:aws:sqs:eu-west-1:000000000000:dlq"}},
	}}}
	calls := []awsenv.Call{
		{Function: "stack-Login", Service: "DynamoDB", Operation: "GetItem", Input: map[string]any{"TableName": "t", "Key": map[string]any{"pk": "AUTH#1"}}},
		{Function: "stack-Login", Service: "DynamoDB", Operation: "BatchGetItem", Input: map[string]any{"RequestItems": map[string]any{"t": map[string]any{"Keys": []any{map[string]any{"pk": "AUTH#1"}}}}}},
		{Function: "stack-Other", Service: "DynamoDB", Operation: "GetItem", Input: map[string]any{"TableName": "t"}},
	}
	allow := []Allowance{{Function: "Login*", Action: "sqs:SendMessage", Why: "on-failure destination"}}
	r := Check([]Batch{{Account: acct, Functions: fns, Calls: calls}}, allow, true)
	if len(r.Denied) != 1 || r.Denied[0].Function != "LoginFunction" || r.Denied[0].Request.Action != "dynamodb:BatchGetItem" ||
		!strings.Contains(r.Denied[0].String(), "no statement allows dynamodb:BatchGetItem") {
		t.Fatalf("denied: %v", r.Denied)
	}
	if len(r.Unused) != 1 || r.Unused[0].Action != "dynamodb:DeleteItem" {
		t.Fatalf("unused: %v", r.Unused)
	}
	if len(r.Excused) != 1 || r.Excused[0].Why != "on-failure destination" {
		t.Fatalf("excused: %v", r.Excused)
	}
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "stack-Other") {
		t.Fatalf("errors: %v", r.Errors)
	}
	if r.OK() {
		t.Fatal("a report with problems is OK")
	}
}

func TestParsePolicies(t *testing.T) {
	sts, err := ParsePolicies([]any{map[string]any{"Statement": []any{map[string]any{
		"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": []any{"arn:x"},
		"Condition": map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{"A#*"}}},
	}}}})
	if err != nil || len(sts) != 1 || sts[0].Action[0] != "dynamodb:GetItem" || sts[0].Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"][0] != "A#*" {
		t.Fatalf("%+v %v", sts, err)
	}
	for _, bad := range []any{"AmazonDynamoDBFullAccess", []any{map[string]any{"DynamoDBCrudPolicy": map[string]any{"TableName": "t"}}},
		[]any{map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Action": "x", "Principal": "*"}}}}} {
		if _, err := ParsePolicies(bad); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}
