// Command roles-delete answers DELETE /roles/{id}: the role leaves every
// member (chunked; a repeated DELETE resumes). Built-in roles stay.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/roles"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &roles.Service{Store: db, Now: db.Now}
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
