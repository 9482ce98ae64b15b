// Command hello is the reference for the benchmarks: the smallest Go Lambda,
// built with the same flags as the functions, against which their binary
// size and cold init are compared.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, ev json.RawMessage) (string, error) { return "ok", nil })
}
