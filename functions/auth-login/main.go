// Command auth-login answers POST /auth/login.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/directory/cognito"
	"backoffice/shared/session"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

type handler struct {
	sessions *session.Service
	staff    *staff.Service
	roles    *auth.Checker
}

func (h *handler) login(ctx context.Context, req api.Request) (api.Response, error) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := api.DecodeJSON(req, &in); err != nil {
		return api.Response{}, err
	}
	login, err := h.sessions.Login(ctx, in.Email, in.Password, session.ClientOf(ctx, req))
	if err != nil {
		return api.Response{}, err
	}
	api.SetCaller(ctx, login.PersonID)
	p, err := h.staff.Profile(ctx, login.PersonID)
	if err != nil {
		return api.Response{}, err
	}
	roles, perms, err := h.roles.Roles(ctx, login.RoleIDs)
	if err != nil {
		return api.Response{}, err
	}
	return api.OK(map[string]any{
		"accessToken": login.Tokens.AccessToken, "refreshToken": login.Tokens.RefreshToken,
		"expiresIn": login.Tokens.ExpiresIn, "tokenType": "Bearer", "user": staff.MeOf(p, roles, perms),
	}), nil
}

func main() {
	cfg := awsenv.Config()
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	dir := cognito.FromEnv(cfg, "STAFF")
	h := &handler{
		sessions: &session.Service{
			Store: db, Dir: dir, Realm: store.RealmStaff, Limits: session.LimitsFromEnv(),
			RefreshLifetime: 30 * 24 * time.Hour, Now: db.Now, Sleep: session.SleepContext,
		},
		staff: &staff.Service{Store: db, Now: db.Now},
		roles: &auth.Checker{Store: db, Realm: store.RealmStaff},
	}
	lambda.Start(api.Handle(h.login))
}
