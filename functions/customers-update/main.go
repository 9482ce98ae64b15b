// Command customers-update answers PATCH /customers/{id}: profile fields; a
// new email must be free, and for a customer who has signed in it becomes
// their sign-in address once that address confirms it (the mails go out
// from here; Cognito is not called).
package main

import (
	"context"
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
		var in customers.Fields
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		v, err := svc.Update(ctx, c.Actor(ctx, req), req.PathParameters["id"], in, version, api.BaseURL(req, appURL))
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.OK(v), v.Version), nil
	})))
}
