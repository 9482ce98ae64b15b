package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/mail"
)

// DB is the part of *dynamodb.Client the processor uses.
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

var _ DB = (*dynamodb.Client)(nil)

// Processor sends the outbox items of a DynamoDB stream batch.
type Processor struct {
	DB     DB
	Table  string
	Sender mail.Sender
	From   string // sender address; the shop's name is shown in front of it
	Now    func() time.Time
	Log    *slog.Logger
}

// Handle sends the mail of every new outbox item in the batch. A record
// whose mail could not be sent or recorded is reported in BatchItemFailures,
// so the runtime retries from there; records already sent are skipped on
// that retry because the item, read consistently, says "sent".
func (p *Processor) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	b := &batch{Processor: p, log: p.logger(ctx)}
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		pk, sk, ok := outboxKey(rec)
		if !ok {
			continue
		}
		if _, err := b.process(ctx, pk, sk); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

// batch is one invocation: the shop settings are read at most once for it.
type batch struct {
	*Processor
	log      *slog.Logger
	settings *settings
}

// Outcomes of process, as logged in the mail line's status.
const (
	outcomeSent    = StatusSent
	outcomeFailed  = StatusFailed
	outcomeSkipped = "skipped" // already sent or failed
	outcomeMissing = "missing" // no such item (expired, or deleted by hand)
	outcomeRetry   = "retry"   // not sent now; the error says why
)

// process sends one item's mail: the one path every mail takes, from the
// stream (Handle) and from the Sweeper. It reads the item consistently and
// sends only a pending one, logs the outcome itself and returns it; the
// error is non-nil only with outcomeRetry, when the item must be tried
// again.
func (b *batch) process(ctx context.Context, pk, sk string) (string, error) {
	it, err := b.get(ctx, pk, sk)
	if err != nil {
		b.log.ErrorContext(ctx, "mail", "outboxId", strings.TrimPrefix(pk, pkPrefix), "status", outcomeRetry, "error", err.Error())
		return outcomeRetry, err
	}
	if it == nil {
		b.log.WarnContext(ctx, "mail", "outboxId", strings.TrimPrefix(pk, pkPrefix), "status", outcomeMissing)
		return outcomeMissing, nil
	}
	if it.Status != StatusPending {
		b.logMail(ctx, slog.LevelInfo, it, "", outcomeSkipped, "already "+it.Status)
		return outcomeSkipped, nil
	}
	st, err := b.shop(ctx)
	if err != nil {
		b.logMail(ctx, slog.LevelError, it, "", outcomeRetry, err.Error())
		return outcomeRetry, err
	}

	msg := b.message(it, st)
	if it.LinkKey != "" {
		link, err := tokenLink(it)
		if errors.Is(err, errKeyRetired) {
			return b.fail(ctx, it, err.Error())
		}
		if err != nil {
			b.logMail(ctx, slog.LevelError, it, "", outcomeRetry, err.Error())
			return outcomeRetry, err
		}
		msg.Data["link"] = link
	}
	r, err := mail.Render(msg)
	if err != nil {
		// A broken template or bad data fails the same way on every retry;
		// parking the item keeps the stream moving and leaves it visible.
		return b.fail(ctx, it, err.Error())
	}
	id, err := b.Sender.Send(ctx, mail.Email{
		From:    mail.FromAddress(msg.Data["shopName"], b.From),
		To:      it.To,
		Subject: r.Subject,
		Text:    r.Text,
		HTML:    r.HTML,
	})
	if errors.Is(err, mail.ErrUndeliverable) {
		// Refused for good (a rejected address, say): retrying would only
		// repeat it and hold up the stream. Parked as failed, visible.
		return b.fail(ctx, it, redact(err.Error(), it.To))
	}
	if err != nil {
		b.logMail(ctx, slog.LevelError, it, "", outcomeRetry, redact(err.Error(), it.To))
		return outcomeRetry, err
	}
	if _, err := b.markSent(ctx, it, id); err != nil {
		// The mail is out but not recorded: the retry will send it again.
		// Rare, and a duplicate mail beats a lost one.
		b.logMail(ctx, slog.LevelError, it, id, outcomeRetry, err.Error())
		return outcomeRetry, err
	}
	b.logMail(ctx, slog.LevelInfo, it, id, outcomeSent, "")
	return outcomeSent, nil
}

// fail parks a pending item as failed for reason and logs it. An item that
// is no longer pending (finished meanwhile) is left alone and logged as
// skipped.
func (b *batch) fail(ctx context.Context, it *Item, reason string) (string, error) {
	changed, err := b.markFailed(ctx, it, reason)
	if err != nil {
		b.logMail(ctx, slog.LevelError, it, "", outcomeRetry, err.Error())
		return outcomeRetry, err
	}
	if !changed {
		b.logMail(ctx, slog.LevelInfo, it, "", outcomeSkipped, "no longer pending")
		return outcomeSkipped, nil
	}
	b.logMail(ctx, slog.LevelError, it, "", outcomeFailed, reason)
	return outcomeFailed, nil
}

// message fills in from the shop settings what the queuing side left out.
func (b *batch) message(it *Item, st *settings) mail.Message {
	data := make(map[string]string, len(it.Data)+2)
	for k, v := range it.Data {
		data[k] = v
	}
	if data["shopName"] == "" {
		data["shopName"] = st.ShopName
	}
	if (it.Template == mail.PasswordChanged || it.Template == mail.EmailChanged) && data["changedAt"] == "" {
		data["changedAt"] = it.CreatedAt
	}
	locale := it.Locale
	if locale == "" {
		locale = st.DefaultLocale
	}
	return mail.Message{Template: it.Template, Locale: locale, Data: data}
}

func (b *batch) get(ctx context.Context, pk, sk string) (*Item, error) {
	out, err := b.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &b.Table,
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true), // a retry must see the "sent" it wrote
	})
	if err != nil {
		return nil, fmt.Errorf("get outbox item: %w", err)
	}
	if out.Item == nil {
		return nil, nil
	}
	var it Item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("unmarshal outbox item: %w", err)
	}
	return &it, nil
}

// markSent records the receipt and drops the data (names and addresses
// need not stay longer than the mail's journey) and the pending index
// keys. It reports whether the item was still pending.
func (b *batch) markSent(ctx context.Context, it *Item, messageID string) (bool, error) {
	now := b.now()
	update := expression.
		Set(expression.Name("status"), expression.Value(StatusSent)).
		Set(expression.Name("sentAt"), expression.Value(now.Format(time.RFC3339))).
		Set(expression.Name("messageId"), expression.Value(messageID)).
		Set(expression.Name("ttl"), expression.Value(now.Add(sentTTL).Unix())).
		Remove(expression.Name("data")).
		Remove(expression.Name("gsi4pk")).
		Remove(expression.Name("gsi4sk"))
	return b.update(ctx, it, update)
}

// markFailed parks an item that will never be sent, and takes it out of
// the pending index. Its data stays for diagnosis (a link in it holds no
// token: Link). It reports whether the item was still pending.
func (b *batch) markFailed(ctx context.Context, it *Item, reason string) (bool, error) {
	update := expression.
		Set(expression.Name("status"), expression.Value(StatusFailed)).
		Set(expression.Name("reason"), expression.Value(reason)).
		Remove(expression.Name("gsi4pk")).
		Remove(expression.Name("gsi4sk"))
	return b.update(ctx, it, update)
}

// update changes a pending item and reports whether it did. If the item is
// no longer pending, someone else finished it meanwhile, which is as good
// as done: false, and no error.
func (b *batch) update(ctx context.Context, it *Item, update expression.UpdateBuilder) (bool, error) {
	expr, err := expression.NewBuilder().
		WithUpdate(update).
		WithCondition(expression.Name("status").Equal(expression.Value(StatusPending))).
		Build()
	if err != nil {
		return false, fmt.Errorf("outbox update expression: %w", err)
	}
	_, err = b.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &b.Table,
		Key:                       key(it.PK, it.SK),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	var done *types.ConditionalCheckFailedException
	if errors.As(err, &done) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("update outbox item: %w", err)
	}
	return true, nil
}

// outboxKey returns the key of a record that inserted an outbox item. The
// event source mapping filters on this too; checking again keeps a
// misconfigured trigger from mailing anything else.
func outboxKey(rec events.DynamoDBEventRecord) (pk, sk string, ok bool) {
	if rec.EventName != "INSERT" {
		return "", "", false
	}
	pk, sk = stringAttr(rec.Change.Keys["pk"]), stringAttr(rec.Change.Keys["sk"])
	return pk, sk, strings.HasPrefix(pk, pkPrefix) && sk == sortKey
}

func stringAttr(v events.DynamoDBAttributeValue) string {
	if v.DataType() != events.DataTypeString {
		return ""
	}
	return v.String()
}

func (p *Processor) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Processor) logger(ctx context.Context) *slog.Logger {
	l := p.Log
	if l == nil {
		l = slog.Default()
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		l = l.With("requestId", lc.AwsRequestID)
	}
	return l
}
