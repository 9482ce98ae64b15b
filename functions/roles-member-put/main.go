// Command roles-member-put answers PUT /roles/{id}/members/{staffId}:
// gives a person the role (idempotent), under the rules of a roles edit.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/roles"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &staff.Service{Store: db, Now: db.Now}
	roleSvc := &roles.Service{Store: db, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		roleID := req.PathParameters["id"]
		if _, err := roleSvc.Get(ctx, roleID); err != nil {
			return api.Response{}, err
		}
		if err := svc.SetRole(ctx, c, c.Actor(ctx, req), req.PathParameters["staffId"], roleID, true); err != nil {
			return api.Response{}, err
		}
		return api.NoContent(), nil
	})))
}
