// Command owner-bootstrap is the CloudFormation custom resource that prepares
// a new shop on its first deploy: settings, built-in roles, and an invitation
// mail for the owner. Update and Delete change nothing (data outlives
// template changes); scripts/owner-invite.sh sends a fresh invitation later.
package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/awsenv"
	"backoffice/shared/setup"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

func main() {
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	svc := &staff.Service{Store: db, Now: db.Now}

	lambda.Start(cfn.LambdaWrap(func(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
		const physicalID = "backoffice-first-owner"
		if ev.RequestType != cfn.RequestCreate {
			return physicalID, nil, nil
		}
		email, _ := ev.ResourceProperties["OwnerEmail"].(string)
		shopName, _ := ev.ResourceProperties["ShopName"].(string)
		linkBase, _ := ev.ResourceProperties["LinkBase"].(string)
		if err := setup.Seed(ctx, db, shopName); err != nil {
			return physicalID, nil, err
		}
		res, err := setup.InviteOwner(ctx, svc, email, linkBase)
		if err != nil {
			return physicalID, nil, fmt.Errorf("invite owner: %w", err)
		}
		api.Log.Info("first owner", "personId", res.PersonID, "status", res.Status)
		return physicalID, map[string]any{"OwnerId": res.PersonID}, nil
	}))
}
