package pages

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// Handler serves a page for GET and HEAD. It reads nothing from the request
// but the method: the token is in the URL fragment, which never reaches it.
func Handler(page func() events.APIGatewayV2HTTPResponse) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		switch req.RequestContext.HTTP.Method {
		case http.MethodGet, "":
			return page(), nil
		case http.MethodHead:
			resp := page()
			resp.Body = ""
			return resp, nil
		default:
			return events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusMethodNotAllowed,
				Headers:    map[string]string{"Allow": "GET, HEAD", "Cache-Control": "no-store"},
			}, nil
		}
	}
}
