//go:build integration

package api_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	seeding "backoffice/infra/seed"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// GET /customers on 2,000 seeded customers (plus whatever other tests left):
// every sort and order, each status, and searches, each compared with the
// same list computed here from the seeded data; every walk must return each
// customer exactly once.
func TestCustomerListOn2000(t *testing.T) {
	_, owner := newOwner(t)
	all := func(q url.Values) []listed { return walkList(t, "/customers", owner, q) }
	before := all(url.Values{"limit": {"100"}})

	marker := "s" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	seeded := seeding.Customers(2000, marker, 42)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	began := time.Now()
	if err := seeding.Write(ctx, testStore(), seeded, 8); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded 2,000 customers in %s", time.Since(began).Round(time.Millisecond))

	universe := append([]listed(nil), before...)
	for _, c := range seeded {
		universe = append(universe, listed{ID: c.ID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName,
			Status: c.Status, CreatedAt: c.CreatedAt, Company: c.Company})
	}
	expectList := func(label string, q url.Values, want []listed) {
		t.Helper()
		got := all(q)
		if len(got) != len(want) {
			t.Errorf("%s: %d customers listed, want %d", label, len(got), len(want))
		}
		for i := range min(len(got), len(want)) {
			if got[i].ID != want[i].ID {
				lo, hi := max(i-2, 0), min(i+3, len(got), len(want))
				t.Errorf("%s: differs at %d\n got: %s\nwant: %s", label, i, names(got[lo:hi]), names(want[lo:hi]))
				return
			}
		}
	}
	sorted := func(sort string, desc bool, ps []listed) []listed {
		out := slices.Clone(ps)
		slices.SortFunc(out, func(a, b listed) int {
			c := slices.Compare(customerKey(sort, a), customerKey(sort, b))
			if desc {
				return -c
			}
			return c
		})
		return out
	}

	for _, sort := range []string{"lastName", "firstName", "email", "company", "createdAt"} {
		for _, order := range []string{"asc", "desc"} {
			expectList("sort="+sort+"&order="+order, url.Values{"sort": {sort}, "order": {order}, "limit": {"100"}},
				sorted(sort, order == "desc", universe))
		}
	}
	for _, status := range []string{store.StatusActive, store.StatusInactive, store.StatusInvited} {
		var want []listed
		for _, p := range universe {
			if p.Status == status {
				want = append(want, p)
			}
		}
		expectList("status="+status, url.Values{"status": {status}, "sort": {"company"}, "limit": {"77"}}, sorted("company", false, want))
	}

	// Searches: grouped by the field that matched (last name, first name,
	// email, company), each group in its own order, nobody twice.
	for _, q := range []string{"mül", "ZOË", "de v", "bäck", "anna.", "ö", "x"} {
		var groups [4][]listed
		folded, lower := text.Fold(q), strings.ToLower(q)
		for _, p := range universe {
			switch {
			case strings.HasPrefix(text.Fold(p.LastName), folded):
				groups[0] = append(groups[0], p)
			case strings.HasPrefix(text.Fold(p.FirstName), folded):
				groups[1] = append(groups[1], p)
			case strings.HasPrefix(p.Email, lower):
				groups[2] = append(groups[2], p)
			case p.Company != "" && strings.HasPrefix(text.Fold(p.Company), folded):
				groups[3] = append(groups[3], p)
			}
		}
		want := slices.Concat(sorted("lastName", false, groups[0]), sorted("firstName", false, groups[1]),
			sorted("email", false, groups[2]), sorted("company", false, groups[3]))
		if len(want) == 0 && q != "x" {
			t.Fatalf("q=%s matches nothing seeded: the test data changed", q)
		}
		expectList("q="+q, url.Values{"q": {q}, "limit": {"50"}}, want)
	}
}

// customerKey is a customer list's order (infra/openapi.yaml, infra/DATA.md): folded
// names, email, creation time, or company with customers without one last;
// ties broken by the id.
func customerKey(sort string, p listed) []string {
	last, first := text.Fold(p.LastName), text.Fold(p.FirstName)
	switch sort {
	case "company":
		company := text.Fold(p.Company)
		if company == "" {
			company = "\U0010FFFF"
		}
		return []string{company, last, first, p.ID}
	case "lastName":
		return []string{last, first, p.ID}
	case "firstName":
		return []string{first, last, p.ID}
	case "email":
		return []string{p.Email, p.ID}
	case "createdAt":
		return []string{p.CreatedAt, p.ID}
	}
	panic(sort)
}
