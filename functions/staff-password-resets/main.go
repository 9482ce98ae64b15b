// Command staff-password-resets answers POST /staff/password-resets: reset
// mails for up to 100 people, with a result per person.
package main

import (
	"context"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/idempotency"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &staff.Service{Store: db, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	appURL := os.Getenv("APP_URL")

	lambda.Start(api.Handle(auth.Protect(checker, idempotency.Once(db, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		var in struct {
			IDs []string `json:"ids"`
		}
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		results, err := svc.BulkReset(ctx, c, c.Actor(ctx, req), in.IDs, api.BaseURL(req, appURL), idempotency.Tag(req, c.PersonID))
		if err != nil {
			return api.Response{}, err
		}
		return api.JSON(http.StatusAccepted, map[string]any{"results": results}), nil
	}))))
}
