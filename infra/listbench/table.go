package listbench

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CopyTable creates table to with the keys and global secondary indexes of
// table from (on demand, no stream, no data), so a test can seed an exact
// number of customers next to the stack's own table without other tests'
// customers counting.
func CopyTable(ctx context.Context, client *dynamodb.Client, from, to string) error {
	d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(from)})
	if err != nil {
		return err
	}
	t := d.Table
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(to),
		AttributeDefinitions: t.AttributeDefinitions,
		KeySchema:            t.KeySchema,
		BillingMode:          types.BillingModePayPerRequest,
	}
	for _, g := range t.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection})
	}
	if _, err := client.CreateTable(ctx, in); err != nil {
		return err
	}
	w := dynamodb.NewTableExistsWaiter(client)
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(to)}, 30*time.Second); err != nil {
		return fmt.Errorf("table %s: %w", to, err)
	}
	return nil
}
