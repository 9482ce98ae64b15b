// Package dynamo makes every DynamoDB call of a counted request (see
// package calls) ask for its consumed capacity and adds the units to the
// request's counter, so each request's log line says what it cost in read
// and write units.
package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"backoffice/shared/calls"
)

// Capacity is a client API option: DynamoDB answers consumed capacity only
// when asked, per call, so it sets ReturnConsumedCapacity=TOTAL on a copy of
// each input (the caller's value stays as it was) and sums what comes back.
// Calls without a counter in their context are left alone. An input type
// missing from the switch is still counted as a call, only without units.
func Capacity(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ConsumedCapacity",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if !calls.Counting(ctx) {
				return next.HandleInitialize(ctx, in)
			}
			in.Parameters = askTotal(in.Parameters)
			out, md, err := next.HandleInitialize(ctx, in)
			if err == nil {
				read, write := units(out.Result)
				calls.AddUnits(ctx, read, write)
			}
			return out, md, err
		}), middleware.After)
}

const total = types.ReturnConsumedCapacityTotal

func askTotal(params any) any {
	switch v := params.(type) {
	case *dynamodb.GetItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	case *dynamodb.BatchGetItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	case *dynamodb.QueryInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	case *dynamodb.ScanInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	case *dynamodb.TransactGetItemsInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	case *dynamodb.PutItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	case *dynamodb.UpdateItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	case *dynamodb.DeleteItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	case *dynamodb.TransactWriteItemsInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	case *dynamodb.BatchWriteItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c
	}
	return params
}

// units splits an output's consumed capacity into read and write units by
// the kind of operation (TOTAL gives one figure per table).
func units(result any) (read, write float64) {
	switch v := result.(type) {
	case *dynamodb.GetItemOutput:
		return sum(v.ConsumedCapacity), 0
	case *dynamodb.BatchGetItemOutput:
		return sumAll(v.ConsumedCapacity), 0
	case *dynamodb.QueryOutput:
		return sum(v.ConsumedCapacity), 0
	case *dynamodb.ScanOutput:
		return sum(v.ConsumedCapacity), 0
	case *dynamodb.TransactGetItemsOutput:
		return sumAll(v.ConsumedCapacity), 0
	case *dynamodb.PutItemOutput:
		return 0, sum(v.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		return 0, sum(v.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		return 0, sum(v.ConsumedCapacity)
	case *dynamodb.TransactWriteItemsOutput:
		return 0, sumAll(v.ConsumedCapacity)
	case *dynamodb.BatchWriteItemOutput:
		return 0, sumAll(v.ConsumedCapacity)
	}
	return 0, 0
}

func sum(c *types.ConsumedCapacity) float64 {
	if c == nil || c.CapacityUnits == nil {
		return 0
	}
	return *c.CapacityUnits
}

func sumAll(cs []types.ConsumedCapacity) float64 {
	var n float64
	for i := range cs {
		n += sum(&cs[i])
	}
	return n
}
