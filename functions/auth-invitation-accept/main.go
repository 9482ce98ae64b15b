// Command auth-invitation-accept answers POST /auth/invitations/accept and
// POST /customer-auth/invitations/accept (REALM=customer): the invited
// person sets a password and becomes active.
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
		var in account.AcceptInput
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		if err := svc.Accept(ctx, in, auth.Anonymous(ctx, req)); err != nil {
			return api.Response{}, err
		}
		return api.NoContent(), nil
	}))
}
