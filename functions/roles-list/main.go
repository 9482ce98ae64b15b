// Command roles-list answers GET /roles.
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
	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, _ api.Request, _ *auth.Caller) (api.Response, error) {
		items, err := svc.List(ctx)
		if err != nil {
			return api.Response{}, err
		}
		return api.OK(map[string]any{"items": items}), nil
	})))
}
