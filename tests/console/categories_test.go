//go:build integration

package console_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"backoffice/shared/auth"
)

// node is a JavaScript expression for the tree item of the category named name.
func node(name string) string {
	return `[...document.querySelectorAll("#category-tree li[data-id]")].find((li) => li.querySelector(":scope > .node button.link").textContent === ` + jsString(name) + `)`
}

// nodeAction opens a category's options and picks one.
func (tb *tab) nodeAction(name, action string) {
	tb.t.Helper()
	n := node(name)
	tb.waitFor(n)
	tb.eval(n + `.querySelector(":scope > .node .row-options button").click(), ""`)
	tb.waitFor(`!` + n + `.querySelector(":scope > .node .menu").hidden`)
	tb.eval(n + `.querySelector(":scope > .node [data-action=` + action + `]").click(), ""`)
}

// children lists the names under a category ("" for the top level), as the API orders them.
func children(t *testing.T, token, parentID string) []string {
	t.Helper()
	q := "?parentId=root"
	if parentID != "" {
		q = "?parentId=" + parentID
	}
	var out []string
	for _, it := range apiCall(t, "GET", "/categories"+q, token, nil, 200)["items"].([]any) {
		out = append(out, it.(map[string]any)["name"].(string))
	}
	return out
}

func testPNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for x := 0; x < 64; x++ {
		for y := 0; y < 64; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), 120, uint8(y * 4), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fruit.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Top banner "(Sub)categories": add a category in the detail panel with a
// name, a description and an uploaded thumbnail (progress, then the preview
// once the category shows it); add subcategories (one with an https image,
// shown as a link); the tree collapses and expands; move with the keyboard
// (Alt+↑/↓, the options) and under another parent; edit with a 412 reload;
// delete after a question that explains the cascade.
func TestConsoleCategories(t *testing.T) {
	ownerEmail := uniqueEmail("console-cat-owner")
	active(t, ownerEmail, "Cato", "Categories", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	tag := strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	fruit, apples, pears := "Fruit "+tag, "Apples "+tag, "Pears "+tag

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("")))
	tb.signIn(ownerEmail)
	tb.clickText("(Sub)categories")
	tb.waitFor(`location.pathname === "/console/categories" && document.querySelector("#category-tree[aria-busy=false]")`)

	// Add with an uploaded thumbnail: progress, then the preview.
	tb.click("#category-add")
	tb.waitFor(`document.querySelector("#category-detail[open]") && document.activeElement.name === "name"`)
	tb.typeInto(`#category-detail input[name=name]`, fruit)
	tb.typeInto(`#category-detail textarea[name=description]`, "Everything that grows on trees.")
	tb.eval(`document.querySelector("#category-detail input[name=thumb][value=file]").click(), ""`)
	tb.waitFor(`!document.querySelector("#category-detail input[name=file]").closest(".field").hidden`)
	tb.eval(`document.querySelector("#category-detail form").requestSubmit(), ""`)
	tb.waitText("Choose an image file.")
	tb.check("category-add")
	tb.do(chromedp.SetUploadFiles(`#category-detail input[name=file]`, []string{testPNG(t)}))
	tb.eval(`document.querySelector("#category-detail form").requestSubmit(), ""`)
	// The notice shows inside the open dialog: outside it, it would be inert.
	tb.waitFor(`document.querySelector("#category-detail > .toast").innerText.includes(` + jsString(fruit+" has been saved; the thumbnail is uploading.") + `)`)
	tb.waitFor(`document.querySelector("#category-detail .upload-status") && document.querySelector("#category-detail .upload-status").textContent === "The new thumbnail is live."`)
	fruitNode := node(fruit)
	tb.waitFor(fruitNode)
	fruitID := tb.eval(fruitNode + `.dataset.id`)
	got := apiCall(t, "GET", "/categories/"+fruitID, owner, nil, 200)
	thumb, _ := got["thumbnailUrl"].(string)
	if thumb == "" || got["description"] != "Everything that grows on trees." {
		t.Fatalf("category after the upload: %v", got)
	}
	if src := tb.eval(`document.querySelector("#category-detail img.thumb").getAttribute("src")`); src != thumb {
		t.Errorf("preview %q, category shows %q", src, thumb)
	}
	tb.waitFor(`document.querySelector("#category-detail img.thumb").complete && document.querySelector("#category-detail img.thumb").naturalWidth === 64`)
	tb.check("category-uploaded")
	tb.eval(`document.querySelector("#category-detail").close(), ""`)
	tb.waitFor(`!document.querySelector("#category-detail") && ` + fruitNode + `.querySelector("img.thumb")`)

	// Subcategories from the options: one with an external https image.
	tb.nodeAction(fruit, "add-sub")
	tb.waitFor(`document.querySelector("#category-detail[open]")`)
	if h := tb.eval(`document.querySelector("#category-detail h2").textContent`); h != "Add a subcategory of "+fruit {
		t.Errorf("panel title %q", h)
	}
	tb.typeInto(`#category-detail input[name=name]`, apples)
	tb.eval(`document.querySelector("#category-detail input[name=thumb][value=url]").click(), ""`)
	tb.typeInto(`#category-detail input[name=url]`, "http://cdn.example.com/apples.png")
	tb.eval(`document.querySelector("#category-detail form").requestSubmit(), ""`)
	tb.waitText("Enter an address that starts with https://")
	tb.typeInto(`#category-detail input[name=url]`, "https://cdn.example.com/apples.png")
	tb.eval(`document.querySelector("#category-detail form").requestSubmit(), ""`)
	tb.waitFor(`!document.querySelector("#category-detail") && ` + node(apples))
	tb.nodeAction(fruit, "add-sub")
	tb.waitFor(`document.querySelector("#category-detail[open]")`)
	tb.typeInto(`#category-detail input[name=name]`, pears)
	tb.eval(`document.querySelector("#category-detail form").requestSubmit(), ""`)
	tb.waitFor(`!document.querySelector("#category-detail") && ` + node(pears))
	if got := children(t, owner, fruitID); strings.Join(got, ",") != apples+","+pears {
		t.Fatalf("children of fruit: %v", got)
	}
	// The external image is a link, never loaded (the policy would refuse it).
	if tb.eval(`String(!!`+node(apples)+`.querySelector("img"))`) != "false" {
		t.Error("an external thumbnail is loaded in the tree")
	}
	tb.eval(node(apples) + `.querySelector(":scope > .node button.link").click(), ""`)
	tb.waitFor(`document.querySelector("#category-detail[open]")`)
	if href := tb.eval(`document.querySelector("#category-detail .preview a").href`); href != "https://cdn.example.com/apples.png" {
		t.Errorf("external thumbnail link %q", href)
	}
	tb.check("category-external")
	tb.eval(`document.querySelector("#category-detail").close(), ""`)
	tb.waitFor(`!document.querySelector("#category-detail")`)
	tb.check("categories")

	// Collapse and expand.
	toggle := fruitNode + `.querySelector(":scope > .node .toggle")`
	if tb.eval(toggle+`.getAttribute("aria-expanded")`) != "true" {
		t.Error("fruit starts collapsed")
	}
	tb.eval(toggle + `.click(), ""`)
	tb.waitFor(toggle + `.getAttribute("aria-expanded") === "false" && ` + fruitNode + `.querySelector(":scope > ul").hidden`)
	tb.check("categories-collapsed")
	tb.eval(toggle + `.focus(), ""`)
	tb.do(chromedp.KeyEvent(kb.Enter))
	tb.waitFor(toggle + `.getAttribute("aria-expanded") === "true" && !` + fruitNode + `.querySelector(":scope > ul").hidden`)

	// Move with the keyboard: Alt+↑ on the name; the focus stays on it.
	tb.eval(node(pears) + `.querySelector(":scope > .node button.link").focus(), ""`)
	tb.do(chromedp.KeyEvent(kb.ArrowUp, chromedp.KeyModifiers(chromedp.ModifierAlt)))
	tb.waitText(pears + " moved up.")
	tb.waitFor(`document.activeElement.textContent === ` + jsString(pears))
	if got := children(t, owner, fruitID); strings.Join(got, ",") != pears+","+apples {
		t.Fatalf("after Alt+↑: %v", got)
	}
	tb.nodeAction(pears, "down")
	tb.waitText(pears + " moved down.")
	if got := children(t, owner, fruitID); strings.Join(got, ",") != apples+","+pears {
		t.Fatalf("after move down: %v", got)
	}

	// Move under another parent: Apples to the top level.
	tb.nodeAction(apples, "move")
	tb.waitFor(`document.querySelector("#category-move[open]")`)
	tb.check("category-move")
	tb.choose(`#category-move select[name=parentId]`, "")
	tb.eval(`document.querySelector("#category-move form").requestSubmit(), ""`)
	tb.waitText(apples + " moved.")
	applesID := tb.eval(node(apples) + `.dataset.id`)
	if p := apiCall(t, "GET", "/categories/"+applesID, owner, nil, 200)["parentId"]; p != nil {
		t.Errorf("apples' parent %v", p)
	}

	// Edit in the detail panel; a concurrent change: 412 → reload.
	tb.nodeAction(fruit, "edit")
	tb.waitFor(`document.querySelector("#category-detail[open]")`)
	apiCall(t, "PATCH", "/categories/"+fruitID, owner, map[string]any{"description": "Changed elsewhere."}, 200)
	tb.typeInto(`#category-detail input[name=name]`, fruit+" and nuts")
	tb.eval(`document.querySelector("#category-detail form").requestSubmit(), ""`)
	tb.waitText("Someone else changed this in the meantime.")
	tb.clickText("Reload")
	tb.waitFor(`document.querySelector("#category-detail textarea[name=description]").value === "Changed elsewhere."`)
	tb.typeInto(`#category-detail input[name=name]`, fruit+" and nuts")
	tb.eval(`document.querySelector("#category-detail form").requestSubmit(), ""`)
	fruit += " and nuts"
	tb.waitFor(`!document.querySelector("#category-detail") && ` + node(fruit))

	// Delete with a subcategory: the question explains the cascade; cancel
	// leaves both; yes deletes both.
	tb.nodeAction(fruit, "delete")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	txt := tb.eval(`document.querySelector("dialog[open]").innerText`)
	if !strings.Contains(txt, "has a subcategory ("+pears+")") || !strings.Contains(txt, "deletes it too") || !strings.Contains(txt, "can not be undone") {
		t.Errorf("cascade question: %q", txt)
	}
	tb.check("category-confirm-cascade")
	tb.clickText("Cancel")
	tb.waitFor(`!document.querySelector("dialog")`)
	apiCall(t, "GET", "/categories/"+fruitID, owner, nil, 200)
	tb.nodeAction(fruit, "delete")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	tb.eval(`document.querySelector("dialog .danger").click(), ""`)
	tb.waitFor(`!` + node(fruit) + ` && !` + node(pears))
	apiCall(t, "GET", "/categories/"+fruitID, owner, nil, 404)

	// A leaf: a plain question, a plain delete.
	tb.nodeAction(apples, "delete")
	tb.waitFor(`document.querySelector("dialog[open]")`)
	if txt := tb.eval(`document.querySelector("dialog[open]").innerText`); strings.Contains(txt, "subcategories") {
		t.Errorf("leaf question mentions subcategories: %q", txt)
	}
	tb.eval(`document.querySelector("dialog .danger").click(), ""`)
	tb.waitFor(`!` + node(apples))
	apiCall(t, "GET", "/categories/"+applesID, owner, nil, 404)
}

// A role that only reads categories sees the tree, no add button, and
// options that only view.
func TestConsoleCategoriesReadOnly(t *testing.T) {
	ownerEmail := uniqueEmail("console-cat-boss")
	active(t, ownerEmail, "Ben", "Boss", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	name := "Readable " + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	apiCall(t, "POST", "/categories", owner, map[string]any{"name": name}, 201)
	role := apiCall(t, "POST", "/roles", owner, map[string]any{"name": "Category reader " + strconv.FormatInt(seq.Add(1), 10), "permissions": []string{"categories.read"}}, 201)
	readerEmail := uniqueEmail("console-cat-reader")
	active(t, readerEmail, "Rita", "Reader", role["id"].(string))

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/categories")))
	tb.signIn(readerEmail)
	tb.waitFor(node(name))
	if tb.eval(`String(!!document.querySelector("#category-add"))`) != "false" {
		t.Error("a reader sees the add button")
	}
	if a := tb.eval(`[...` + node(name) + `.querySelectorAll("[data-action]")].map((b) => b.dataset.action).join()`); a != "edit" {
		t.Errorf("a reader is offered %s", a)
	}
	tb.nodeAction(name, "edit")
	tb.waitFor(`document.querySelector("#category-detail[open]")`)
	if tb.eval(`String(document.querySelector("#category-detail input[name=name]").readOnly && !document.querySelector("#category-detail button[type=submit]"))`) != "true" {
		t.Error("the reader's panel is editable")
	}
	tb.check("category-readonly")
}
