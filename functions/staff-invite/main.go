// Command staff-invite answers POST /staff/invitations: invite a colleague by
// email. One transaction; the mail goes out through the outbox.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/idempotency"
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
		// locale is optional, but when given it must be a locale: an empty
		// string would otherwise read as left out.
		var in struct {
			staff.InviteInput
			Locale *string `json:"locale"`
		}
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		if in.Locale != nil {
			if *in.Locale == "" {
				return api.Response{}, problem.Invalid(account.InvalidLocale("locale"))
			}
			in.InviteInput.Locale = *in.Locale
		}
		inv, err := svc.InviteAs(ctx, c, c.Actor(ctx, req), in.InviteInput, api.BaseURL(req, appURL))
		if err != nil {
			return api.Response{}, err
		}
		return api.Created("/staff/"+inv.Staff.ID, map[string]any{
			"staff":       inv.Staff,
			"invitation":  map[string]any{"expiresAt": inv.ExpiresAt},
			"emailQueued": true,
		}), nil
	}))))
}
