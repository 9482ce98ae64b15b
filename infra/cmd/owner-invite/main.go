// Command owner-invite queues a fresh invitation for a shop owner, against a
// deployed stack or the local one: the first mail can fail (SES sandbox,
// typo), and the owner is the one person nobody else can invite. It runs the
// same code as the deploy-time custom resource.
//
//	go run ./infra/cmd/owner-invite -table <TableName> -link-base <ApiUrl or AppUrl> \
//	  -mail-token-key /<stack>/mail-token-key owner@example.com
//
// AWS credentials and region come from the usual AWS environment; the local
// stack's endpoints from AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SSM
// (scripts/owner-invite.sh sets all of this). The mail's link token is
// derived from the stack's mail token key (SSM, read with decryption: the
// caller needs ssm:GetParameter on it), as the functions derive it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"backoffice/shared/outbox"
	"backoffice/shared/secret"
	"backoffice/shared/setup"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

func main() {
	table := flag.String("table", os.Getenv("TABLE_NAME"), "DynamoDB table of the stack (output TableName)")
	linkBase := flag.String("link-base", os.Getenv("LINK_BASE"), "base URL of the links in mails (output ApiUrl, or the AppUrl parameter)")
	shopName := flag.String("shop-name", "My shop", "shop name, used only if the shop has no settings yet")
	keyParam := flag.String("mail-token-key", os.Getenv(secret.MailTokenKeyParameterEnv), "SSM parameter of the stack's mail token key (/<stack>/mail-token-key)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: owner-invite -table NAME -link-base URL -mail-token-key PARAMETER EMAIL")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *table == "" || *linkBase == "" || *keyParam == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*table, *linkBase, *shopName, *keyParam, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "owner-invite:", err)
		os.Exit(1)
	}
}

func run(table, linkBase, shopName, keyParam, email string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// An operator's machine may use profiles or SSO, so the full loader is
	// right here (unlike in Lambda, where it only costs cold-start time).
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	outbox.UseLinkKeys(func() (string, error) { return secret.Parameter(cfg, keyParam) })
	db := store.New(store.NewClient(cfg), table)
	if err := setup.Seed(ctx, db, shopName); err != nil {
		return err
	}
	res, err := setup.InviteOwner(ctx, &staff.Service{Store: db, Now: db.Now}, email, linkBase)
	if err != nil {
		return err
	}
	if res.Status != store.StatusInvited {
		fmt.Printf("%s is already %s; no invitation sent (use the forgot-password page to get back in).\n", res.Email, res.Status)
		return nil
	}
	fmt.Printf("Invitation for %s queued; the link is valid until %s.\n", res.Email, res.ExpiresAt.Format(time.RFC1123))
	return nil
}
