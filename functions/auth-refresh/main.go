// Command auth-refresh answers POST /auth/refresh and POST
// /customer-auth/refresh (REALM=customer).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/awsenv"
	"backoffice/shared/directory/cognito"
	"backoffice/shared/session"
	"backoffice/shared/store"
)

func main() {
	cfg := awsenv.Config()
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	realm := account.RealmFromEnv()
	sessions := &session.Service{
		Store: db, Realm: realm.Name, Now: db.Now,
		Dir: cognito.FromEnv(cfg, realm.Pool),
	}
	lambda.Start(api.Handle(func(ctx context.Context, req api.Request) (api.Response, error) {
		var in struct {
			RefreshToken string `json:"refreshToken"`
		}
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		t, err := sessions.Refresh(ctx, in.RefreshToken)
		if err != nil {
			return api.Response{}, err
		}
		return api.OK(map[string]any{"accessToken": t.AccessToken, "expiresIn": t.ExpiresIn, "tokenType": "Bearer"}), nil
	}))
}
