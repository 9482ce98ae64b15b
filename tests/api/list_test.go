//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	seeding "backoffice/infra/seed"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/ids"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// GET /staff is checked against the whole table: other tests' people share
// the partitions, so every expectation is computed from a full walk of the
// list, and the people seeded here must all be in it.

const pageLimit = 37

// listed is one staff member of a list answer.
type listed struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Status    string `json:"status"`
	CreatedAt string `json:"createdAt"`
	Company   string `json:"company"` // customers only
	Roles     []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"roles"`
}

func (p listed) hasRole(id string) bool {
	return slices.ContainsFunc(p.Roles, func(r struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}) bool {
		return r.ID == id
	})
}

// seeded is a person this file put in the table.
type seeded struct {
	ID, Email, FirstName, LastName, Status string
	Admin                                  bool
}

// Names with accents, case variety, particles and apostrophes. No last
// name is another one followed by a space (nor first names): that case has
// a test of its own (TestStaffListShorterLastNameSortsFirst).
var (
	seedLastNames = []string{
		"Müller", "Muller", "muller", "MÜLLER", "Ærø", "van der Berg", "O'Neil", "Šimonová", "de Vries",
		"Østergaard", "Łukasiewicz", "Nguyễn", "García", "Özdemir", "Dubois", "Jansen", "Smith", "smith",
		"Kowalski", "Björk", "Straße", "Strasse", "d'Artagnan", "Ångström", "McDonald", "Macdonald",
		"Andersson", "Zeller", "Ñúñez", "Müller-Lüdenscheidt", "El Amrani", "Bakker",
	}
	seedFirstNames = []string{
		"Zoë", "Šimon", "Jürgen", "Anna", "anna", "ÉMILE", "Chloé", "Søren", "Łucja", "Björn", "Ana",
		"Jean-Luc", "Mette", "Ülkü", "François", "Ines", "Zoe", "Anders", "Ægir", "Noa", "Muller",
	}
)

var (
	seedOnce   sync.Once
	seedErr    error
	seedPeople []seeded
	seedMarker string
)

// seedStaff puts 300 people in the table once per run: a third invited
// through staff.Service.Invite (profile, email claim, seat, token, outbox
// mail, member items, audit, as an invitation through the API), the others
// active or inactive written directly as the domain writes them (profile
// with its index keys, member items, email claim, seat and member counters).
func seedStaff(t *testing.T) []seeded {
	t.Helper()
	seedOnce.Do(func() { seedPeople, seedErr = seed(300) })
	if seedErr != nil {
		t.Fatalf("seed: %v", seedErr)
	}
	return seedPeople
}

func seed(n int) ([]seeded, error) {
	ctx := context.Background()
	db := testStore()
	seedMarker = "lst" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	base := time.Now().UTC().Truncate(time.Second).Add(-72 * time.Hour)
	people := make([]seeded, n)
	var direct []any
	admins, active := 0, 0
	type job struct {
		i  int
		at time.Time
	}
	jobs := make(chan job)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				p := &people[j.i]
				at := j.at
				svc := &staff.Service{Store: db, Now: func() time.Time { return at }}
				var roles []string
				if p.Admin {
					roles = []string{auth.AdminRoleID}
				}
				inv, err := svc.Invite(ctx, audit.System, "List Seeder",
					staff.InviteInput{Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, RoleIDs: roles, Locale: "en"}, st.URL)
				if err != nil {
					errs <- fmt.Errorf("invite %s: %w", p.Email, err)
					continue
				}
				p.ID = inv.Staff.ID
			}
		}()
	}
	for i := range people {
		p := &people[i]
		p.LastName = seedLastNames[(i*7)%len(seedLastNames)]
		p.FirstName = seedFirstNames[(i*5+i/len(seedLastNames))%len(seedFirstNames)]
		if i >= 4 && i <= 6 {
			// Matches a search for "muller" on both names.
			p.FirstName, p.LastName = "Muller", []string{"Müller", "muller", "MÜLLER"}[i-4]
		}
		p.Email = fmt.Sprintf("%s-%03d@example.com", seedMarker, i)
		p.Admin = i%7 == 3
		p.Status = []string{store.StatusInvited, store.StatusActive, store.StatusInactive}[i%3]
		// Many people share a second, so createdAt ties are broken by id.
		at := base.Add(time.Duration(i%40) * 37 * time.Minute)
		if p.Status == store.StatusInvited {
			jobs <- job{i, at}
			continue
		}
		stamp := at.Format(time.RFC3339)
		prof := &store.Staff{
			Person: store.Person{ID: ids.New(), Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, Status: p.Status,
				Locale: "en", CreatedAt: stamp, UpdatedAt: stamp, Sub: "seed-" + strconv.Itoa(i), Version: 2},
			RoleIDs: []string{}, InvitedBy: "system",
		}
		if p.Admin {
			prof.RoleIDs = []string{auth.AdminRoleID}
			admins++
		}
		if p.Status == store.StatusActive {
			active++
		}
		p.ID = prof.ID
		direct = append(direct, prof.Index(), store.NewEmailClaim(store.RealmStaff, p.Email, p.ID))
		for _, m := range prof.Members() {
			direct = append(direct, m)
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		return nil, err
	}
	if err := batchPutAll(ctx, db, direct); err != nil {
		return nil, err
	}
	// The counters the domain keeps: active people hold a seat, members count.
	tx := db.Tx()
	tx.Update(store.SettingsKey(), expression.Add(expression.Name("seatsUsed"), expression.Value(active)), nil, nil)
	tx.Update(store.RoleKey(auth.AdminRoleID), expression.Add(expression.Name("memberCount"), expression.Value(admins)), nil, nil)
	return people, db.Write(ctx, tx)
}

// batchPutAll writes items 25 at a time with BatchWriteItem.
func batchPutAll(ctx context.Context, db *store.Store, items []any) error {
	for start := 0; start < len(items); start += 25 {
		if err := seeding.BatchPut(ctx, db, items[start:min(start+25, len(items))]); err != nil {
			return err
		}
	}
	return nil
}

// walk reads every page of GET /staff?query, checking that no id comes
// twice and that every page but the last is full.
func walk(t *testing.T, token string, query url.Values) []listed {
	t.Helper()
	return walkList(t, "/staff", token, query)
}

// walkList reads every page of GET path?query (a people list).
func walkList(t *testing.T, path, token string, query url.Values) []listed {
	t.Helper()
	var all []listed
	seen := map[string]bool{}
	cursor := ""
	limit, _ := strconv.Atoi(query.Get("limit"))
	for page := 0; ; page++ {
		if page > 400 {
			t.Fatalf("%s: more than 200 pages", query.Encode())
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		a := call(t, "GET", path+"?"+q.Encode(), token, nil)
		expect(t, a, 200)
		var body struct {
			Items      []listed `json:"items"`
			NextCursor *string  `json:"nextCursor"`
		}
		decode(t, a, &body)
		if _, ok := a.JSON["nextCursor"]; !ok {
			t.Fatalf("%s: answer without nextCursor: %s", query.Encode(), a.Raw)
		}
		if limit > 0 && len(body.Items) > limit {
			t.Fatalf("%s: page of %d items, limit %d", query.Encode(), len(body.Items), limit)
		}
		for _, p := range body.Items {
			if seen[p.ID] {
				t.Errorf("%s: %s (%s %s) listed twice", query.Encode(), p.ID, p.FirstName, p.LastName)
			}
			seen[p.ID] = true
			all = append(all, p)
		}
		if body.NextCursor == nil {
			return all
		}
		if limit > 0 && len(body.Items) < limit {
			t.Errorf("%s: page %d has %d items but a next cursor", query.Encode(), page, len(body.Items))
		}
		cursor = *body.NextCursor
	}
}

func decode(t *testing.T, a answer, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.Raw), v); err != nil {
		t.Fatalf("decode %s: %v", a.Raw, err)
	}
}

// The comparison keys, as infra/openapi.yaml and infra/DATA.md define the orders: folded
// (lowercase, accents removed) last name, then first name, then id; email;
// createdAt then id; status (active < inactive < invited), then the
// last-name key. Fields compare as whole strings, one after the other.
func sortKey(sort string, p listed) []string {
	last, first := text.Fold(p.LastName), text.Fold(p.FirstName)
	switch sort {
	case "lastName":
		return []string{last, first, p.ID}
	case "firstName":
		return []string{first, last, p.ID}
	case "email":
		return []string{p.Email, p.ID}
	case "createdAt":
		return []string{p.CreatedAt, p.ID}
	case "status":
		rank := map[string]string{store.StatusActive: "0", store.StatusInactive: "1", store.StatusInvited: "2"}[p.Status]
		return []string{rank, last, first, p.ID}
	}
	panic(sort)
}

// checkOrder reports the first place where got breaks the order.
func checkOrder(t *testing.T, label, sort string, desc bool, got []listed) {
	t.Helper()
	want := slices.Clone(got)
	slices.SortStableFunc(want, func(a, b listed) int {
		c := slices.Compare(sortKey(sort, a), sortKey(sort, b))
		if desc {
			return -c
		}
		return c
	})
	for i := range got {
		if got[i].ID != want[i].ID {
			lo, hi := max(i-2, 0), min(i+3, len(got))
			t.Errorf("%s: order breaks at position %d\n got: %s\nwant: %s", label, i, names(got[lo:hi]), names(want[lo:hi]))
			return
		}
	}
}

func names(ps []listed) string {
	var b []string
	for _, p := range ps {
		b = append(b, fmt.Sprintf("%q %q %s %s", p.LastName, p.FirstName, p.Status, p.ID[len(p.ID)-4:]))
	}
	return strings.Join(b, " | ")
}

func idSet(ps []listed) map[string]bool {
	m := map[string]bool{}
	for _, p := range ps {
		m[p.ID] = true
	}
	return m
}

func TestStaffListEverySortOrderAndStatusFilter(t *testing.T) {
	people := seedStaff(t)
	_, owner := newOwner(t)
	var everyone map[string]bool
	for _, sort := range []string{"lastName", "firstName", "email", "createdAt", "status"} {
		for _, order := range []string{"asc", "desc"} {
			for _, status := range []string{"", store.StatusActive} {
				q := url.Values{"sort": {sort}, "order": {order}, "limit": {strconv.Itoa(pageLimit)}}
				if status != "" {
					q.Set("status", status)
				}
				label := q.Encode()
				got := walk(t, owner, q)
				checkOrder(t, label, sort, order == "desc", got)
				ids := idSet(got)
				for _, p := range got {
					if status != "" && p.Status != status {
						t.Errorf("%s: %s is %s", label, p.ID, p.Status)
					}
				}
				for _, p := range people {
					if (status == "" || p.Status == status) != ids[p.ID] {
						t.Errorf("%s: seeded %s (%s %s, %s) listed=%v", label, p.ID, p.FirstName, p.LastName, p.Status, ids[p.ID])
					}
				}
				if status == "" {
					if everyone == nil {
						everyone = ids
					} else if !maps.Equal(everyone, ids) {
						t.Errorf("%s: %d people, the first walk had %d", label, len(ids), len(everyone))
					}
				}
			}
		}
	}
}

func TestStaffListRoleFilter(t *testing.T) {
	people := seedStaff(t)
	_, owner := newOwner(t)
	everyone := walk(t, owner, url.Values{"limit": {"100"}})
	for _, status := range []string{"", store.StatusActive, store.StatusInvited} {
		q := url.Values{"roleId": {auth.AdminRoleID}, "limit": {strconv.Itoa(pageLimit)}}
		if status != "" {
			q.Set("status", status)
		}
		label := q.Encode()
		got := walk(t, owner, q)
		checkOrder(t, label, "lastName", false, got)
		want := map[string]bool{}
		for _, p := range everyone {
			if p.hasRole(auth.AdminRoleID) && (status == "" || p.Status == status) {
				want[p.ID] = true
			}
		}
		if ids := idSet(got); !maps.Equal(ids, want) {
			for id := range want {
				if !ids[id] {
					t.Errorf("%s: admin %s missing", label, id)
				}
			}
			for _, p := range got {
				if !want[p.ID] {
					t.Errorf("%s: %s (%s %s, roles %v) is not an admin", label, p.ID, p.FirstName, p.LastName, p.Roles)
				}
			}
		}
		n := 0
		for _, p := range people {
			if p.Admin && (status == "" || p.Status == status) {
				n++
				if !want[p.ID] {
					t.Errorf("%s: seeded admin %s is not listed as admin at all", label, p.ID)
				}
			}
		}
		if n == 0 {
			t.Fatalf("%s: no seeded admins to look for", label)
		}
	}
}

// search walks GET /staff?q= with small pages (so every page boundary falls
// between sources) and checks the answer: no repeats, every hit matches the
// prefix in its folded last or first name or its lowercase email, and the
// hits come grouped by the field that matched (last name, then first name,
// then email), each group in that field's order (infra/openapi.yaml, the list parameters).
func search(t *testing.T, token, q string, extra url.Values) []listed {
	t.Helper()
	query := url.Values{"q": {q}, "limit": {"2"}}
	for k, v := range extra {
		query[k] = v
	}
	got := walk(t, token, query)
	folded, lower := text.Fold(q), strings.ToLower(strings.TrimSpace(q))
	var groups [3][]listed
	group := make([]int, len(got))
	for i, p := range got {
		switch {
		case strings.HasPrefix(text.Fold(p.LastName), folded):
			group[i] = 0
		case strings.HasPrefix(text.Fold(p.FirstName), folded):
			group[i] = 1
		case strings.HasPrefix(p.Email, lower):
			group[i] = 2
		default:
			t.Errorf("q=%q: %s (%s %s <%s>) does not match", q, p.ID, p.FirstName, p.LastName, p.Email)
			continue
		}
		if i > 0 && group[i] < group[i-1] {
			t.Errorf("q=%q: a %d-field hit after a %d-field hit at position %d", q, group[i], group[i-1], i)
		}
		groups[group[i]] = append(groups[group[i]], got[i])
	}
	for g, sort := range []string{"lastName", "firstName", "email"} {
		checkOrder(t, fmt.Sprintf("q=%q %s hits", q, sort), sort, false, groups[g])
	}
	return got
}

func TestStaffListSearch(t *testing.T) {
	people := seedStaff(t)
	_, owner := newOwner(t)

	// Case- and accent-insensitive: "müller" and "MULLER" find the same people.
	lower := search(t, owner, "müller", nil)
	upper := search(t, owner, "MULLER", nil)
	if !maps.Equal(idSet(lower), idSet(upper)) {
		t.Errorf("q=müller found %d, q=MULLER %d", len(lower), len(upper))
	}
	found := idSet(lower)
	mullers := 0
	for _, p := range people {
		if strings.HasPrefix(text.Fold(p.LastName), "muller") || strings.HasPrefix(text.Fold(p.FirstName), "muller") {
			mullers++
			if !found[p.ID] {
				t.Errorf("q=müller misses %s %s (%s)", p.FirstName, p.LastName, p.ID)
			}
		}
	}
	if mullers < 5 {
		t.Fatalf("only %d seeded Müllers", mullers)
	}

	// A person matching on last and first name ("Muller Müller") comes once:
	// walk() fails on repeats; make sure such a person exists.
	both := 0
	for _, p := range people {
		if strings.HasPrefix(text.Fold(p.LastName), "muller") && text.Fold(p.FirstName) == "muller" && found[p.ID] {
			both++
		}
	}
	if both == 0 {
		t.Error("no seeded person matches on both names; the no-repeat check saw none")
	}

	// Prefix of a first name, accents and case ignored.
	zoe := idSet(search(t, owner, "ZOË", nil))
	for _, p := range people {
		if text.Fold(p.FirstName) == "zoe" && !zoe[p.ID] {
			t.Errorf("q=ZOË misses %s %s", p.FirstName, p.LastName)
		}
	}

	// Prefix of an email: exactly the seeded addresses with that prefix.
	prefix := seedMarker + "-01"
	byEmail := search(t, owner, strings.ToUpper(prefix), nil)
	want := map[string]bool{}
	for _, p := range people {
		if strings.HasPrefix(p.Email, prefix) {
			want[p.ID] = true
		}
	}
	if len(want) != 10 || !maps.Equal(idSet(byEmail), want) {
		t.Errorf("q=%s found %d people, want the %d seeded ones", prefix, len(byEmail), len(want))
	}

	// With a status filter, only that status.
	for _, p := range search(t, owner, "muller", url.Values{"status": {store.StatusInactive}}) {
		if p.Status != store.StatusInactive {
			t.Errorf("status=inactive search gave %s (%s)", p.ID, p.Status)
		}
	}
}

// putPeople writes active or invited profiles directly and removes them
// when the test ends, so the full walks of other tests never see them.
func putPeople(t *testing.T, people []store.Staff) []store.Staff {
	t.Helper()
	db := testStore()
	stamp := time.Now().UTC().Format(time.RFC3339)
	var items []any
	for i := range people {
		p := &people[i]
		p.ID, p.Locale, p.CreatedAt, p.UpdatedAt, p.Version = ids.New(), "en", stamp, stamp, 1
		if p.RoleIDs == nil {
			p.RoleIDs = []string{}
		}
		items = append(items, p.Index())
	}
	if err := batchPutAll(context.Background(), db, items); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tx := db.Tx()
		for _, p := range people {
			tx.Delete(store.StaffKey(p.ID), nil, nil)
		}
		if err := db.Write(context.Background(), tx); err != nil {
			t.Errorf("remove test people: %v", err)
		}
	})
	return people
}

// Sorting by last name compares last names first: "Zwaanswijk" comes before
// "Zwaanswijk Bos" whatever their first names. The index key joins the
// folded names with "#", which sorts after the space, so a last name that
// is another one plus " …" is listed before it.
func TestStaffListShorterLastNameSortsFirst(t *testing.T) {
	_, owner := newOwner(t)
	marker := strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	people := putPeople(t, []store.Staff{
		{Person: store.Person{Email: "zw-" + marker + "-1@example.com", FirstName: "Anna", LastName: "Zwaanswijk Bos", Status: store.StatusActive}},
		{Person: store.Person{Email: "zw-" + marker + "-2@example.com", FirstName: "Zeger", LastName: "Zwaanswijk", Status: store.StatusActive}},
		{Person: store.Person{Email: "zw-" + marker + "-3@example.com", FirstName: "Maria", LastName: "Zwaan", Status: store.StatusActive}},
		{Person: store.Person{Email: "zw-" + marker + "-4@example.com", FirstName: "Jan", LastName: "Zwaan-Smit", Status: store.StatusActive}},
	})
	var order []string
	for _, p := range walk(t, owner, url.Values{"sort": {"lastName"}, "status": {store.StatusActive}, "limit": {"100"}}) {
		for _, want := range people {
			if p.ID == want.ID {
				order = append(order, p.LastName)
			}
		}
	}
	if want := []string{"Zwaan", "Zwaan-Smit", "Zwaanswijk", "Zwaanswijk Bos"}; !slices.Equal(order, want) {
		t.Errorf("sort=lastName lists %q, want %q", order, want)
	}
	// Same rule for first names within one last name.
	twins := putPeople(t, []store.Staff{
		{Person: store.Person{Email: "tw-" + marker + "-1@example.com", FirstName: "Anna Maria", LastName: "Zwiep", Status: store.StatusActive}},
		{Person: store.Person{Email: "tw-" + marker + "-2@example.com", FirstName: "Anna", LastName: "Zwiep", Status: store.StatusActive}},
	})
	got := search(t, owner, "zwiep", nil)
	if len(got) != 2 || got[0].ID != twins[1].ID {
		t.Errorf("q=zwiep lists %s, want Anna before Anna Maria", names(got))
	}
}

// With q, the first-name hits come in first-name order even when many
// people matching on both names (already listed among the last-name hits)
// fill the first-name index ahead of them in one status partition.
func TestStaffListSearchKeepsOrderPastSkippedHits(t *testing.T) {
	_, owner := newOwner(t)
	marker := strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	var people []store.Staff
	for i := 0; i < 5; i++ {
		people = append(people, store.Staff{Person: store.Person{Email: fmt.Sprintf("qq-%s-%d@example.com", marker, i), FirstName: "Quinn", LastName: "Quintero", Status: store.StatusActive}})
	}
	people = append(people,
		store.Staff{Person: store.Person{Email: "qq-" + marker + "-a@example.com", FirstName: "Quinta", LastName: "Berg", Status: store.StatusActive}},
		store.Staff{Person: store.Person{Email: "qq-" + marker + "-b@example.com", FirstName: "Quinton", LastName: "Smit", Status: store.StatusInvited}},
	)
	putPeople(t, people)
	got := search(t, owner, "quin", nil)
	var order []string
	for _, p := range got {
		order = append(order, p.FirstName+" "+p.LastName)
	}
	want := []string{"Quinn Quintero", "Quinn Quintero", "Quinn Quintero", "Quinn Quintero", "Quinn Quintero", "Quinta Berg", "Quinton Smit"}
	if !slices.Equal(order, want) {
		t.Errorf("q=quin (limit 2) lists %q, want %q", order, want)
	}
}

func TestStaffListBadParameters(t *testing.T) {
	_, owner := newOwner(t)
	for _, q := range []string{"sort=bogus", "limit=0", "limit=101", "limit=-1", "limit=ten", "status=x", "status=deleting", "order=sideways", "roleId=../x"} {
		expect(t, call(t, "GET", "/staff?"+q, owner, nil), 422, "validation_failed")
	}
	expect(t, call(t, "GET", "/staff?limit=1", owner, nil), 200)
	expect(t, call(t, "GET", "/staff?limit=100", owner, nil), 200)

	first := call(t, "GET", "/staff?limit=1&sort=email", owner, nil)
	expect(t, first, 200)
	cursor, _ := first.JSON["nextCursor"].(string)
	if cursor == "" {
		t.Fatalf("no next cursor after one of several people: %s", first.Raw)
	}
	expect(t, call(t, "GET", "/staff?limit=1&sort=email&cursor="+url.QueryEscape(cursor), owner, nil), 200)
	// Change one character of the payload, then of the signature.
	for _, i := range []int{3, len(cursor) - 2} {
		b := []byte(cursor)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		expect(t, call(t, "GET", "/staff?limit=1&sort=email&cursor="+url.QueryEscape(string(b)), owner, nil), 400, "invalid_cursor")
	}
	for _, bad := range []string{"garbage", "a.b", strings.Repeat("x", 5000)} {
		expect(t, call(t, "GET", "/staff?limit=1&cursor="+bad, owner, nil), 400, "invalid_cursor")
	}
	// A genuine cursor of another query (sort=email) does not page sort=lastName.
	expect(t, call(t, "GET", "/staff?limit=1&sort=lastName&cursor="+url.QueryEscape(cursor), owner, nil), 400, "invalid_cursor")
}

// q may be 100 characters, like a name: 60 accented letters are 60
// characters (120 bytes) and must be accepted.
func TestStaffListSearchCountsCharactersNotBytes(t *testing.T) {
	_, owner := newOwner(t)
	expect(t, call(t, "GET", "/staff?q="+url.QueryEscape(strings.Repeat("ü", 60)), owner, nil), 200)
	expect(t, call(t, "GET", "/staff?q="+url.QueryEscape(strings.Repeat("u", 101)), owner, nil), 422, "validation_failed")
}
