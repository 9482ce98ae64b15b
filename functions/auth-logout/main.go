// Command auth-logout answers POST /auth/logout and POST
// /customer-auth/logout (REALM=customer): the refresh token's session ends,
// and with it every access token minted from it and the one used here.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/directory/cognito"
	"backoffice/shared/session"
	"backoffice/shared/store"
)

func main() {
	cfg := awsenv.Config()
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	realm := account.RealmFromEnv()
	sessions := &session.Service{Store: db, Dir: cognito.FromEnv(cfg, realm.Pool), Realm: realm.Name, Now: db.Now}
	// A repeated logout (its answer lost) comes with a token this very
	// logout refused: the checker lets it through, and Logout only finishes.
	checker := &auth.Checker{Store: db, Realm: realm.Name, AcceptEnded: true}

	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		var in struct {
			RefreshToken string `json:"refreshToken"`
		}
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		// A body without a token: the console's HttpOnly cookie (read only
		// after a JSON body was decoded), which the answer then removes.
		token := in.RefreshToken
		if token == "" {
			token = api.CookieValue(req, api.RefreshCookieName)
		}
		if err := sessions.Logout(ctx, session.CallerOf(c), token, session.ClientOf(ctx, req)); err != nil {
			return api.Response{}, err
		}
		resp := api.NoContent()
		if api.HasRefreshCookie(req) {
			resp.Cookies = []string{api.ClearRefreshCookie(req)}
		}
		return resp, nil
	})))
}
