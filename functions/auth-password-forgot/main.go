// Command auth-password-forgot answers POST /auth/password/forgot and POST
// /customer-auth/password/forgot (REALM=customer): 202 whether or not the
// address exists; only active people of the realm get a mail; 429 past the
// per-IP and the realm-wide limit.
package main

import (
	"context"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &account.Service{Store: db, Realm: account.RealmFromEnv(), Now: db.Now, ForgotLimits: account.ForgotLimitsFromEnv()}
	appURL := os.Getenv("APP_URL")

	lambda.Start(api.Handle(func(ctx context.Context, req api.Request) (api.Response, error) {
		var in struct {
			Email string `json:"email"`
		}
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		if err := svc.Forgot(ctx, auth.Anonymous(ctx, req), in.Email, api.BaseURL(req, appURL)); err != nil {
			return api.Response{}, err
		}
		return api.JSON(http.StatusAccepted, map[string]any{}), nil
	}))
}
