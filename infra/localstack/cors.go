package localstack

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// corsConfig is an HttpApi's CorsConfiguration. Like API Gateway, the stack
// answers preflights itself and replaces any CORS headers of the function.
type corsConfig struct {
	origins, headers, methods, expose []string
	maxAge                            int
	credentials                       bool
}

func newCORSConfig(v any) *corsConfig {
	switch t := v.(type) {
	case bool:
		if !t {
			return nil
		}
		return &corsConfig{origins: []string{"*"}, headers: []string{"*"}, methods: []string{"*"}}
	case map[string]any:
		c := &corsConfig{
			origins: stringList(t["AllowOrigins"]),
			headers: stringList(t["AllowHeaders"]),
			methods: stringList(t["AllowMethods"]),
			expose:  stringList(t["ExposeHeaders"]),
		}
		c.maxAge, _ = strconv.Atoi(scalarString(t["MaxAge"]))
		c.credentials = scalarString(t["AllowCredentials"]) == "true"
		return c
	}
	return nil
}

func stringList(v any) []string {
	var out []string
	for _, e := range asList(v) {
		out = append(out, scalarString(e))
	}
	return out
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// allowOrigin returns the Access-Control-Allow-Origin value for origin, or "".
func (c *corsConfig) allowOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	for _, o := range c.origins {
		switch {
		case o == "*":
			return "*"
		case strings.EqualFold(o, origin):
			return origin
		case strings.Contains(o, "*"): // https://*.example.com
			pre, suf, _ := strings.Cut(strings.ToLower(o), "*")
			lo := strings.ToLower(origin)
			if strings.HasPrefix(lo, pre) && strings.HasSuffix(lo, suf) && len(lo) > len(pre)+len(suf) {
				return origin
			}
		}
	}
	return ""
}

// preflight fills the answer to an OPTIONS preflight.
func (c *corsConfig) preflight(r *http.Request, h http.Header) {
	allow := c.allowOrigin(r.Header.Get("Origin"))
	if allow == "" {
		return
	}
	method := r.Header.Get("Access-Control-Request-Method")
	if !slices.Contains(c.methods, "*") && !slices.ContainsFunc(c.methods, func(m string) bool {
		return strings.EqualFold(m, method)
	}) {
		return
	}
	h.Set("Access-Control-Allow-Origin", allow)
	if slices.Contains(c.methods, "*") {
		h.Set("Access-Control-Allow-Methods", method)
	} else {
		h.Set("Access-Control-Allow-Methods", strings.Join(c.methods, ","))
	}
	if slices.Contains(c.headers, "*") {
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
	} else if len(c.headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.ToLower(strings.Join(c.headers, ",")))
	}
	if c.maxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(c.maxAge))
	}
	if c.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// decorate replaces the CORS headers of an ordinary response.
func (c *corsConfig) decorate(r *http.Request, h http.Header) {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			delete(h, k)
		}
	}
	allow := c.allowOrigin(r.Header.Get("Origin"))
	if allow == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", allow)
	if len(c.expose) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.ToLower(strings.Join(c.expose, ",")))
	}
	if c.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}
