// Package calls counts the AWS calls a request makes (by service), so every
// request's log line says how many round trips it took: the figure
// QUALITY.md measures per route, and a cost clue for operators.
package calls

import (
	"context"
	"sync/atomic"

	"github.com/aws/smithy-go/middleware"
)

type counters struct {
	dynamodb, cognito, other atomic.Int64
}

type key struct{}

// WithCounter returns a context that counts the calls made with it.
func WithCounter(ctx context.Context) context.Context {
	return context.WithValue(ctx, key{}, &counters{})
}

// Counts returns the DynamoDB and Cognito calls made so far with ctx.
func Counts(ctx context.Context) (dynamodb, cognito int64) {
	c, ok := ctx.Value(key{}).(*counters)
	if !ok {
		return 0, 0
	}
	return c.dynamodb.Load(), c.cognito.Load()
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
