// Command console serves the backoffice console (GET /, GET /console and
// GET /console/{proxy+}): one page and its assets, embedded in the binary
// (shared/console). It calls no AWS service: the console's script talks to
// the API from the browser, on this same origin.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/console"
)

func main() {
	lambda.Start(api.Handle(console.Handler(console.ConfigFromEnv())))
}
