// Command auth-logout-all answers POST /auth/logout-all: every token and
// session of the caller stops working at once.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

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
	sessions := &session.Service{Store: db, Dir: cognito.FromEnv(cfg, "STAFF"), Realm: store.RealmStaff, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}

	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		if err := sessions.LogoutAll(ctx, session.CallerOf(c), session.ClientOf(ctx, req)); err != nil {
			return api.Response{}, err
		}
		// Every session is over, the console's cookie names one of them.
		resp := api.NoContent()
		if api.HasRefreshCookie(req) {
			resp.Cookies = []string{api.ClearRefreshCookie(req)}
		}
		return resp, nil
	})))
}
