// Command auth-refresh answers POST /auth/refresh and POST
// /customer-auth/refresh (REALM=customer).
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/awsenv"
	"backoffice/shared/directory/cognito"
	"backoffice/shared/problem"
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
		// A body without a token: the console's HttpOnly cookie. Only
		// after a JSON body was decoded, which a cross-site form can not send.
		token, fromCookie := in.RefreshToken, false
		if token == "" {
			token = api.CookieValue(req, api.RefreshCookieName)
			fromCookie = token != ""
		}
		t, err := sessions.Refresh(ctx, token)
		if err != nil {
			if fromCookie && errors.Is(err, problem.Unauthenticated) {
				// The session is over: the browser may forget the cookie.
				return api.Response{}, api.WithCookies(err, api.ClearRefreshCookie(req))
			}
			return api.Response{}, err
		}
		return api.OK(map[string]any{"accessToken": t.AccessToken, "expiresIn": t.ExpiresIn, "tokenType": "Bearer"}), nil
	}))
}
