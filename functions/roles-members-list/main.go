// Command roles-members-list answers GET /roles/{id}/members: the staff
// holding a role, as GET /staff?roleId= lists them.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/awsenv"
	"backoffice/shared/list"
	"backoffice/shared/roles"
	"backoffice/shared/secret"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &staff.Service{Store: db, Now: db.Now}
	roleSvc := &roles.Service{Store: db, Now: db.Now}
	lister := &list.Lister{Store: db, Signer: secret.CursorSigner()}
	checker := &auth.Checker{Store: db, Realm: store.RealmStaff}
	lambda.Start(api.Handle(auth.Protect(checker, func(ctx context.Context, req api.Request, _ *auth.Caller) (api.Response, error) {
		id := req.PathParameters["id"]
		if _, err := roleSvc.Get(ctx, id); err != nil {
			return api.Response{}, err
		}
		params := map[string]string{"roleId": id}
		for _, k := range []string{"limit", "cursor"} {
			if v, ok := req.QueryStringParameters[k]; ok {
				params[k] = v
			}
		}
		q, err := staff.ParseListQuery(params)
		if err != nil {
			return api.Response{}, err
		}
		items, next, err := svc.List(ctx, lister, q)
		if err != nil {
			return api.Response{}, err
		}
		return api.OK(map[string]any{"items": items, "nextCursor": next}), nil
	})))
}
