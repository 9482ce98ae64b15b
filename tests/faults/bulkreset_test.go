//go:build integration

package faults_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/directory/directorytest"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

// resetMails counts the reset mails queued for address.
func resetMails(t *testing.T, address string) int {
	t.Helper()
	client := dynamoClient()
	expr, err := expression.NewBuilder().WithFilter(expression.Name("type").Equal(expression.Value("Outbox")).
		And(expression.Name("to").Equal(expression.Value(address))).
		And(expression.Name("template").Equal(expression.Value("password-reset")))).Build()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var start map[string]types.AttributeValue
	for {
		out, err := client.Scan(context.Background(), &dynamodb.ScanInput{TableName: &db.Table, FilterExpression: expr.Filter(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(), ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Items)
		if start = out.LastEvaluatedKey; start == nil {
			return n
		}
	}
}

func dynamoClient() *dynamodb.Client { return store.NewClient(st.AWS) }

// A bulk reset interrupted part-way (one person's transaction fails, so no
// answer is stored and the key is released) and retried with the same
// Idempotency-Key mails nobody twice, and reports everyone as queued.
func TestBulkResetRetriedMailsNobodyTwice(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	owner, actor := owner()
	var people []*store.Staff
	var ids []string
	for i := 0; i < 6; i++ {
		p := active(t, svc, uniqueEmail("bulk"))
		people = append(people, p)
		ids = append(ids, p.ID)
	}
	const tag = "request-tag-1"
	broken := &staff.Service{Store: storeFailingTx(4), Now: db.Now}
	if _, err := broken.BulkReset(ctx, owner, actor, ids, st.URL, tag); err == nil {
		t.Fatal("the bulk reset succeeded although a transaction failed")
	}
	results, err := svc.BulkReset(ctx, owner, actor, ids, st.URL, tag)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	for _, r := range results {
		if r.Status != "queued" {
			t.Errorf("retry result %+v, want queued", r)
		}
	}
	for _, p := range people {
		if n := resetMails(t, p.Email); n != 1 {
			t.Errorf("%s got %d reset mails, want 1", p.Email, n)
		}
	}
	// Another request (another key) mails everyone again.
	if _, err := svc.BulkReset(ctx, owner, actor, ids[:1], st.URL, "request-tag-2"); err != nil {
		t.Fatal(err)
	}
	if n := resetMails(t, people[0].Email); n != 2 {
		t.Errorf("a new request queued %d mails in all, want 2", n)
	}
}
