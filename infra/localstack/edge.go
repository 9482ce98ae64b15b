package localstack

import (
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tokenBucket is API Gateway's throttle of one route: burst tokens at
// most, refilled at rate per second; a request without a token gets 429.
type tokenBucket struct {
	mu          sync.Mutex
	rate, burst float64
	tokens      float64
	last        time.Time
}

// newTokenBucket reads ThrottlingRateLimit and ThrottlingBurstLimit; without
// both the route has no limit of its own (the account's would apply).
func newTokenBucket(settings map[string]any) *tokenBucket {
	rate, err1 := strconv.ParseFloat(scalarString(settings["ThrottlingRateLimit"]), 64)
	burst, err2 := strconv.ParseFloat(scalarString(settings["ThrottlingBurstLimit"]), 64)
	if err1 != nil || err2 != nil || rate < 0 || burst < 0 {
		return nil
	}
	return &tokenBucket{rate: rate, burst: burst, tokens: burst}
}

func (b *tokenBucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// routeThrottle returns the bucket of a route: its RouteSettings entry
// replaces the stage's DefaultRouteSettings, as in API Gateway.
func (api *httpAPI) routeThrottle(key string) *tokenBucket {
	if api == nil {
		return nil
	}
	if s, ok := api.routeSettings[key]; ok {
		return newTokenBucket(asMap(s))
	}
	return newTokenBucket(api.defaultSettings)
}

// accessEntry is what the gateway knows of one request for the access log.
type accessEntry struct {
	start              time.Time
	routeKey           string
	status             int
	responseLength     int
	errorMessage       string // the gateway's own answer ("Unauthorized", "Too Many Requests" ...)
	authorizerError    string
	integrationError   string
	integrationStatus  string // Lambda's status of the invoke ("200"), "" if not invoked
	functionStatus     string // the status the function answered
	integrationLatency time.Duration
}

var contextVar = regexp.MustCompile(`\$context\.[A-Za-z0-9_.]+`)

// accessLogLine fills an AccessLogSettings Format with the request's
// $context values. Unknown or empty values are "-", as in API Gateway;
// values are JSON-escaped (API Gateway's own escaping is not emulated).
func accessLogLine(format string, r *http.Request, reqID string, e accessEntry) string {
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	vars := map[string]string{
		"requestId":                     reqID,
		"extendedRequestId":             reqID,
		"requestTime":                   e.start.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		"requestTimeEpoch":              strconv.FormatInt(e.start.UnixMilli(), 10),
		"identity.sourceIp":             sourceIP,
		"identity.userAgent":            r.UserAgent(),
		"httpMethod":                    r.Method,
		"routeKey":                      e.routeKey,
		"status":                        strconv.Itoa(e.status),
		"protocol":                      r.Proto,
		"responseLength":                strconv.Itoa(e.responseLength),
		"responseLatency":               ms(time.Since(e.start)),
		"integrationStatus":             e.integrationStatus,
		"integration.integrationStatus": e.integrationStatus,
		"integration.status":            e.functionStatus,
		"integrationErrorMessage":       e.integrationError,
		"integration.error":             e.integrationError,
		"authorizer.error":              e.authorizerError,
		"error.message":                 e.errorMessage,
		"apiId":                         "local",
		"stage":                         "$default",
		"accountId":                     accountID,
		"domainName":                    r.Host,
		"domainPrefix":                  domainPrefix(r.Host),
		"path":                          r.URL.EscapedPath(),
	}
	if e.integrationStatus != "" {
		vars["integrationLatency"] = ms(e.integrationLatency)
		vars["integration.latency"] = vars["integrationLatency"]
	}
	if e.errorMessage != "" {
		quoted, _ := json.Marshal(e.errorMessage)
		vars["error.messageString"] = string(quoted)
	}
	return contextVar.ReplaceAllStringFunc(format, func(m string) string {
		name := strings.TrimPrefix(m, "$context.")
		v := vars[name]
		switch {
		case v == "":
			return "-"
		case name == "error.messageString": // already a JSON string
			return v
		}
		quoted, _ := json.Marshal(v)
		return string(quoted[1 : len(quoted)-1])
	})
}
