// Command page-confirm-email serves the page behind the links confirming a
// new sign-in address (GET /confirm-email). It calls no AWS service: the
// page's script talks to the API from the browser.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/pages"
)

func main() {
	// api.Handle logs request id, route and status only: never the query,
	// and the token is in the fragment, which never reaches the server.
	lambda.Start(api.Handle(pages.Handler(pages.ConfirmEmail)))
}
