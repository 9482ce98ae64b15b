// Command staff-email-change-resend answers POST /staff/{id}/email-change/resend:
// a new link confirming a colleague's new sign-in address; the old link stops
// working.
package main

import (
	"context"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &staff.Service{Store: db, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	appURL := os.Getenv("APP_URL")

	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		expires, err := svc.ResendEmailChange(ctx, c, c.Actor(ctx, req), req.PathParameters["id"], version, api.BaseURL(req, appURL))
		if err != nil {
			return api.Response{}, err
		}
		return api.JSON(http.StatusAccepted, map[string]any{"expiresAt": expires, "emailQueued": true}), nil
	})))
}
