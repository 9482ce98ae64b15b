package list

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// Source is one sorted stream of items: an index, the partitions to merge
// (one per status), and an optional prefix on the sort key.
type Source struct {
	Index      string   // "gsi1" …
	Partitions []string // merged by sort key
	Prefix     string   // begins_with on the index sort key; "" = all
	// Skip drops items already produced by an earlier source (a search hit
	// on last name is not repeated among the first-name hits).
	Skip func(item map[string]types.AttributeValue) bool
}

// Spec is a whole list: sources are produced one after the other.
type Spec struct {
	Sources    []Source
	Descending bool
	Limit      int
	// Shape identifies the query (filters, sort, search); a cursor made for
	// another shape is refused.
	Shape string
}

// Page is one page of raw items and the cursor to the next, if any.
type Page struct {
	Items []map[string]types.AttributeValue
	Next  *string
}

type position struct {
	Shape  string                       `json:"s"`
	Source int                          `json:"i"`
	After  map[string]map[string]string `json:"a,omitempty"` // partition → last consumed key
	Done   map[string]bool              `json:"d,omitempty"` // partition → exhausted
}

// Lister runs list Specs against the store's table.
type Lister struct {
	Store  *store.Store
	Signer Signer
}

// Run reads one page.
func (l *Lister) Run(ctx context.Context, spec Spec, cursor string) (*Page, error) {
	pos := position{Shape: spec.Shape}
	if cursor != "" {
		if err := l.Signer.Decode(cursor, &pos); err != nil {
			return nil, err
		}
		if pos.Shape != spec.Shape || pos.Source < 0 || pos.Source >= len(spec.Sources) {
			return nil, problem.InvalidCursor.With("The cursor belongs to another query.")
		}
	}
	page := &Page{}
	for pos.Source < len(spec.Sources) && len(page.Items) < spec.Limit {
		items, err := l.merge(ctx, spec, spec.Sources[pos.Source], &pos, spec.Limit-len(page.Items))
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, items...)
		if l.sourceDone(spec, pos) {
			pos = position{Shape: spec.Shape, Source: pos.Source + 1}
		}
	}
	if pos.Source < len(spec.Sources) {
		next, err := l.Signer.Encode(pos)
		if err != nil {
			return nil, err
		}
		page.Next = &next
	}
	return page, nil
}

// sourceDone reports whether every partition of the current source is read
// to its end.
func (l *Lister) sourceDone(spec Spec, pos position) bool {
	for _, part := range spec.Sources[pos.Source].Partitions {
		if !pos.Done[part] {
			return false
		}
	}
	return true
}

// window is what a page has read of one partition and not yet taken.
type window struct {
	part  string
	items []map[string]types.AttributeValue // read, in list order, not taken
	after map[string]string                 // the key the next read starts after
	more  bool                              // the partition may go on after items
	taken int                               // items this page took from it
}

// merge takes up to want items from src's partitions in sort-key order,
// advancing pos past exactly the items it takes.
//
// A partition's item may be taken only while every other partition that
// may go on still has a read item: one whose window is used up could hold a
// smaller one (this matters when Skip drops items). Reads are sized so that
// a page reads little more than it lists (readSize).
func (l *Lister) merge(ctx context.Context, spec Spec, src Source, pos *position, want int) ([]map[string]types.AttributeValue, error) {
	if pos.After == nil {
		pos.After, pos.Done = map[string]map[string]string{}, map[string]bool{}
	}
	var windows []*window
	for _, part := range src.Partitions {
		if !pos.Done[part] {
			windows = append(windows, &window{part: part, after: pos.After[part], more: true})
		}
	}
	skey := src.Index + "sk"
	out := []map[string]types.AttributeValue{}
	taken := 0 // items taken from all windows, skipped ones too
	for len(out) < want || unsure(windows) {
		var used []*window
		for _, w := range windows {
			if len(w.items) == 0 && w.more {
				used = append(used, w)
			}
		}
		if len(used) == 0 {
			break // every partition is read to its end
		}
		if err := l.read(ctx, spec, src, used, readSize(used, want, want-len(out), taken)); err != nil {
			return nil, err
		}
		for len(out) < want {
			w := nextWindow(windows, skey, spec.Descending)
			if w == nil {
				break
			}
			it := w.items[0]
			w.items = w.items[1:]
			w.taken++
			taken++
			pos.After[w.part] = keyOf(it, src.Index)
			if src.Skip == nil || !src.Skip(it) {
				out = append(out, it)
			}
		}
	}
	for _, w := range windows {
		pos.Done[w.part] = !w.more && len(w.items) == 0
	}
	return out, nil
}

// readSize is how many items to ask of each used-up window, need being what
// the page still lacks of want. The first reads share the page between the
// partitions: a page of 25 over three statuses reads 3 × 10, not 3 × 26.
// Later one window is used up at a time; it is asked for its share of what
// is missing, judged by how many of the items taken so far it gave. Each
// read asks for one more, which tells whether the partition goes on.
func readSize(used []*window, want, need, taken int) int {
	switch {
	case taken == 0:
		return (want+len(used)-1)/len(used) + 1
	case len(used) == 1:
		return (need*used[0].taken+taken-1)/taken + 1
	default:
		return need + 1
	}
}

// unsure reports whether the windows can't tell if the list goes on: none
// has an item left, yet one ended with its Query's Limit, which DynamoDB
// answers with a start key even when nothing follows. A full page then reads
// one more item rather than give a cursor to a page that may be empty.
func unsure(windows []*window) bool {
	more := false
	for _, w := range windows {
		if len(w.items) > 0 {
			return false
		}
		more = more || w.more
	}
	return more
}

// nextWindow is the window whose first item comes next in the list, or nil
// when none may be taken: all are empty, or one that may go on is used up.
func nextWindow(windows []*window, skey string, descending bool) *window {
	var next *window
	for _, w := range windows {
		switch {
		case len(w.items) == 0 && w.more:
			return nil
		case len(w.items) == 0:
			continue
		case next == nil || before(str(w.items[0][skey]), str(next.items[0][skey]), descending):
			next = w
		}
	}
	return next
}

// read fills the given used-up windows with up to n items each, with their
// Queries sent at the same time: a page over three partitions waits for one
// round trip, not three.
func (l *Lister) read(ctx context.Context, spec Spec, src Source, windows []*window, n int) error {
	errs := make([]error, len(windows))
	var wg sync.WaitGroup
	for i, w := range windows {
		wg.Go(func() {
			items, done, err := l.query(ctx, spec, src, w.part, w.after, n)
			if err != nil {
				errs[i] = err
				return
			}
			w.items = items
			// Without a filter a Query returns Limit items unless the
			// partition ends, so an empty answer is its end.
			w.more = !done && len(items) > 0
			if len(items) > 0 {
				w.after = keyOf(items[len(items)-1], src.Index)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// before reports whether sort key a comes before b in the list's order.
func before(a, b string, descending bool) bool {
	if descending {
		return a > b
	}
	return a < b
}

// query reads up to limit items of one partition after the given key.
// done is true when the partition has nothing after those items.
func (l *Lister) query(ctx context.Context, spec Spec, src Source, part string, after map[string]string, limit int) ([]map[string]types.AttributeValue, bool, error) {
	kc := expression.Key(src.Index + "pk").Equal(expression.Value(part))
	if src.Prefix != "" {
		kc = kc.And(expression.Key(src.Index + "sk").BeginsWith(src.Prefix))
	}
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, false, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 &l.Store.Table,
		IndexName:                 aws.String(src.Index),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(!spec.Descending),
		Limit:                     aws.Int32(int32(limit)),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}
	if after != nil {
		if after[src.Index+"pk"] != part {
			return nil, false, problem.InvalidCursor
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{}
		for k, v := range after {
			in.ExclusiveStartKey[k] = &types.AttributeValueMemberS{Value: v}
		}
	}
	out, err := l.Store.DB.Query(ctx, in)
	if err != nil {
		return nil, false, fmt.Errorf("query %s %s: %w", src.Index, part, err)
	}
	return out.Items, len(out.LastEvaluatedKey) == 0, nil
}

// keyOf is the start key of an index Query after item.
func keyOf(item map[string]types.AttributeValue, index string) map[string]string {
	k := map[string]string{}
	for _, name := range []string{"pk", "sk", index + "pk", index + "sk"} {
		k[name] = str(item[name])
	}
	return k
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
