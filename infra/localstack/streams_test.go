package localstack

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func TestFirstFailure(t *testing.T) {
	t.Parallel()
	recs := []events.DynamoDBEventRecord{
		{Change: events.DynamoDBStreamRecord{SequenceNumber: "1"}},
		{Change: events.DynamoDBStreamRecord{SequenceNumber: "2"}},
		{Change: events.DynamoDBStreamRecord{SequenceNumber: "3"}},
	}
	cases := map[string]int{
		`null`:                     -1,
		`{"batchItemFailures":[]}`: -1,
		`{"batchItemFailures":[{"itemIdentifier":"3"},{"itemIdentifier":"2"}]}`: 1,
		`{"batchItemFailures":[{"itemIdentifier":"9"}]}`:                        0,
		`{"batchItemFailures":[{"itemIdentifier":""}]}`:                         0,
		`{"batchItemFailures":[{}]}`:                                            0,
	}
	for out, want := range cases {
		if got := firstFailure([]byte(out), recs); got != want {
			t.Errorf("%s: got %d, want %d", out, got, want)
		}
	}
}

func TestLambdaRecordShape(t *testing.T) {
	t.Parallel()
	p := &streamPoller{s: &Stack{cfg: Config{Region: "eu-west-1"}}, src: &streamSource{streamArn: "arn:stream"}}
	created := time.Unix(1700000000, 0)
	rec := stypes.Record{
		EventID:   aws.String("e1"),
		EventName: stypes.OperationTypeInsert,
		Dynamodb: &stypes.StreamRecord{
			ApproximateCreationDateTime: &created,
			Keys:                        map[string]stypes.AttributeValue{"pk": &stypes.AttributeValueMemberS{Value: "A"}},
			NewImage: map[string]stypes.AttributeValue{
				"n":    &stypes.AttributeValueMemberN{Value: "5"},
				"ok":   &stypes.AttributeValueMemberBOOL{Value: true},
				"l":    &stypes.AttributeValueMemberL{Value: []stypes.AttributeValue{&stypes.AttributeValueMemberS{Value: "x"}}},
				"m":    &stypes.AttributeValueMemberM{Value: map[string]stypes.AttributeValue{"k": &stypes.AttributeValueMemberNULL{Value: true}}},
				"ss":   &stypes.AttributeValueMemberSS{Value: []string{"a"}},
				"blob": &stypes.AttributeValueMemberB{Value: []byte("hi")},
			},
			SequenceNumber: aws.String("100"),
			SizeBytes:      aws.Int64(42),
			StreamViewType: stypes.StreamViewTypeNewImage,
		},
	}
	raw, err := json.Marshal(p.lambdaRecord(rec))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(raw),
		`"eventID":"e1"`, `"eventName":"INSERT"`, `"eventVersion":"1.1"`, `"eventSource":"aws:dynamodb"`,
		`"awsRegion":"eu-west-1"`, `"eventSourceARN":"arn:stream"`, `"ApproximateCreationDateTime":1700000000`,
		`"Keys":{"pk":{"S":"A"}}`, `"n":{"N":"5"}`, `"ok":{"BOOL":true}`, `"l":{"L":[{"S":"x"}]}`,
		`"m":{"M":{"k":{"NULL":true}}}`, `"ss":{"SS":["a"]}`, `"blob":{"B":"aGk="}`,
		`"SequenceNumber":"100"`, `"SizeBytes":42`, `"StreamViewType":"NEW_IMAGE"`)
}

// TestStreamsAgainstDynamoDBLocal provisions the test table in a running
// DynamoDB Local and checks the stream mapping end to end, across a restart.
func TestStreamsAgainstDynamoDBLocal(t *testing.T) {
	endpoint := emulatorURL(t, "DynamoDB")
	t.Parallel()
	dir := t.TempDir()
	recordFile := filepath.Join(dir, "records.jsonl")
	cfg := Config{
		Root:      repoRoot(t),
		Template:  "testdata/template.yaml",
		StateDir:  filepath.Join(dir, "state"),
		StackName: "it" + strings.ReplaceAll(newUUID()[:8], "-", ""),
		Endpoints: Endpoints{DynamoDB: endpoint},
		ExtraEnv:  map[string]string{"RECORD_FILE": recordFile},
		Logs:      testLogWriter{t},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	table := s.Resource("Table")
	if arn, _ := s.lookup("Table", "StreamArn"); !strings.Contains(scalarString(arn), "/stream/") {
		t.Fatalf("StreamArn %v", arn)
	}
	db := newAWSClients(cfg).ddb
	put := func(pk, typ string, fail bool) {
		t.Helper()
		item := map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: pk}, "sk": &ddbtypes.AttributeValueMemberS{Value: "x"},
			"type": &ddbtypes.AttributeValueMemberS{Value: typ},
		}
		if fail {
			item["fail"] = &ddbtypes.AttributeValueMemberBOOL{Value: true}
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := db.PutItem(cctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	put("OUTBOX#1", "Outbox", false)
	put("PERSON#1", "Person", false)
	put("OUTBOX#2", "Outbox", true)  // fails once, then is retried from this record
	put("OUTBOX#1", "Outbox", false) // MODIFY: filtered out
	put("OUTBOX#3", "Outbox", false)
	waitIdle(t, s)
	if got := deliveredKeys(t, recordFile); got != "OUTBOX#1,OUTBOX#2,OUTBOX#3" {
		t.Fatalf("delivered %s", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	put("OUTBOX#4", "Outbox", false) // written while the stack is down
	s, err = Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if s.Resource("Table") != table {
		t.Fatalf("table changed on restart")
	}
	waitIdle(t, s)
	if got := deliveredKeys(t, recordFile); got != "OUTBOX#1,OUTBOX#2,OUTBOX#3,OUTBOX#4" {
		t.Fatalf("after restart delivered %s", got)
	}
}

func waitIdle(t *testing.T, s *Stack) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.WaitStreamsIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

func deliveredKeys(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var keys []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if line == "" {
			continue
		}
		var rec events.DynamoDBEventRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, rec.Change.Keys["pk"].String())
	}
	return strings.Join(keys, ",")
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = testLogWriter{}
