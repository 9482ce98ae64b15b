// Package console serves the backoffice console: one HTML page and its
// static assets (ES modules, one stylesheet, an icon), embedded with
// go:embed and served by one function (functions/console) on the API's own
// origin, so the console's API calls need no CORS.
//
// URLs (with the API's stage prefix in front, if any):
//
//	/                          302 to /console
//	/console, /console/<any>   the page (the console routes in the browser); Cache-Control: no-cache
//	/console/<build>/<file>    an asset; immutable for a year (its URL changes with any asset)
//
// <build> is a hash of every embedded file, so a deploy that changes one
// asset moves all of them to new URLs; an asset under another build is 404.
// Every answer carries an ETag (If-None-Match gives 304) and is gzipped
// when the browser accepts it: HTTP APIs do not compress.
package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html"
	"io/fs"
	"mime"
	"path"
	"sort"
	"strings"
	"sync"

	"backoffice/shared/pages"
)

//go:embed assets/*.html assets/*.css assets/*.js assets/*.svg
var assets embed.FS

// buildLen is the number of hex digits of a build hash in asset URLs.
const buildLen = 12

// asset is one file ready to serve, plain and (once asked for) gzipped.
type asset struct {
	body        []byte
	contentType string
	etag        string // strong, of the plain body; the gzipped one adds -gz

	gzOnce sync.Once
	gz     []byte
}

// gzipped is the body compressed, nil where that does not pay. It is made
// on first use, not at init: compressing every file up front tripled the
// function's cold start (47.7 ms against 12.4 ms for a hello-world,
// benchmarks/RESULTS.md), and one request needs only its own file.
func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() { a.gz = gzipped(a.body) })
	return a.gz
}

// bundle is a build: its hash and its files by name (e.g. "app.js").
type bundle struct {
	hash    string
	files   map[string]*asset
	modules []string // the ES modules the page preloads, by name
	page    string   // index.html with {{base}} still in it
}

// current is built once per process from the embedded files.
var current = mustBuild(assets)

// Build is the hash in the current assets' URLs.
func Build() string { return current.hash }

func mustBuild(fsys fs.FS) *bundle {
	b, err := build(fsys)
	if err != nil {
		panic(fmt.Sprintf("console: %v", err))
	}
	return b
}

func build(fsys fs.FS) (*bundle, error) {
	names, err := fs.Glob(fsys, "assets/*")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	sum := sha256.New()
	b := &bundle{files: map[string]*asset{}}
	for _, name := range names {
		switch path.Ext(name) {
		case ".html", ".css", ".js", ".svg": // as the go:embed patterns
		default:
			continue
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		base := path.Base(name)
		if base == "console.css" {
			body = append([]byte(pages.BaseCSS()), body...)
		}
		fmt.Fprintf(sum, "%s %d\n", base, len(body))
		sum.Write(body)
		if base == "index.html" {
			b.page = string(body)
			continue
		}
		b.files[base] = newAsset(body, contentType(base))
		// Views (view-*.js) load when first shown; the rest is preloaded.
		if strings.HasSuffix(base, ".js") && !strings.HasPrefix(base, "view-") {
			b.modules = append(b.modules, base)
		}
	}
	if b.page == "" {
		return nil, fmt.Errorf("no index.html")
	}
	for _, need := range []string{"app.js", "console.css"} {
		if b.files[need] == nil {
			return nil, fmt.Errorf("no %s", need)
		}
	}
	b.hash = hex.EncodeToString(sum.Sum(nil))[:buildLen]
	return b, nil
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func newAsset(body []byte, ctype string) *asset {
	sum := sha256.Sum256(body)
	return &asset{
		body:        body,
		contentType: ctype,
		etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
	}
}

func gzipped(body []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(body)
	w.Close()
	if buf.Len() >= len(body) {
		return nil // not worth it (tiny files)
	}
	return buf.Bytes()
}

// pageFor renders the page for the API's stage prefix ("" or "/prod"):
// asset URLs are absolute paths, because the page is served at any depth
// under /console and a <base> element is refused by the policy. images is
// the origin of uploaded thumbnails (the only images the policy lets the
// page load), named in a <meta> element for the categories screen, which
// links to thumbnails elsewhere instead of showing them.
func (b *bundle) pageFor(prefix, images string) string {
	base := prefix + "/console/" + b.hash
	var preload strings.Builder
	for _, m := range b.modules {
		if m == "app.js" {
			continue
		}
		fmt.Fprintf(&preload, "<link rel=\"modulepreload\" href=\"%s/%s\">\n", base, m)
	}
	return strings.NewReplacer("{{base}}", base, "{{preload}}", preload.String(), "{{images}}", html.EscapeString(images)).Replace(b.page)
}
