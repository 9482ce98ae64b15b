//go:build integration

package faults_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/audit"
	"backoffice/shared/categories"
	"backoffice/shared/ids"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

func categoryService(s *store.Store) *categories.Service {
	return &categories.Service{Store: s, Now: db.Now}
}

func newCat(t *testing.T, svc *categories.Service, name, parentID string) string {
	t.Helper()
	in := categories.Input{Name: &name}
	if parentID != "" {
		in.ParentID = categories.Nullable{Set: true, Value: &parentID}
	}
	v, err := svc.Create(context.Background(), audit.System, in)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return v.ID
}

func category(t *testing.T, id string) (store.Category, bool) {
	t.Helper()
	var c store.Category
	ok := exists(t, store.CategoryKey(id))
	if ok {
		if err := db.Get(context.Background(), store.CategoryKey(id), &c, true); err != nil {
			t.Fatal(err)
		}
	}
	return c, ok
}

// childIDs reads a parent's children in order from the index.
func childIDs(t *testing.T, parentID string) []string {
	t.Helper()
	expr, _ := expression.NewBuilder().WithKeyCondition(
		expression.Key("gsi5pk").Equal(expression.Value(store.CategoryChildrenPartition(parentID)))).Build()
	out, err := db.DB.Query(context.Background(), &dynamodb.QueryInput{
		TableName: &db.Table, IndexName: aws.String(store.IndexByOther),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, item := range out.Items {
		ids = append(ids, item["id"].(*types.AttributeValueMemberS).Value)
	}
	return ids
}

// A cascade delete that fails after its first chunk leaves a consistent
// tree: every category left has its parent, its childCount matches its
// children, and deleted names are free. DELETE again finishes the job.
func TestCategoryCascadeStopsConsistentAndResumes(t *testing.T) {
	ctx := context.Background()
	svc := categoryService(db)
	top := newCat(t, svc, "Cascade faults "+ids.New(), "")
	root := newCat(t, svc, "Root", top)
	all := []string{root}
	for i := range 4 {
		mid := newCat(t, svc, fmt.Sprintf("Mid %d", i), root)
		all = append(all, mid)
		for j := range 8 {
			all = append(all, newCat(t, svc, fmt.Sprintf("Leaf %d", j), mid))
		}
	}
	// 37 categories: two chunks. The second transaction fails.
	if err := categoryService(storeFailingTx(2)).Delete(ctx, audit.System, root, true, 0); err == nil {
		t.Fatal("cascade succeeded although a transaction failed")
	}
	left := map[string]store.Category{}
	for _, id := range all {
		if c, ok := category(t, id); ok {
			left[id] = c
		}
	}
	if deleted := len(all) - len(left); deleted != 24 {
		t.Fatalf("%d categories deleted by the first chunk, want 24", deleted)
	}
	for id, c := range left {
		if _, ok := left[c.ParentID]; !ok && c.ParentID != top {
			t.Errorf("%s (%s) lost its parent %s", c.Name, id, c.ParentID)
		}
		if n := len(childIDs(t, id)); n != c.ChildCount {
			t.Errorf("%s has %d children but childCount %d", c.Name, n, c.ChildCount)
		}
		if !exists(t, store.CategoryNameKey(c.ParentID, text.Fold(c.Name))) || !exists(t, store.CategorySlugKey(c.ParentID, c.Slug)) {
			t.Errorf("%s lost its name or slug claim", c.Name)
		}
	}
	for _, id := range all {
		if _, ok := left[id]; !ok {
			if got := childIDs(t, id); len(got) != 0 {
				t.Errorf("deleted %s still has children %v", id, got)
			}
		}
	}
	// Resume.
	if err := svc.Delete(ctx, audit.System, root, true, 0); err != nil {
		t.Fatalf("resume: %v", err)
	}
	for _, id := range all {
		if _, ok := category(t, id); ok {
			t.Errorf("%s survived the resumed cascade", id)
		}
	}
	if c, _ := category(t, top); c.ChildCount != 0 || len(childIDs(t, top)) != 0 {
		t.Errorf("top after the cascade: childCount %d, children %v", c.ChildCount, childIDs(t, top))
	}
	if exists(t, store.CategoryNameKey(top, "root")) || exists(t, store.CategorySlugKey(top, "root")) {
		t.Error("the root's name claims survived")
	}
}

// With a tiny rank step, inserting again and again at one spot renumbers
// the siblings; a renumbering that stops part-way keeps their order.
func TestCategoryRenumberKeepsOrder(t *testing.T) {
	ctx := context.Background()
	svc := categoryService(db)
	svc.Step = 4
	parent := newCat(t, svc, "Renumber faults "+ids.New(), "")
	var want []string
	for i := range 30 {
		want = append(want, newCat(t, svc, fmt.Sprintf("C%02d", i), parent))
	}
	insertBefore := func(s *categories.Service, name, before string) (string, error) {
		in := categories.Input{Name: &name, ParentID: categories.Nullable{Set: true, Value: &parent}, Before: &before}
		v, err := s.Create(ctx, audit.System, in)
		if err != nil {
			return "", err
		}
		return v.ID, nil
	}
	// Gap 4 between C00 and C01: two inserts fit, the third renumbers.
	c01 := want[1]
	for i := range 2 {
		id, err := insertBefore(svc, fmt.Sprintf("In%d", i), c01)
		if err != nil {
			t.Fatal(err)
		}
		want = slices.Insert(want, slices.Index(want, c01), id)
	}
	if got := childIDs(t, parent); !slices.Equal(got, want) {
		t.Fatalf("order before renumbering:\n got %v\nwant %v", got, want)
	}
	// 32 children: a renumbering takes two transactions; the second fails.
	broken := categoryService(storeFailingTx(2))
	broken.Step = 4
	if _, err := insertBefore(broken, "Broken", c01); err == nil {
		t.Fatal("insert succeeded although the renumbering failed")
	}
	if got := childIDs(t, parent); !slices.Equal(got, want) {
		t.Fatalf("order after a renumbering stopped part-way:\n got %v\nwant %v", got, want)
	}
	id, err := insertBefore(svc, "Fixed", c01)
	if err != nil {
		t.Fatal(err)
	}
	want = slices.Insert(want, slices.Index(want, c01), id)
	if got := childIDs(t, parent); !slices.Equal(got, want) {
		t.Fatalf("order after renumbering:\n got %v\nwant %v", got, want)
	}
}

// countingDB counts Query calls.
type countingDB struct {
	store.DB
	queries atomic.Int64
}

func (c *countingDB) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.queries.Add(1)
	return c.DB.Query(ctx, in, opts...)
}

// The tree of 3,330 categories (30 × 10 × 10, three levels) is read in a few
// Query pages, not one read per category or per parent.
func TestCategoryTreeRoundTrips(t *testing.T) {
	ctx := context.Background()
	stamp := db.Now().Format("2006-01-02T15:04:05Z")
	var items []store.Category
	mk := func(parentID string, i int) string {
		c := store.Category{ID: ids.New(), ParentID: parentID, Name: fmt.Sprintf("Category %d", i),
			Slug: fmt.Sprintf("category-%d", i), Description: "A category made in bulk for the round-trip test.",
			Rank: int64(i+1) << 20, CreatedAt: stamp, UpdatedAt: stamp, Version: 1}
		items = append(items, *c.Index())
		return c.ID
	}
	var roots []string
	for i := range 30 {
		r := mk("", i)
		roots = append(roots, r)
		for j := range 10 {
			m := mk(r, j)
			for k := range 10 {
				mk(m, k)
			}
		}
	}
	for start := 0; start < len(items); start += 25 {
		var reqs []types.WriteRequest
		for _, c := range items[start:min(start+25, len(items))] {
			av, err := attributevalue.MarshalMap(c)
			if err != nil {
				t.Fatal(err)
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
		}
		if _, err := db.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{db.Table: reqs}}); err != nil {
			t.Fatal(err)
		}
	}
	counting := &countingDB{DB: db.DB}
	svc := categoryService(store.New(counting, db.Table))
	tree, err := svc.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	var count func(nodes []*categories.Node) int
	count = func(nodes []*categories.Node) int {
		n := len(nodes)
		for _, c := range nodes {
			n += count(c.Children)
		}
		return n
	}
	for _, n := range tree {
		if slices.Contains(roots, n.ID) {
			found++
			if len(n.Children) != 10 || count(n.Children) != 110 || n.Children[3].Name != "Category 3" {
				t.Fatalf("root %s: %d children, %d below", n.ID, len(n.Children), count(n.Children))
			}
		}
	}
	if found != 30 {
		t.Fatalf("%d of 30 roots in the tree", found)
	}
	q := counting.queries.Load()
	t.Logf("tree of %d categories: %d Query calls", count(tree), q)
	if q > 5 {
		t.Errorf("%d Query calls for the tree, want at most 5 (1 MB pages)", q)
	}
}
