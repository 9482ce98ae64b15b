package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/problem"
)

// Tx collects the items of one TransactWriteItems call. Each item may carry
// the error to return when its condition is what cancelled the transaction,
// which is how "email claim failed" becomes email_taken and "seat counter
// failed" becomes seat_limit_reached.
type Tx struct {
	table  string
	items  []types.TransactWriteItem
	onFail []error
	err    error
}

// Tx starts a transaction on the store's table.
func (s *Store) Tx() *Tx { return &Tx{table: s.Table} }

// Len is the number of items so far (DynamoDB allows 100).
func (t *Tx) Len() int { return len(t.items) }

// Put writes a whole item. cond may be nil.
func (t *Tx) Put(item any, cond *expression.ConditionBuilder, onFail error) *Tx {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.fail(fmt.Errorf("marshal %T: %w", item, err))
		return t
	}
	put := &types.Put{TableName: &t.table, Item: av}
	if cond != nil {
		expr, err := expression.NewBuilder().WithCondition(*cond).Build()
		if err != nil {
			t.fail(err)
			return t
		}
		put.ConditionExpression = expr.Condition()
		put.ExpressionAttributeNames = expr.Names()
		put.ExpressionAttributeValues = expr.Values()
	}
	return t.add(types.TransactWriteItem{Put: put}, onFail)
}

// PutNew writes an item that must not exist yet.
func (t *Tx) PutNew(item any, onFail error) *Tx {
	cond := expression.AttributeNotExists(expression.Name("pk"))
	return t.Put(item, &cond, onFail)
}

// Update applies update to key. cond may be nil.
func (t *Tx) Update(key Key, update expression.UpdateBuilder, cond *expression.ConditionBuilder, onFail error) *Tx {
	b := expression.NewBuilder().WithUpdate(update)
	if cond != nil {
		b = b.WithCondition(*cond)
	}
	expr, err := b.Build()
	if err != nil {
		t.fail(err)
		return t
	}
	return t.add(types.TransactWriteItem{Update: &types.Update{
		TableName:                 &t.table,
		Key:                       key.AV(),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, onFail)
}

// Delete removes key. cond may be nil.
func (t *Tx) Delete(key Key, cond *expression.ConditionBuilder, onFail error) *Tx {
	del := &types.Delete{TableName: &t.table, Key: key.AV()}
	if cond != nil {
		expr, err := expression.NewBuilder().WithCondition(*cond).Build()
		if err != nil {
			t.fail(err)
			return t
		}
		del.ConditionExpression = expr.Condition()
		del.ExpressionAttributeNames = expr.Names()
		del.ExpressionAttributeValues = expr.Values()
	}
	return t.add(types.TransactWriteItem{Delete: del}, onFail)
}

// Check asserts cond on key without writing it.
func (t *Tx) Check(key Key, cond expression.ConditionBuilder, onFail error) *Tx {
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		t.fail(err)
		return t
	}
	return t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                 &t.table,
		Key:                       key.AV(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, onFail)
}

func (t *Tx) add(item types.TransactWriteItem, onFail error) *Tx {
	t.items = append(t.items, item)
	t.onFail = append(t.onFail, onFail)
	return t
}

func (t *Tx) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// maxConflictRetries bounds retries of TransactionConflict: another
// transaction touched one of our items at the same moment; trying again
// re-evaluates every condition, so it is safe.
const maxConflictRetries = 5

// Write runs the transaction. A cancelled transaction returns the onFail
// error of the first item whose condition failed (problem.Conflict when that
// item has none); conflicts with concurrent transactions are retried.
func (s *Store) Write(ctx context.Context, t *Tx) error {
	if t.err != nil {
		return t.err
	}
	if len(t.items) == 0 {
		return nil
	}
	for attempt := 0; ; attempt++ {
		_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
		if err == nil {
			return nil
		}
		cause, retry := t.cause(err)
		if !retry || attempt == maxConflictRetries {
			return cause
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

// cause maps a TransactWriteItems error to the answer for the client and
// says whether trying again could succeed.
func (t *Tx) cause(err error) (error, bool) {
	var conflict *types.TransactionConflictException
	if errors.As(err, &conflict) {
		return fmt.Errorf("transaction conflict: %w", err), true
	}
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		return fmt.Errorf("transact write: %w", err), false
	}
	retry := false
	for i, r := range cancelled.CancellationReasons {
		switch code := deref(r.Code); code {
		case "ConditionalCheckFailed":
			if i < len(t.onFail) && t.onFail[i] != nil {
				return t.onFail[i], false
			}
			return problem.Conflict, false
		case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
			retry = true
		}
	}
	return fmt.Errorf("transaction cancelled: %w", err), retry
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
