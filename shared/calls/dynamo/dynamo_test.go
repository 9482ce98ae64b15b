package dynamo

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"backoffice/shared/calls"
)

// handle runs params through the middleware to a handler that records what
// it was given and answers result.
func handle(t *testing.T, ctx context.Context, params, result any) (seen any) {
	t.Helper()
	stack := middleware.NewStack("test", func() interface{} { return struct{}{} })
	if err := Capacity(stack); err != nil {
		t.Fatal(err)
	}
	// The last initialize step sees the parameters as they go on to be
	// serialised.
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("Record",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			seen = in.Parameters
			return next.HandleInitialize(ctx, in)
		}), middleware.After); err != nil {
		t.Fatal(err)
	}
	// Stands in for the deserialiser: the output DynamoDB answered.
	if err := stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("Answer",
		func(context.Context, middleware.DeserializeInput, middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			return middleware.DeserializeOutput{Result: result}, middleware.Metadata{}, nil
		}), middleware.After); err != nil {
		t.Fatal(err)
	}
	h := middleware.DecorateHandler(middleware.HandlerFunc(func(context.Context, interface{}) (interface{}, middleware.Metadata, error) {
		return nil, middleware.Metadata{}, nil
	}), stack)
	if _, _, err := h.Handle(ctx, params); err != nil {
		t.Fatal(err)
	}
	return seen
}

func TestAsksForCapacityAndSumsUnits(t *testing.T) {
	ctx := calls.WithCounter(context.Background())
	in := &dynamodb.GetItemInput{TableName: aws.String("t")}
	seen := handle(t, ctx, in, &dynamodb.GetItemOutput{ConsumedCapacity: &types.ConsumedCapacity{CapacityUnits: aws.Float64(0.5)}})
	if got := seen.(*dynamodb.GetItemInput); got.ReturnConsumedCapacity != types.ReturnConsumedCapacityTotal || got.TableName == nil {
		t.Fatalf("input sent %+v", got)
	}
	if in.ReturnConsumedCapacity != "" {
		t.Fatal("the caller's input must stay unchanged")
	}
	handle(t, ctx, &dynamodb.TransactWriteItemsInput{}, &dynamodb.TransactWriteItemsOutput{
		ConsumedCapacity: []types.ConsumedCapacity{{CapacityUnits: aws.Float64(4)}, {CapacityUnits: aws.Float64(2)}}})
	handle(t, ctx, &dynamodb.BatchGetItemInput{}, &dynamodb.BatchGetItemOutput{
		ConsumedCapacity: []types.ConsumedCapacity{{CapacityUnits: aws.Float64(1.5)}}})
	handle(t, ctx, &dynamodb.UpdateItemInput{}, &dynamodb.UpdateItemOutput{})
	if r, w := calls.Units(ctx); r != 2 || w != 6 {
		t.Fatalf("units read %v write %v, want 2 and 6", r, w)
	}
}

func TestLeavesUncountedCallsAlone(t *testing.T) {
	in := &dynamodb.QueryInput{}
	seen := handle(t, context.Background(), in, &dynamodb.QueryOutput{})
	if seen.(*dynamodb.QueryInput) != in || in.ReturnConsumedCapacity != "" {
		t.Fatal("a call without a counter must go out as given")
	}
}
