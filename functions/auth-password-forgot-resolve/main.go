// Command auth-password-forgot-resolve resolves forgot-password requests:
// triggered by the table's stream (filtered to new ForgotRequest items that
// auth-password-forgot writes, both realms), it queues a reset mail for an
// active person and nothing for any other address, then deletes the
// request. The public function thus makes the same calls for every
// address (issue 15, finding 6).
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/account"
	"backoffice/shared/awsenv"
	"backoffice/shared/store"
)

func main() {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL"))) // unset or unknown: info
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	db := store.New(store.NewClient(awsenv.Config()), awsenv.Require("TABLE_NAME"))
	realms := map[string]*account.Service{
		store.RealmStaff:    {Store: db, Realm: account.Staff, Now: db.Now},
		store.RealmCustomer: {Store: db, Realm: account.Customer, Now: db.Now},
	}

	lambda.Start(func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var resp events.DynamoDBEventResponse
		for _, rec := range ev.Records {
			id, ok := requestID(rec)
			if !ok {
				continue
			}
			if err := resolve(ctx, db, realms, id); err != nil {
				log.ErrorContext(ctx, "forgot request", "requestItem", id, "status", "retry", "error", err.Error())
				resp.BatchItemFailures = append(resp.BatchItemFailures,
					events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
				continue
			}
			log.InfoContext(ctx, "forgot request", "requestItem", id, "status", "resolved")
		}
		return resp, nil
	})
}

// resolve reads the request consistently (a retry finds it gone once
// handled) and hands it to its realm.
func resolve(ctx context.Context, db *store.Store, realms map[string]*account.Service, id string) error {
	var r account.ForgotRequest
	err := db.Get(ctx, store.ForgotRequestKey(id), &r, true)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	svc, ok := realms[r.Realm]
	if !ok {
		return nil // not a realm: nothing to mail
	}
	return svc.ResolveForgot(ctx, r)
}

// requestID is the id of a record that inserted a request. The event
// source mapping filters on this too; checking again keeps a
// misconfigured trigger from acting on anything else.
func requestID(rec events.DynamoDBEventRecord) (string, bool) {
	if rec.EventName != "INSERT" {
		return "", false
	}
	pk, sk := rec.Change.Keys["pk"], rec.Change.Keys["sk"]
	if pk.DataType() != events.DataTypeString || sk.DataType() != events.DataTypeString || sk.String() != "FORGOTREQ" {
		return "", false
	}
	id, ok := strings.CutPrefix(pk.String(), "FORGOTREQ#")
	return id, ok && id != ""
}
