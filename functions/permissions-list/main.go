// Command permissions-list answers GET /permissions: the catalogue of
// permission keys, grouped and described, for the role editor's toggles.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	body := map[string]any{"items": auth.Catalogue}
	lambda.Start(api.Handle(auth.Protect(checker, func(context.Context, api.Request, *auth.Caller) (api.Response, error) {
		return api.OK(body), nil
	})))
}
