// Package store is the DynamoDB single-table access layer: key builders,
// item shapes, reads and transactions. DATA.md in infra/ documents the
// access patterns these keys serve.
package store

import (
	"backoffice/shared/problem"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/awsenv"
	"backoffice/shared/calls"
	"backoffice/shared/calls/dynamo"
)

// DB is the part of the DynamoDB client the store uses; tests wrap the real
// client to count calls or inject faults.
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ DB = (*dynamodb.Client)(nil)

// Store reads and writes the single table.
type Store struct {
	DB    DB
	Table string
	Now   func() time.Time
}

// New returns a Store on table.
func New(db DB, table string) *Store {
	return &Store{DB: db, Table: table, Now: func() time.Time { return time.Now().UTC() }}
}

// NewClient builds the DynamoDB client. DynamoDB Local omits the CRC32 header
// on error responses, so checksum validation is off against a local endpoint.
func NewClient(cfg aws.Config) *dynamodb.Client {
	local := awsenv.Local("DynamoDB")
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = local
		o.APIOptions = append(o.APIOptions, calls.Middleware("dynamodb"), dynamo.Capacity)
	})
}

// ErrNotFound is returned when an item does not exist.
var ErrNotFound = errors.New("item not found")

// Key is a primary key of the table.
type Key struct{ PK, SK string }

// AV is the key as DynamoDB attribute values.
func (k Key) AV() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: k.PK},
		"sk": &types.AttributeValueMemberS{Value: k.SK},
	}
}

func keyOf(item map[string]types.AttributeValue) Key {
	var k Key
	if v, ok := item["pk"].(*types.AttributeValueMemberS); ok {
		k.PK = v.Value
	}
	if v, ok := item["sk"].(*types.AttributeValueMemberS); ok {
		k.SK = v.Value
	}
	return k
}

// Get reads one item into out. Reads that decide about security (revocation,
// status, tokens) must be consistent.
func (s *Store) Get(ctx context.Context, key Key, out any, consistent bool) error {
	res, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.Table,
		Key:            key.AV(),
		ConsistentRead: aws.Bool(consistent),
	})
	if err != nil {
		return fmt.Errorf("get %s: %w", key.PK, err)
	}
	if res.Item == nil {
		return ErrNotFound
	}
	return attributevalue.UnmarshalMap(res.Item, out)
}

// Load reads the resource at key consistently (answers follow writes) and
// answers problem.NotFound when it is missing: the read behind GET /x/{id}
// and every change to x.
func (s *Store) Load(ctx context.Context, key Key, out any) error {
	err := s.Get(ctx, key, out, true)
	if errors.Is(err, ErrNotFound) {
		return problem.NotFound
	}
	return err
}

// BatchGet reads items by key (100 per call, plus retries of unprocessed
// keys) and returns them by key; missing items are absent from the map.
func (s *Store) BatchGet(ctx context.Context, keys []Key, consistent bool) (map[Key]map[string]types.AttributeValue, error) {
	found := make(map[Key]map[string]types.AttributeValue, len(keys))
	seen := map[Key]bool{}
	var avs []map[string]types.AttributeValue
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			avs = append(avs, k.AV())
		}
	}
	for start := 0; start < len(avs); start += 100 {
		chunk := avs[start:min(start+100, len(avs))]
		if err := s.batchGet(ctx, chunk, consistent, found); err != nil {
			return nil, err
		}
	}
	return found, nil
}

func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue, consistent bool, found map[Key]map[string]types.AttributeValue) error {
	request := map[string]types.KeysAndAttributes{s.Table: {Keys: keys, ConsistentRead: aws.Bool(consistent)}}
	for attempt := 0; len(request) > 0; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return err
			}
		}
		res, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
		if err != nil {
			return fmt.Errorf("batch get: %w", err)
		}
		for _, item := range res.Responses[s.Table] {
			found[keyOf(item)] = item
		}
		request = res.UnprocessedKeys
	}
	return nil
}

// Unmarshal decodes an item read with BatchGet.
func Unmarshal(item map[string]types.AttributeValue, out any) error {
	return attributevalue.UnmarshalMap(item, out)
}

func backoff(attempt int) time.Duration {
	return time.Duration(25<<min(attempt, 6)) * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// AttributeValue is a DynamoDB attribute value, re-exported so callers of
// BatchGet need not import the SDK's types package.
type AttributeValue = types.AttributeValue
