// Command health answers GET /health: the API is up and which version runs.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
)

func main() {
	body := map[string]string{"status": "ok", "version": os.Getenv("APP_VERSION")}
	lambda.Start(api.Handle(func(context.Context, api.Request) (api.Response, error) {
		return api.OK(body), nil
	}))
}
