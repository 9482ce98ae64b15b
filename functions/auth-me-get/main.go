// Command auth-me-get answers GET /auth/me (the caller's profile, roles and
// effective permissions) and GET /customer-auth/me (REALM=customer: the
// customer's own profile).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/me"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	realm := account.RealmFromEnv()
	accounts := &account.Service{Store: db, Realm: realm, Now: db.Now}
	checker := &auth.Checker{Store: db, Realm: realm.Name}

	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		p, err := accounts.Profile(ctx, c.PersonID)
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.OK(me.Of(p, c.Roles, c.Permissions(), db.Now())), p.Base().Version), nil
	})))
}
