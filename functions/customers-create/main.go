// Command customers-create answers POST /customers: a new customer account,
// invited by mail unless sendInvitation is false.
package main

import (
	"context"
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
		var in customers.CreateInput
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		// The mail comes from the shop, not from the colleague who clicked.
		created, err := svc.Create(ctx, c.Actor(ctx, req), "", in, api.BaseURL(req, appURL))
		if err != nil {
			return api.Response{}, err
		}
		return api.Created("/customers/"+created.Customer.ID, map[string]any{
			"customer": created.Customer, "emailQueued": created.EmailQueued,
		}), nil
	}))))
}
