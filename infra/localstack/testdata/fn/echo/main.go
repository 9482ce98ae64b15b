// Command echo is a test function: it answers HTTP API events with the event
// it received, returns a request body verbatim on /respond, records DynamoDB
// stream batches and EventBridge events, and answers CloudFormation custom
// resource requests.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(handle)
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe map[string]json.RawMessage
	_ = json.Unmarshal(raw, &probe)
	switch {
	case probe["RequestType"] != nil:
		return nil, customResource(ctx, raw)
	case probe["Records"] != nil:
		return streamBatch(raw)
	case probe["detail-type"] != nil:
		return nil, bridgeEvent(raw)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	if ev.RawPath == "/respond" {
		return json.RawMessage(ev.Body), nil
	}
	if ms, err := strconv.Atoi(ev.QueryStringParameters["sleep"]); err == nil {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	fmt.Println("handled", ev.RouteKey)
	fmt.Fprintln(os.Stderr, "to stderr")
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	body, _ := json.Marshal(map[string]any{"event": json.RawMessage(raw), "env": env})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"content-type": "application/json", "x-pid": strconv.Itoa(os.Getpid())},
		Body:       string(body),
	}, nil
}

// streamBatch appends the batch to $RECORD_FILE and fails the records whose
// NewImage has fail=true (once per record: $RECORD_FILE.failed remembers).
func streamBatch(raw json.RawMessage) (any, error) {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	file := os.Getenv("RECORD_FILE")
	if file == "" {
		return nil, errors.New("RECORD_FILE not set")
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	failed, _ := os.ReadFile(file + ".failed")
	resp := events.DynamoDBEventResponse{}
	for _, r := range ev.Records {
		seq := r.Change.SequenceNumber
		if r.Change.NewImage["fail"].DataType() == events.DataTypeBoolean && r.Change.NewImage["fail"].Boolean() &&
			!bytes.Contains(failed, []byte(seq+"\n")) {
			_ = os.WriteFile(file+".failed", append(failed, []byte(seq+"\n")...), 0o644)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
			return resp, nil
		}
		line, _ := json.Marshal(r)
		fmt.Fprintln(f, string(line))
	}
	return resp, nil
}

// customResource answers with the Outcome property (SUCCESS or FAILED).
func customResource(ctx context.Context, raw json.RawMessage) error {
	var ev struct {
		RequestID, ResponseURL, StackID, LogicalResourceID string
		RequestType                                        string
		ResourceProperties                                 map[string]any
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return err
	}
	status, _ := ev.ResourceProperties["Outcome"].(string)
	body, _ := json.Marshal(map[string]any{
		"Status":             status,
		"Reason":             "outcome was " + status,
		"PhysicalResourceId": "seed-1",
		"RequestId":          ev.RequestID,
		"StackId":            ev.StackID,
		"LogicalResourceId":  ev.LogicalResourceID,
		"Data":               map[string]any{"SeedId": "seed-1", "Props": ev.ResourceProperties},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, ev.ResponseURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// bridgeEvent appends an EventBridge event to $EVENT_FILE; an object key
// containing "fail" fails its first delivery ($EVENT_FILE.failed remembers).
func bridgeEvent(raw json.RawMessage) error {
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return err
	}
	var d struct {
		Object struct{ Key string } `json:"object"`
	}
	_ = json.Unmarshal(ev.Detail, &d)
	file := os.Getenv("EVENT_FILE")
	if file == "" {
		return errors.New("EVENT_FILE not set")
	}
	failed, _ := os.ReadFile(file + ".failed")
	if strings.Contains(d.Object.Key, "fail") && !bytes.Contains(failed, []byte(d.Object.Key+"\n")) {
		_ = os.WriteFile(file+".failed", append(failed, []byte(d.Object.Key+"\n")...), 0o644)
		return errors.New("failing " + d.Object.Key + " once")
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintln(f, string(raw))
	return err
}
