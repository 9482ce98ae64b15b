//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// No live link is ever at rest (issue 15, finding 7): after every kind of
// mail with a link (staff and customer invitations and their resends, a
// changed address of an invited person, forgot-password in both realms,
// bulk resets, confirmations of a new address and their resends) no item
// of the table, and no image the table's stream carried, holds the raw
// token of any link the mail store received. The links still work.
func TestNoRawTokenAtRest(t *testing.T) {
	_, owner := newOwner(t)

	// Staff invitation, its resend, and a new invitation after a typo fix.
	invited := uniqueEmail("rest-invite")
	a := invite(t, owner, invited)
	expect(t, a, 201)
	staffID := a.JSON["staff"].(map[string]any)["id"].(string)
	st.MailLink(t, invited, "")
	expect(t, call(t, "POST", "/staff/"+staffID+"/invitation", owner, nil), 202)
	st.MailLink(t, invited, "")
	fixed := uniqueEmail("rest-fixed")
	expect(t, call(t, "PATCH", "/staff/"+staffID, owner, map[string]any{"email": fixed}), 200)
	inv := st.MailLink(t, fixed, "").Token
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": inv, "password": password}), 204)

	// Forgot-password and a bulk reset of the now active colleague.
	expect(t, call(t, "POST", "/auth/password/forgot", "", map[string]any{"email": fixed}), 202)
	st.MailLink(t, fixed, "")
	expect(t, call(t, "POST", "/staff/password-resets", owner, map[string]any{"ids": []string{staffID}}), 202)
	reset := st.MailLink(t, fixed, "").Token // replaces the forgot-password link

	// A new sign-in address, confirmed after a resend of its link.
	moved := uniqueEmail("rest-moved")
	expect(t, call(t, "PATCH", "/staff/"+staffID, owner, map[string]any{"email": moved}), 200)
	waitMail(t, moved, "")
	expect(t, call(t, "POST", "/staff/"+staffID+"/email-change/resend", owner, nil), 202)
	confirm := st.MailLink(t, moved, "").Token
	expect(t, call(t, "POST", "/auth/email-change/confirm", "", map[string]any{"token": confirm}), 200)

	// Customers: invitation, resend, forgot-password, bulk reset, new address.
	customer := uniqueEmail("rest-klant")
	customerID, _, _ := activeCustomer(t, owner, customer)
	expect(t, call(t, "POST", "/customer-auth/password/forgot", "", map[string]any{"email": customer}), 202)
	customerLink(t, customer)
	expect(t, call(t, "POST", "/customers/password-resets", owner, map[string]any{"ids": []string{customerID}}), 202)
	customerLink(t, customer)
	newCustomerAddress := uniqueEmail("rest-klant-moved")
	expect(t, call(t, "PATCH", "/customers/"+customerID, owner, map[string]any{"email": newCustomerAddress}), 200)
	customerLink(t, newCustomerAddress)
	other := uniqueEmail("rest-klant-invited")
	c := createCustomer(t, owner, other, nil)
	expect(t, c, 201)
	customerLink(t, other)
	otherID := c.JSON["customer"].(map[string]any)["id"].(string)
	expect(t, call(t, "POST", "/customers/"+otherID+"/invitation", owner, nil), 202)
	customerLink(t, other)

	// The (bulk) reset link mailed earlier still works end to end.
	expect(t, call(t, "POST", "/auth/password/reset", "", map[string]any{"token": reset, "newPassword": password + " again"}), 204)

	raw := rawTokensInMails(t)
	if len(raw) < 12 {
		t.Fatalf("%d links in the mail store, want at least the 12 this test caused", len(raw))
	}
	for where, text := range tableAndStream(t) {
		for _, tok := range raw {
			if strings.Contains(text, tok) {
				t.Errorf("%s holds the raw token of a mailed link", where)
				break
			}
		}
	}
}

// rawTokensInMails is every link token of every mail in the mail store
// (this run's, all tests').
func rawTokensInMails(t *testing.T) []string {
	t.Helper()
	mails, err := st.Emu.Mails(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range mails {
		for _, found := range linkToken.FindAllStringSubmatch(m.Text+m.HTML, -1) {
			if !seen[found[1]] {
				seen[found[1]] = true
				out = append(out, found[1])
			}
		}
	}
	return out
}

// tableAndStream renders, as JSON, every item of the table (a Scan) and
// every old and new image of every record of its stream, from the first
// record on: what a backup, an export or a stream reader would see.
func tableAndStream(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	db := dynamodb.NewFromConfig(st.AWS)
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(st.TableName), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			b, _ := json.Marshal(item)
			out["item "+avString(item["pk"])+" | "+avString(item["sk"])] = string(b)
		}
	}

	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(st.TableName)})
	if err != nil {
		t.Fatal(err)
	}
	streams := dynamodbstreams.NewFromConfig(st.AWS)
	arn := desc.Table.LatestStreamArn
	var shards []stypes.Shard
	var start *string
	for {
		d, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn, ExclusiveStartShardId: start})
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, d.StreamDescription.Shards...)
		if start = d.StreamDescription.LastEvaluatedShardId; start == nil {
			break
		}
	}
	records := 0
	for _, sh := range shards {
		it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: arn, ShardId: sh.ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		deadline := time.Now().Add(time.Minute)
		for iter != nil && time.Now().Before(deadline) {
			page, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Records {
				records++
				b, _ := json.Marshal(map[string]any{"new": r.Dynamodb.NewImage, "old": r.Dynamodb.OldImage})
				out["stream record "+aws.ToString(r.Dynamodb.SequenceNumber)] = string(b)
			}
			if len(page.Records) == 0 {
				break // caught up with an open shard, or the end of a closed one
			}
			iter = page.NextShardIterator
		}
	}
	if records == 0 {
		t.Fatal("the table's stream holds no records")
	}
	return out
}
