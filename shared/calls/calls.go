// Package calls counts the AWS calls a request makes (by service), so every
// request's log line says how many round trips it took: the figure
// benchmarks/RESULTS.md records per route, and a cost clue for operators. It also sums
// the DynamoDB capacity units the calls consumed (package calls/dynamo asks
// for them; this package stays free of the DynamoDB client so functions
// without one do not link it).
package calls

import (
	"context"
	"math"
	"sync/atomic"

	"github.com/aws/smithy-go/middleware"
)

type counters struct {
	dynamodb, cognito, other atomic.Int64
	// Capacity units in millionths: reads come in halves and the SDK gives
	// float64s, so fixed point keeps atomic sums exact enough.
	readMicro, writeMicro atomic.Int64
}

type key struct{}

// WithCounter returns a context that counts the calls made with it.
func WithCounter(ctx context.Context) context.Context {
	return context.WithValue(ctx, key{}, &counters{})
}

// Counting reports whether ctx carries a counter.
func Counting(ctx context.Context) bool {
	_, ok := ctx.Value(key{}).(*counters)
	return ok
}

// Counts returns the DynamoDB and Cognito calls made so far with ctx.
func Counts(ctx context.Context) (dynamodb, cognito int64) {
	c, ok := ctx.Value(key{}).(*counters)
	if !ok {
		return 0, 0
	}
	return c.dynamodb.Load(), c.cognito.Load()
}

// AddUnits adds consumed DynamoDB read and write capacity units to ctx's
// counter (nothing happens without one).
func AddUnits(ctx context.Context, read, write float64) {
	if c, ok := ctx.Value(key{}).(*counters); ok {
		c.readMicro.Add(int64(math.Round(read * 1e6)))
		c.writeMicro.Add(int64(math.Round(write * 1e6)))
	}
}

// Units returns the DynamoDB read and write capacity units consumed so far
// with ctx.
func Units(ctx context.Context) (read, write float64) {
	c, ok := ctx.Value(key{}).(*counters)
	if !ok {
		return 0, 0
	}
	return float64(c.readMicro.Load()) / 1e6, float64(c.writeMicro.Load()) / 1e6
}

// Middleware counts each operation of a client once (retries are not extra
// round trips of the design, so it sits before the retry loop).
func Middleware(service string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("CountCalls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if c, ok := ctx.Value(key{}).(*counters); ok {
					switch service {
					case "dynamodb":
						c.dynamodb.Add(1)
					case "cognito":
						c.cognito.Add(1)
					default:
						c.other.Add(1)
					}
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
}
