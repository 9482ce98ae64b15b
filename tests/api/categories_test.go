//go:build integration

package api_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"backoffice/shared/ids"
)

// newCategory creates a category through the API and returns it.
func newCategory(t *testing.T, token, name, parentID string, extra ...any) map[string]any {
	t.Helper()
	body := map[string]any{"name": name}
	if parentID != "" {
		body["parentId"] = parentID
	}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	a := call(t, "POST", "/categories", token, body)
	expect(t, a, 201)
	return a.JSON
}

// children lists a parent's children (every page) and returns their names.
func children(t *testing.T, token, parentID string) ([]string, []map[string]any) {
	t.Helper()
	var names []string
	var items []map[string]any
	path := "/categories?parentId=" + parentID + "&limit=100"
	for {
		a := call(t, "GET", path, token, nil)
		expect(t, a, 200)
		for _, it := range itemsOf(t, a) {
			names = append(names, it["name"].(string))
			items = append(items, it)
		}
		next, _ := a.JSON["nextCursor"].(string)
		if next == "" {
			return names, items
		}
		path = "/categories?parentId=" + parentID + "&limit=100&cursor=" + url.QueryEscape(next)
	}
}

func getCategory(t *testing.T, token, id string) answer {
	t.Helper()
	return call(t, "GET", "/categories/"+id, token, nil)
}

func version(t *testing.T, token, id string) string {
	t.Helper()
	a := getCategory(t, token, id)
	expect(t, a, 200)
	return a.Header.Get("ETag")
}

// findNode looks for id in a tree answer.
func findNode(nodes []any, id string) map[string]any {
	for _, n := range nodes {
		m := n.(map[string]any)
		if m["id"] == id {
			return m
		}
		if found := findNode(m["children"].([]any), id); found != nil {
			return found
		}
	}
	return nil
}

// shape renders a tree node as "name(child(...),child)" for comparison.
func shape(n map[string]any) string {
	var parts []string
	for _, c := range n["children"].([]any) {
		parts = append(parts, shape(c.(map[string]any)))
	}
	if len(parts) == 0 {
		return n["name"].(string)
	}
	return n["name"].(string) + "(" + strings.Join(parts, ",") + ")"
}

func TestCategoriesTreeThreeLevels(t *testing.T) {
	_, owner := newOwner(t)
	root := newCategory(t, owner, "Kleding & Schoenen "+ids.New(), "", "description", "Alles om aan te trekken.\nOok schoenen.")
	rootID := root["id"].(string)
	if root["parentId"] != nil || root["childCount"] != 0.0 || root["version"] != 1.0 ||
		!strings.HasPrefix(root["slug"].(string), "kleding-schoenen-") || root["description"] != "Alles om aan te trekken.\nOok schoenen." {
		t.Fatalf("created: %v", root)
	}

	ids1 := map[string]string{}
	for _, n := range []string{"Heren", "Dames", "Kinderen"} {
		ids1[n] = newCategory(t, owner, n, rootID)["id"].(string)
	}
	ids2 := map[string]string{}
	for _, n := range []string{"Jassen", "Broeken"} {
		ids2[n] = newCategory(t, owner, n, ids1["Heren"])["id"].(string)
	}
	ids2["Jurken"] = newCategory(t, owner, "Jurken", ids1["Dames"])["id"].(string)
	for _, n := range []string{"Winterjassen", "Regenjassen"} {
		newCategory(t, owner, n, ids2["Jassen"])
	}
	// before/after/position place a new category among its siblings.
	newCategory(t, owner, "Baby", rootID, "before", ids1["Kinderen"])
	newCategory(t, owner, "Accessoires", rootID, "position", 0)
	newCategory(t, owner, "Bodywarmers", ids2["Jassen"], "after", mustID(t, owner, ids2["Jassen"], "Winterjassen"))

	want := map[string][]string{
		rootID:           {"Accessoires", "Heren", "Dames", "Baby", "Kinderen"},
		ids1["Heren"]:    {"Jassen", "Broeken"},
		ids1["Dames"]:    {"Jurken"},
		ids2["Jassen"]:   {"Winterjassen", "Bodywarmers", "Regenjassen"},
		ids1["Kinderen"]: nil,
	}
	for parent, names := range want {
		got, items := children(t, owner, parent)
		if !slices.Equal(got, names) {
			t.Errorf("children of %s: %v, want %v", parent, got, names)
		}
		for i := 1; i < len(items); i++ {
			if items[i-1]["position"].(float64) >= items[i]["position"].(float64) {
				t.Errorf("positions not increasing: %v", items)
			}
		}
	}
	// The top level holds the root; paging with a small limit gives every child once.
	top, _ := children(t, owner, "root")
	if !slices.Contains(top, root["name"].(string)) {
		t.Errorf("top level lacks %s", root["name"])
	}
	p1 := call(t, "GET", "/categories?parentId="+rootID+"&limit=2", owner, nil)
	expect(t, p1, 200)
	next, _ := p1.JSON["nextCursor"].(string)
	if len(itemsOf(t, p1)) != 2 || next == "" {
		t.Fatalf("page 1: %s", p1.Raw)
	}
	p2 := call(t, "GET", "/categories?parentId="+rootID+"&limit=2&cursor="+url.QueryEscape(next), owner, nil)
	expect(t, p2, 200)
	if itemsOf(t, p2)[0]["name"] != "Dames" {
		t.Errorf("page 2 starts with %v", itemsOf(t, p2)[0]["name"])
	}

	g := getCategory(t, owner, ids1["Heren"])
	expect(t, g, 200)
	if g.Header.Get("ETag") != `"1"` || g.JSON["childCount"] != 2.0 || g.JSON["parentId"] != rootID || g.JSON["slug"] != "heren" {
		t.Fatalf("get: %s %s", g.Header.Get("ETag"), g.Raw)
	}

	tree := call(t, "GET", "/categories/tree", owner, nil)
	expect(t, tree, 200)
	node := findNode(tree.JSON["items"].([]any), rootID)
	if node == nil {
		t.Fatalf("tree lacks the root: %s", tree.Raw)
	}
	wantShape := root["name"].(string) + "(Accessoires,Heren(Jassen(Winterjassen,Bodywarmers,Regenjassen),Broeken),Dames(Jurken),Baby,Kinderen)"
	if got := shape(node); got != wantShape {
		t.Errorf("tree:\n got %s\nwant %s", got, wantShape)
	}
	// The tree's categories are the list's (same fields, same values).
	_, listed := children(t, owner, ids1["Heren"])
	inTree := findNode(tree.JSON["items"].([]any), ids1["Heren"])["children"].([]any)
	for i, it := range listed {
		n := inTree[i].(map[string]any)
		delete(n, "children")
		if fmt.Sprint(n) != fmt.Sprint(it) {
			t.Errorf("tree node %v differs from listed %v", n, it)
		}
	}
}

func mustID(t *testing.T, token, parent, name string) string {
	t.Helper()
	names, items := children(t, token, parent)
	i := slices.Index(names, name)
	if i < 0 {
		t.Fatalf("%s not under %s", name, parent)
	}
	return items[i]["id"].(string)
}

func TestCategoryNamesUniqueAmongSiblings(t *testing.T) {
	_, owner := newOwner(t)
	p := newCategory(t, owner, "Sport "+ids.New(), "")["id"].(string)
	q := newCategory(t, owner, "Outdoor "+ids.New(), "")["id"].(string)
	newCategory(t, owner, "Schoenen", p)
	for _, dup := range []string{"SCHOENEN", "  schoenen ", "Schöenen"} {
		expect(t, call(t, "POST", "/categories", owner, map[string]any{"name": dup, "parentId": p}), 409, "name_taken")
	}
	// Another name with the same slug is taken too.
	expect(t, call(t, "POST", "/categories", owner, map[string]any{"name": "Schoenen!", "parentId": p}), 409, "name_taken")
	// The same name under another parent, and at the top level, is fine.
	newCategory(t, owner, "Schoenen", q)
	top := "Schoenen " + ids.New()
	newCategory(t, owner, top, "")
	expect(t, call(t, "POST", "/categories", owner, map[string]any{"name": strings.ToUpper(top)}), 409, "name_taken")

	// Renames and moves respect sibling names; a rename frees the old name.
	laarzen := newCategory(t, owner, "Laarzen", p)["id"].(string)
	expect(t, call(t, "PATCH", "/categories/"+laarzen, owner, map[string]any{"name": "schoenen"}), 409, "name_taken")
	expect(t, call(t, "PATCH", "/categories/"+laarzen, owner, map[string]any{"parentId": q, "name": "Schoenen"}), 409, "name_taken")
	r := call(t, "PATCH", "/categories/"+laarzen, owner, map[string]any{"name": "Hoge laarzen"})
	expect(t, r, 200)
	if r.JSON["slug"] != "hoge-laarzen" || r.JSON["version"] != 2.0 {
		t.Fatalf("rename: %s", r.Raw)
	}
	newCategory(t, owner, "Laarzen", p)
	if names, _ := children(t, owner, p); !slices.Equal(names, []string{"Schoenen", "Hoge laarzen", "Laarzen"}) {
		t.Errorf("children %v", names)
	}

	// Every change is audited, with the fields it changed.
	ev := call(t, "GET", "/audit?targetType=category&targetId="+laarzen, owner, nil)
	expect(t, ev, 200)
	events := itemsOf(t, ev)
	if len(events) != 2 || events[0]["action"] != "category.update" || events[1]["action"] != "category.create" {
		t.Fatalf("audit: %s", ev.Raw)
	}
	changes, _ := events[0]["changes"].(map[string]any)
	if name, _ := changes["name"].(map[string]any); name["before"] != "Laarzen" || name["after"] != "Hoge laarzen" || changes["slug"] == nil {
		t.Errorf("audit changes: %v", changes)
	}

	// The same Idempotency-Key creates once and answers the first answer again.
	key := ids.New()
	body := map[string]any{"name": "Sokken", "parentId": p}
	first := call(t, "POST", "/categories", owner, body, "Idempotency-Key", key)
	again := call(t, "POST", "/categories", owner, body, "Idempotency-Key", key)
	expect(t, first, 201)
	expect(t, again, 201)
	if again.str("id") != first.str("id") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %s %s", again.Header.Get("Idempotent-Replayed"), again.Raw)
	}
	if names, _ := children(t, owner, p); len(names) != 4 {
		t.Errorf("children after a replayed create: %v", names)
	}
}

func TestCategoryMoves(t *testing.T) {
	_, owner := newOwner(t)
	p := newCategory(t, owner, "Move root "+ids.New(), "")["id"].(string)
	q := newCategory(t, owner, "Move target "+ids.New(), "")["id"].(string)
	x := newCategory(t, owner, "X", p)["id"].(string)
	y := newCategory(t, owner, "Y", p)["id"].(string)
	z := newCategory(t, owner, "Z", p)["id"].(string)
	xx := newCategory(t, owner, "XX", x)["id"].(string)

	// Under itself or a descendant: cycle.
	expect(t, call(t, "PATCH", "/categories/"+p, owner, map[string]any{"parentId": p}), 409, "cycle")
	expect(t, call(t, "PATCH", "/categories/"+p, owner, map[string]any{"parentId": x}), 409, "cycle")
	expect(t, call(t, "PATCH", "/categories/"+p, owner, map[string]any{"parentId": xx}), 409, "cycle")
	if v := version(t, owner, p); v != `"1"` {
		t.Fatalf("a refused move changed the category: %s", v)
	}

	// Reorder: only the moved category is written.
	vx, vy := version(t, owner, x), version(t, owner, y)
	m := call(t, "PATCH", "/categories/"+z, owner, map[string]any{"before": x})
	expect(t, m, 200)
	if names, _ := children(t, owner, p); !slices.Equal(names, []string{"Z", "X", "Y"}) {
		t.Fatalf("after moving Z before X: %v", names)
	}
	if version(t, owner, x) != vx || version(t, owner, y) != vy {
		t.Error("siblings were rewritten by a move")
	}
	expect(t, call(t, "PATCH", "/categories/"+z, owner, map[string]any{"after": y}), 200)
	if names, _ := children(t, owner, p); !slices.Equal(names, []string{"X", "Y", "Z"}) {
		t.Fatalf("after moving Z after Y: %v", names)
	}

	// To another parent (with its subtree), to the top level and back.
	mv := call(t, "PATCH", "/categories/"+x, owner, map[string]any{"parentId": q})
	expect(t, mv, 200)
	if mv.JSON["parentId"] != q {
		t.Fatalf("move: %s", mv.Raw)
	}
	if names, _ := children(t, owner, q); !slices.Equal(names, []string{"X"}) {
		t.Errorf("new parent's children %v", names)
	}
	if names, _ := children(t, owner, x); !slices.Equal(names, []string{"XX"}) {
		t.Errorf("the subtree did not come along: %v", names)
	}
	if getCategory(t, owner, p).JSON["childCount"] != 2.0 || getCategory(t, owner, q).JSON["childCount"] != 1.0 {
		t.Error("childCount not kept on a move")
	}
	// Moving P under X (now under Q) is fine; moving Q under XX is a cycle.
	expect(t, call(t, "PATCH", "/categories/"+q, owner, map[string]any{"parentId": xx}), 409, "cycle")
	top := call(t, "PATCH", "/categories/"+x, owner, map[string]any{"parentId": nil})
	expect(t, top, 200)
	if top.JSON["parentId"] != nil || getCategory(t, owner, q).JSON["childCount"] != 0.0 {
		t.Fatalf("to the top level: %s", top.Raw)
	}
	expect(t, call(t, "PATCH", "/categories/"+x, owner, map[string]any{"parentId": p, "before": y}), 200)
	if names, _ := children(t, owner, p); !slices.Equal(names, []string{"X", "Y", "Z"}) {
		t.Fatalf("back under P before Y: %v", names)
	}
	// Under a grandchild: the new parent counts one child more, the old
	// one one less, and the ancestor in between is only checked (its
	// version pins the path against a concurrent move).
	vx = version(t, owner, x)
	expect(t, call(t, "PATCH", "/categories/"+z, owner, map[string]any{"parentId": xx}), 200)
	if getCategory(t, owner, xx).JSON["childCount"] != 1.0 || getCategory(t, owner, p).JSON["childCount"] != 2.0 || version(t, owner, x) != vx {
		t.Fatalf("move under a grandchild: XX %v, P %v", getCategory(t, owner, xx).Raw, getCategory(t, owner, p).Raw)
	}
	expect(t, call(t, "PATCH", "/categories/"+z, owner, map[string]any{"parentId": p, "after": y}), 200)
	// before/after must name a sibling under the (new) parent.
	expect(t, call(t, "PATCH", "/categories/"+y, owner, map[string]any{"before": xx}), 422, "validation_failed")

	// Two moves of one category with the same If-Match: one wins, one gets 412.
	etag := version(t, owner, y)
	answers := race(t, 2, func(i int) (answer, error) {
		body := map[string]any{"before": x}
		if i == 1 {
			body = map[string]any{"after": z}
		}
		return send("PATCH", "/categories/"+y, owner, body, "If-Match", etag)
	})
	if got := tally(answers); got["200"] != 1 || got["412 precondition_failed"] != 1 {
		t.Fatalf("concurrent moves: %v", got)
	}
	names, _ := children(t, owner, p)
	if !slices.Equal(names, []string{"Y", "X", "Z"}) && !slices.Equal(names, []string{"X", "Z", "Y"}) {
		t.Errorf("after the race: %v", names)
	}

	// When two neighbours leave no room, the siblings are spread out again
	// and keep their order.
	r := newCategory(t, owner, "Renumber "+ids.New(), "")["id"].(string)
	newCategory(t, owner, "R1", r, "position", 1)
	r2 := newCategory(t, owner, "R2", r, "position", 2)["id"].(string)
	newCategory(t, owner, "R3", r, "before", r2)
	newCategory(t, owner, "R0", r, "position", 0)
	newCategory(t, owner, "R0.5", r, "before", mustID(t, owner, r, "R1"))
	names, items := children(t, owner, r)
	if !slices.Equal(names, []string{"R0", "R0.5", "R1", "R3", "R2"}) {
		t.Fatalf("after renumbering: %v", names)
	}
	for i := 1; i < len(items); i++ {
		if items[i-1]["position"].(float64) >= items[i]["position"].(float64) {
			t.Errorf("positions not strictly increasing after renumbering: %v", items)
		}
	}
	ev := call(t, "GET", "/audit?targetType=category&targetId="+r+"&action=category.renumber", owner, nil)
	expect(t, ev, 200)
	if n := len(itemsOf(t, ev)); n != 1 {
		t.Errorf("renumberings of R's children: %d, want 1: %s", n, ev.Raw)
	}
	// A move among siblings that needs a renumbering (which rewrites the
	// moved category too) still succeeds, with the client's If-Match.
	s := newCategory(t, owner, "Renumber move "+ids.New(), "")["id"].(string)
	newCategory(t, owner, "S1", s, "position", 1)
	s2 := newCategory(t, owner, "S2", s, "position", 2)["id"].(string)
	s3 := newCategory(t, owner, "S3", s, "position", 3)["id"].(string)
	mv3 := call(t, "PATCH", "/categories/"+s3, owner, map[string]any{"before": s2}, "If-Match", `"1"`)
	expect(t, mv3, 200)
	if mv3.JSON["version"] != 3.0 {
		t.Errorf("version after a renumbered move: %s", mv3.Raw)
	}
	if names, _ := children(t, owner, s); !slices.Equal(names, []string{"S1", "S3", "S2"}) {
		t.Errorf("after a renumbered move: %v", names)
	}
}

func TestCategoryDeleteAndCascade(t *testing.T) {
	_, owner := newOwner(t)
	top := newCategory(t, owner, "Delete top "+ids.New(), "")["id"].(string)
	a := newCategory(t, owner, "A", top)["id"].(string)
	a1 := newCategory(t, owner, "A1", a)["id"].(string)
	a2 := newCategory(t, owner, "A2", a1)["id"].(string)
	b := newCategory(t, owner, "B", top)["id"].(string)
	b1 := newCategory(t, owner, "B1", b)["id"].(string)

	expect(t, call(t, "DELETE", "/categories/"+a, owner, nil), 409, "has_children")
	expect(t, call(t, "DELETE", "/categories/"+a+"?cascade=false", owner, nil), 409, "has_children")
	expect(t, call(t, "DELETE", "/categories/"+a2, owner, nil, "If-Match", `"7"`), 412, "precondition_failed")

	before := map[string]string{}
	for _, id := range []string{top, b, b1} {
		before[id] = getCategory(t, owner, id).Raw
	}
	expect(t, call(t, "DELETE", "/categories/"+a+"?cascade=true", owner, nil), 204)
	for _, id := range []string{a, a1, a2} {
		expect(t, getCategory(t, owner, id), 404, "not_found")
	}
	for _, id := range []string{b, b1} {
		if got := getCategory(t, owner, id).Raw; got != before[id] {
			t.Errorf("cascade changed %s:\n%s\n%s", id, before[id], got)
		}
	}
	topAfter := getCategory(t, owner, top)
	if topAfter.JSON["childCount"] != 1.0 || topAfter.JSON["version"] != 1.0 {
		t.Errorf("parent after cascade: %s", topAfter.Raw)
	}
	// The names are free again.
	newCategory(t, owner, "A", top)
	expect(t, call(t, "DELETE", "/categories/"+a, owner, nil), 404, "not_found")

	// A leaf goes without cascade; with a matching If-Match too.
	expect(t, call(t, "DELETE", "/categories/"+b1, owner, nil, "If-Match", `"1"`), 204)
	if getCategory(t, owner, b).JSON["childCount"] != 0.0 {
		t.Error("childCount not decremented")
	}

	// A subtree larger than one transaction: 1 + 5 + 25 categories.
	big := newCategory(t, owner, "Big", top)["id"].(string)
	for i := range 5 {
		mid := newCategory(t, owner, fmt.Sprintf("M%d", i), big)["id"].(string)
		for j := range 5 {
			newCategory(t, owner, fmt.Sprintf("L%d", j), mid)
		}
	}
	expect(t, call(t, "DELETE", "/categories/"+big+"?cascade=true", owner, nil), 204)
	expect(t, getCategory(t, owner, big), 404, "not_found")
	if names, _ := children(t, owner, top); !slices.Equal(names, []string{"B", "A"}) {
		t.Errorf("top's children after the big cascade: %v", names)
	}
	tree := call(t, "GET", "/categories/tree", owner, nil)
	if n := findNode(tree.JSON["items"].([]any), top); n == nil || shape(n) != getCategory(t, owner, top).str("name")+"(B,A)" {
		t.Errorf("tree after cascades: %v", n)
	}
	ev := call(t, "GET", "/audit?targetType=category&targetId="+big+"&action=category.delete", owner, nil)
	expect(t, ev, 200)
	if n := len(itemsOf(t, ev)); n != 2 {
		t.Errorf("31 categories in chunks of 24: %d audit events, want 2: %s", n, ev.Raw)
	}
}

// pngBytes is a real PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range 16 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload PUTs body to a presigned URL with the headers it asks for.
func upload(t *testing.T, up answer, body []byte) {
	t.Helper()
	req, err := http.NewRequest(up.str("method"), up.str("uploadUrl"), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range up.JSON["headers"].(map[string]any) {
		if k != "Content-Length" {
			req.Header.Set(k, v.(string))
		}
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d %s", resp.StatusCode, msg)
	}
}

// fetch GETs a public URL.
func fetch(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := httpClient.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// requestUpload asks for an upload URL of img (PNG unless another type is
// given) and checks the answer's shape.
func requestUpload(t *testing.T, token, id string, img []byte, contentType ...string) answer {
	t.Helper()
	ct := "image/png"
	if len(contentType) > 0 {
		ct = contentType[0]
	}
	up := call(t, "POST", "/categories/"+id+"/thumbnail", token, map[string]any{"contentType": ct, "contentLength": len(img)})
	expect(t, up, 200)
	if up.str("method") != "PUT" || up.str("uploadUrl") == "" || up.str("thumbnailUrl") == "" || up.str("expiresAt") == "" {
		t.Fatalf("upload answer: %s", up.Raw)
	}
	return up
}

// Uploads land asynchronously (S3 → EventBridge → categories-thumbnail-
// uploaded): these waits poll, bounded.
const landing = 10 * time.Second

// waitThumbnail polls the category until it shows want.
func waitThumbnail(t *testing.T, token, id, want string) answer {
	t.Helper()
	deadline := time.Now().Add(landing)
	for {
		g := getCategory(t, token, id)
		expect(t, g, 200)
		if g.str("thumbnailUrl") == want {
			return g
		}
		if time.Now().After(deadline) {
			t.Fatalf("the category does not show %s after %s: %s", want, landing, g.Raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitGone polls a public URL until it answers 404.
func waitGone(t *testing.T, u, what string) {
	t.Helper()
	deadline := time.Now().Add(landing)
	for {
		status, _ := fetch(t, u)
		if status == 404 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still there after %s: %d", what, landing, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestCategoryThumbnail(t *testing.T) {
	_, owner := newOwner(t)
	c := newCategory(t, owner, "Thumbs "+ids.New(), "")["id"].(string)
	img := pngBytes(t)

	up := requestUpload(t, owner, c, img)
	thumb := up.str("thumbnailUrl")
	if !strings.Contains(up.str("uploadUrl"), "X-Amz-Signature=") || up.JSON["headers"].(map[string]any)["Content-Type"] != "image/png" {
		t.Fatalf("upload answer: %s", up.Raw)
	}
	signed, _ := url.Parse(up.str("uploadUrl"))
	if sh := signed.Query().Get("X-Amz-SignedHeaders"); !strings.Contains(sh, "content-length") || !strings.Contains(sh, "content-type") {
		t.Errorf("type and length are not signed: %s", sh)
	}
	// Asking for a URL records the pending upload (a new version) but the
	// category shows nothing new until the image has landed.
	g := getCategory(t, owner, c)
	if _, shown := g.JSON["thumbnailUrl"]; shown || g.JSON["version"] != 2.0 {
		t.Fatalf("category before the upload: %s", g.Raw)
	}
	upload(t, up, img)
	g = waitThumbnail(t, owner, c, thumb)
	if g.JSON["version"] != 3.0 {
		t.Errorf("version after the upload landed: %v", g.JSON["version"])
	}
	if status, got := fetch(t, thumb); status != 200 || !bytes.Equal(got, img) {
		t.Fatalf("the object at %s: %d, %d bytes", thumb, status, len(got))
	}

	// Refused where the URL is issued (s3rver does not check signed headers).
	for _, body := range []map[string]any{
		{"contentType": "image/png", "contentLength": 3 << 20},
		{"contentType": "text/html", "contentLength": 100},
		{"contentType": "image/svg+xml", "contentLength": 100},
		{"contentType": "image/png", "contentLength": 0},
		{"contentType": "image/png"},
		{"contentLength": 100},
	} {
		expect(t, call(t, "POST", "/categories/"+c+"/thumbnail", owner, body), 422, "validation_failed")
	}
	if v := version(t, owner, c); v != `"3"` {
		t.Errorf("a refused upload changed the category: %s", v)
	}
	expect(t, call(t, "POST", "/categories/"+c+"/thumbnail", owner, map[string]any{"contentType": "image/png", "contentLength": 10}, "If-Match", `"1"`), 412, "precondition_failed")
	expect(t, call(t, "POST", "/categories/"+ids.New()+"/thumbnail", owner, map[string]any{"contentType": "image/png", "contentLength": 10}), 404, "not_found")

	// A new upload replaces the old image once it has landed, and the
	// replaced object goes.
	up2 := requestUpload(t, owner, c, img, "image/jpeg")
	if !strings.HasSuffix(up2.str("thumbnailUrl"), ".jpg") {
		t.Errorf("jpeg key: %s", up2.str("thumbnailUrl"))
	}
	if status, _ := fetch(t, thumb); status != 200 {
		t.Errorf("the shown image went before its replacement landed: %d", status)
	}
	upload(t, up2, img)
	waitThumbnail(t, owner, c, up2.str("thumbnailUrl"))
	waitGone(t, thumb, "the replaced object")

	// An external https URL is taken as is and also removes the uploaded one.
	ext := "https://cdn.example.com/images/shoes.png?v=2"
	p := call(t, "PATCH", "/categories/"+c, owner, map[string]any{"thumbnailUrl": ext})
	expect(t, p, 200)
	if p.str("thumbnailUrl") != ext {
		t.Fatalf("external: %s", p.Raw)
	}
	if status, _ := fetch(t, up2.str("thumbnailUrl")); status != 404 {
		t.Errorf("the uploaded object survived an external URL: %d", status)
	}
	for _, bad := range []string{"http://cdn.example.com/a.png", "javascript:alert(1)", "/relative.png", "https://", "https://user:pw@x.nl/a.png", strings.Repeat("https://a.nl/", 200)} {
		expect(t, call(t, "PATCH", "/categories/"+c, owner, map[string]any{"thumbnailUrl": bad}), 422, "validation_failed")
	}
	cleared := call(t, "PATCH", "/categories/"+c, owner, map[string]any{"thumbnailUrl": nil})
	expect(t, cleared, 200)
	if _, ok := cleared.JSON["thumbnailUrl"]; ok {
		t.Errorf("thumbnail not cleared: %s", cleared.Raw)
	}
	// Deleting a category removes its uploaded image.
	d := newCategory(t, owner, "Thumbs gone "+ids.New(), "")["id"].(string)
	up3 := requestUpload(t, owner, d, img, "image/webp")
	upload(t, up3, img)
	waitThumbnail(t, owner, d, up3.str("thumbnailUrl"))
	expect(t, call(t, "DELETE", "/categories/"+d, owner, nil), 204)
	if status, _ := fetch(t, up3.str("thumbnailUrl")); status != 404 {
		t.Errorf("the object of a deleted category is still there: %d", status)
	}
	// Created with an external thumbnail.
	withThumb := newCategory(t, owner, "With thumb "+ids.New(), "", "thumbnailUrl", ext)
	if withThumb["thumbnailUrl"] != ext {
		t.Errorf("create with thumbnailUrl: %v", withThumb)
	}
}

// An upload URL that is never used changes nothing visible: the category
// keeps showing its image, which stays in the bucket.
func TestCategoryThumbnailNeverUploaded(t *testing.T) {
	_, owner := newOwner(t)
	c := newCategory(t, owner, "Never uploaded "+ids.New(), "")["id"].(string)
	img := pngBytes(t)
	first := requestUpload(t, owner, c, img)
	upload(t, first, img)
	waitThumbnail(t, owner, c, first.str("thumbnailUrl"))

	unused := requestUpload(t, owner, c, img)
	// Something else lands meanwhile (another category's upload), so the
	// event path has had its chance to act on this one too.
	other := newCategory(t, owner, "Other "+ids.New(), "")["id"].(string)
	ou := requestUpload(t, owner, other, img)
	upload(t, ou, img)
	waitThumbnail(t, owner, other, ou.str("thumbnailUrl"))

	g := getCategory(t, owner, c)
	if g.str("thumbnailUrl") != first.str("thumbnailUrl") {
		t.Fatalf("an unused upload URL changed the image: %s", g.Raw)
	}
	if status, got := fetch(t, first.str("thumbnailUrl")); status != 200 || !bytes.Equal(got, img) {
		t.Errorf("the image shown: %d, %d bytes", status, len(got))
	}
	if status, _ := fetch(t, unused.str("thumbnailUrl")); status != 404 {
		t.Errorf("an object at the unused URL: %d", status)
	}
}

// An upload to a URL that a newer request replaced never shows, and its
// object is removed; the newer upload still counts.
func TestCategoryThumbnailStaleUpload(t *testing.T) {
	_, owner := newOwner(t)
	c := newCategory(t, owner, "Stale upload "+ids.New(), "")["id"].(string)
	img := pngBytes(t)
	a := requestUpload(t, owner, c, img)
	b := requestUpload(t, owner, c, img)
	upload(t, a, img)
	waitGone(t, a.str("thumbnailUrl"), "the stale upload")
	if g := getCategory(t, owner, c); g.str("thumbnailUrl") == a.str("thumbnailUrl") {
		t.Fatalf("the category shows the stale upload: %s", g.Raw)
	}
	upload(t, b, img)
	waitThumbnail(t, owner, c, b.str("thumbnailUrl"))
	if status, _ := fetch(t, b.str("thumbnailUrl")); status != 200 {
		t.Errorf("the adopted object: %d", status)
	}
}

// An upload that lands after its category was deleted is removed.
func TestCategoryThumbnailAfterDelete(t *testing.T) {
	_, owner := newOwner(t)
	c := newCategory(t, owner, "Deleted before upload "+ids.New(), "")["id"].(string)
	img := pngBytes(t)
	up := requestUpload(t, owner, c, img)
	expect(t, call(t, "DELETE", "/categories/"+c, owner, nil), 204)
	upload(t, up, img)
	waitGone(t, up.str("thumbnailUrl"), "the upload of a deleted category")
	expect(t, getCategory(t, owner, c), 404)
}

// The switch to the landed image is in the audit trail, attributed to
// whoever asked for the upload URL.
func TestCategoryThumbnailAudit(t *testing.T) {
	owner, token := newOwner(t)
	c := newCategory(t, token, "Audited thumb "+ids.New(), "")["id"].(string)
	img := pngBytes(t)
	up := requestUpload(t, token, c, img)
	upload(t, up, img)
	waitThumbnail(t, token, c, up.str("thumbnailUrl"))
	_, items := auditPage(t, token, url.Values{"targetType": {"category"}, "targetId": {c}})
	if got, want := actionsOf(items), []string{"category.thumbnail_uploaded", "category.thumbnail", "category.create"}; !slices.Equal(got, want) {
		t.Fatalf("the category's events %v, want %v", got, want)
	}
	e := items[0]
	if actor, _ := e["actor"].(map[string]any); actor["id"] != owner.ID || actor["email"] != owner.Email {
		t.Errorf("adopted by %v, want %s %s", e["actor"], owner.ID, owner.Email)
	}
	want := map[string]any{"thumbnailUrl": map[string]any{"before": "", "after": up.str("thumbnailUrl")}}
	if got, _ := e["changes"].(map[string]any); !equalJSON(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	_, mine := auditPage(t, token, url.Values{"actorId": {owner.ID}, "action": {"category.thumbnail_uploaded"}})
	if len(mine) != 1 || mine[0]["id"] != e["id"] {
		t.Errorf("by actor and action: %v", actionsOf(mine))
	}
}

func TestCategoriesBadInput(t *testing.T) {
	_, owner := newOwner(t)
	p := newCategory(t, owner, "Bad input "+ids.New(), "")["id"].(string)
	c := newCategory(t, owner, "Target", p)["id"].(string)
	sibling := newCategory(t, owner, "Sibling", p)["id"].(string)
	other := newCategory(t, owner, "Elsewhere "+ids.New(), "")["id"].(string)

	huge := `{"name":"` + strings.Repeat("a", 70<<10) + `"}`
	bodies := []struct {
		name, body, contentType string
		status                  int
		code                    string
	}{
		{"malformed", `{"name":`, "application/json", 400, "malformed_body"},
		{"not an object", `["a"]`, "application/json", 400, "malformed_body"},
		{"unknown field", `{"unexpected":1}`, "application/json", 422, "validation_failed"},
		{"wrong type", `{"name":1,"contentType":1}`, "application/json", 422, "validation_failed"},
		{"huge", huge, "application/json", 413, "payload_too_large"},
		{"wrong content type", `{}`, "text/plain", 415, "unsupported_media_type"},
		{"invalid utf-8", "{\"name\":\"\xff\xfe\"}", "application/json", 400, "malformed_body"},
		{"empty", ``, "application/json", 400, "malformed_body"},
	}
	for _, r := range []struct{ method, path string }{
		{"POST", "/categories"}, {"PATCH", "/categories/" + c}, {"POST", "/categories/" + c + "/thumbnail"},
	} {
		for _, b := range bodies {
			t.Run(r.method+r.path+"/"+b.name, func(t *testing.T) {
				expect(t, call(t, r.method, r.path, owner, []byte(b.body), "Content-Type", b.contentType), b.status, b.code)
			})
		}
	}

	long := strings.Repeat("x", 10000)
	values := []map[string]any{
		{"name": ""}, {"name": "   "}, {"name": "!!!"}, {"name": "a\u0000b"}, {"name": "a\nb"}, {"name": long},
		{"name": strings.Repeat("x", 101)},
		{"name": "Ok", "description": strings.Repeat("d", 2001)},
		{"name": "Ok", "description": "bell\u0007"},
		{"name": "Ok", "parentId": "not-an-id"},
		{"name": "Ok", "parentId": "root"},
		{"name": "Ok", "parentId": ids.New()},
		{"name": "Ok", "parentId": p, "position": -1},
		{"name": "Ok", "parentId": p, "position": 1e17},
		{"name": "Ok", "parentId": p, "position": 1.5},
		{"name": "Ok", "parentId": p, "position": 1, "before": sibling},
		{"name": "Ok", "parentId": p, "before": other},
		{"name": "Ok", "parentId": p, "after": ids.New()},
		{"name": "Ok", "parentId": p, "after": "x"},
		{"name": "Ok", "thumbnailUrl": "ftp://x.nl/a.png"},
		{"name": "Ok", "thumbnailUrl": 5},
		{"name": "Ok", "parentId": 5},
	}
	for _, body := range values {
		a := call(t, "POST", "/categories", owner, body)
		if a.Status != 422 && a.Status != 400 {
			t.Errorf("POST %v: %d %s", body, a.Status, a.Raw)
		}
		if a.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("POST %v: not a problem: %s", body, a.Raw)
		}
	}
	for _, body := range values[1:] {
		delete(body, "name")
		if len(body) == 0 {
			continue
		}
		a := call(t, "PATCH", "/categories/"+c, owner, body)
		if a.Status != 422 && a.Status != 400 {
			t.Errorf("PATCH %v: %d %s", body, a.Status, a.Raw)
		}
	}
	expect(t, call(t, "PATCH", "/categories/"+c, owner, map[string]any{"name": "!!!"}), 422, "validation_failed")
	expect(t, call(t, "PATCH", "/categories/"+c, owner, map[string]any{"before": c}), 422, "validation_failed")
	expect(t, call(t, "PATCH", "/categories/"+c, owner, map[string]any{"name": "x"}, "If-Match", "banana"), 422, "validation_failed")
	expect(t, call(t, "PATCH", "/categories/"+c, owner, map[string]any{"name": "x"}, "If-Match", `"9"`), 412, "precondition_failed")
	expect(t, call(t, "PATCH", "/categories/"+ids.New(), owner, map[string]any{"name": "x"}), 404, "not_found")
	expect(t, call(t, "PATCH", "/categories/not-an-id", owner, map[string]any{"name": "x"}), 404, "not_found")

	// Query and path parameters.
	expect(t, call(t, "GET", "/categories/not-an-id", owner, nil), 404, "not_found")
	expect(t, call(t, "GET", "/categories/"+ids.New(), owner, nil), 404, "not_found")
	expect(t, call(t, "GET", "/categories?parentId=nope", owner, nil), 422, "validation_failed")
	expect(t, call(t, "GET", "/categories?parentId="+ids.New(), owner, nil), 404, "not_found")
	for _, l := range []string{"0", "101", "x", "1.5", "-1"} {
		expect(t, call(t, "GET", "/categories?parentId="+p+"&limit="+l, owner, nil), 422, "validation_failed")
	}
	expect(t, call(t, "GET", "/categories?parentId="+p+"&cursor=garbage", owner, nil), 400, "invalid_cursor")
	first := call(t, "GET", "/categories?parentId="+p+"&limit=1", owner, nil)
	cur, _ := first.JSON["nextCursor"].(string)
	expect(t, call(t, "GET", "/categories?parentId="+other+"&limit=1&cursor="+url.QueryEscape(cur), owner, nil), 400, "invalid_cursor")
	expect(t, call(t, "DELETE", "/categories/"+c+"?cascade=maybe", owner, nil), 422, "validation_failed")
	expect(t, call(t, "DELETE", "/categories/"+c, owner, nil, "If-Match", "-3"), 422, "validation_failed")
	expect(t, call(t, "DELETE", "/categories/not-an-id", owner, nil), 404, "not_found")

	// Nothing was written: the parent has its two children, both at version 1.
	names, items := children(t, owner, p)
	if !slices.Equal(names, []string{"Target", "Sibling"}) {
		t.Errorf("children after bad input: %v", names)
	}
	for _, it := range items {
		if it["version"] != 1.0 {
			t.Errorf("changed by bad input: %v", it)
		}
	}
	if g := getCategory(t, owner, p); g.JSON["childCount"] != 2.0 || g.JSON["version"] != 1.0 {
		t.Errorf("parent after bad input: %s", g.Raw)
	}
	if names, _ := children(t, owner, other); len(names) != 0 {
		t.Errorf("categories appeared under another parent: %v", names)
	}
}

// Parallel writes: one of many creates of a name wins; two categories moved
// under each other at once never make a loop.
func TestCategoryConcurrency(t *testing.T) {
	_, owner := newOwner(t)
	p := newCategory(t, owner, "Concurrency "+ids.New(), "")["id"].(string)
	answers := race(t, 10, func(int) (answer, error) {
		return send("POST", "/categories", owner, map[string]any{"name": "Tegelijk", "parentId": p})
	})
	if got := tally(answers); got["201"] != 1 || got["409 name_taken"] != 9 {
		t.Fatalf("parallel creates of one name: %v", got)
	}
	if g := getCategory(t, owner, p); g.JSON["childCount"] != 1.0 {
		t.Errorf("childCount after parallel creates: %s", g.Raw)
	}

	for round := range 5 {
		a := newCategory(t, owner, fmt.Sprintf("A%d", round), p)["id"].(string)
		b := newCategory(t, owner, fmt.Sprintf("B%d", round), p)["id"].(string)
		answers := race(t, 2, func(i int) (answer, error) {
			if i == 0 {
				return send("PATCH", "/categories/"+a, owner, map[string]any{"parentId": b})
			}
			return send("PATCH", "/categories/"+b, owner, map[string]any{"parentId": a})
		})
		got := tally(answers)
		if got["200"] != 1 || got["409 conflict"]+got["409 cycle"] != 1 {
			t.Fatalf("round %d: crossing moves: %v", round, got)
		}
		// Both still reach the top within a few steps.
		for _, id := range []string{a, b} {
			cur, steps := id, 0
			for cur != "" {
				if steps++; steps > 5 {
					t.Fatalf("round %d: a loop above %s", round, id)
				}
				parent, _ := getCategory(t, owner, cur).JSON["parentId"].(string)
				cur = parent
			}
		}
		// The counts agree with the children.
		for _, id := range []string{p, a, b} {
			names, _ := children(t, owner, id)
			if n := getCategory(t, owner, id).JSON["childCount"]; n != float64(len(names)) {
				t.Errorf("round %d: %s has %d children, childCount %v", round, id, len(names), n)
			}
		}
	}
}
