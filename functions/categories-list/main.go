// Command categories-list answers GET /categories?parentId=root|<id>: one parent's
// children in order, in cursor pages.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/categories"
	"backoffice/shared/list"
	"backoffice/shared/secret"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &categories.Service{Store: db, Now: db.Now}
	lister := &list.Lister{Store: db, Signer: secret.CursorSigner()}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, _ *auth.Caller) (api.Response, error) {
		q, err := categories.ParseListQuery(req.QueryStringParameters)
		if err != nil {
			return api.Response{}, err
		}
		items, next, err := svc.List(ctx, lister, q)
		if err != nil {
			return api.Response{}, err
		}
		return api.OK(map[string]any{"items": items, "nextCursor": next}), nil
	})))
}
