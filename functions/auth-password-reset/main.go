// Command auth-password-reset answers POST /auth/password/reset and POST
// /customer-auth/password/reset (REALM=customer): a new password with the
// token from a reset mail; every session ends.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/directory/cognito"
	"backoffice/shared/store"
)

func main() {
	cfg := awsenv.Config()
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	realm := account.RealmFromEnv()
	svc := &account.Service{Store: db, Dir: cognito.FromEnv(cfg, realm.Pool), Realm: realm, Now: db.Now}

	lambda.Start(api.Handle(func(ctx context.Context, req api.Request) (api.Response, error) {
		var in account.ResetInput
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		if err := svc.Reset(ctx, in, auth.Anonymous(ctx, req)); err != nil {
			return api.Response{}, err
		}
		return api.NoContent(), nil
	}))
}
