package console

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"backoffice/shared/api"
	"backoffice/shared/pages"
)

var cfg = Config{UploadOrigin: "https://bucket.s3.eu-west-1.amazonaws.com", ImageOrigin: "https://d1.cloudfront.net"}

func get(t *testing.T, routeKey, proxy string, headers map[string]string) api.Response {
	t.Helper()
	return do(t, "GET", "$default", routeKey, proxy, headers)
}

func do(t *testing.T, method, stage, routeKey, proxy string, headers map[string]string) api.Response {
	t.Helper()
	var req api.Request
	req.RouteKey = routeKey
	req.RequestContext.HTTP.Method = method
	req.RequestContext.Stage = stage
	if proxy != "" {
		req.PathParameters = map[string]string{"proxy": proxy}
	}
	req.Headers = headers
	resp, err := Handler(cfg)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func body(t *testing.T, r api.Response) []byte {
	t.Helper()
	if !r.IsBase64Encoded {
		return []byte(r.Body)
	}
	raw, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if r.Headers["Content-Encoding"] != "gzip" {
		return raw
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

const files = "GET /console/{proxy+}"

func TestRootRedirectsToTheConsole(t *testing.T) {
	t.Parallel()
	r := get(t, "GET /", "", nil)
	if r.StatusCode != 302 || r.Headers["Location"] != "/console" {
		t.Errorf("GET /: %d %v", r.StatusCode, r.Headers)
	}
	r = do(t, "GET", "prod", "GET /", "", nil)
	if r.Headers["Location"] != "/prod/console" {
		t.Errorf("under a stage: Location %q", r.Headers["Location"])
	}
}

func TestPageIsNoCacheWithThePolicy(t *testing.T) {
	t.Parallel()
	for _, r := range []api.Response{get(t, "GET /console", "", nil), get(t, files, "users/staff", nil), get(t, files, "users/staff/extra", nil)} {
		if r.StatusCode != 200 || r.Headers["Cache-Control"] != "no-cache" || !strings.HasPrefix(r.Headers["Content-Type"], "text/html") {
			t.Fatalf("page: %d %v", r.StatusCode, r.Headers)
		}
		for k, v := range map[string]string{
			"Content-Security-Policy": cfg.Policy(),
			"Referrer-Policy":         "no-referrer",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Vary":                    "Accept-Encoding",
		} {
			if r.Headers[k] != v {
				t.Errorf("%s = %q; want %q", k, r.Headers[k], v)
			}
		}
		if !strings.Contains(string(body(t, r)), `src="/console/`+Build()+`/app.js"`) {
			t.Error("the page does not load app.js of this build")
		}
		if !strings.Contains(string(body(t, r)), `<meta name="image-origin" content="`+cfg.ImageOrigin+`">`) {
			t.Error("the page does not name the thumbnails' origin")
		}
	}
}

func TestPolicyIsStrict(t *testing.T) {
	t.Parallel()
	want := "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' https://bucket.s3.eu-west-1.amazonaws.com; " +
		"img-src 'self' https://d1.cloudfront.net; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	if got := cfg.Policy(); got != want {
		t.Errorf("policy\n got %s\nwant %s", got, want)
	}
	if got := (Config{}).Policy(); strings.Contains(got, "  ") || !strings.Contains(got, "connect-src 'self';") {
		t.Errorf("without origins: %s", got)
	}
	if strings.Contains(cfg.Policy(), "unsafe") || strings.Contains(cfg.Policy(), "https:;") {
		t.Error("no unsafe-* and no https: wildcard")
	}
}

func TestConfigFromEnvUsesTheEmulatorWhenThereIsOne(t *testing.T) {
	t.Setenv("THUMBNAIL_UPLOAD_URL", "https://b.s3.eu-west-1.amazonaws.com")
	t.Setenv("THUMBNAIL_BASE_URL", "https://d1.cloudfront.net/some/path")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	if c := ConfigFromEnv(); c.UploadOrigin != "https://b.s3.eu-west-1.amazonaws.com" || c.ImageOrigin != "https://d1.cloudfront.net" {
		t.Errorf("%+v", c)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4569")
	t.Setenv("THUMBNAIL_BASE_URL", "http://127.0.0.1:4569/backoffice-thumbnailbucket")
	if c := ConfigFromEnv(); c.UploadOrigin != "http://127.0.0.1:4569" || c.ImageOrigin != "http://127.0.0.1:4569" {
		t.Errorf("%+v", c)
	}
	t.Setenv("THUMBNAIL_BASE_URL", "javascript:alert(1)")
	if c := ConfigFromEnv(); c.ImageOrigin != "" {
		t.Errorf("a non-http origin got in: %+v", c)
	}
}

func TestAssetsAreImmutable(t *testing.T) {
	t.Parallel()
	for name, a := range current.files {
		r := get(t, files, Build()+"/"+name, nil)
		if r.StatusCode != 200 || r.Headers["Cache-Control"] != "public, max-age=31536000, immutable" {
			t.Fatalf("%s: %d %v", name, r.StatusCode, r.Headers)
		}
		if r.Headers["Content-Type"] != a.contentType || r.Headers["ETag"] != etagOf(a.body) || r.Headers["X-Content-Type-Options"] != "nosniff" {
			t.Errorf("%s: %v", name, r.Headers)
		}
		if !bytes.Equal(body(t, r), a.body) {
			t.Errorf("%s: body differs", name)
		}
		if _, ok := r.Headers["Content-Security-Policy"]; ok {
			t.Errorf("%s: a policy on an asset does nothing", name)
		}
	}
	for name, want := range map[string]string{"app.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8", "icon.svg": "image/svg+xml"} {
		if got := current.files[name].contentType; got != want {
			t.Errorf("%s: %s", name, got)
		}
	}
}

func TestUnknownAssetsAre404(t *testing.T) {
	t.Parallel()
	for _, proxy := range []string{
		Build() + "/nope.js", Build() + "/index.html", Build() + "/package.json",
		"0123456789ab/app.js", strings.ToUpper(Build()) + "/app.js", Build() + "/../app.js",
	} {
		r := get(t, files, proxy, nil)
		if proxy == strings.ToUpper(Build())+"/app.js" && r.StatusCode == 200 && strings.HasPrefix(r.Headers["Content-Type"], "text/html") {
			continue // not a build's shape: one of the console's own addresses
		}
		if r.StatusCode != 404 || r.Headers["Content-Type"] != "application/problem+json" {
			t.Errorf("%s: %d %v", proxy, r.StatusCode, r.Headers)
		}
	}
}

func TestETagAnd304(t *testing.T) {
	t.Parallel()
	first := get(t, files, Build()+"/app.js", nil)
	tag := first.Headers["ETag"]
	for _, inm := range []string{tag, "W/" + tag, `"x", ` + tag, "*"} {
		r := get(t, files, Build()+"/app.js", map[string]string{"if-none-match": inm})
		if r.StatusCode != 304 || r.Body != "" || r.Headers["ETag"] != tag || r.Headers["Cache-Control"] == "" {
			t.Errorf("If-None-Match %s: %d %q %v", inm, r.StatusCode, r.Body, r.Headers)
		}
	}
	if r := get(t, files, Build()+"/app.js", map[string]string{"if-none-match": `"other"`}); r.StatusCode != 200 {
		t.Errorf("stale tag: %d", r.StatusCode)
	}
	page := get(t, "GET /console", "", nil)
	if r := get(t, "GET /console", "", map[string]string{"if-none-match": page.Headers["ETag"]}); r.StatusCode != 304 {
		t.Errorf("page: %d", r.StatusCode)
	}
	// The gzipped copy is another representation with a tag of its own.
	gz := get(t, files, Build()+"/app.js", map[string]string{"accept-encoding": "gzip"})
	if gz.Headers["ETag"] == tag {
		t.Error("gzip and plain share an ETag")
	}
	if r := get(t, files, Build()+"/app.js", map[string]string{"accept-encoding": "gzip", "if-none-match": gz.Headers["ETag"]}); r.StatusCode != 304 {
		t.Errorf("gzip tag: %d", r.StatusCode)
	}
}

func TestGzipWhenAccepted(t *testing.T) {
	t.Parallel()
	for accept, want := range map[string]bool{
		"gzip, deflate, br, zstd": true, "br;q=1.0, gzip;q=0.5": true, "*": true, "GZIP": true,
		"": false, "br": false, "gzip;q=0": false, "identity": false, "gzip; q=0.000": false,
	} {
		r := get(t, files, Build()+"/app.js", map[string]string{"accept-encoding": accept})
		if got := r.Headers["Content-Encoding"] == "gzip"; got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", accept, got, want)
		}
		if !bytes.Equal(body(t, r), current.files["app.js"].body) {
			t.Errorf("Accept-Encoding %q: body differs", accept)
		}
	}
	r := get(t, "GET /console", "", map[string]string{"accept-encoding": "gzip"})
	if r.Headers["Content-Encoding"] != "gzip" || !strings.Contains(string(body(t, r)), "<!DOCTYPE html>") {
		t.Error("the page is not gzipped")
	}
}

func TestHeadAndOtherMethods(t *testing.T) {
	t.Parallel()
	r := do(t, "HEAD", "$default", files, Build()+"/app.js", nil)
	if r.StatusCode != 200 || r.Body != "" || r.Headers["ETag"] == "" {
		t.Errorf("HEAD: %d %q", r.StatusCode, r.Body)
	}
	if r := do(t, "POST", "$default", "GET /console", "", nil); r.StatusCode != 405 || r.Headers["Allow"] != "GET, HEAD" {
		t.Errorf("POST: %d", r.StatusCode)
	}
}

func TestStagePrefix(t *testing.T) {
	t.Parallel()
	r := do(t, "GET", "prod", "GET /console", "", nil)
	b := string(body(t, r))
	if !strings.Contains(b, `href="/prod/console/`+Build()+`/console.css"`) || strings.Contains(b, `"/console/`) {
		t.Errorf("asset URLs under a stage: %s", b)
	}
	if plain := get(t, "GET /console", "", nil); plain.Headers["ETag"] == r.Headers["ETag"] {
		t.Error("pages for two prefixes share an ETag")
	}
}

var (
	attrURL      = regexp.MustCompile(`(?:href|src)="([^"]+)"`)
	inlineCode   = regexp.MustCompile(`(?is)<script\b[^>]*>\s*[^<\s]|<style\b|\sstyle\s*=|\son[a-z]+\s*=`)
	staticImport = regexp.MustCompile(`(?m)^import\s+(?:[^"']+\s+from\s+)?["']([^"']+)["']`)
	viewModule   = regexp.MustCompile(`module: "([^"]+)"`)
)

// The page loads only files of its own build, has no inline code (so the
// policy needs no hashes: script-src and style-src are 'self' only, and
// TestPolicyIsStrict pins that), and every module import resolves.
func TestPageAndModulesReferenceOnlyWhatIsServed(t *testing.T) {
	t.Parallel()
	page := string(body(t, get(t, "GET /console", "", nil)))
	if m := inlineCode.FindString(page); m != "" {
		t.Errorf("inline code in the page: %q", m)
	}
	urls := attrURL.FindAllStringSubmatch(page, -1)
	if len(urls) < 4 {
		t.Fatalf("page references %v", urls)
	}
	for _, u := range urls {
		if u[1] == "#main" {
			continue
		}
		name, ok := strings.CutPrefix(u[1], "/console/"+Build()+"/")
		if !ok || current.files[name] == nil {
			t.Errorf("page references %s, which is not served", u[1])
		}
	}
	for name, a := range current.files {
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		src := string(a.body)
		for _, m := range staticImport.FindAllStringSubmatch(src, -1) {
			file, ok := strings.CutPrefix(m[1], "./")
			if !ok || current.files[file] == nil {
				t.Errorf("%s imports %s: want ./<file> of the build", name, m[1])
			}
		}
		for _, m := range viewModule.FindAllStringSubmatch(src, -1) {
			if current.files[m[1]] == nil {
				t.Errorf("%s names view %s, which is not served", name, m[1])
			}
		}
		// Text goes in as text: no HTML parsing sinks, no eval.
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
		for _, store := range []string{"localStorage", "sessionStorage", "document.cookie"} {
			if strings.Contains(src, store) {
				t.Errorf("%s touches %s: tokens live in memory and the HttpOnly cookie only", name, store)
			}
		}
	}
	for _, m := range current.modules {
		if !strings.Contains(page, `rel="modulepreload" href="/console/`+Build()+"/"+m+`"`) && m != "app.js" {
			t.Errorf("%s is not preloaded", m)
		}
	}
}

func TestBuildHashFollowsTheFiles(t *testing.T) {
	t.Parallel()
	if !isBuild(Build()) {
		t.Fatalf("build %q", Build())
	}
	fsys := os.DirFS(".")
	a, err := build(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if a.hash != Build() {
		t.Errorf("the files on disk hash to %s, the embedded ones to %s", a.hash, Build())
	}
}

// The console's stylesheet starts with the link pages' base (palette and
// basics), so there is one look to keep accessible.
func TestStylesheetStartsWithTheSharedBase(t *testing.T) {
	css := string(current.files["console.css"].body)
	if !strings.HasPrefix(css, pages.BaseCSS()) || !strings.Contains(pages.BaseCSS(), "--accent:") {
		t.Fatalf("console.css does not start with shared/pages' base.css:\n%.300s", css)
	}
	if strings.Count(css, "--accent:") != 2 { // light and dark, once
		t.Errorf("the palette is defined more than once")
	}
}

func TestFirstLoadIsSmall(t *testing.T) {
	t.Parallel()
	total := len(get(t, "GET /console", "", map[string]string{"accept-encoding": "gzip"}).Body) * 3 / 4
	requests := 1
	for name, a := range current.files {
		if strings.HasPrefix(name, "view-") && name != "view-staff.js" {
			continue
		}
		total += len(a.gzipped())
		if a.gzipped() == nil {
			total += len(a.body)
		}
		requests++
	}
	t.Logf("first load of the staff screen: %d requests, %d bytes gzipped (bodies only)", requests, total)
	if total > 60<<10 || requests > 10 {
		t.Errorf("first load %d bytes in %d requests; targets 60 KB and 10", total, requests)
	}
}

// Nothing is compressed at init: gzipping every file there tripled the
// function's cold start (benchmarks/RESULTS.md, Cold init). A file is
// compressed on its first request, once.
func TestNothingIsCompressedAtInit(t *testing.T) {
	b, err := build(assets)
	if err != nil {
		t.Fatal(err)
	}
	a := b.files["app.js"]
	if a.gz != nil {
		t.Fatal("app.js was gzipped at build")
	}
	first := a.gzipped()
	if len(first) == 0 || len(first) >= len(a.body) {
		t.Fatalf("gzipped app.js: %d bytes of %d", len(first), len(a.body))
	}
	if again := a.gzipped(); &again[0] != &first[0] {
		t.Error("app.js was compressed twice")
	}
}
