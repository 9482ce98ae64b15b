package listbench

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"backoffice/infra/bench"
	"backoffice/shared/customers"
	"backoffice/shared/list"
)

// Shape is one kind of customer list page: its query string, and whether
// the page measured is the second one (reached with the first's cursor).
type Shape struct {
	Name  string
	Query url.Values
	Page2 bool
}

// Shapes are the list pages measured: every sort ascending, two
// descending, each status filter and none, searches of different
// selectivity in the seeded data (infra/seed: 28 last names, 30 first
// names, 20 companies), a full page of 100, and second pages.
func Shapes() []Shape {
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	return []Shape{
		{Name: "sort=lastName (no filter)", Query: q()},
		{Name: "sort=firstName", Query: q("sort", "firstName")},
		{Name: "sort=email", Query: q("sort", "email")},
		{Name: "sort=company", Query: q("sort", "company")},
		{Name: "sort=createdAt", Query: q("sort", "createdAt")},
		{Name: "sort=lastName&order=desc", Query: q("order", "desc")},
		{Name: "sort=createdAt&order=desc", Query: q("sort", "createdAt", "order", "desc")},
		{Name: "status=active", Query: q("status", "active")},
		{Name: "status=inactive", Query: q("status", "inactive")},
		{Name: "status=invited", Query: q("status", "invited")},
		{Name: "limit=100", Query: q("limit", "100")},
		// "m": four last names, a first name, a company: the page fills
		// from the last-name source.
		{Name: "q=m (broad)", Query: q("q", "m")},
		// "schr": one last name in 28 (Schröder) and a company.
		{Name: "q=schr (1 last name in 28)", Query: q("q", "schr")},
		// "özl": no last name; one first name in 30 (Özlem): the last-name
		// source is read empty, the page fills from the first-name source.
		{Name: "q=özl (first names only)", Query: q("q", "özl")},
		{Name: "q=schr&status=active", Query: q("q", "schr", "status", "active")},
		// An email prefix: one customer in 840 has it, so at 1,000 the page
		// holds about one customer and every source is read to its end.
		{Name: "q=xander.bauer (email, ~1 in 840)", Query: q("q", "xander.bauer")},
		// Nothing matches: all 4 sources × 3 partitions read empty.
		{Name: "q=zzz (no hits)", Query: q("q", "zzz")},
		{Name: "page 2: sort=lastName", Query: q(), Page2: true},
		{Name: "page 2: sort=createdAt&order=desc", Query: q("sort", "createdAt", "order", "desc"), Page2: true},
		{Name: "page 2: q=m", Query: q("q", "m"), Page2: true},
	}
}

// Limit is the page size the shape asks for.
func (sh Shape) Limit() int {
	q, err := customers.ParseListQuery(params(sh.Query))
	if err != nil {
		return 0
	}
	return q.Limit
}

// params turns the query string into what ParseListQuery takes.
func params(v url.Values) map[string]string {
	m := map[string]string{}
	for k := range v {
		m[k] = v.Get(k)
	}
	return m
}

// Walk is how many pages a shape's cost is the mean of. A page's reads
// depend on where its partitions' windows run out (shared/list), so one page
// may read a 4 KB step more or less than the next at any table size; the
// mean of a few pages is what a page costs. A larger size walks as many
// pages as the smallest had, so page k is compared with page k.
const Walk = 8

// PageCost is the read cost of a shape's pages: up to Walk of them from the
// shape's page on, fewer when the list ends.
type PageCost struct {
	Reading               // the pages' Queries, summed
	Pages   int           // pages read
	Listed  int           // customers on them
	Direct  time.Duration // median time of Service.List alone (TimeList), 0 if not measured
}

// PerPage is the mean read units of a page.
func (c PageCost) PerPage() float64 { return c.Units / float64(max(c.Pages, 1)) }

// Mean is n per page, for the counts of Reading and Listed.
func (c PageCost) Mean(n int) float64 { return float64(n) / float64(max(c.Pages, 1)) }

// pageQuery is the shape's parsed query; for a second page it carries the
// cursor the first page gave.
func pageQuery(ctx context.Context, svc *customers.Service, lister *list.Lister, sh Shape) (customers.ListQuery, error) {
	p := params(sh.Query)
	if sh.Page2 {
		q, err := customers.ParseListQuery(p)
		if err != nil {
			return q, fmt.Errorf("%s: %w", sh.Name, err)
		}
		_, next, err := svc.List(ctx, lister, q)
		if err != nil {
			return q, fmt.Errorf("%s: first page: %w", sh.Name, err)
		}
		if next == nil {
			return q, fmt.Errorf("%s: the first page has no next cursor", sh.Name)
		}
		p["cursor"] = *next
	}
	q, err := customers.ParseListQuery(p)
	if err != nil {
		return q, fmt.Errorf("%s: %w", sh.Name, err)
	}
	return q, nil
}

// MeasurePages lists the shape's page and the pages after it, up to pages
// in all or the list's end, through customers.Service.List on a Lister whose
// store reads through cdb, and returns what those pages' Queries consumed
// (for a second page: not the first's).
func MeasurePages(ctx context.Context, svc *customers.Service, lister *list.Lister, cdb *CapacityDB, sh Shape, pages int) (PageCost, error) {
	q, err := pageQuery(ctx, svc, lister, sh)
	if err != nil {
		return PageCost{}, err
	}
	cdb.Take()
	c := PageCost{}
	for c.Pages < pages {
		views, next, err := svc.List(ctx, lister, q)
		if err != nil {
			return PageCost{}, fmt.Errorf("%s: page %d: %w", sh.Name, c.Pages+1, err)
		}
		c.Pages++
		c.Listed += len(views)
		if next == nil {
			break
		}
		q.Cursor = *next
	}
	c.Reading = cdb.Take()
	return c, nil
}

// TimeList calls customers.Service.List for the shape's page n times, one
// after the other, and returns the median: the list's own time against
// DynamoDB, without the API gateway, the authorizer and the caller check.
func TimeList(ctx context.Context, svc *customers.Service, lister *list.Lister, sh Shape, n int) (time.Duration, error) {
	q, err := pageQuery(ctx, svc, lister, sh)
	if err != nil {
		return 0, err
	}
	var took []time.Duration
	for range n {
		t0 := time.Now()
		if _, _, err := svc.List(ctx, lister, q); err != nil {
			return 0, fmt.Errorf("%s: %w", sh.Name, err)
		}
		took = append(took, time.Since(t0))
	}
	return bench.Percentile(took, 50), nil
}
