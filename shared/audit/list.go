package audit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/ids"
	"backoffice/shared/list"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Query is GET /audit's query string.
type Query struct {
	ActorID, TargetType, TargetID, Action string
	From, To                              time.Time
	Limit                                 int
	Cursor                                string
	// shape identifies the filters as the client gave them; the cursor must
	// belong to the same (defaults are resolved anew on every request).
	shape string
	// toDefaulted says To is "now": later pages keep the first page's now, so
	// events written meanwhile do not shift the pages.
	toDefaulted bool
	// empty says the window lies wholly in the future (a From after now and
	// no To): there is nothing to read.
	empty bool
}

// ParseQuery validates the filters. Times are RFC 3339.
func ParseQuery(params map[string]string, now time.Time) (Query, error) {
	q := Query{ActorID: params["actorId"], TargetType: params["targetType"], TargetID: params["targetId"],
		Action: params["action"], Limit: 25, Cursor: params["cursor"], To: now, From: now.Add(-10 * 365 * 24 * time.Hour),
		toDefaulted: params["to"] == ""}
	q.shape = fmt.Sprint(q.ActorID, "|", q.TargetType, "|", q.TargetID, "|", q.Action, "|", params["from"], "|", params["to"], "|", params["limit"])
	var f problem.Fields
	for name, v := range map[string]string{"actorId": q.ActorID, "targetType": q.TargetType, "targetId": q.TargetID, "action": q.Action} {
		if text.HasControl(v) {
			f.Add(problem.ControlCharacters(name))
		} else if len(v) > 100 {
			f.Add(problem.TooLong(name, 100))
		}
	}
	if q.ActorID != "" && q.ActorID != System.ID && !ids.Valid(q.ActorID) {
		f.Add(problem.InvalidFormat("actorId", problem.FormatID).Saying("is not a person id"))
	}
	if (q.TargetID != "") && q.TargetType == "" {
		f.Add(problem.Required("targetType").Saying("is required with targetId"))
	}
	for name, dst := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
		if raw := params[name]; raw != "" {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				f.Add(problem.InvalidFormat(name, problem.FormatDateTime))
			}
			*dst = t.UTC()
		}
	}
	// Without an explicit To, a From after now asks for a window that has
	// not begun: an empty page, not the error an explicit To before From is.
	if q.toDefaulted && q.From.After(now) {
		q.empty = true
	} else if q.To.Before(q.From) {
		f.Add(problem.EndBeforeStart("to", "from"))
	}
	if raw, ok := params["limit"]; ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100 {
			f.Add(problem.OutOfRange("limit", 1, 100))
		}
		q.Limit = n
	}
	return q, f.Err()
}

// View is one event as GET /audit shows it.
type View struct {
	ID         string            `json:"id"`
	At         string            `json:"at"`
	Actor      ActorView         `json:"actor"`
	Action     string            `json:"action"`
	TargetType string            `json:"targetType"`
	TargetID   string            `json:"targetId"`
	Summary    string            `json:"summary"`
	Changes    map[string]Change `json:"changes,omitempty"`
	RequestID  string            `json:"requestId,omitempty"`
	SourceIP   string            `json:"sourceIp,omitempty"`
}

// ActorView names who did it.
type ActorView struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// partition is one Query of the walk: an index (or the table) and a key.
type partition struct{ index, pk string }

// partitions lists what to read, newest first: the actor's or target's
// index partition, or else the month partitions from To back to From.
func (q Query) partitions() []partition {
	switch {
	case q.ActorID != "":
		return []partition{{"gsi1", "AUDIT#ACTOR#" + q.ActorID}}
	case q.TargetID != "":
		return []partition{{"gsi2", "AUDIT#TARGET#" + q.TargetType + "#" + q.TargetID}}
	}
	var parts []partition
	month := time.Date(q.To.Year(), q.To.Month(), 1, 0, 0, 0, 0, time.UTC)
	for !month.Before(time.Date(q.From.Year(), q.From.Month(), 1, 0, 0, 0, 0, time.UTC)) && len(parts) < 121 {
		parts = append(parts, partition{"", "AUDIT#" + month.Format("2006-01")})
		month = month.AddDate(0, -1, 0)
	}
	return parts
}

type position struct {
	Shape string            `json:"s"`
	Part  int               `json:"p"`
	After map[string]string `json:"a,omitempty"`
	To    int64             `json:"t,omitempty"` // the first page's "now", in ns
}

// maxQueries bounds the reads of one page when filters drop most events.
const maxQueries = 30

// Reader lists audit events.
type Reader struct {
	Store  *store.Store
	Signer list.Signer
}

// List reads one page, newest first.
func (r *Reader) List(ctx context.Context, q Query) ([]View, *string, error) {
	if q.empty {
		return []View{}, nil, nil
	}
	shape := q.shape
	pos := position{Shape: shape}
	if q.toDefaulted {
		pos.To = q.To.UnixNano()
	}
	if q.Cursor != "" {
		if err := r.Signer.Decode(q.Cursor, &pos); err != nil {
			return nil, nil, err
		}
		if pos.Shape != shape {
			return nil, nil, problem.InvalidCursor.With("The cursor belongs to another query.")
		}
		if q.toDefaulted && pos.To != 0 {
			q.To = time.Unix(0, pos.To).UTC()
		}
	}
	parts := q.partitions()
	views := []View{}
	for n := 0; pos.Part < len(parts) && len(views) < q.Limit && n < maxQueries; n++ {
		items, last, err := r.query(ctx, q, parts[pos.Part], pos.After, q.Limit-len(views))
		if err != nil {
			return nil, nil, err
		}
		for _, it := range items {
			var e Event
			if err := store.Unmarshal(it, &e); err != nil {
				return nil, nil, err
			}
			views = append(views, View{ID: e.ID, At: e.At, Actor: ActorView{e.ActorID, e.ActorEmail}, Action: e.Action,
				TargetType: e.TargetType, TargetID: e.TargetID, Summary: e.Summary, Changes: e.Changes, RequestID: e.RequestID, SourceIP: e.SourceIP})
		}
		if last == nil {
			pos = position{Shape: shape, Part: pos.Part + 1, To: pos.To}
		} else {
			pos.After = last
		}
	}
	if pos.Part >= len(parts) {
		return views, nil, nil
	}
	next, err := r.Signer.Encode(pos)
	if err != nil {
		return nil, nil, err
	}
	return views, &next, nil
}

func (r *Reader) query(ctx context.Context, q Query, p partition, after map[string]string, limit int) ([]map[string]types.AttributeValue, map[string]string, error) {
	pkName, skName := "pk", "sk"
	if p.index != "" {
		pkName, skName = p.index+"pk", p.index+"sk"
	}
	from, to := q.From.UTC().Format(TimeFormat), q.To.UTC().Format(TimeFormat)+"~"
	b := expression.NewBuilder().WithKeyCondition(expression.Key(pkName).Equal(expression.Value(p.pk)).
		And(expression.Key(skName).Between(expression.Value(from), expression.Value(to))))
	var filters []expression.ConditionBuilder
	if q.Action != "" {
		filters = append(filters, expression.Name("action").Equal(expression.Value(q.Action)))
	}
	if q.TargetType != "" && q.TargetID == "" {
		filters = append(filters, expression.Name("targetType").Equal(expression.Value(q.TargetType)))
	}
	if q.ActorID != "" && q.TargetID != "" {
		filters = append(filters, expression.Name("targetId").Equal(expression.Value(q.TargetID)))
	}
	if len(filters) == 1 {
		b = b.WithFilter(filters[0])
	} else if len(filters) > 1 {
		b = b.WithFilter(expression.And(filters[0], filters[1], filters[2:]...))
	}
	expr, err := b.Build()
	if err != nil {
		return nil, nil, err
	}
	in := &dynamodb.QueryInput{
		TableName: &r.Store.Table, KeyConditionExpression: expr.KeyCondition(), FilterExpression: expr.Filter(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(limit)),
	}
	if p.index != "" {
		in.IndexName = aws.String(p.index)
	}
	if after != nil {
		if after[pkName] != p.pk {
			return nil, nil, problem.InvalidCursor
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{}
		for k, v := range after {
			in.ExclusiveStartKey[k] = &types.AttributeValueMemberS{Value: v}
		}
	}
	out, err := r.Store.DB.Query(ctx, in)
	if err != nil {
		return nil, nil, fmt.Errorf("audit query: %w", err)
	}
	if len(out.LastEvaluatedKey) == 0 {
		return out.Items, nil, nil
	}
	last := map[string]string{}
	for k, v := range out.LastEvaluatedKey {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			last[k] = s.Value
		}
	}
	return out.Items, last, nil
}
