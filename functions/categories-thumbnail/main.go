// Command categories-thumbnail answers POST /categories/{id}/thumbnail: a presigned
// PUT for a PNG, JPEG or WebP of at most 2 MiB (type and length signed) and
// the public URL the image will have. The category keeps its current image
// until the upload lands (functions/categories-thumbnail-uploaded).
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
	svc := &categories.Service{Store: db, Now: db.Now, Objects: objects.New(cfg, awsenv.Require("THUMBNAIL_BUCKET")),
		BaseURL: awsenv.Require("THUMBNAIL_BASE_URL")}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		var in categories.ThumbnailInput
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		up, err := svc.Thumbnail(ctx, c.Actor(ctx, req), req.PathParameters["id"], in, version)
		if err != nil {
			return api.Response{}, err
		}
		return api.OK(up), nil
	})))
}
