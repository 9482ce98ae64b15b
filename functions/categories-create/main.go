// Command categories-create answers POST /categories: a category under a parent (or at
// the top), at the end or where position/before/after say. Idempotency-Key
// makes a retry safe.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/categories"
	"backoffice/shared/idempotency"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &categories.Service{Store: db, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	lambda.Start(api.Handle(auth.Protect(checker, idempotency.Once(db, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		var in categories.Input
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		v, err := svc.Create(ctx, c.Actor(ctx, req), in)
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.Created("/categories/"+v.ID, v), v.Version), nil
	}))))
}
