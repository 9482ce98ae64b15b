//go:build integration

package api_test

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/ids"
	"backoffice/shared/mail"
	"backoffice/shared/outbox"
	"backoffice/shared/tokens"
)

// Mails whose stream delivery never happened reach their people when the
// outbox sweeper runs, exactly once, however often it runs; mails the
// stream sent are not sent again; a link that expired meanwhile is not
// sent at all. Not parallel: no other test's mails are on their way through
// the stream while the sweeper looks (their clocks may be set in the past).
func TestSweepResendsMailsTheStreamMissed(t *testing.T) {
	ctx := context.Background()
	db := dynamodb.NewFromConfig(st.AWS)
	now := time.Now().UTC()
	old := now.Add(-outbox.SweepAfter - 5*time.Minute)
	st.WaitStreams(t) // mails of earlier tests are out

	noticeTo, inviteTo, expiredTo := uniqueEmail("swept-notice"), uniqueEmail("swept-invite"), uniqueEmail("swept-expired")
	sentTo, streamedTo := uniqueEmail("swept-sent"), uniqueEmail("swept-streamed")
	notice := outbox.NewItem(ids.New(), mail.PasswordChanged, "en", noticeTo, map[string]string{"firstName": "Nora"}, old)
	inviteLink, err := outbox.NewLink()
	if err != nil {
		t.Fatal(err)
	}
	invite := inviteLink.Item(mail.Invitation, "en", inviteTo, map[string]string{
		"firstName": "Ivo", "inviterName": "Owner", "email": inviteTo,
		"expiresAt": now.Add(7 * 24 * time.Hour).Format(time.RFC3339),
	}, st.URL+"/accept-invitation", old)
	keys, err := tokens.ParseLinkKeys(st.MailTokenKey)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := keys[0].Derive(invite.ID)
	link := st.URL + "/accept-invitation#token=" + raw
	expiredLink, err := outbox.NewLink()
	if err != nil {
		t.Fatal(err)
	}
	expired := expiredLink.Item(mail.PasswordReset, "en", expiredTo, map[string]string{
		"firstName": "Exa", "email": expiredTo, "expiresAt": now.Add(-time.Minute).Format(time.RFC3339),
	}, st.URL+"/reset-password", old)
	// Sent already, its index entry not yet gone (how the index looks for a
	// moment after markSent): the consistent claim must skip it.
	sent := outbox.NewItem(ids.New(), mail.PasswordChanged, "en", sentTo, nil, old)
	sent.Status, sent.MessageID = outbox.StatusSent, "earlier"
	for _, it := range []outbox.Item{notice, invite, expired, sent} {
		putMissed(ctx, t, db, it)
	}
	// Queued as every mail is: the stream sends it and takes it out of the
	// pending index, old as it is.
	streamed := outbox.NewItem(ids.New(), mail.PasswordChanged, "en", streamedTo, nil, old)
	putItem(ctx, t, db, streamed)
	st.WaitStreams(t)

	counts := func() map[string]int {
		return map[string]int{noticeTo: countMails(t, noticeTo, ""), inviteTo: countMails(t, inviteTo, ""),
			expiredTo: countMails(t, expiredTo, ""), sentTo: countMails(t, sentTo, ""), streamedTo: countMails(t, streamedTo, "")}
	}
	if c := counts(); c[noticeTo]+c[inviteTo]+c[expiredTo]+c[sentTo] != 0 || c[streamedTo] != 1 {
		t.Fatalf("before the sweep: %v; want only the streamed mail", c)
	}
	if it := readOutbox(ctx, t, db, streamed.PK); it.Status != outbox.StatusSent || it.GSI4PK != "" || it.Sweeps != 0 {
		t.Fatalf("streamed item %+v: want sent by the stream and out of the index", it)
	}

	st.FireSchedule(t, "OutboxSweeperFunction")
	want := map[string]int{noticeTo: 1, inviteTo: 1, expiredTo: 0, sentTo: 0, streamedTo: 1}
	if c := counts(); !maps.Equal(c, want) {
		t.Fatalf("after the sweep: %v; want %v", c, want)
	}
	m, err := st.WaitMail(ctx, inviteTo, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, link) {
		t.Errorf("the invitation goes out with the link derived for its item:\n%s", m.Text)
	}
	for _, it := range []outbox.Item{notice, invite} {
		got := readOutbox(ctx, t, db, it.PK)
		if got.Status != outbox.StatusSent || got.GSI4PK != "" || got.GSI4SK != "" || got.Data != nil || got.Sweeps != 1 || got.MessageID == "" {
			t.Errorf("%s %+v: want sent once by the sweeper, out of the index, data gone", it.Template, got)
		}
	}
	if got := readOutbox(ctx, t, db, expired.PK); got.Status != outbox.StatusFailed || !strings.Contains(got.Reason, "link expired") ||
		got.GSI4PK != "" || strings.Contains(got.Data["link"], "#token=") {
		t.Errorf("expired %+v: want failed without a token, out of the index", got)
	}
	if got := readOutbox(ctx, t, db, sent.PK); got.MessageID != "earlier" || got.Sweeps != 0 {
		t.Errorf("sent %+v: must not change", got)
	}

	// Again, as the next scheduled run would: nothing more goes out.
	st.FireSchedule(t, "OutboxSweeperFunction")
	if c := counts(); !maps.Equal(c, want) {
		t.Fatalf("after a second sweep: %v; want %v", c, want)
	}
}

// putMissed stores an outbox item the way a lost stream record leaves it:
// the mail-sender's mapping passes only INSERTs of items with type Outbox,
// so the item is written without its type and given it by an update.
func putMissed(ctx context.Context, t *testing.T, db *dynamodb.Client, it outbox.Item) {
	t.Helper()
	typ := it.Type
	it.Type = "OutboxLostInTransit"
	putItem(ctx, t, db, it)
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &st.TableName,
		Key:                       outboxKey(it.PK),
		UpdateExpression:          aws.String("SET #t = :t"),
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: typ}},
	}); err != nil {
		t.Fatal(err)
	}
}

func putItem(ctx context.Context, t *testing.T, db *dynamodb.Client, it outbox.Item) {
	t.Helper()
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &st.TableName, Item: av}); err != nil {
		t.Fatal(err)
	}
}

func readOutbox(ctx context.Context, t *testing.T, db *dynamodb.Client, pk string) outbox.Item {
	t.Helper()
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.TableName, Key: outboxKey(pk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var it outbox.Item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		t.Fatal(err)
	}
	return it
}

func outboxKey(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "OUTBOX"},
	}
}
