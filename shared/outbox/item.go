// Package outbox queues mails as items in the single table, written in the
// same transaction as the change that causes them, and sends them from the
// table's stream (Processor). A mail is therefore sent if and only if its
// change committed, and no API request waits for SES.
package outbox

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Statuses of an outbox item.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusFailed  = "failed" // permanent: the mail could not be rendered
)

const (
	itemType = "Outbox"
	pkPrefix = "OUTBOX#"
	sortKey  = "OUTBOX"

	// pendingTTL keeps an unsent mail long enough for every stream retry and
	// for an operator to look at it; sentTTL keeps the receipt (message id)
	// for support questions ("did the mail go out?").
	pendingTTL = 30 * 24 * time.Hour
	sentTTL    = 7 * 24 * time.Hour
)

// The pending-mail index: a pending item carries gsi4pk = PendingPartition
// and gsi4sk = <createdAt>#<id>; markSent and markFailed remove both. gsi4
// is sparse for outbox items, so its PendingPartition holds exactly the
// mails still to send, oldest first, and the Sweeper finds them with a
// Query instead of a Scan (infra/DATA.md).
const (
	PendingIndex     = "gsi4"
	PendingPartition = "OUTBOX#pending"
)

// Item is a queued mail (pk OUTBOX#<id>, sk OUTBOX; store.OutboxKey).
type Item struct {
	PK       string            `dynamodbav:"pk"`
	SK       string            `dynamodbav:"sk"`
	Type     string            `dynamodbav:"type"`
	ID       string            `dynamodbav:"id"`
	Template string            `dynamodbav:"template"`
	Locale   string            `dynamodbav:"locale"`
	To       string            `dynamodbav:"to"`
	Data     map[string]string `dynamodbav:"data,omitempty"`
	// LinkKey, when set, says data's link lacks its token: the sender
	// derives it from this key and ID (Link). Never a token at rest.
	LinkKey   string `dynamodbav:"linkKey,omitempty"`
	Status    string `dynamodbav:"status"`
	CreatedAt string `dynamodbav:"createdAt"`
	SentAt    string `dynamodbav:"sentAt,omitempty"`
	MessageID string `dynamodbav:"messageId,omitempty"`
	Attempts  int    `dynamodbav:"attempts,omitempty"`
	Reason    string `dynamodbav:"reason,omitempty"` // why it failed
	TTL       int64  `dynamodbav:"ttl"`
	// Index keys while pending (PendingIndex); absent once sent or failed.
	GSI4PK string `dynamodbav:"gsi4pk,omitempty"`
	GSI4SK string `dynamodbav:"gsi4sk,omitempty"`
	// Sweeps counts the Sweeper's attempts at a mail the stream did not
	// deliver; SweptAt is the last one's time (its claim, see Sweeper).
	Sweeps  int    `dynamodbav:"sweeps,omitempty"`
	SweptAt string `dynamodbav:"sweptAt,omitempty"`
}

// NewItem is a pending mail. id is a new ULID from the caller; data holds
// the template's values (mail.Message.Data). A mail with a token link is
// made by Link.Item instead: data must never hold a live token.
func NewItem(id, template, locale, to string, data map[string]string, now time.Time) Item {
	createdAt := now.UTC().Format(time.RFC3339)
	return Item{
		PK:        pkPrefix + id,
		SK:        sortKey,
		Type:      itemType,
		ID:        id,
		Template:  template,
		Locale:    locale,
		To:        to,
		Data:      data,
		Status:    StatusPending,
		CreatedAt: createdAt,
		TTL:       now.Add(pendingTTL).Unix(),
		GSI4PK:    PendingPartition,
		GSI4SK:    createdAt + "#" + id,
	}
}

// Put is the item as a write for the caller's TransactWriteItems. It must
// be new: a reused id must fail the transaction, not overwrite a mail.
func (i Item) Put(table string) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(i)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("marshal outbox item: %w", err)
	}
	expr, err := expression.NewBuilder().
		WithCondition(expression.AttributeNotExists(expression.Name("pk"))).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("outbox put condition: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                &table,
		Item:                     av,
		ConditionExpression:      expr.Condition(),
		ExpressionAttributeNames: expr.Names(),
	}}, nil
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}
