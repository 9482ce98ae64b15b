// Command mail-sender sends queued mails: it is triggered by the table's
// stream (filtered to new outbox items) and sends each through SES.
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
	p := &outbox.Processor{
		DB:     dynamodb.NewFromConfig(cfg),
		Table:  awsenv.Require("TABLE_NAME"),
		Sender: ses.New(sesv2.NewFromConfig(cfg)),
		From:   awsenv.Require("SENDER_EMAIL"),
		Now:    time.Now,
		Log:    slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level})),
	}
	lambda.Start(p.Handle)
}
