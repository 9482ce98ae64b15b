// Command outbox-sweeper sends the queued mails the stream missed: run on a
// schedule, it finds outbox items still pending after outbox.SweepAfter in
// the pending index and sends each the way mail-sender does.
package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"backoffice/shared/awsenv"
	"backoffice/shared/mail/ses"
	"backoffice/shared/outbox"
)

func main() {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL"))) // unset or unknown: info

	cfg := awsenv.Config()
	db := dynamodb.NewFromConfig(cfg)
	s := &outbox.Sweeper{
		Processor: &outbox.Processor{
			DB:     db,
			Table:  awsenv.Require("TABLE_NAME"),
			Sender: ses.New(sesv2.NewFromConfig(cfg)),
			From:   awsenv.Require("SENDER_EMAIL"),
			Now:    time.Now,
			Log:    slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level})),
		},
		Index: db,
	}
	lambda.Start(s.Handle)
}
