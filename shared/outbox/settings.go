package outbox

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// settings are the parts of the shop's settings item (pk=sk=SETTINGS) a
// mail needs: the name shown as sender and in the copy, and the locale for
// a mail queued without one.
type settings struct {
	ShopName      string `dynamodbav:"shopName"`
	DefaultLocale string `dynamodbav:"defaultLocale"`
}

// shop reads the settings once per batch. A missing item is no error: the
// mail then goes out without a shop name, in the default locale.
func (b *batch) shop(ctx context.Context) (*settings, error) {
	if b.settings != nil {
		return b.settings, nil
	}
	expr, err := expression.NewBuilder().WithProjection(
		expression.NamesList(expression.Name("shopName"), expression.Name("defaultLocale"))).Build()
	if err != nil {
		return nil, fmt.Errorf("settings projection: %w", err)
	}
	out, err := b.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                &b.Table,
		Key:                      key("SETTINGS", "SETTINGS"),
		ProjectionExpression:     expr.Projection(),
		ExpressionAttributeNames: expr.Names(),
	})
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	var st settings
	if err := attributevalue.UnmarshalMap(out.Item, &st); err != nil {
		return nil, fmt.Errorf("unmarshal settings: %w", err)
	}
	b.settings = &st
	return &st, nil
}
