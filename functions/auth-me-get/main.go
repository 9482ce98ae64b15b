// Command auth-me-get answers GET /auth/me: the caller's profile, roles and
// effective permissions.
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
		p, err := svc.Profile(ctx, c.PersonID)
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.OK(staff.MeOf(p, c.Roles, c.Permissions())), p.Version), nil
	})))
}
