// Command auth-login answers POST /auth/login and POST /customer-auth/login
// (REALM=customer).
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/directory/cognito"
	"backoffice/shared/me"
	"backoffice/shared/session"
	"backoffice/shared/store"
)

type handler struct {
	sessions *session.Service
	accounts *account.Service
	roles    *auth.Checker
}

func (h *handler) login(ctx context.Context, req api.Request) (api.Response, error) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		// The console: the refresh token only as an HttpOnly cookie.
		RefreshTokenCookie bool `json:"refreshTokenCookie"`
	}
	if err := api.DecodeJSON(req, &in); err != nil {
		return api.Response{}, err
	}
	login, err := h.sessions.Login(ctx, in.Email, in.Password, session.ClientOf(ctx, req))
	if err != nil {
		return api.Response{}, err
	}
	api.SetCaller(ctx, login.PersonID)
	p, err := h.accounts.Profile(ctx, login.PersonID)
	if err != nil {
		return api.Response{}, err
	}
	roles, perms, err := h.roles.Roles(ctx, login.RoleIDs)
	if err != nil {
		return api.Response{}, err
	}
	body := map[string]any{
		"accessToken": login.Tokens.AccessToken, "refreshToken": login.Tokens.RefreshToken,
		"expiresIn": login.Tokens.ExpiresIn, "tokenType": "Bearer", "user": me.Of(p, roles, perms, h.accounts.Now()),
	}
	var cookies []string
	if in.RefreshTokenCookie {
		delete(body, "refreshToken")
		cookies = append(cookies, api.RefreshCookie(req, login.Tokens.RefreshToken, h.sessions.RefreshLifetime))
	}
	resp := api.OK(body)
	resp.Cookies = cookies
	return resp, nil
}

func main() {
	cfg := awsenv.Config()
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	realm := account.RealmFromEnv()
	h := &handler{
		sessions: &session.Service{
			Store: db, Dir: cognito.FromEnv(cfg, realm.Pool), Realm: realm.Name, Limits: session.LimitsFromEnv(),
			RefreshLifetime: 30 * 24 * time.Hour, Now: db.Now, Sleep: session.SleepContext,
		},
		accounts: &account.Service{Store: db, Realm: realm, Now: db.Now},
		roles:    &auth.Checker{Store: db, Realm: realm.Name},
	}
	lambda.Start(api.Handle(h.login))
}
