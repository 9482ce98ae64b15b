//go:build integration

package api_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/infra/listbench"
	seeding "backoffice/infra/seed"
	"backoffice/shared/customers"
	"backoffice/shared/list"
	"backoffice/shared/store"
)

// Read units of a customer list page do not grow with the number of
// customers (benchmarks/RESULTS.md; the 100,000 run is scripts/bench-lists.sh): every
// shape of listbench.Shapes, read through customers.Service.List with
// ReturnConsumedCapacity, at 1,000 and at 5,000 customers, as the mean of
// the same pages at both sizes (listbench.Walk). The customers go
// into a table of their own with the stack table's keys and indexes, so the
// sizes are exact whatever other tests left in the stack's table.
func TestCustomerListReadUnitsDoNotGrow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := store.NewClient(st.AWS)
	table := st.TableName + "-listcost-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	if err := listbench.CopyTable(ctx, client, st.TableName, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	plain := store.New(client, table)
	cdb := listbench.NewCapacityDB(client)
	counted := store.New(cdb, table)
	svc := &customers.Service{Store: counted, Now: counted.Now}
	lister := &list.Lister{Store: counted, Signer: list.NewSigner("test")}

	shapes := listbench.Shapes()
	sizes := []int{1000, 5000}
	costs := make([]map[string]listbench.PageCost, len(sizes))
	have := 0
	for i, n := range sizes {
		began := time.Now()
		// The seeds of scripts/bench-lists.sh, so its first size is this one.
		if err := seeding.Write(ctx, plain, seeding.Customers(n-have, "lc"+strconv.Itoa(i), uint64(i+1)), 8); err != nil {
			t.Fatal(err)
		}
		t.Logf("seeded %d → %d customers in %s", have, n, time.Since(began).Round(time.Millisecond))
		have = n
		costs[i] = map[string]listbench.PageCost{}
		for _, sh := range shapes {
			pages := listbench.Walk
			if i > 0 {
				pages = costs[0][sh.Name].Pages // page k against page k
			}
			c, err := listbench.MeasurePages(ctx, svc, lister, cdb, sh, pages)
			if err != nil {
				t.Fatal(err)
			}
			if c.Queries == 0 || c.Units <= 0 {
				t.Fatalf("%s at %d: %d Queries, %v units: nothing counted", sh.Name, n, c.Queries, c.Units)
			}
			// Each Query reads at most the page's window, limit + 1 items:
			// a Query without Limit (or a filter doing the selection)
			// would read every match.
			if c.MaxItems > sh.Limit()+1 {
				t.Errorf("%s at %d: a Query returned %d items, more than limit + 1 = %d", sh.Name, n, c.MaxItems, sh.Limit()+1)
			}
			costs[i][sh.Name] = c
		}
	}
	for _, sh := range shapes {
		s, l := costs[0][sh.Name], costs[1][sh.Name]
		ratio := listbench.Ratio(s, l)
		t.Logf("%-40s %5.2f → %5.2f RCU per page (%.2f×), %.1f → %.1f Queries, %.1f → %.1f items read, %d → %d pages", sh.Name,
			s.PerPage(), l.PerPage(), ratio, s.Mean(s.Queries), l.Mean(l.Queries), s.Mean(s.Items), l.Mean(l.Items), s.Pages, l.Pages)
		if l.Mean(l.Listed) < s.Mean(s.Listed) {
			t.Errorf("%s: %d customers on %d pages at 5,000, %d on %d at 1,000", sh.Name, l.Listed, l.Pages, s.Listed, s.Pages)
		}
		if ratio > listbench.MaxRatio {
			t.Errorf("%s: %.2f read units per page at 5,000, %.2f at 1,000: %.2f× > %.1f×", sh.Name, l.PerPage(), s.PerPage(), ratio, listbench.MaxRatio)
		}
	}
}
