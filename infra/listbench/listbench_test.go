package listbench

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/infra/bench"
)

func TestQueryUnits(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	// "pk"(2) + 98 bytes = 100 bytes per item.
	item := map[string]types.AttributeValue{"pk": s(strings.Repeat("x", 98))}
	if got := ItemSize(item); got != 100 {
		t.Fatalf("ItemSize = %d, want 100", got)
	}
	many := func(n int) []map[string]types.AttributeValue {
		out := make([]map[string]types.AttributeValue, n)
		for i := range out {
			out[i] = item
		}
		return out
	}
	for _, c := range []struct {
		items      int
		consistent bool
		want       float64
	}{
		{0, false, 0.5},   // an empty Query still costs one step
		{40, false, 0.5},  // 4,000 bytes
		{41, false, 1},    // 4,100 bytes: two steps
		{41, true, 2},     // strongly consistent: a unit per step
		{100, false, 1.5}, // 10,000 bytes: three steps
	} {
		if got := QueryUnits(many(c.items), c.consistent); got != c.want {
			t.Errorf("QueryUnits(%d items, consistent=%v) = %v, want %v", c.items, c.consistent, got, c.want)
		}
	}
	nested := map[string]types.AttributeValue{
		"n": &types.AttributeValueMemberN{Value: "12345"},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"ab": s("xyz")}},
	}
	// n: 1 + 3 (5 digits) + 1; m: 1 + 3 + (1 + 2 + 3)
	if got := ItemSize(nested); got != 5+10 {
		t.Errorf("ItemSize(nested) = %d, want 15", got)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSection(t *testing.T) {
	shapes := []Shape{{Name: "sort=lastName"}, {Name: "q=rare"}}
	rep := &Report{
		Meta:   bench.Meta{Date: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Command: "scripts/bench-lists.sh -n 5000"},
		Shapes: shapes,
		Sizes: []Size{{Customers: 1000, Costs: map[string]PageCost{
			// Walk pages summed: 6 units, 3 Queries, 78 items per page.
			"sort=lastName": {Reading: Reading{Units: 24, Queries: 12, Items: 312}, Pages: 4, Listed: 100},
			"q=rare":        {Reading: Reading{Units: 6, Queries: 12, Items: 1}, Pages: 1, Listed: 1},
		}, Latency: map[string]Latency{"sort=lastName": {Samples: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}}}},
			{Customers: 5000, Costs: map[string]PageCost{
				"sort=lastName": {Reading: Reading{Units: 26, Queries: 13, Items: 160}, Pages: 4, Listed: 100},
				"q=rare":        {Reading: Reading{Units: 9, Queries: 12, Items: 6}, Pages: 1, Listed: 5},
			}}},
		Seeds: []Seeding{{From: 0, To: 1000, Took: time.Second}, {From: 1000, To: 5000, Took: 4 * time.Second}},
		Load:  Load{Requests: 2, Concurrency: 2},
	}
	if m := rep.Misses(); len(m) != 1 || m[0] != "q=rare" {
		t.Fatalf("Misses = %q, want [q=rare]", m)
	}
	sec := rep.Section()
	if sec.Title != Title || !strings.HasPrefix(sec.Text, "## "+Title+"\n") {
		t.Fatalf("heading: %q", sec.Text[:40])
	}
	for _, want := range []string{
		"**Result: MISS** — 1 of 2 shapes within 1.2×",
		"| sort=lastName | 6 | 6.5 | 1.08 | ≤ 1.2 | PASS | 3 / 3.3 | 78 / 40 | 25 / 25 |",
		"| q=rare | 6 | 9 | 1.50 | ≤ 1.2 | **FAIL** | 12 / 12 | 1 / 6 | 1 / 5 |",
		"| sort=lastName | 10.0 / 20.0 | — |",
		"- `q=rare`: not the same page: at 1,000 a page lists 1 customers, at 5,000 5.",
		"| 1,000 → 5,000 | 4,000 | 4s | 1000 |",
		"| **0 → 5,000** | 5,000 | **5s** | 1000 |",
	} {
		if !strings.Contains(sec.Text, want) {
			t.Errorf("section lacks %q:\n%s", want, sec.Text)
		}
	}
	// The section replaces its old self in RESULTS.md and nothing else.
	old := "# Benchmark results\n\nhead\n\n## Binary size (linux/arm64)\n\nsizes\n\n## " + Title + "\n\nold figures\n\n## Other figures\n\nother\n"
	pre, _ := bench.SplitSections(old)
	got := bench.Merge(old, pre, []bench.Section{sec}, nil)
	if strings.Contains(got, "old figures") || !strings.Contains(got, "sizes") || !strings.Contains(got, "other") ||
		strings.Index(got, "## "+Title) > strings.Index(got, "## Other figures") {
		t.Errorf("merge:\n%s", got)
	}
}

// With a size in between, a miss says whether the cost still grows past it.
func TestSectionWithMiddleSize(t *testing.T) {
	cost := func(u float64, items, listed int) PageCost {
		return PageCost{Reading: Reading{Units: u, Queries: 3, Items: items}, Pages: 1, Listed: listed}
	}
	rep := &Report{
		Shapes: []Shape{{Name: "q=few"}, {Name: "sort=email"}},
		Sizes: []Size{
			{Customers: 1000, Costs: map[string]PageCost{"q=few": cost(4, 37, 25), "sort=email": cost(7.5, 78, 25)}},
			{Customers: 10000, Costs: map[string]PageCost{"q=few": cost(7.5, 78, 25), "sort=email": cost(7.5, 78, 25)}},
			{Customers: 100000, Costs: map[string]PageCost{"q=few": cost(7.5, 78, 25), "sort=email": cost(8, 78, 25)}},
		},
	}
	text := rep.Section().Text
	for _, want := range []string{
		"| q=few | 4 | 7.5 | 7.5 | 1.88 | ≤ 1.2 | **FAIL** | 1.00 | 3 / 3 / 3 | 37 / 78 / 78 | 25 / 25 / 25 |",
		"| sort=email | 7.5 | 7.5 | 8 | 1.07 | ≤ 1.2 | PASS | 1.07 |",
		"From 10,000 to 100,000 customers every shape is within 1.07× (highest: `sort=email`).",
		"- `q=few`: a page's 3 Queries read 37 items at 1,000 but 78 at 100,000",
		"From 10,000 to 100,000: 1.00× (the cost has stopped growing",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("section lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Latency of") {
		t.Error("a latency table without latency figures")
	}
}
