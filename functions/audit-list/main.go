// Command audit-list answers GET /audit: events newest first, filtered by
// actor, target, action and time.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/secret"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	reader := &audit.Reader{Store: db, Signer: secret.CursorSigner()}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, _ *auth.Caller) (api.Response, error) {
		q, err := audit.ParseQuery(req.QueryStringParameters, db.Now())
		if err != nil {
			return api.Response{}, err
		}
		items, next, err := reader.List(ctx, q)
		if err != nil {
			return api.Response{}, err
		}
		return api.OK(map[string]any{"items": items, "nextCursor": next}), nil
	})))
}
