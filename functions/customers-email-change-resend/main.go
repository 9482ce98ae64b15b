// Command customers-email-change-resend answers POST
// /customers/{id}/email-change/resend: a new link confirming a customer's new
// sign-in address; the old link stops working.
package main

import (
	"context"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/customers"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &customers.Service{Store: db, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	appURL := os.Getenv("APP_URL")

	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		expires, err := svc.ResendEmailChange(ctx, c.Actor(ctx, req), req.PathParameters["id"], version, api.BaseURL(req, appURL))
		if err != nil {
			return api.Response{}, err
		}
		return api.JSON(http.StatusAccepted, map[string]any{"expiresAt": expires, "emailQueued": true}), nil
	})))
}
