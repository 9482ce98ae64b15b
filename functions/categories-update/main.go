// Command categories-update answers PATCH /categories/{id}: edit, rename, move
// (parentId, position, before/after; 409 cycle), set or clear the thumbnail.
// A replaced uploaded thumbnail is removed from the bucket.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/categories"
	"backoffice/shared/objects"
	"backoffice/shared/store"
)

func main() {
	cfg := awsenv.Config()
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	svc := &categories.Service{Store: db, Now: db.Now, Objects: objects.New(cfg, awsenv.Require("THUMBNAIL_BUCKET"))}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		var in categories.Input
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		v, err := svc.Update(ctx, c.Actor(ctx, req), req.PathParameters["id"], in, version)
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.OK(v), v.Version), nil
	})))
}
