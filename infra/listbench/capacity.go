// Package listbench measures what a page of GET /customers costs as the
// table grows: the read units of the page's Queries (ReturnConsumedCapacity)
// straight through customers.Service.List, and the latency of the route
// through the local stack. infra/cmd/listbench (scripts/bench-lists.sh)
// runs it at 1,000 and 100,000 customers; an integration test in tests/api
// guards the ratio at 1,000 vs 5,000.
package listbench

import (
	"context"
	"math"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/store"
)

// CapacityDB is a store.DB whose Queries ask for ReturnConsumedCapacity
// TOTAL and add the units up. It lives here and not in shared/ on purpose:
// the product code only needs the count, not this bookkeeping.
type CapacityDB struct {
	store.DB

	mu       sync.Mutex
	units    float64
	queries  int
	items    int
	maxItems int
	computed int     // Queries DynamoDB returned no ConsumedCapacity for
	raised   int     // Queries reported below the 4 KB minimum, counted at it
	sized    float64 // the same Queries' units computed from item sizes
}

// NewCapacityDB wraps db.
func NewCapacityDB(db store.DB) *CapacityDB { return &CapacityDB{DB: db} }

// Reading is what the Queries since the last Take consumed.
type Reading struct {
	Units    float64 // read capacity units
	Queries  int
	Items    int // items the Queries returned
	MaxItems int // the most one Query returned
	Computed int // Queries whose units were computed from item sizes
	// Raised counts Queries DynamoDB Local reported below what DynamoDB
	// bills at least (one 4 KB read: it reports 0 for a Query that reads
	// nothing); they are counted at that minimum.
	Raised int
	// Sized is QueryUnits of the same Queries: a cross-check of the
	// emulator's figures.
	Sized float64
}

// Query runs the Query with ReturnConsumedCapacity TOTAL and counts its units.
func (c *CapacityDB) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	cp := *in
	cp.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.DB.Query(ctx, &cp, opts...)
	if err != nil {
		return out, err
	}
	consistent := in.ConsistentRead != nil && *in.ConsistentRead
	sized := QueryUnits(out.Items, consistent)
	units, computed, raised := sized, true, false
	if cc := out.ConsumedCapacity; cc != nil && cc.CapacityUnits != nil {
		units, computed = *cc.CapacityUnits, false
		if least := QueryUnits(nil, consistent); units < least {
			units, raised = least, true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.units += units
	c.sized += sized
	c.queries++
	c.items += len(out.Items)
	c.maxItems = max(c.maxItems, len(out.Items))
	if computed {
		c.computed++
	}
	if raised {
		c.raised++
	}
	return out, nil
}

// Take returns the reading since the last Take and starts a new one.
func (c *CapacityDB) Take() Reading {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Reading{Units: c.units, Queries: c.queries, Items: c.items, MaxItems: c.maxItems, Computed: c.computed, Raised: c.raised, Sized: c.sized}
	c.units, c.queries, c.items, c.maxItems, c.computed, c.raised, c.sized = 0, 0, 0, 0, 0, 0, 0
	return r
}

// QueryUnits is what DynamoDB charges for a Query that read items (no
// filter expression, so read = returned): their sizes summed, rounded up to
// 4 KB, one unit per 4 KB strongly consistent, half eventually consistent.
// A Query that reads nothing still costs one 4 KB step.
func QueryUnits(items []map[string]types.AttributeValue, consistent bool) float64 {
	size := 0
	for _, it := range items {
		size += ItemSize(it)
	}
	steps := math.Max(1, math.Ceil(float64(size)/4096))
	if consistent {
		return steps
	}
	return steps / 2
}

// ItemSize is an item's size as DynamoDB counts it: attribute names plus
// values (strings and binaries by length, numbers about one byte per two
// digits plus one, 3 bytes of overhead per list or map and 1 per element).
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return (len(v.Value)+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += (len(s)+1)/2 + 1
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}
