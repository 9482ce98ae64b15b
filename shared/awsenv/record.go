package awsenv

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"sync"

	"github.com/aws/smithy-go/middleware"
)

// RecordEnv names the file that every AWS call of the process is appended
// to, one JSON line each (Call). Only the local stack sets it: it is how the
// test run learns which calls each function really makes, so that
// infra/iam can check them against the function's policy in template.yaml.
// Unset (always, in AWS; infra/template refuses it in the template), the
// recorder is not installed and costs one Getenv at cold start.
const RecordEnv = "CALL_RECORD_FILE"

// Call is one recorded AWS call: who made it, what, and the parts of the
// input that name resources or decide IAM conditions (tables, indexes and
// partition keys; user pools; buckets and keys; sender addresses; parameter
// names). Everything else of the input is left out, so no password, token
// or mail body reaches the file.
type Call struct {
	Function  string         `json:"function"`  // AWS_LAMBDA_FUNCTION_NAME
	Service   string         `json:"service"`   // SDK service id: "DynamoDB", "Cognito Identity Provider", "SESv2", "S3", "SSM"
	Operation string         `json:"operation"` // API operation, e.g. "TransactWriteItems"
	Input     map[string]any `json:"input,omitempty"`
}

// recorded reports whether an input field is kept, at any depth. Structure
// fields (TransactItems, Put, RequestItems…) lead to the resource fields.
// A switch, not a map or a regexp: nothing here may cost a function's cold
// start when recording is off.
func recorded(field string) bool {
	switch field {
	// DynamoDB
	case "TableName", "IndexName", "Key", "Item", "Keys", "RequestItems", "TransactItems",
		"Put", "Update", "Delete", "ConditionCheck", "Get", "PutRequest", "DeleteRequest",
		"KeyConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues",
		// Cognito
		"UserPoolId", "ClientId", "AuthFlow",
		// S3
		"Bucket",
		// SES (v2 and v1)
		"FromEmailAddress", "Source", "ConfigurationSetName",
		// SSM
		"Name":
		return true
	}
	return false
}

// keyAttribute reports the attributes of Item and Key maps that are kept:
// the table's and the indexes' keys (pk, sk, gsiNpk, gsiNsk), never data.
func keyAttribute(name string) bool {
	if name == "pk" || name == "sk" {
		return true
	}
	rest, ok := strings.CutPrefix(name, "gsi")
	if !ok || len(rest) < 3 {
		return false
	}
	number, kind := rest[:len(rest)-2], rest[len(rest)-2:]
	if kind != "pk" && kind != "sk" {
		return false
	}
	for _, c := range number {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// recorder appends calls to its file; one Write per line keeps lines whole
// when several processes append to the same file (O_APPEND).
type recorder struct {
	function string
	mu       sync.Mutex
	file     *os.File
}

var (
	recorderOnce sync.Once
	theRecorder  *recorder
)

// activeRecorder returns the process's recorder, or nil when RecordEnv is
// unset or its file can not be opened (recording never breaks a call).
func activeRecorder() *recorder {
	recorderOnce.Do(func() {
		if path := os.Getenv(RecordEnv); path != "" {
			theRecorder = openRecorder(path, os.Getenv("AWS_LAMBDA_FUNCTION_NAME"))
		}
	})
	return theRecorder
}

func openRecorder(path, function string) *recorder {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil
	}
	return &recorder{function: function, file: f}
}

func (r *recorder) write(c Call) {
	c.Function = r.function
	line, err := json.Marshal(c)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.file.Write(append(line, '\n'))
}

// RecordCall records a call made without an SDK client (shared/secret signs
// its one SSM call by hand). It does nothing unless recording is on.
func RecordCall(service, operation string, input map[string]any) {
	if r := activeRecorder(); r != nil {
		r.write(Call{Service: service, Operation: operation, Input: input})
	}
}

// recordCalls is the APIOptions entry Config installs when recording is on.
// It sits in the Initialize step, where the input is still the typed
// struct, once per operation (retries are the same call to IAM); presigned
// requests pass through it too, since a presigned URL is authorized as the
// function that signed it.
func recordCalls(r *recorder) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("RecordCall",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				r.write(Call{
					Service:   middleware.GetServiceID(ctx),
					Operation: middleware.GetOperationName(ctx),
					Input:     recordedInput(in.Parameters),
				})
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	}
}

// recordedInput keeps the recordedFields of an SDK input struct.
func recordedInput(params any) map[string]any {
	m, _ := walk(reflect.ValueOf(params), "").(map[string]any)
	return m
}

// walk turns SDK input values into JSON-able ones: structs keep the
// recordedFields, Item and Key maps keep key attributes, a DynamoDB
// attribute value becomes its string (S and N members hold a Value string).
// Expression names and values are only kept beside a key condition (a
// Query's partition key); an update's or a condition's values are data.
func walk(v reflect.Value, field string) any {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Struct:
		if f := v.FieldByName("Value"); v.NumField() <= 2 && f.IsValid() && f.Kind() == reflect.String {
			return f.String() // types.AttributeValueMemberS / N
		}
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() || !recorded(sf.Name) {
				continue
			}
			if x := walk(v.Field(i), sf.Name); x != nil {
				out[sf.Name] = x
			}
		}
		if _, ok := out["KeyConditionExpression"]; !ok {
			delete(out, "ExpressionAttributeNames")
			delete(out, "ExpressionAttributeValues")
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.Len() == 0 {
			return nil
		}
		out := map[string]any{}
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key().String()
			if (field == "Item" || field == "Key" || field == "Keys") && !keyAttribute(k) {
				continue
			}
			if x := walk(iter.Value(), field); x != nil {
				out[k] = x
			}
		}
		return out
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 || v.Len() == 0 {
			return nil // bytes are data, not names
		}
		out := make([]any, 0, v.Len())
		for i := range v.Len() {
			if x := walk(v.Index(i), field); x != nil {
				out = append(out, x)
			}
		}
		return out
	}
	return nil
}
