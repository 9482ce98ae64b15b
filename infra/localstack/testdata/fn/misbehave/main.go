// Command misbehave is a test function that crashes, fails or runs past its
// timeout depending on the route.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		switch ev.RawPath {
		case "/crash":
			fmt.Println("crashing")
			os.Exit(3)
		case "/sleep":
			time.Sleep(time.Minute)
		case "/fail":
			return events.APIGatewayV2HTTPResponse{}, errors.New("deliberate failure")
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "ok"}, nil
	})
}
