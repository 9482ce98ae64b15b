package outbox

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestNewItem(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 14, 5, 0, 0, time.FixedZone("CET", 3600))
	it := NewItem("01J0", "invitation", "nl", "anna@example.com", map[string]string{"link": "x"}, now)
	if it.PK != "OUTBOX#01J0" || it.SK != "OUTBOX" || it.Type != "Outbox" || it.ID != "01J0" {
		t.Errorf("keys: %+v", it)
	}
	if it.Status != StatusPending || it.CreatedAt != "2026-11-30T13:05:00Z" {
		t.Errorf("status/createdAt: %+v", it)
	}
	if want := now.Add(30 * 24 * time.Hour).Unix(); it.TTL != want {
		t.Errorf("ttl %d; want %d", it.TTL, want)
	}
}

func TestItemPut(t *testing.T) {
	t.Parallel()
	it := NewItem("01J0", "invitation", "nl", "anna@example.com", map[string]string{"link": "x"}, time.Unix(0, 0))
	w, err := it.Put("table")
	if err != nil {
		t.Fatal(err)
	}
	p := w.Put
	if p == nil || *p.TableName != "table" {
		t.Fatalf("want a Put on table: %+v", w)
	}
	if *p.ConditionExpression != "attribute_not_exists (#0)" || p.ExpressionAttributeNames["#0"] != "pk" {
		t.Errorf("condition %q %v", *p.ConditionExpression, p.ExpressionAttributeNames)
	}
	if p.Item["pk"].(*types.AttributeValueMemberS).Value != "OUTBOX#01J0" {
		t.Errorf("item %v", p.Item)
	}
	var back Item
	if err := attributevalue.UnmarshalMap(p.Item, &back); err != nil || back.Data["link"] != "x" || back.To != "anna@example.com" {
		t.Errorf("round trip: %+v %v", back, err)
	}
	for _, absent := range []string{"sentAt", "messageId", "attempts", "reason"} {
		if _, ok := p.Item[absent]; ok {
			t.Errorf("a new item should not carry %s", absent)
		}
	}
}
