package localstack

import (
	"fmt"
	"net/url"
	"strings"
)

// route is one HttpApi event of a function: "METHOD /path" → function.
type route struct {
	method     string // upper case, or "ANY"
	path       string // "/staff/{id}", "/files/{proxy+}" or "$default"
	segments   []segment
	fn         *function
	authorizer *jwtAuthorizer // nil: no authorizer
	scopes     []string       // scopes the token needs one of; nil: none
	throttle   *tokenBucket   // the stage's limits for this route; nil: none
}

func (r *route) key() string {
	if r.path == "$default" {
		return "$default"
	}
	return r.method + " " + r.path
}

type segment struct {
	literal string
	param   string // set for {name} and {name+}
	greedy  bool   // {name+}: one or more remaining segments
}

// Specificity of a segment: API Gateway prefers literal over variable over greedy.
func (s segment) rank() int {
	switch {
	case s.greedy:
		return 0
	case s.param != "":
		return 1
	default:
		return 2
	}
}

func newRoute(method, path string) (*route, error) {
	r := &route{method: strings.ToUpper(method), path: path}
	if r.method == "" || r.method == "*" {
		r.method = "ANY"
	}
	if path == "$default" {
		return r, nil
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("route path %q must start with /", path)
	}
	parts := strings.Split(path[1:], "/")
	for i, p := range parts {
		seg := segment{literal: p}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			name := p[1 : len(p)-1]
			seg = segment{param: strings.TrimSuffix(name, "+"), greedy: strings.HasSuffix(name, "+")}
			if seg.greedy && i != len(parts)-1 {
				return nil, fmt.Errorf("route path %q: a greedy variable must be last", path)
			}
		}
		r.segments = append(r.segments, seg)
	}
	return r, nil
}

// match reports whether the escaped request path fits the route, with the
// url-decoded path parameters.
func (r *route) match(rawPath string) (map[string]string, bool) {
	if r.path == "$default" {
		return nil, true
	}
	if !strings.HasPrefix(rawPath, "/") {
		return nil, false
	}
	parts := strings.Split(rawPath[1:], "/")
	params := map[string]string{}
	for i, seg := range r.segments {
		if i >= len(parts) {
			return nil, false
		}
		switch {
		case seg.greedy:
			rest := strings.Join(parts[i:], "/")
			if rest == "" {
				return nil, false
			}
			params[seg.param] = unescape(rest)
			return params, true
		case seg.param != "":
			if parts[i] == "" {
				return nil, false
			}
			params[seg.param] = unescape(parts[i])
		default:
			if unescape(parts[i]) != seg.literal {
				return nil, false
			}
		}
	}
	if len(parts) != len(r.segments) {
		return nil, false
	}
	if len(params) == 0 {
		params = nil
	}
	return params, true
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// moreSpecific orders two routes that both match a request the way API
// Gateway picks between them: segment by segment literal beats variable
// beats greedy, then a longer path, then an exact method beats ANY, and
// $default comes last.
func moreSpecific(a, b *route) bool {
	if (a.path == "$default") != (b.path == "$default") {
		return b.path == "$default"
	}
	for i := 0; i < len(a.segments) && i < len(b.segments); i++ {
		if ra, rb := a.segments[i].rank(), b.segments[i].rank(); ra != rb {
			return ra > rb
		}
	}
	if len(a.segments) != len(b.segments) {
		return len(a.segments) > len(b.segments)
	}
	return a.method != "ANY" && b.method == "ANY"
}

// router finds the route of a request.
type router struct{ routes []*route }

func (rt *router) add(r *route) error {
	for _, o := range rt.routes {
		if o.key() == r.key() {
			return fmt.Errorf("route %s is defined by both %s and %s", r.key(), o.fn.LogicalID, r.fn.LogicalID)
		}
	}
	rt.routes = append(rt.routes, r)
	return nil
}

// find returns the most specific route for method and escaped path.
func (rt *router) find(method, rawPath string) (*route, map[string]string) {
	var (
		best       *route
		bestParams map[string]string
	)
	for _, r := range rt.routes {
		if r.method != "ANY" && r.method != method {
			continue
		}
		params, ok := r.match(rawPath)
		if !ok {
			continue
		}
		if best == nil || moreSpecific(r, best) {
			best, bestParams = r, params
		}
	}
	return best, bestParams
}
