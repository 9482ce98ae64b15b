package list

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// queryDB serves Query on one index from memory, like DynamoDB: equality on
// the partition, begins_with on the sort key, order, Limit, start key.
type queryDB struct {
	store.DB
	items []map[string]types.AttributeValue

	mu      sync.Mutex // the Lister sends a page's first Queries at once
	queries int
	read    int // items returned
}

func s(v types.AttributeValue) string { return v.(*types.AttributeValueMemberS).Value }

func (d *queryDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	idx := *in.IndexName
	var part, prefix string
	if m := eqRe.FindStringSubmatch(*in.KeyConditionExpression); m != nil {
		part = s(in.ExpressionAttributeValues[m[1]])
	}
	if m := prefixRe.FindStringSubmatch(*in.KeyConditionExpression); m != nil {
		prefix = s(in.ExpressionAttributeValues[m[1]])
	}
	var rows []map[string]types.AttributeValue
	for _, it := range d.items {
		if s(it[idx+"pk"]) == part && strings.HasPrefix(s(it[idx+"sk"]), prefix) {
			rows = append(rows, it)
		}
	}
	asc := in.ScanIndexForward == nil || *in.ScanIndexForward
	sort.Slice(rows, func(i, j int) bool {
		if asc {
			return s(rows[i][idx+"sk"]) < s(rows[j][idx+"sk"])
		}
		return s(rows[i][idx+"sk"]) > s(rows[j][idx+"sk"])
	})
	if in.ExclusiveStartKey != nil {
		after := s(in.ExclusiveStartKey[idx+"sk"])
		for len(rows) > 0 && (asc && s(rows[0][idx+"sk"]) <= after || !asc && s(rows[0][idx+"sk"]) >= after) {
			rows = rows[1:]
		}
	}
	out := &dynamodb.QueryOutput{}
	// Like DynamoDB, a Query that reaches its Limit gives a start key
	// even when nothing follows.
	if int(*in.Limit) <= len(rows) {
		rows = rows[:*in.Limit]
		last := rows[len(rows)-1]
		out.LastEvaluatedKey = map[string]types.AttributeValue{"pk": last["pk"], "sk": last["sk"], idx + "pk": last[idx+"pk"], idx + "sk": last[idx+"sk"]}
	}
	out.Items = rows
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queries++
	d.read += len(rows)
	return out, nil
}

var (
	eqRe     = regexp.MustCompile(`#\w+ = (:\w+)`)
	prefixRe = regexp.MustCompile(`begins_with \(#\w+, (:\w+)\)`)
)

func item(id, status, last, first string) map[string]types.AttributeValue {
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	return map[string]types.AttributeValue{
		"pk": str("STAFF#" + id), "sk": str("PROFILE"), "id": str(id),
		"gsi1pk": str("STAFF#" + status), "gsi1sk": str(last + "#" + first + "#" + id),
		"gsi2pk": str("STAFF#" + status), "gsi2sk": str(first + "#" + last + "#" + id),
	}
}

func people(n int) *queryDB {
	statuses := []string{"active", "inactive", "invited"}
	db := &queryDB{}
	for i := 0; i < n; i++ {
		db.items = append(db.items, item(fmt.Sprintf("P%03d", i), statuses[i%3], fmt.Sprintf("last%02d", (i*7)%50), fmt.Sprintf("first%02d", i%13)))
	}
	return db
}

func walk(t *testing.T, l *Lister, spec Spec) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		page, err := l.Run(context.Background(), spec, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > spec.Limit {
			t.Fatalf("page of %d > limit %d", len(page.Items), spec.Limit)
		}
		// Each Query reads one more than it may take, so a list that
		// ends on a full page says so: no cursor to an empty page. (With
		// Skip or several sources the next page may hold only what is
		// skipped; that page is empty, and the walk still ends.)
		if len(page.Items) == 0 && cursor != "" && len(spec.Sources) == 1 && spec.Sources[0].Skip == nil {
			t.Fatalf("page %d is empty; the one before gave a cursor to it", pages+1)
		}
		for _, it := range page.Items {
			ids = append(ids, s(it["id"]))
		}
		if page.Next == nil {
			return ids
		}
		cursor = *page.Next
	}
}

func TestMergedPagesReturnEachItemOnceInOrder(t *testing.T) {
	db := people(157)
	l := &Lister{Store: store.New(db, "t"), Signer: NewSigner("k")}
	parts := []string{"STAFF#active", "STAFF#inactive", "STAFF#invited"}
	for _, desc := range []bool{false, true} {
		for _, limit := range []int{1, 7, 25, 100} {
			spec := Spec{Sources: []Source{{Index: "gsi1", Partitions: parts}}, Limit: limit, Descending: desc, Shape: "x"}
			got := walk(t, l, spec)
			var want []string
			rows := append([]map[string]types.AttributeValue(nil), db.items...)
			sort.Slice(rows, func(i, j int) bool {
				if desc {
					return s(rows[i]["gsi1sk"]) > s(rows[j]["gsi1sk"])
				}
				return s(rows[i]["gsi1sk"]) < s(rows[j]["gsi1sk"])
			})
			for _, r := range rows {
				want = append(want, s(r["id"]))
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("desc=%v limit=%d:\n got %v\nwant %v", desc, limit, got, want)
			}
		}
	}
}

func TestSourcesInSequenceWithSkip(t *testing.T) {
	db := people(60)
	l := &Lister{Store: store.New(db, "t"), Signer: NewSigner("k")}
	parts := []string{"STAFF#active", "STAFF#inactive", "STAFF#invited"}
	// "last1…" hits by last name, then "first1…" hits by first name that
	// were not already hits by last name. Use one prefix for both fields.
	spec := Spec{Limit: 4, Shape: "q", Sources: []Source{
		{Index: "gsi1", Partitions: parts, Prefix: "last1"},
		{Index: "gsi2", Partitions: parts, Prefix: "first1", Skip: func(it map[string]types.AttributeValue) bool {
			return strings.HasPrefix(s(it["gsi1sk"]), "last1")
		}},
	}}
	got := walk(t, l, spec)
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("%s returned twice: %v", id, got)
		}
		seen[id] = true
	}
	want := 0
	for _, it := range db.items {
		if strings.HasPrefix(s(it["gsi1sk"]), "last1") || strings.HasPrefix(s(it["gsi2sk"]), "first1") {
			want++
		}
	}
	if len(got) != want {
		t.Fatalf("got %d hits, want %d", len(got), want)
	}
}

func TestCursorTamperingAndShape(t *testing.T) {
	db := people(30)
	l := &Lister{Store: store.New(db, "t"), Signer: NewSigner("k")}
	spec := Spec{Sources: []Source{{Index: "gsi1", Partitions: []string{"STAFF#active"}}}, Limit: 2, Shape: "a"}
	page, err := l.Run(context.Background(), spec, "")
	if err != nil || page.Next == nil {
		t.Fatalf("%v %v", page, err)
	}
	c := *page.Next
	tampered := c[:5] + string(rune(c[5]^1)) + c[6:]
	for name, cur := range map[string]string{"tampered": tampered, "garbage": "abc", "empty mac": strings.Split(c, ".")[0] + "."} {
		if _, err := l.Run(context.Background(), spec, cur); !errors.Is(err, problem.InvalidCursor) {
			t.Errorf("%s: %v", name, err)
		}
	}
	other := spec
	other.Shape = "b"
	if _, err := l.Run(context.Background(), other, c); !errors.Is(err, problem.InvalidCursor) {
		t.Errorf("cursor of another query accepted: %v", err)
	}
	forged, _ := NewSigner("other key").Encode(map[string]any{"s": "a"})
	if _, err := l.Run(context.Background(), spec, forged); !errors.Is(err, problem.InvalidCursor) {
		t.Errorf("cursor signed with another key accepted: %v", err)
	}
}

// A page reads about what it lists, whatever the table size: the first
// Queries share the page between the three partitions (ceil(25/3) + 1 = 10
// each) and a partition used up early is read again for what is missing.
func TestPageReadsDoNotGrowWithTableSize(t *testing.T) {
	for _, n := range []int{300, 3000, 30000} {
		db := people(n)
		l := &Lister{Store: store.New(db, "t"), Signer: NewSigner("k")}
		spec := Spec{Sources: []Source{{Index: "gsi1", Partitions: []string{"STAFF#active", "STAFF#inactive", "STAFF#invited"}}}, Limit: 25, Shape: "x"}
		page, err := l.Run(context.Background(), spec, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 25 || page.Next == nil {
			t.Fatalf("%d items: a page of %d, next %v", n, len(page.Items), page.Next)
		}
		if db.queries < 3 || db.queries > 5 || db.read < 26 || db.read > 36 {
			t.Fatalf("%d items: %d Queries read %d items for a page of 25; want 3 to 5 Queries and 26 to 36 items", n, db.queries, db.read)
		}
	}
}

// Partitions of very different sizes (most people active) and searches that
// skip: every walk returns what sorting the whole table gives, each item
// once, whatever the page size.
func TestMergeMatchesSortOnSkewedPartitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	statuses := []string{"active", "inactive", "invited"}
	for round := range 40 {
		db := &queryDB{}
		n := rng.IntN(400)
		weights := []int{1 + rng.IntN(50), rng.IntN(5), rng.IntN(3)}
		for i := range n {
			st, r := 0, rng.IntN(weights[0]+weights[1]+weights[2])
			for r >= weights[st] {
				r -= weights[st]
				st++
			}
			db.items = append(db.items, item(fmt.Sprintf("P%04d", i), statuses[st], fmt.Sprintf("l%03d", rng.IntN(300)), fmt.Sprintf("f%02d", rng.IntN(40))))
		}
		l := &Lister{Store: store.New(db, "t"), Signer: NewSigner("k")}
		desc := round%2 == 1
		skip := func(it map[string]types.AttributeValue) bool { return strings.HasPrefix(s(it["gsi1sk"]), "l1") }
		spec := Spec{Limit: 1 + rng.IntN(30), Descending: desc, Shape: "r", Sources: []Source{{
			Index: "gsi2", Partitions: []string{"STAFF#active", "STAFF#inactive", "STAFF#invited"}, Skip: skip}}}
		var want []string
		rows := append([]map[string]types.AttributeValue(nil), db.items...)
		sort.Slice(rows, func(i, j int) bool { return before(s(rows[i]["gsi2sk"]), s(rows[j]["gsi2sk"]), desc) })
		for _, r := range rows {
			if !skip(r) {
				want = append(want, s(r["id"]))
			}
		}
		if got := walk(t, l, spec); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("round %d (%d people, weights %v, limit %d, desc %v):\n got %v\nwant %v", round, n, weights, spec.Limit, desc, got, want)
		}
	}
}

// Skipped items can use up one partition's read window while another
// partition still holds later items: those must not overtake the first
// partition's next unskipped item (a bug found by the 300-staff list test).
func TestSkippedItemsDoNotBreakOrder(t *testing.T) {
	db := &queryDB{}
	for i := 0; i < 6; i++ {
		db.items = append(db.items, item(fmt.Sprintf("S%d", i), "active", "skip", fmt.Sprintf("a%d", i)))
	}
	db.items = append(db.items, item("B", "active", "keep", "b"), item("C", "invited", "keep", "c"))
	l := &Lister{Store: store.New(db, "t"), Signer: NewSigner("k")}
	spec := Spec{Limit: 1, Shape: "s", Sources: []Source{{Index: "gsi2", Partitions: []string{"STAFF#active", "STAFF#invited"},
		Skip: func(it map[string]types.AttributeValue) bool { return strings.HasPrefix(s(it["gsi1sk"]), "skip") }}}}
	if got := strings.Join(walk(t, l, spec), ","); got != "B,C" {
		t.Fatalf("got %s, want B,C", got)
	}
}

// A list that ends on a full page gives no cursor, however its items fall
// between the partitions: every read asks for one more than it may take.
func TestListEndingOnAFullPageHasNoCursor(t *testing.T) {
	for limit := 1; limit <= 12; limit++ {
		for inA := 0; inA <= 3*limit; inA++ {
			inB := 2*limit - inA%(2*limit) // the two together fill whole pages
			db := &queryDB{}
			for i := range inA {
				db.items = append(db.items, item(fmt.Sprintf("A%02d", i), "active", fmt.Sprintf("a%02d", i), "x"))
			}
			for i := range inB {
				db.items = append(db.items, item(fmt.Sprintf("B%02d", i), "invited", fmt.Sprintf("b%02d", i), "x"))
			}
			l := &Lister{Store: store.New(db, "t"), Signer: NewSigner("k")}
			spec := Spec{Limit: limit, Shape: "f", Sources: []Source{{Index: "gsi1", Partitions: []string{"STAFF#active", "STAFF#invited"}}}}
			if got := walk(t, l, spec); len(got) != inA+inB {
				t.Fatalf("limit %d, %d + %d items: walked %d", limit, inA, inB, len(got))
			}
		}
	}
}
