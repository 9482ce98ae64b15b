// Command auth-me-update answers PATCH /auth/me (the caller changes their
// own name or language) and PATCH /customer-auth/me (REALM=customer: name,
// phone, address, language).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/api"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/customers"
	"backoffice/shared/me"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	realm := account.RealmFromEnv()
	checker := &auth.Checker{Store: db, Realm: realm.Name}
	update := updateStaff(&staff.Service{Store: db, Now: db.Now})
	if realm.Name == store.RealmCustomer {
		update = updateCustomer(&customers.Service{Store: db, Now: db.Now})
	}

	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		version, _, err := api.IfMatch(req)
		if err != nil {
			return api.Response{}, err
		}
		p, err := update(ctx, req, c.Actor(ctx, req), version)
		if err != nil {
			return api.Response{}, err
		}
		return api.WithETag(api.OK(me.Of(p, c.Roles, c.Permissions(), db.Now())), p.Base().Version), nil
	})))
}

type updater func(ctx context.Context, req api.Request, actor audit.Actor, version int64) (store.Account, error)

func updateStaff(svc *staff.Service) updater {
	return func(ctx context.Context, req api.Request, actor audit.Actor, version int64) (store.Account, error) {
		var in staff.MeUpdate
		if err := api.DecodeJSON(req, &in); err != nil {
			return nil, err
		}
		return svc.UpdateMe(ctx, actor, in, version)
	}
}

func updateCustomer(svc *customers.Service) updater {
	return func(ctx context.Context, req api.Request, actor audit.Actor, version int64) (store.Account, error) {
		var in customers.MeUpdate
		if err := api.DecodeJSON(req, &in); err != nil {
			return nil, err
		}
		return svc.UpdateMe(ctx, actor, in, version)
	}
}
