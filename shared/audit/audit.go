// Package audit builds the audit events written inside the same transaction
// as the change they describe, so the log can not miss or invent a change.
package audit

import (
	"reflect"
	"sort"
	"time"

	"backoffice/shared/ids"
	"backoffice/shared/store"
)

// Actor is who made a change: a person, or "system" for deploy-time seeding.
type Actor struct {
	ID        string
	Email     string
	RequestID string
	SourceIP  string
	// Retention is the shop's audit retention (settings.auditRetentionDays),
	// read with the caller at no extra round trip; zero means the default.
	Retention time.Duration
}

// System is the actor of changes made by the deployment itself.
var System = Actor{ID: "system", Email: "system"}

// Change is the before and after of one field.
type Change struct {
	Before any `dynamodbav:"before" json:"before"`
	After  any `dynamodbav:"after" json:"after"`
}

// Event is one audit log entry.
type Event struct {
	PK         string            `dynamodbav:"pk"`
	SK         string            `dynamodbav:"sk"`
	Type       string            `dynamodbav:"type"`
	ID         string            `dynamodbav:"id"`
	At         string            `dynamodbav:"at"`
	ActorID    string            `dynamodbav:"actorId"`
	ActorEmail string            `dynamodbav:"actorEmail"`
	Action     string            `dynamodbav:"action"`
	TargetType string            `dynamodbav:"targetType"`
	TargetID   string            `dynamodbav:"targetId"`
	Summary    string            `dynamodbav:"summary"`
	Changes    map[string]Change `dynamodbav:"changes,omitempty"`
	RequestID  string            `dynamodbav:"requestId,omitempty"`
	SourceIP   string            `dynamodbav:"sourceIp,omitempty"`
	TTL        int64             `dynamodbav:"ttl"`
	// By actor and by target, newest first (see infra/DATA.md).
	GSI1PK string `dynamodbav:"gsi1pk"`
	GSI1SK string `dynamodbav:"gsi1sk"`
	GSI2PK string `dynamodbav:"gsi2pk"`
	GSI2SK string `dynamodbav:"gsi2sk"`
}

// TimeFormat is RFC 3339 with a fixed nine-digit fraction: event times are
// sort keys, and a variable-length fraction would sort ".114Z" before "Z".
const TimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// DefaultRetention is how long events are kept when settings say nothing.
const DefaultRetention = 400 * 24 * time.Hour

// New builds an event at now, kept for the actor's Retention. Changes are
// added with Diff.
func New(actor Actor, action, targetType, targetID, summary string, now time.Time) Event {
	retention := actor.Retention
	if retention <= 0 {
		retention = DefaultRetention
	}
	id := ids.New()
	at := now.UTC().Format(TimeFormat)
	k := store.AuditKey(at, id)
	return Event{
		PK: k.PK, SK: k.SK, Type: "AuditEvent", ID: id, At: at,
		ActorID: actor.ID, ActorEmail: actor.Email,
		Action: action, TargetType: targetType, TargetID: targetID, Summary: summary,
		RequestID: actor.RequestID, SourceIP: actor.SourceIP,
		TTL:    now.Add(retention).Unix(),
		GSI1PK: "AUDIT#ACTOR#" + actor.ID, GSI1SK: at + "#" + id,
		GSI2PK: "AUDIT#TARGET#" + targetType + "#" + targetID, GSI2SK: at + "#" + id,
	}
}

// Diff returns the fields whose values differ between before and after.
// Callers pass only fields that may be shown: never passwords or tokens.
func Diff(before, after map[string]any) map[string]Change {
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	changes := map[string]Change{}
	for _, k := range keys {
		if !reflect.DeepEqual(before[k], after[k]) {
			changes[k] = Change{Before: before[k], After: after[k]}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	return changes
}

// Add puts the event into tx.
func (e Event) Add(tx *store.Tx) *store.Tx { return tx.PutNew(e, nil) }
