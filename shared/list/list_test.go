package list

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
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
	items   []map[string]types.AttributeValue
	queries int
}

func s(v types.AttributeValue) string { return v.(*types.AttributeValueMemberS).Value }

func (d *queryDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	d.queries++
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
	if int(*in.Limit) < len(rows) {
		rows = rows[:*in.Limit]
		last := rows[len(rows)-1]
		out.LastEvaluatedKey = map[string]types.AttributeValue{"pk": last["pk"], "sk": last["sk"], idx + "pk": last[idx+"pk"], idx + "sk": last[idx+"sk"]}
	}
	out.Items = rows
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

func TestPageReadsDoNotGrowWithTableSize(t *testing.T) {
	for _, n := range []int{300, 3000} {
		db := people(n)
		l := &Lister{Store: store.New(db, "t"), Signer: NewSigner("k")}
		spec := Spec{Sources: []Source{{Index: "gsi1", Partitions: []string{"STAFF#active", "STAFF#inactive", "STAFF#invited"}}}, Limit: 25, Shape: "x"}
		if _, err := l.Run(context.Background(), spec, ""); err != nil {
			t.Fatal(err)
		}
		if db.queries != 3 {
			t.Fatalf("%d items: %d queries for one page, want 3", n, db.queries)
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
