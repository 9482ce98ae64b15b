// Command customers-invitation-resend answers POST /customers/{id}/invitation:
// the (first or a new) invitation mail for a customer who has not accepted
// one; an older link stops working.
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
	"backoffice/shared/idempotency"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &customers.Service{Store: db, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	appURL := os.Getenv("APP_URL")

	lambda.Start(api.Handle(auth.Protect(checker, idempotency.Once(db, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		inv, err := svc.Resend(ctx, c.Actor(ctx, req), "", req.PathParameters["id"], api.BaseURL(req, appURL))
		if err != nil {
			return api.Response{}, err
		}
		return api.JSON(http.StatusAccepted, map[string]any{"expiresAt": inv.ExpiresAt, "emailQueued": true}), nil
	}))))
}
