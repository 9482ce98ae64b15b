// Command auth-invitation-inspect answers POST /auth/invitations/inspect and
// POST /customer-auth/invitations/inspect (REALM=customer): who an
// invitation link is for. It consumes nothing.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/awsenv"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &account.Service{Store: db, Realm: account.RealmFromEnv(), Now: db.Now}

	lambda.Start(api.Handle(func(ctx context.Context, req api.Request) (api.Response, error) {
		var in struct {
			Token string `json:"token"`
		}
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		inv, err := svc.Inspect(ctx, in.Token)
		if err != nil {
			return api.Response{}, err
		}
		return api.OK(inv), nil
	}))
}
