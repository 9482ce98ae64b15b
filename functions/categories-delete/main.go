// Command categories-delete answers DELETE /categories/{id}: 409 has_children
// unless ?cascade=true, which removes the subtree in chunks (a repeated
// DELETE resumes).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/categories"
	"backoffice/shared/objects"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

func main() {
	cfg := awsenv.Config()
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	svc := &categories.Service{Store: db, Now: db.Now, Objects: objects.New(cfg, awsenv.Require("THUMBNAIL_BUCKET"))}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		cascade := req.QueryStringParameters["cascade"]
		if cascade != "" && cascade != "true" && cascade != "false" {
			return api.Response{}, problem.Invalid(problem.NotOneOf("cascade", "true", "false"))
		}
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		if err := svc.Delete(ctx, c.Actor(ctx, req), req.PathParameters["id"], cascade == "true", version); err != nil {
			return api.Response{}, err
		}
		return api.NoContent(), nil
	})))
}
