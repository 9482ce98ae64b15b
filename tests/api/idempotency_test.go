//go:build integration

package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Every route that takes an Idempotency-Key replays its first answer, and a
// key whose stored answer has expired (DynamoDB may keep it days past its
// ttl) starts over as a new request. Together they run every step of
// shared/idempotency in each function, so its grants are exercised too.
func TestEveryIdempotentRouteReplaysAndForgetsExpiredKeys(t *testing.T) {
	owner, token := newOwner(t)
	staffID := invite(t, token, uniqueEmail("idem-resend")).JSON["staff"].(map[string]any)["id"].(string)
	activeStaff := newActive(t, uniqueEmail("idem-reset"))
	invitedCustomer := createCustomer(t, token, uniqueEmail("idem-cresend"), nil).JSON["customer"].(map[string]any)["id"].(string)
	activeCust, _, _ := activeCustomer(t, token, uniqueEmail("idem-creset"))

	routes := []struct {
		path string
		body func() map[string]any // a fresh body per request: creates must not collide
	}{
		{"/staff/invitations", func() map[string]any {
			return map[string]any{"email": uniqueEmail("idem"), "firstName": "Ida", "lastName": "Idem", "roleIds": []string{}}
		}},
		{"/customers", func() map[string]any {
			return map[string]any{"email": uniqueEmail("idem-c"), "firstName": "Ida", "lastName": "Idem", "sendInvitation": false}
		}},
		{"/categories", func() map[string]any { return map[string]any{"name": "Idem " + uniqueEmail("c")} }},
		{"/staff/" + staffID + "/invitation", func() map[string]any { return map[string]any{} }},
		{"/customers/" + invitedCustomer + "/invitation", func() map[string]any { return map[string]any{} }},
		{"/staff/password-resets", func() map[string]any { return map[string]any{"ids": []string{activeStaff.ID}} }},
		{"/customers/password-resets", func() map[string]any { return map[string]any{"ids": []string{activeCust}} }},
	}
	for _, r := range routes {
		t.Run(r.path, func(t *testing.T) {
			key := "replay-" + uniqueEmail("k")
			body := r.body()
			first := call(t, "POST", r.path, token, body, "Idempotency-Key", key)
			if first.Status >= 300 {
				t.Fatalf("first request: %d %s", first.Status, first.Raw)
			}
			again := call(t, "POST", r.path, token, body, "Idempotency-Key", key)
			if again.Status != first.Status || again.Raw != first.Raw || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: %d %s (replayed %q), first %d %s", again.Status, again.Raw, again.Header.Get("Idempotent-Replayed"), first.Status, first.Raw)
			}

			// An answer stored long ago under another key: expired, so the
			// request runs again instead of replaying it.
			stale := "stale-" + uniqueEmail("k")
			seedExpiredKey(t, owner.ID, stale)
			fresh := call(t, "POST", r.path, token, r.body(), "Idempotency-Key", stale)
			if fresh.Status >= 300 || fresh.Header.Get("Idempotent-Replayed") != "" || fresh.Raw == `{"stale":true}` {
				t.Fatalf("expired key: %d %s (replayed %q)", fresh.Status, fresh.Raw, fresh.Header.Get("Idempotent-Replayed"))
			}
		})
	}
}

// seedExpiredKey stores a finished answer for the caller's key whose ttl
// has passed, as shared/idempotency writes it.
func seedExpiredKey(t *testing.T, callerID, key string) {
	t.Helper()
	past := time.Now().Add(-48 * time.Hour)
	item, err := attributevalue.MarshalMap(map[string]any{
		"pk": "IDEM#" + callerID + "#" + key, "sk": "IDEM", "type": "IdempotencyKey",
		"fingerprint": "another request", "done": true, "status": 201, "body": `{"stale":true}`,
		"started": past.Unix(), "ttl": past.Add(24 * time.Hour).Unix(),
	})
	if err != nil {
		t.Fatal(err)
	}
	db := testStore()
	if _, err := db.DB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &db.Table, Item: item}); err != nil {
		t.Fatal(err)
	}
}
