package list

import (
	"context"
	"fmt"
	"sort"

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

type head struct {
	part string
	item map[string]types.AttributeValue
}

// merge takes up to want items from src's partitions in sort-key order,
// advancing pos past exactly the items it returns.
func (l *Lister) merge(ctx context.Context, spec Spec, src Source, pos *position, want int) ([]map[string]types.AttributeValue, error) {
	if pos.After == nil {
		pos.After, pos.Done = map[string]map[string]string{}, map[string]bool{}
	}
	var heads []head
	// frontier is the sort key up to which every unfinished partition has
	// been read. Items past it may not be taken yet: a partition whose read
	// window ended earlier could hold smaller ones (this matters when Skip
	// drops items, so a window can be used up without filling the page).
	skey := src.Index + "sk"
	frontier, bounded := "", false
	for _, part := range src.Partitions {
		if pos.Done[part] {
			continue
		}
		// One more than wanted tells whether the partition goes on.
		items, done, err := l.query(ctx, spec, src, part, pos.After[part], want+1)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			heads = append(heads, head{part, it})
		}
		if done {
			// Every item left in the partition is among the heads; it is
			// done once they are all consumed (checked below).
			pos.Done[part] = true
		} else if len(items) > 0 {
			if last := str(items[len(items)-1][skey]); !bounded || before(last, frontier, spec.Descending) {
				frontier, bounded = last, true
			}
		}
	}
	sort.SliceStable(heads, func(i, j int) bool {
		return before(str(heads[i].item[skey]), str(heads[j].item[skey]), spec.Descending)
	})
	out := []map[string]types.AttributeValue{}
	consumed := 0
	for _, h := range heads {
		if len(out) == want || bounded && before(frontier, str(h.item[skey]), spec.Descending) {
			break
		}
		consumed++
		pos.After[h.part] = keyOf(h.item, src.Index)
		if src.Skip != nil && src.Skip(h.item) {
			continue
		}
		out = append(out, h.item)
	}
	// A partition marked done still has unconsumed heads: not done yet.
	for _, h := range heads[consumed:] {
		pos.Done[h.part] = false
	}
	return out, nil
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
