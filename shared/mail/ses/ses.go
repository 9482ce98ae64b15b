// Package ses sends mails through Amazon SES v2. It is apart from package
// mail because the sesv2 client costs every binary that links it several
// milliseconds of cold start (its schemas are built at init), and every
// function that queues a mail links package mail through package outbox;
// only mail-sender needs this package.
package ses

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"backoffice/shared/mail"
)

// sendTimeout bounds every SES call: the local SES emulator never answers
// actions it does not know, and a stream batch must not hang on one mail.
const sendTimeout = 10 * time.Second

// sesAPI is the one sesv2 call Sender makes, so tests can stand in for it.
type sesAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Sender sends through Amazon SES v2.
type Sender struct {
	client  sesAPI
	timeout time.Duration
}

var _ mail.Sender = (*Sender)(nil)

// New wraps an SES v2 client.
func New(c *sesv2.Client) *Sender { return &Sender{client: c, timeout: sendTimeout} }

// Send sends e as a simple (SES-built MIME) message with UTF-8 parts.
func (s *Sender) Send(ctx context.Context, e mail.Email) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := s.client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(e.From),
		Destination:      &types.Destination{ToAddresses: []string{e.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: utf8(e.Subject),
			Body:    &types.Body{Text: utf8(e.Text), Html: utf8(e.HTML)},
		}},
	})
	if err != nil {
		if permanent(err) {
			return "", fmt.Errorf("ses send: %w: %w", mail.ErrUndeliverable, err)
		}
		return "", fmt.Errorf("ses send: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

// permanent reports SES errors that fail the same way on every retry.
// Throttling, a paused account or a network failure are not among them.
func permanent(err error) bool {
	var rejected *types.MessageRejected
	var mailFrom *types.MailFromDomainNotVerifiedException
	var bad *types.BadRequestException
	return errors.As(err, &rejected) || errors.As(err, &mailFrom) || errors.As(err, &bad)
}

func utf8(s string) *types.Content {
	return &types.Content{Data: aws.String(s), Charset: aws.String("UTF-8")}
}
