// Command auth-email-change-confirm answers POST /auth/email-change/confirm
// and POST /customer-auth/email-change/confirm (REALM=customer): the link
// mailed to a new sign-in address makes it the person's address, in Cognito
// too, and ends every session of theirs.
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
		var in struct {
			Token string `json:"token"`
		}
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		done, err := svc.ConfirmEmail(ctx, in.Token, auth.Anonymous(ctx, req))
		if err != nil {
			return api.Response{}, err
		}
		return api.OK(done), nil
	}))
}
