package main

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func rec(name, pk, sk string) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: name, Change: events.DynamoDBStreamRecord{Keys: map[string]events.DynamoDBAttributeValue{
		"pk": events.NewStringAttribute(pk), "sk": events.NewStringAttribute(sk),
	}}}
}

// Only the insert of a request is acted on, whatever the trigger's filter
// lets through: its removal (the resolver's own delete), other items and
// an empty id are not.
func TestRequestIDTakesOnlyInsertedRequests(t *testing.T) {
	if id, ok := requestID(rec("INSERT", "FORGOTREQ#01JABC", "FORGOTREQ")); !ok || id != "01JABC" {
		t.Fatalf("a new request: %q %v", id, ok)
	}
	for _, r := range []events.DynamoDBEventRecord{
		rec("REMOVE", "FORGOTREQ#01JABC", "FORGOTREQ"),
		rec("MODIFY", "FORGOTREQ#01JABC", "FORGOTREQ"),
		rec("INSERT", "OUTBOX#01JABC", "OUTBOX"),
		rec("INSERT", "FORGOTREQ#01JABC", "PROFILE"),
		rec("INSERT", "FORGOTREQ#", "FORGOTREQ"),
		rec("INSERT", "STAFF#FORGOTREQ#1", "FORGOTREQ"),
	} {
		if id, ok := requestID(r); ok {
			t.Errorf("%s %v: took %q", r.EventName, r.Change.Keys, id)
		}
	}
}
