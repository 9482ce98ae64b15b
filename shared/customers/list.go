package customers

import (
	"context"
	"strings"

	"backoffice/shared/list"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// ListQuery is GET /customers' query string.
type ListQuery struct{ list.Params }

var sortIndex = map[string]string{
	"lastName":  store.IndexByLastName,
	"firstName": store.IndexByFirstName,
	"email":     store.IndexByEmail,
	"company":   store.IndexByOther,
	"createdAt": store.IndexByCreated,
}

// ParseListQuery validates the query parameters.
func ParseListQuery(params map[string]string) (ListQuery, error) {
	var f problem.Fields
	q := ListQuery{list.ParseParams(params, []string{"lastName", "firstName", "email", "company", "createdAt"}, &f)}
	return q, f.Err()
}

// Spec turns the query into list sources: one index per sort field, with a
// partition per status (one Query for a status filter, three merged page by
// page without one), or a prefix search over last name, first name, email
// and company. A page costs the same at 1,000 or 100,000 customers.
func (q ListQuery) Spec() list.Spec {
	parts := q.StatusParts(store.CustomerPartition)
	spec := list.Spec{Limit: q.Limit, Descending: q.Order == "desc",
		Shape: strings.Join([]string{"customers", q.Q, q.Status, q.Sort, q.Order}, "|")}
	if q.Q != "" {
		spec.Descending = false
		spec.Sources = list.Search(q.Q, parts, store.IndexByOther)
		return spec
	}
	spec.Sources = []list.Source{{Index: sortIndex[q.Sort], Partitions: parts}}
	return spec
}

// List answers one page of customers: the index items are the profiles
// (projection ALL), so a page is its Queries and nothing more.
func (s *Service) List(ctx context.Context, lister *list.Lister, q ListQuery) ([]View, *string, error) {
	page, err := lister.Run(ctx, q.Spec(), q.Cursor)
	if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	views := make([]View, 0, len(page.Items))
	for _, it := range page.Items {
		var c store.Customer
		if err := store.Unmarshal(it, &c); err != nil {
			return nil, nil, err
		}
		views = append(views, ViewOf(&c, now))
	}
	return views, page.Next, nil
}
