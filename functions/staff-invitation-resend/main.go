// Command staff-invitation-resend answers POST /staff/{id}/invitation: a new
// link for an invited person; the old link stops working.
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
	"backoffice/shared/idempotency"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &staff.Service{Store: db, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	appURL := os.Getenv("APP_URL")

	lambda.Start(api.Handle(auth.Protect(checker, idempotency.Once(db, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		id := req.PathParameters["id"]
		if !ids.Valid(id) {
			return api.Response{}, problem.NotFound
		}
		inviter, err := svc.Profile(ctx, c.PersonID)
		if err != nil {
			return api.Response{}, err
		}
		inv, err := svc.Resend(ctx, c, c.Actor(ctx, req), account.FullName(&inviter.Person), id, api.BaseURL(req, appURL))
		if err != nil {
			return api.Response{}, err
		}
		return api.JSON(http.StatusAccepted, map[string]any{"expiresAt": inv.ExpiresAt, "emailQueued": true}), nil
	}))))
}
