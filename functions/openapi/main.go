// Command openapi answers GET /openapi.json: the API's OpenAPI 3.1 document.
//
// openapi.json is generated from infra/openapi.yaml, the one source; the
// test TestEmbeddedOpenAPIIsCurrent in infra/openapi fails when it is stale
// (go test ./infra/openapi -run TestEmbeddedOpenAPIIsCurrent -update).
package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
)

//go:embed openapi.json
var document []byte

func main() {
	var compact bytes.Buffer
	if err := json.Compact(&compact, document); err != nil {
		panic("openapi.json: " + err.Error())
	}
	body := compact.String()
	lambda.Start(api.Handle(func(context.Context, api.Request) (api.Response, error) {
		return api.Response{
			StatusCode: http.StatusOK,
			Headers: map[string]string{
				"Content-Type":  "application/json",
				"Cache-Control": "public, max-age=300",
			},
			Body: body,
		}, nil
	}))
}
