// Command customers-delete answers DELETE /customers/{id}.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/customers"
	"backoffice/shared/directory/cognito"
	"backoffice/shared/store"
)

func main() {
	cfg := awsenv.Config()
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	svc := &customers.Service{Store: db, Dir: cognito.FromEnv(cfg, "CUSTOMER"), Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}

	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		if err := svc.Delete(ctx, c.Actor(ctx, req), req.PathParameters["id"], version); err != nil {
			return api.Response{}, err
		}
		return api.NoContent(), nil
	})))
}
