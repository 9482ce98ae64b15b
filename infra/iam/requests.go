package iam

import (
	"fmt"
	"net/mail"
	"regexp"
	"sort"
	"strings"

	"backoffice/shared/awsenv"
)

// Account says where the recorded calls went: ARNs are built from it.
type Account struct {
	Partition, Region, ID string
	// HashKey names the partition key attribute of a table, or of one of
	// its indexes ("" for the table itself), as the template defines them.
	HashKey func(table, index string) string
}

// noIAM are Cognito operations authorized by a user's token or by nothing
// (public sign-in flows), never by the caller's IAM policy.
var noIAM = map[string]bool{
	"InitiateAuth": true, "RespondToAuthChallenge": true, "ForgotPassword": true,
	"ConfirmForgotPassword": true, "SignUp": true, "ConfirmSignUp": true,
	"ResendConfirmationCode": true, "ChangePassword": true, "GetUser": true,
	"GlobalSignOut": true, "RevokeToken": true, "UpdateUserAttributes": true,
	"DeleteUser": true, "DeleteUserAttributes": true, "VerifyUserAttribute": true,
	"GetUserAttributeVerificationCode": true, "AssociateSoftwareToken": true,
	"VerifySoftwareToken": true, "SetUserMFAPreference": true,
}

// Requests turns one recorded call into the authorizations AWS makes for
// it. An operation infra/iam does not know how to authorize is an error:
// teach it here rather than let a call pass unchecked.
func (a Account) Requests(c awsenv.Call) ([]Request, error) {
	switch c.Service {
	case "DynamoDB":
		return a.dynamodb(c)
	case "Cognito Identity Provider":
		if noIAM[c.Operation] {
			return nil, nil
		}
		pool := str(c.Input["UserPoolId"])
		if pool == "" {
			return nil, fmt.Errorf("%s: no UserPoolId recorded", c.Operation)
		}
		return []Request{{Action: "cognito-idp:" + c.Operation,
			Resource: a.arn("cognito-idp", "userpool/"+pool)}}, nil
	case "SESv2", "SES":
		if c.Operation != "SendEmail" && c.Operation != "SendRawEmail" {
			return nil, fmt.Errorf("SES %s is not mapped", c.Operation)
		}
		from := str(c.Input["FromEmailAddress"]) + str(c.Input["Source"])
		addr, err := mail.ParseAddress(from)
		if err != nil {
			return nil, fmt.Errorf("SES %s: sender %q: %w", c.Operation, from, err)
		}
		// SES authorizes sending on the identity of the sender (an address
		// or its domain): the address's own identity ARN stands for it, and
		// ses:FromAddress is the bare address (the display name is
		// ses:FromDisplayName).
		return []Request{{Action: "ses:" + c.Operation, Resource: a.arn("ses", "identity/"+addr.Address),
			Context: map[string][]string{"ses:FromAddress": {addr.Address}}}}, nil
	case "S3":
		bucket, key := str(c.Input["Bucket"]), str(c.Input["Key"])
		obj := fmt.Sprintf("arn:%s:s3:::%s/%s", a.Partition, bucket, key)
		switch c.Operation {
		case "PutObject", "GetObject", "DeleteObject":
			return []Request{{Action: "s3:" + c.Operation, Resource: obj}}, nil
		case "HeadObject":
			return []Request{{Action: "s3:GetObject", Resource: obj}}, nil
		case "ListObjectsV2":
			return []Request{{Action: "s3:ListBucket", Resource: fmt.Sprintf("arn:%s:s3:::%s", a.Partition, bucket)}}, nil
		}
		return nil, fmt.Errorf("S3 %s is not mapped", c.Operation)
	case "SSM":
		if c.Operation != "GetParameter" {
			return nil, fmt.Errorf("SSM %s is not mapped", c.Operation)
		}
		name := strings.TrimPrefix(str(c.Input["Name"]), "/")
		return []Request{{Action: "ssm:GetParameter", Resource: a.arn("ssm", "parameter/"+name)}}, nil
	}
	return nil, fmt.Errorf("service %q (%s) is not mapped in infra/iam", c.Service, c.Operation)
}

func (a Account) arn(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.Partition, service, a.Region, a.ID, resource)
}

func (a Account) table(name, index string) string {
	if index != "" {
		return a.arn("dynamodb", "table/"+name+"/index/"+index)
	}
	return a.arn("dynamodb", "table/"+name)
}

// transactActions are the item actions a transaction's parts are
// authorized as (there is no IAM action for the transaction itself).
var transactActions = map[string]string{
	"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
	"ConditionCheck": "dynamodb:ConditionCheckItem", "Get": "dynamodb:GetItem",
}

// dynamodb maps a DynamoDB call to its authorizations; each carries
// dynamodb:LeadingKeys, the partition key values it touches.
func (a Account) dynamodb(c awsenv.Call) ([]Request, error) {
	in := c.Input
	switch c.Operation {
	case "GetItem", "PutItem", "UpdateItem", "DeleteItem":
		item := obj(in["Key"])
		if item == nil {
			item = obj(in["Item"])
		}
		table := str(in["TableName"])
		return []Request{a.item("dynamodb:"+c.Operation, table, "", a.hashValue(table, "", item))}, nil
	case "Query":
		table, index := str(in["TableName"]), str(in["IndexName"])
		v, err := a.keyConditionValue(table, index, in)
		if err != nil {
			return nil, err
		}
		return []Request{a.item("dynamodb:Query", table, index, v)}, nil
	case "Scan":
		// A Scan carries no partition key: a LeadingKeys condition with
		// ForAllValues would let it read everything. The code never scans.
		return []Request{{Action: "dynamodb:Scan", Resource: a.table(str(in["TableName"]), str(in["IndexName"]))}}, nil
	case "BatchGetItem", "BatchWriteItem":
		var out []Request
		for _, table := range sortedKeys(obj(in["RequestItems"])) {
			var values []string
			add := func(item map[string]any) { values = append(values, a.hashValue(table, "", item)...) }
			switch x := obj(in["RequestItems"])[table].(type) {
			case map[string]any: // BatchGetItem: KeysAndAttributes
				for _, k := range list(x["Keys"]) {
					add(obj(k))
				}
			case []any: // BatchWriteItem: WriteRequests
				for _, w := range x {
					add(obj(obj(obj(w)["PutRequest"])["Item"]))
					add(obj(obj(obj(w)["DeleteRequest"])["Key"]))
				}
			}
			out = append(out, Request{Action: "dynamodb:" + c.Operation, Resource: a.table(table, ""),
				Context: map[string][]string{"dynamodb:LeadingKeys": dedupe(values)}})
		}
		return out, nil
	case "TransactWriteItems", "TransactGetItems":
		var out []Request
		for _, part := range list(in["TransactItems"]) {
			for kind, action := range transactActions {
				p := obj(obj(part)[kind])
				if p == nil {
					continue
				}
				item := obj(p["Key"])
				if item == nil {
					item = obj(p["Item"])
				}
				table := str(p["TableName"])
				out = append(out, a.item(action, table, "", a.hashValue(table, "", item)))
			}
		}
		return out, nil
	}
	// Table-level calls (DescribeTable …): the table itself.
	return []Request{{Action: "dynamodb:" + c.Operation, Resource: a.table(str(in["TableName"]), "")}}, nil
}

func (a Account) item(action, table, index string, leading []string) Request {
	return Request{Action: action, Resource: a.table(table, index),
		Context: map[string][]string{"dynamodb:LeadingKeys": leading}}
}

func (a Account) hashValue(table, index string, item map[string]any) []string {
	if item == nil {
		return nil
	}
	if v := str(item[a.HashKey(table, index)]); v != "" {
		return []string{v}
	}
	return nil
}

// keyTerm is "<name> = <value>" in a key condition.
var keyTerm = regexp.MustCompile(`([#\w]+)\s*=\s*(:\w+)`)

// keyConditionValue finds the partition key value of a Query: the equality
// on the table's or index's hash key in its key condition.
func (a Account) keyConditionValue(table, index string, in map[string]any) ([]string, error) {
	hash := a.HashKey(table, index)
	names, values := obj(in["ExpressionAttributeNames"]), obj(in["ExpressionAttributeValues"])
	for _, m := range keyTerm.FindAllStringSubmatch(str(in["KeyConditionExpression"]), -1) {
		name := m[1]
		if strings.HasPrefix(name, "#") {
			name = str(names[name])
		}
		if name == hash {
			return []string{str(values[m[2]])}, nil
		}
	}
	return nil, fmt.Errorf("Query on %s %s: no equality on %s in %q", table, index, hash, str(in["KeyConditionExpression"]))
}

func str(v any) string         { s, _ := v.(string); return s }
func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func dedupe(values []string) []string {
	sort.Strings(values)
	out := values[:0]
	for i, v := range values {
		if i == 0 || v != values[i-1] {
			out = append(out, v)
		}
	}
	return out
}
