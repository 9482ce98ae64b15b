//go:build integration

package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/calls"
	"backoffice/shared/store"
)

// DynamoDB Local answers consumed capacity when asked, so the units on
// every request's log line are real figures: a read and a transaction
// through the product's client (store.NewClient) add up on the counter.
func TestConsumedCapacityIsCounted(t *testing.T) {
	db := testStore()
	ctx := calls.WithCounter(context.Background())
	var s store.Settings
	if err := db.Get(ctx, store.SettingsKey(), &s, true); err != nil {
		t.Fatal(err)
	}
	if r, w := calls.Units(ctx); r <= 0 || w != 0 {
		t.Fatalf("after a consistent GetItem: read %v write %v units", r, w)
	}
	read, _ := calls.Units(ctx)
	tx := db.Tx()
	tx.Update(store.SettingsKey(), expression.Set(expression.Name("seatLimit"), expression.Value(s.SeatLimit)), nil, nil)
	if err := db.Write(ctx, tx); err != nil {
		t.Fatal(err)
	}
	r, w := calls.Units(ctx)
	if r != read || w <= 0 {
		t.Fatalf("after a transaction: read %v write %v units", r, w)
	}
	if d, _ := calls.Counts(ctx); d != 2 {
		t.Fatalf("%d DynamoDB calls counted, want 2", d)
	}
	t.Logf("GetItem %v read units, TransactWriteItems %v write units", read, w)

	// A Query on an index: the roles list, never empty (the built-in roles).
	// DynamoDB Local reports 0 units for a Query that finds nothing, where
	// AWS charges at least 0.5.
	_, err := db.DB.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(db.Table), IndexName: aws.String(store.IndexByOther),
		KeyConditionExpression:    aws.String("gsi5pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "ROLES"}},
		Limit:                     aws.Int32(25),
	})
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := calls.Units(ctx)
	t.Logf("Query of one index page: %v read units", r2-r)
	if r2 <= r {
		t.Errorf("a Query on an index reported no read units")
	}
}
