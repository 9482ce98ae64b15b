package awsenv

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

func s(v string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: v} }

// TestRecorderKeepsNamesNotData records real SDK calls (against a server
// that answers {}) and a presigned PUT, and reads the file back.
func TestRecorderKeepsNamesNotData(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "calls.jsonl")
	r := openRecorder(path, "fn-a")
	if r == nil {
		t.Fatal("no recorder")
	}
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		APIOptions: append([]func(*middleware.Stack) error(nil), recordCalls(r))}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = &srv.URL })
	ctx := context.Background()
	_, _ = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: map[string]types.AttributeValue{
			"pk": s("SESSION#1"), "sk": s("SESSION"), "secretish": s("do-not-record")}}},
		{Update: &types.Update{TableName: aws.String("t"), Key: map[string]types.AttributeValue{"pk": s("AUTH#x"), "sk": s("AUTH")},
			UpdateExpression: aws.String("SET a = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("data")}}},
	}})
	_, _ = db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t"), IndexName: aws.String("gsi2"),
		KeyConditionExpression:    aws.String("#0 = :0"),
		ExpressionAttributeNames:  map[string]string{"#0": "gsi2pk"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":0": s("STAFF#active")}})
	presign := s3.NewPresignClient(s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = &srv.URL; o.UsePathStyle = true }))
	if _, err := presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("thumbs/1.png")}); err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "do-not-record") || strings.Contains(string(raw), `"data"`) {
		t.Fatalf("data was recorded:\n%s", raw)
	}
	var calls []Call
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		var c Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		calls = append(calls, c)
	}
	if len(calls) != 3 {
		t.Fatalf("want 3 calls, got %d:\n%s", len(calls), raw)
	}
	want := []struct{ service, op, has string }{
		{"DynamoDB", "TransactWriteItems", `"Put":{"Item":{"pk":"SESSION#1","sk":"SESSION"},"TableName":"t"}`},
		{"DynamoDB", "Query", `"ExpressionAttributeValues":{":0":"STAFF#active"}`},
		{"S3", "PutObject", `"input":{"Bucket":"b","Key":"thumbs/1.png"}`},
	}
	for i, w := range want {
		line, _ := json.Marshal(calls[i])
		if calls[i].Function != "fn-a" || calls[i].Service != w.service || calls[i].Operation != w.op || !strings.Contains(string(line), w.has) {
			t.Errorf("call %d = %s, want %s %s with %s", i, line, w.service, w.op, w.has)
		}
	}
}

func TestRecordingIsOffWithoutTheVariable(t *testing.T) {
	t.Setenv(RecordEnv, "")
	if cfg := Config(); len(cfg.APIOptions) != 0 {
		t.Fatalf("Config installs %d API options without %s", len(cfg.APIOptions), RecordEnv)
	}
}

func TestKeyAttributes(t *testing.T) {
	for name, want := range map[string]bool{
		"pk": true, "sk": true, "gsi1pk": true, "gsi5sk": true, "gsi12pk": true,
		"gsipk": false, "gsi1": false, "gsi1xk": false, "gsixpk": false, "email": false, "pkx": false, "": false,
	} {
		if got := keyAttribute(name); got != want {
			t.Errorf("keyAttribute(%q) = %v, want %v", name, got, want)
		}
	}
}
