// Command auth-password-change answers POST /auth/password/change: the
// caller proves the current password and sets a new one; every earlier
// session ends and the answer carries fresh tokens, as a login does.
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
	"backoffice/shared/session"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

func main() {
	cfg := awsenv.Config()
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	dir := cognito.FromEnv(cfg, "STAFF")
	svc := &account.Service{Store: db, Dir: dir, Realm: account.Staff, Now: db.Now}
	profiles := &staff.Service{Store: db, Now: db.Now}
	sessions := &session.Service{Store: db, Dir: dir, Realm: store.RealmStaff, Limits: session.LimitsFromEnv(), RefreshLifetime: 30 * 24 * time.Hour, Now: db.Now, Sleep: session.SleepContext}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}

	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		var in struct {
			CurrentPassword string `json:"currentPassword"`
			NewPassword     string `json:"newPassword"`
			// The console: the new refresh token only as an HttpOnly cookie.
			RefreshTokenCookie bool `json:"refreshTokenCookie"`
		}
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		if err := svc.ChangePassword(ctx, c.PersonID, c.Actor(ctx, req), in.CurrentPassword, in.NewPassword); err != nil {
			return api.Response{}, err
		}
		login, err := sessions.Relogin(ctx, c.Email, in.NewPassword, session.ClientOf(ctx, req))
		if err != nil {
			return api.Response{}, err
		}
		p, err := profiles.Profile(ctx, c.PersonID)
		if err != nil {
			return api.Response{}, err
		}
		body := map[string]any{
			"accessToken": login.Tokens.AccessToken, "refreshToken": login.Tokens.RefreshToken,
			"expiresIn": login.Tokens.ExpiresIn, "tokenType": "Bearer", "user": staff.MeOf(p, c.Roles, c.Permissions()),
		}
		var cookies []string
		if in.RefreshTokenCookie {
			delete(body, "refreshToken")
			cookies = []string{api.RefreshCookie(req, login.Tokens.RefreshToken, sessions.RefreshLifetime)}
		}
		resp := api.OK(body)
		resp.Cookies = cookies
		return resp, nil
	})))
}
