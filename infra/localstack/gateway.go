package localstack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Limits of API Gateway HTTP APIs.
const (
	maxRequestBody     = 10 << 20
	integrationTimeout = 30 * time.Second
)

// gateway serves the template's HttpApi routes like API Gateway with payload
// format 2.0.
type gateway struct {
	router    router
	cors      *corsConfig
	accessLog string // AccessLogSettings.Format; "" = no access log
	logs      *logSink
	port      string
}

// serveHTTPAPI builds the routes and starts serving on the stack's listener.
func (s *Stack) serveHTTPAPI() error {
	gw, err := s.newGateway()
	if err != nil {
		return err
	}
	s.gateway = gw
	s.srv = &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = s.srv.Serve(s.ln) }()
	return nil
}

// httpAPI is one AWS::Serverless::HttpApi: its authorizers, CORS, stage
// throttling and access log format.
type httpAPI struct {
	defaultAuthorizer string
	authorizers       map[string]*jwtAuthorizer
	cors              *corsConfig
	defaultSettings   map[string]any // DefaultRouteSettings
	routeSettings     map[string]any // RouteSettings by route key
	accessLogFormat   string
}

func (s *Stack) newGateway() (*gateway, error) {
	_, port, _ := net.SplitHostPort(s.ln.Addr().String())
	gw := &gateway{port: port, logs: s.logs}
	apis := map[string]*httpAPI{}
	var apiIDs []string
	for _, id := range s.tmpl.Order {
		res := s.tmpl.Resources[id]
		if res.Type != typeHttpApi || !s.res.enabled(res) {
			continue
		}
		props, err := s.res.resolveMap(res.Properties)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		api, err := s.newHTTPAPI(id, props)
		if err != nil {
			return nil, err
		}
		apis[id] = api
		apiIDs = append(apiIDs, id)
		if len(apiIDs) == 1 {
			// One listener serves every HttpApi; the first one's CORS and
			// access log apply to all.
			gw.cors, gw.accessLog = api.cors, api.accessLogFormat
		}
	}

	for _, id := range s.tmpl.Order {
		fn, ok := s.functions[id]
		if !ok {
			continue
		}
		rawEvents := asMap(s.tmpl.Resources[id].Properties["Events"])
		for name, ev := range asMap(fn.Props["Events"]) {
			if scalarString(asMap(ev)["Type"]) != "HttpApi" {
				continue
			}
			apiID := refTarget(asMap(asMap(rawEvents[name])["Properties"])["ApiId"])
			if apiID == "" && len(apiIDs) == 1 {
				apiID = apiIDs[0]
			}
			rt, err := newEventRoute(fn, asMap(asMap(ev)["Properties"]), apis[apiID])
			if err != nil {
				return nil, fmt.Errorf("%s event %s: %w", id, name, err)
			}
			if err := gw.router.add(rt); err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(gw.router.routes, func(i, j int) bool { return gw.router.routes[i].key() < gw.router.routes[j].key() })
	return gw, nil
}

// refTarget returns the logical id in {"Ref": id}, or "".
func refTarget(v any) string {
	id, _ := asMap(v)["Ref"].(string)
	return id
}

func (s *Stack) newHTTPAPI(id string, props map[string]any) (*httpAPI, error) {
	auth := asMap(props["Auth"])
	api := &httpAPI{
		defaultAuthorizer: scalarString(auth["DefaultAuthorizer"]),
		authorizers:       map[string]*jwtAuthorizer{},
		cors:              newCORSConfig(props["CorsConfiguration"]),
		defaultSettings:   asMap(props["DefaultRouteSettings"]),
		routeSettings:     asMap(props["RouteSettings"]),
		accessLogFormat:   scalarString(asMap(props["AccessLogSettings"])["Format"]),
	}
	for name, def := range asMap(auth["Authorizers"]) {
		a, err := s.newJWTAuthorizer(name, asMap(def))
		if err != nil {
			return nil, fmt.Errorf("%s authorizer %s: %w", id, name, err)
		}
		api.authorizers[name] = a
	}
	return api, nil
}

func newEventRoute(fn *function, props map[string]any, api *httpAPI) (*route, error) {
	path := scalarString(props["Path"])
	method := scalarString(props["Method"])
	if path == "" && method == "" {
		path = "$default"
	}
	rt, err := newRoute(method, path)
	if err != nil {
		return nil, err
	}
	rt.fn = fn
	rt.throttle = api.routeThrottle(rt.key())
	auth := asMap(props["Auth"])
	name := scalarString(auth["Authorizer"])
	if name == "" && api != nil {
		name = api.defaultAuthorizer
	}
	if name == "" || name == "NONE" {
		return rt, nil
	}
	if api == nil || api.authorizers[name] == nil {
		return nil, fmt.Errorf("authorizer %q is not defined on the HttpApi", name)
	}
	rt.authorizer = api.authorizers[name]
	rt.scopes = rt.authorizer.scopes
	if s, ok := auth["AuthorizationScopes"]; ok {
		rt.scopes = stringList(s)
	}
	return rt, nil
}

// httpResponse is an answer before it is written.
type httpResponse struct {
	status int
	header http.Header
	body   []byte
}

func message(status int, text string) httpResponse {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	body, _ := json.Marshal(map[string]string{"message": text})
	return httpResponse{status: status, header: h, body: body}
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	entry := accessEntry{start: time.Now()}
	var resp httpResponse
	if g.cors != nil && isPreflight(r) {
		resp = httpResponse{status: http.StatusNoContent, header: http.Header{}}
		g.cors.preflight(r, resp.header)
	} else {
		resp = g.handle(r, reqID, &entry)
		if g.cors != nil {
			g.cors.decorate(r, resp.header)
		}
	}
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h.Set("Apigw-Requestid", reqID)
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // API Gateway does not guess a content type
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
	if g.accessLog != "" {
		entry.status, entry.responseLength = resp.status, len(resp.body)
		if entry.routeKey == "" {
			entry.routeKey = "-"
		}
		g.logs.line("api-access", accessLogLine(g.accessLog, r, reqID, entry))
	}
}

func (g *gateway) handle(r *http.Request, reqID string, e *accessEntry) httpResponse {
	fail := func(status int, text string) httpResponse {
		e.errorMessage = text
		return message(status, text)
	}
	if r.ContentLength > maxRequestBody {
		return fail(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return fail(http.StatusBadRequest, "Bad Request")
	}
	if len(body) > maxRequestBody {
		return fail(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	}
	rt, params := g.router.find(r.Method, r.URL.EscapedPath())
	if rt == nil {
		return fail(http.StatusNotFound, "Not Found")
	}
	e.routeKey = rt.key()
	// Throttling comes before the authorizer: a throttled request costs
	// no token check.
	if rt.throttle != nil && !rt.throttle.take(time.Now()) {
		return fail(http.StatusTooManyRequests, "Too Many Requests")
	}
	var authz *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	if rt.authorizer != nil {
		jwt, err := rt.authorizer.authorize(r.Context(), r, rt.scopes)
		if err != nil {
			e.authorizerError = err.Error()
			resp := fail(http.StatusUnauthorized, "Unauthorized")
			resp.header.Set("Www-Authenticate", "Bearer")
			return resp
		}
		authz = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: jwt}
	}

	payload, err := json.Marshal(g.event(r, body, rt, params, reqID, authz))
	if err != nil {
		return fail(http.StatusInternalServerError, "Internal Server Error")
	}
	ctx, cancel := context.WithTimeout(r.Context(), integrationTimeout)
	defer cancel()
	invoked := time.Now()
	out, err := rt.fn.rt.Invoke(ctx, payload)
	e.integrationStatus, e.integrationLatency = "200", time.Since(invoked)
	if err != nil {
		e.integrationError = err.Error()
	}
	switch {
	case isTimeout(err):
		return fail(http.StatusServiceUnavailable, "Service Unavailable")
	case err != nil:
		return fail(http.StatusInternalServerError, "Internal Server Error")
	}
	resp, err := mapResponse(out)
	if err != nil {
		rt.fn.rt.logs.printf(rt.fn.Label, "invalid API Gateway response: %v", err)
		e.integrationError = "invalid API Gateway response: " + err.Error()
		return fail(http.StatusInternalServerError, "Internal Server Error")
	}
	e.functionStatus = strconv.Itoa(resp.status)
	return resp
}

// event builds the payload format 2.0 request.
func (g *gateway) event(r *http.Request, body []byte, rt *route, params map[string]string, reqID string,
	authz *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) events.APIGatewayV2HTTPRequest {
	now := time.Now().UTC()
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	headers, cookies := g.eventHeaders(r, sourceIP)
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.key(),
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: queryParameters(r.URL.RawQuery),
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.key(),
			AccountID:    accountID,
			Stage:        "$default",
			RequestID:    reqID,
			Authorizer:   authz,
			APIID:        "local",
			DomainName:   r.Host,
			DomainPrefix: domainPrefix(r.Host),
			Time:         now.Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.EscapedPath(),
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isTextBody(r.Header.Get("Content-Type"), body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// eventHeaders lowercases names, joins repeated headers with commas, moves
// cookies to their own list and adds the headers API Gateway adds.
func (g *gateway) eventHeaders(r *http.Request, sourceIP string) (map[string]string, []string) {
	headers := map[string]string{}
	var cookies []string
	for name, values := range r.Header {
		lname := strings.ToLower(name)
		if lname == "cookie" {
			for _, v := range values {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lname] = strings.Join(values, ",")
	}
	headers["host"] = r.Host
	if xff := headers["x-forwarded-for"]; xff != "" {
		headers["x-forwarded-for"] = xff + ", " + sourceIP
	} else {
		headers["x-forwarded-for"] = sourceIP
	}
	headers["x-forwarded-proto"] = "http"
	headers["x-forwarded-port"] = g.port
	headers["x-amzn-trace-id"] = strings.SplitN(newTraceID(), ";", 2)[0]
	return headers, cookies
}

// queryParameters decodes the query; repeated names are comma-joined.
func queryParameters(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	q, _ := url.ParseQuery(raw)
	if len(q) == 0 {
		return nil
	}
	out := make(map[string]string, len(q))
	for k, v := range q {
		out[k] = strings.Join(v, ",")
	}
	return out
}

func domainPrefix(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	return prefix
}

// isTextBody follows API Gateway: bodies of these media types pass as text,
// everything else (and anything that is not UTF-8) is base64-encoded.
func isTextBody(contentType string, body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json",
		mt == "application/x-www-form-urlencoded",
		mt == "application/xml",
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return true
	}
	return false
}

// mapResponse applies the payload format 2.0 response rules.
func mapResponse(out []byte) (httpResponse, error) {
	var probe any
	if err := json.Unmarshal(out, &probe); err != nil {
		return httpResponse{}, fmt.Errorf("not JSON: %w", err)
	}
	obj, isObj := probe.(map[string]any)
	if _, has := obj["statusCode"]; !isObj || !has {
		// No statusCode: API Gateway assumes 200 and the JSON itself as body
		// (a JSON string is sent as its text).
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		if s, ok := probe.(string); ok {
			return httpResponse{status: http.StatusOK, header: h, body: []byte(s)}, nil
		}
		return httpResponse{status: http.StatusOK, header: h, body: out}, nil
	}

	var fr events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &fr); err != nil {
		return httpResponse{}, fmt.Errorf("response shape: %w", err)
	}
	if fr.StatusCode < 100 || fr.StatusCode > 599 {
		return httpResponse{}, fmt.Errorf("statusCode %d", fr.StatusCode)
	}
	h := http.Header{}
	for k, v := range fr.Headers {
		h.Set(k, v)
	}
	for k, vs := range fr.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range fr.Cookies {
		h.Add("Set-Cookie", c)
	}
	// The server computes these itself; a wrong value from the function
	// would break the connection.
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	body := []byte(fr.Body)
	if fr.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(fr.Body); err != nil {
			return httpResponse{}, fmt.Errorf("body is not base64: %w", err)
		}
	}
	return httpResponse{status: fr.StatusCode, header: h, body: body}, nil
}
