package console

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	"backoffice/shared/api"
	"backoffice/shared/pages"
	"backoffice/shared/problem"
)

// Config is what the policy needs to know beyond the console itself.
type Config struct {
	// UploadOrigin is where thumbnails are PUT with a presigned URL
	// (the bucket's origin), "" for none.
	UploadOrigin string
	// ImageOrigin serves uploaded thumbnails (the CDN's origin), "" for none.
	// External https thumbnails are not loaded: the console links to them.
	ImageOrigin string
}

// ConfigFromEnv reads THUMBNAIL_BASE_URL (the CDN, rewritten to s3rver by
// the local stack) and THUMBNAIL_UPLOAD_URL (the bucket's https origin;
// AWS_ENDPOINT_URL_S3 replaces it where an emulator stands in for S3, as
// the presigned URLs then point there).
func ConfigFromEnv() Config {
	upload := os.Getenv("THUMBNAIL_UPLOAD_URL")
	if e := os.Getenv("AWS_ENDPOINT_URL_S3"); e != "" {
		upload = e
	}
	return Config{UploadOrigin: origin(upload), ImageOrigin: origin(os.Getenv("THUMBNAIL_BASE_URL"))}
}

// origin is scheme://host[:port] of a URL, "" when it has none.
func origin(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Policy is the page's Content-Security-Policy: scripts and styles only
// from the console's own origin (no inline code at all), API calls to the
// same origin and uploads to the bucket, images from itself and the CDN.
func (c Config) Policy() string {
	connect, img := "'self'", "'self'"
	if c.UploadOrigin != "" {
		connect += " " + c.UploadOrigin
	}
	if c.ImageOrigin != "" {
		img += " " + c.ImageOrigin
	}
	return pages.Policy(
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"connect-src "+connect,
		"img-src "+img,
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	)
}

// Handler serves GET and HEAD of "/", "/console" and "/console/{proxy+}".
func Handler(cfg Config) api.HandlerFunc {
	s := &server{b: current, csp: cfg.Policy(), images: cfg.ImageOrigin}
	return s.serve
}

type server struct {
	b      *bundle
	csp    string
	images string   // origin of uploaded thumbnails, named in the page
	pages  sync.Map // stage prefix → *asset (the rendered page)
}

func (s *server) serve(_ context.Context, req api.Request) (api.Response, error) {
	method := req.RequestContext.HTTP.Method
	if method != http.MethodGet && method != http.MethodHead && method != "" {
		return api.Response{
			StatusCode: http.StatusMethodNotAllowed,
			Headers:    map[string]string{"Allow": "GET, HEAD", "Cache-Control": "no-store"},
		}, nil
	}
	prefix := stagePrefix(req)
	if req.RouteKey == "GET /" {
		return api.Response{
			StatusCode: http.StatusFound,
			Headers: map[string]string{
				"Location": prefix + "/console", "Cache-Control": "no-cache",
				"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
			},
		}, nil
	}
	rest := req.PathParameters["proxy"]
	if build, file, ok := strings.Cut(rest, "/"); ok && isBuild(build) {
		a := s.b.files[file]
		if build != s.b.hash || a == nil {
			return api.Problem(problem.NotFound.With("No such asset in this version of the console.")), nil
		}
		return s.answer(req, a, "public, max-age=31536000, immutable"), nil
	}
	return s.answer(req, s.page(prefix), "no-cache"), nil
}

func (s *server) page(prefix string) *asset {
	if a, ok := s.pages.Load(prefix); ok {
		return a.(*asset)
	}
	a, _ := s.pages.LoadOrStore(prefix, newAsset([]byte(s.b.pageFor(prefix, s.images)), contentType("index.html")))
	return a.(*asset)
}

// answer sends a (or 304), gzipped when the browser accepts it.
func (s *server) answer(req api.Request, a *asset, cacheControl string) api.Response {
	gz := acceptsGzip(api.Header(req, "accept-encoding")) && a.gzipped() != nil
	etag := a.etag
	if gz {
		etag = strings.TrimSuffix(etag, `"`) + `-gz"`
	}
	h := map[string]string{
		"Content-Type":           a.contentType,
		"Cache-Control":          cacheControl,
		"ETag":                   etag,
		"Vary":                   "Accept-Encoding",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	}
	if strings.HasPrefix(a.contentType, "text/html") {
		h["Content-Security-Policy"] = s.csp
		h["X-Frame-Options"] = "DENY"
		h["Cross-Origin-Opener-Policy"] = "same-origin"
	}
	if matches(api.Header(req, "if-none-match"), etag) {
		delete(h, "Content-Type")
		return api.Response{StatusCode: http.StatusNotModified, Headers: h}
	}
	resp := api.Response{StatusCode: http.StatusOK, Headers: h}
	if req.RequestContext.HTTP.Method == http.MethodHead {
		return resp
	}
	if gz {
		h["Content-Encoding"] = "gzip"
		resp.Body = base64.StdEncoding.EncodeToString(a.gzipped())
		resp.IsBase64Encoded = true
	} else {
		resp.Body = string(a.body)
	}
	return resp
}

// isBuild reports whether a path segment has the shape of a build hash, so
// that old asset URLs are 404 instead of the page.
func isBuild(s string) bool {
	if len(s) != buildLen {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

func stagePrefix(req api.Request) string {
	if stage := req.RequestContext.Stage; stage != "" && stage != "$default" {
		return "/" + stage
	}
	return ""
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a q-value above 0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

// matches applies If-None-Match (weak comparison, as RFC 9110 asks for it).
func matches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// etagOf is the ETag newAsset gives a body (for tests).
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}
