// Package categories holds the rules for product categories: a tree of
// named categories with a description and a thumbnail, siblings ordered by
// sparse ranks (a move rewrites one item), names and URL slugs unique among
// siblings, no cycles, and deletes that refuse or cascade over children.
// infra/DATA.md lists the items and the access patterns.
package categories

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/shared/api"
	"backoffice/shared/audit"
	"backoffice/shared/ids"
	"backoffice/shared/list"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Limits of the editable fields.
const (
	MaxName        = 100
	MaxDescription = 2000
	MaxURL         = 2048
	// MaxRank is the largest integer a JSON number holds exactly in
	// JavaScript (2^53 - 1), well inside store.RankWidth digits.
	MaxRank = 1<<53 - 1
	// DefaultStep is the gap between ranks given out at the end of a list
	// and by a renumbering: 20 halvings fit between two neighbours before a
	// renumbering is needed.
	DefaultStep = 1 << 20
	// maxDepth bounds the walk up the tree on a move (and with it the
	// size of the move's transaction, which checks every ancestor).
	maxDepth = 50
)

// Objects is the thumbnail bucket, seen from the functions that use it.
type Objects interface {
	// PresignPut returns a URL that accepts one PUT of exactly this content
	// type and length until ttl passes, with the headers the PUT must send.
	PresignPut(ctx context.Context, key, contentType string, length int64, ttl time.Duration) (string, map[string]string, error)
	Delete(ctx context.Context, key string) error
}

// Service applies the category rules.
type Service struct {
	Store *store.Store
	Now   func() time.Time
	// Objects and BaseURL (public base of the bucket's objects) are set in
	// the functions that issue or remove thumbnails.
	Objects Objects
	BaseURL string
	// Step is the rank gap; 0 means DefaultStep.
	Step int64
}

func (s *Service) step() int64 {
	if s.Step > 0 {
		return s.Step
	}
	return DefaultStep
}

// View is a category as the API shows it.
type View struct {
	ID           string  `json:"id"`
	ParentID     *string `json:"parentId"`
	Name         string  `json:"name"`
	Slug         string  `json:"slug"`
	Description  string  `json:"description"`
	ThumbnailURL string  `json:"thumbnailUrl,omitempty"`
	Position     int64   `json:"position"`
	ChildCount   int     `json:"childCount"`
	CreatedAt    string  `json:"createdAt"`
	UpdatedAt    string  `json:"updatedAt"`
	Version      int64   `json:"version"`
}

// Node is a category with its children, for the tree.
type Node struct {
	View
	Children []*Node `json:"children"`
}

func viewOf(c *store.Category) View {
	v := View{ID: c.ID, Name: c.Name, Slug: c.Slug, Description: c.Description, ThumbnailURL: c.ThumbnailURL,
		Position: c.Rank, ChildCount: max(c.ChildCount, 0), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
	if c.ParentID != "" {
		p := c.ParentID
		v.ParentID = &p
	}
	return v
}

// Nullable is a JSON field that may be absent, null or a string: PATCH
// {"parentId":null} moves to the top level, leaving it out keeps the parent.
type Nullable struct {
	Set   bool
	Value *string
}

// UnmarshalJSON records that the field was present.
func (n *Nullable) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: "non-string", Type: reflect.TypeFor[string]()}
	}
	n.Value = &s
	return nil
}

func (n Nullable) str() string {
	if n.Value == nil {
		return ""
	}
	return *n.Value
}

// Input is the body of create and edit; nil or unset keeps a field.
type Input struct {
	Name         *string  `json:"name"`
	Description  *string  `json:"description"`
	ParentID     Nullable `json:"parentId"`
	Position     *int64   `json:"position"`
	Before       *string  `json:"before"`
	After        *string  `json:"after"`
	ThumbnailURL Nullable `json:"thumbnailUrl"`
}

func (in *Input) validate(create bool) error {
	var f problem.Fields
	if in.Name == nil && create {
		f.Add(problem.Required("name"))
	}
	if in.Name != nil {
		v := text.CleanLine(*in.Name)
		switch {
		case text.HasControl(*in.Name):
			f.Add(problem.ControlCharacters("name"))
		case v == "":
			f.Add(problem.Required("name"))
		case utf8.RuneCountInString(v) > MaxName:
			f.Add(problem.TooLong("name", MaxName))
		case Slug(v) == "":
			f.Add(problem.InvalidFormat("name", problem.FormatLetterOrDigit))
		}
		in.Name = &v
	}
	if in.Description != nil {
		v := strings.TrimSpace(strings.ReplaceAll(*in.Description, "\r\n", "\n"))
		if text.HasControl(strings.ReplaceAll(v, "\n", "")) {
			f.Add(problem.ControlCharacters("description"))
		} else if utf8.RuneCountInString(v) > MaxDescription {
			f.Add(problem.TooLong("description", MaxDescription))
		}
		in.Description = &v
	}
	if in.ParentID.Set && in.ParentID.Value != nil && !ids.Valid(*in.ParentID.Value) {
		f.Add(problem.InvalidFormat("parentId", problem.FormatID).Saying("must be a category id or null"))
	}
	placed := 0
	if in.Position != nil {
		placed++
		if *in.Position < 0 || *in.Position > MaxRank {
			f.Add(problem.OutOfRange("position", 0, MaxRank))
		}
	}
	for _, sib := range []struct {
		name string
		v    *string
	}{{"before", in.Before}, {"after", in.After}} {
		if sib.v != nil {
			placed++
			if !ids.Valid(*sib.v) {
				f.Add(problem.InvalidFormat(sib.name, problem.FormatID).Saying("must be a category id"))
			}
		}
	}
	if placed > 1 {
		f.Add(problem.Exclusive("position", "position", "before", "after"))
	}
	if in.ThumbnailURL.Set && in.ThumbnailURL.Value != nil {
		if fe, ok := checkURL("thumbnailUrl", *in.ThumbnailURL.Value); !ok {
			f.Add(fe)
		}
	}
	return f.Err()
}

// checkURL accepts an absolute https URL of an image host.
func checkURL(field, raw string) (problem.FieldError, bool) {
	u, err := url.Parse(raw)
	switch {
	case len(raw) > MaxURL:
		return problem.TooLong(field, MaxURL), false
	case text.HasControl(raw) || strings.ContainsAny(raw, " <>\"\\"):
		return problem.InvalidFormat(field, problem.FormatHTTPSURL), false
	case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "":
		return problem.InvalidFormat(field, problem.FormatHTTPSURL), false
	}
	return problem.FieldError{}, true
}

// get reads one category (consistent: writes decide on it).
func (s *Service) get(ctx context.Context, id string) (*store.Category, error) {
	if !ids.Valid(id) {
		return nil, problem.NotFound
	}
	var c store.Category
	if err := s.Store.Load(ctx, store.CategoryKey(id), &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Get reads one category.
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	c, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	v := viewOf(c)
	return &v, nil
}

// ListQuery is GET /categories.
type ListQuery struct {
	ParentID string // "" = top level
	Limit    int
	Cursor   string
}

// ParseListQuery validates ?parentId=root|<id>&limit&cursor.
func ParseListQuery(params map[string]string) (ListQuery, error) {
	q := ListQuery{Limit: 100, Cursor: params["cursor"]}
	var f problem.Fields
	switch p := params["parentId"]; {
	case p == "" || p == "root":
	case ids.Valid(p):
		q.ParentID = p
	default:
		f.Add(problem.InvalidFormat("parentId", problem.FormatID).Saying("must be root or a category id"))
	}
	if raw, ok := params["limit"]; ok {
		var n int
		if _, err := fmt.Sscan(raw, &n); err != nil || n < 1 || n > 100 || fmt.Sprint(n) != raw {
			f.Add(problem.OutOfRange("limit", 1, 100))
		}
		q.Limit = n
	}
	return q, f.Err()
}

// List returns one page of a parent's children in order: one Query on the
// parent's gsi5 partition. An empty page of an unknown parent is 404.
func (s *Service) List(ctx context.Context, lister *list.Lister, q ListQuery) ([]View, *string, error) {
	spec := list.Spec{Limit: q.Limit, Shape: "categories:" + store.CategoryParent(q.ParentID),
		Sources: []list.Source{{Index: store.IndexByOther, Partitions: []string{store.CategoryChildrenPartition(q.ParentID)}}}}
	page, err := lister.Run(ctx, spec, q.Cursor)
	if err != nil {
		return nil, nil, err
	}
	views := make([]View, 0, len(page.Items))
	for _, item := range page.Items {
		var c store.Category
		if err := store.Unmarshal(item, &c); err != nil {
			return nil, nil, err
		}
		views = append(views, viewOf(&c))
	}
	if len(views) == 0 && q.ParentID != "" && q.Cursor == "" {
		if _, err := s.get(ctx, q.ParentID); err != nil {
			return nil, nil, err
		}
	}
	return views, page.Next, nil
}

// Tree returns every category, nested, siblings in order. All categories
// share one gsi4 partition, so this is one Query page per MB of categories
// (a few thousand categories: a handful of round trips), never one per node.
func (s *Service) Tree(ctx context.Context) ([]*Node, error) {
	all, err := s.queryAll(ctx, store.IndexByCreated, "gsi4pk", store.CategoriesPartition, true)
	if err != nil {
		return nil, err
	}
	nodes := make(map[string]*Node, len(all))
	for i := range all {
		nodes[all[i].ID] = &Node{View: viewOf(&all[i]), Children: []*Node{}}
	}
	roots := []*Node{}
	for i := range all {
		n := nodes[all[i].ID]
		if p, ok := nodes[all[i].ParentID]; ok {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n) // top level (or a parent not yet visible in the index)
		}
	}
	var order func([]*Node)
	order = func(list []*Node) {
		sort.Slice(list, func(i, j int) bool {
			if list[i].Position != list[j].Position {
				return list[i].Position < list[j].Position
			}
			return list[i].ID < list[j].ID
		})
		for _, n := range list {
			order(n.Children)
		}
	}
	order(roots)
	return roots, nil
}

// queryAll reads every item of one index partition, in sort key order.
func (s *Service) queryAll(ctx context.Context, index, pkName, partition string, forward bool) ([]store.Category, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(expression.Key(pkName).Equal(expression.Value(partition))).Build()
	if err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName: &s.Store.Table, IndexName: aws.String(index), ScanIndexForward: aws.Bool(forward),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}
	var out []store.Category
	for {
		res, err := s.Store.DB.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", partition, err)
		}
		for _, item := range res.Items {
			var c store.Category
			if err := store.Unmarshal(item, &c); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// claims are the items that make a name and a slug unique among siblings.
func nameClaim(c *store.Category) map[string]any {
	k := store.CategoryNameKey(c.ParentID, text.Fold(c.Name))
	return map[string]any{"pk": k.PK, "sk": k.SK, "type": "CategoryName", "categoryId": c.ID, "name": c.Name}
}

func slugClaim(c *store.Category) map[string]any {
	k := store.CategorySlugKey(c.ParentID, c.Slug)
	return map[string]any{"pk": k.PK, "sk": k.SK, "type": "CategorySlug", "categoryId": c.ID, "slug": c.Slug}
}

var slugTaken = problem.NameTaken.With("A sibling category already has this URL slug; choose another name.")

func snapshot(c *store.Category) map[string]any {
	return map[string]any{"name": c.Name, "slug": c.Slug, "description": c.Description, "parentId": c.ParentID,
		"position": c.Rank, "thumbnailUrl": c.ThumbnailURL}
}

// Create adds a category at the end of its parent's children, or where
// position/before/after say.
func (s *Service) Create(ctx context.Context, actor audit.Actor, in Input) (*View, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	stamp := now.Format(time.RFC3339)
	c := &store.Category{ID: ids.New(), ParentID: in.ParentID.str(), Name: *in.Name, Slug: Slug(*in.Name),
		CreatedAt: stamp, UpdatedAt: stamp, Version: 1}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if in.ThumbnailURL.Value != nil {
		c.ThumbnailURL = *in.ThumbnailURL.Value
	}
	rank, _, err := s.place(ctx, actor, c.ParentID, c.ID, in)
	if err != nil {
		return nil, err
	}
	c.Rank = rank
	tx := s.Store.Tx()
	tx.PutNew(c.Index(), problem.Conflict)
	tx.PutNew(nameClaim(c), problem.NameTaken)
	tx.PutNew(slugClaim(c), slugTaken)
	if c.ParentID != "" {
		// The parent is not read first: this condition is the check that it
		// exists (and still does when the transaction commits).
		cond := expression.AttributeExists(expression.Name("pk"))
		tx.Update(store.CategoryKey(c.ParentID), expression.Add(expression.Name("childCount"), expression.Value(1)), &cond,
			problem.Invalid(problem.NoSuch("parentId", "category")))
	}
	ev := audit.New(actor, "category.create", "category", c.ID, "Created category "+c.Name, now)
	ev.Changes = audit.Diff(nil, snapshot(c))
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	v := viewOf(c)
	return &v, nil
}

// logDeleteFailure notes a thumbnail object that could not be removed: the
// change itself is done; the object is an orphan (the bucket's lifecycle
// rule does not cover it), worth a log line but not a failed request.
func logDeleteFailure(ctx context.Context, key string, err error) {
	api.Logger(ctx).Warn("thumbnail object not removed", "key", key, "error", err.Error())
}
