// Command auth-me-update answers PATCH /auth/me: the caller changes their
// own name or language.
package main

import (
	"context"

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

	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		var in staff.MeUpdate
		if err := api.DecodeJSON(req, &in); err != nil {
			return api.Response{}, err
		}
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		p, err := svc.UpdateMe(ctx, c.Actor(ctx, req), in, version)
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.OK(staff.MeOf(p, c.Roles, c.Permissions())), p.Version), nil
	})))
}
