// Command staff-email-change-cancel answers DELETE /staff/{id}/email-change:
// a colleague's new sign-in address waiting for its confirmation is dropped;
// the link stops working and the address is free again.
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
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		v, err := svc.CancelEmailChange(ctx, c, c.Actor(ctx, req), req.PathParameters["id"], version)
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.OK(v), v.Version), nil
	})))
}
