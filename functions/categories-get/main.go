// Command categories-get answers GET /categories/{id}.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/categories"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &categories.Service{Store: db, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, _ *auth.Caller) (api.Response, error) {
		v, err := svc.Get(ctx, req.PathParameters["id"])
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.OK(v), v.Version), nil
	})))
}
