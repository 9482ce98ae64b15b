// Command staff-update answers PATCH /staff/{id}: names, language, roles
// (with roles.assign) and email, for a caller holding every permission of
// the person. A new email of someone who has signed in waits for that
// address's confirmation (the mails go out from here; Cognito is not
// called); an invited person's changes at once, with a new invitation.
package main

import (
	"context"
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
		var in staff.Update
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		v, err := svc.UpdateAs(ctx, c, c.Actor(ctx, req), req.PathParameters["id"], in, version, api.BaseURL(req, appURL))
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.OK(v), v.Version), nil
	})))
}
