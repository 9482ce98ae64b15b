package template

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// edge checks the limits in front of the functions (README "Limits at the
// edge"), each evaluated with the parameters' defaults: what a deploy that
// sets nothing gets.
func (c *checker) edge() {
	defaults := c.t.Defaults(nil)
	c.reservedConcurrency(defaults)
	c.cors(defaults)
	for _, id := range c.t.Order {
		switch c.t.Resources[id].Type {
		case "AWS::Serverless::HttpApi":
			c.throttling(id, defaults)
			c.accessLog(id)
		case "AWS::CloudFront::Distribution":
			c.responseHeaders(id)
		}
	}
}

// apiRoutes returns the routes of one HttpApi: key ("METHOD /path") →
// authorizer decision ("NONE" for a public route).
func (c *checker) apiRoutes(apiID string) map[string]string {
	api := c.t.Resources[apiID]
	routes := map[string]string{}
	for _, id := range c.t.Order {
		for _, e := range Map(c.t.Resources[id].Properties["Events"]) {
			ev := Map(e)
			props := Map(ev["Properties"])
			if String(ev["Type"]) != "HttpApi" || RefTo(props["ApiId"]) != apiID {
				continue
			}
			decision := String(Map(props["Auth"])["Authorizer"])
			if decision == "" {
				decision = String(Map(api.Properties["Auth"])["DefaultAuthorizer"])
			}
			routes[strings.ToUpper(String(props["Method"]))+" "+String(props["Path"])] = decision
		}
	}
	return routes
}

// isPublicAuthRoute: the sign-in routes anyone may call (login, refresh,
// invitations, forgot and reset), of staff and of customers.
func isPublicAuthRoute(key, decision string) bool {
	method, path, _ := strings.Cut(key, " ")
	return decision == "NONE" && method == "POST" &&
		(strings.HasPrefix(path, "/auth/") || strings.HasPrefix(path, "/customer-auth/"))
}

// throttling: the stage has default route limits, every RouteSettings key
// is a route of the API (CloudFormation fails the stage with "Unable to
// find Route by key" otherwise, at deploy), and each public sign-in route
// has limits of its own, stricter than the default.
func (c *checker) throttling(apiID string, vals Values) {
	props := Map(c.t.Eval(c.t.Resources[apiID].Properties, vals))
	rate, burst, ok := limits(Map(props["DefaultRouteSettings"]))
	if !ok {
		c.addf("HttpApi %s: DefaultRouteSettings needs ThrottlingRateLimit and ThrottlingBurstLimit above 0 (without them every route takes the account's 10,000 requests/s)", apiID)
	}
	routes := c.apiRoutes(apiID)
	settings := Map(props["RouteSettings"])
	for _, key := range slices.Sorted(maps.Keys(settings)) {
		if _, ok := routes[key]; !ok {
			c.addf("HttpApi %s: RouteSettings %q is not a route of the API (the deploy fails: Unable to find Route by key)", apiID, key)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(routes)) {
		if !isPublicAuthRoute(key, routes[key]) {
			continue
		}
		r, b, has := limits(Map(settings[key]))
		switch {
		case !has:
			c.addf("HttpApi %s: public sign-in route %s has no RouteSettings with ThrottlingRateLimit and ThrottlingBurstLimit", apiID, key)
		case ok && (r >= rate || b > burst):
			c.addf("HttpApi %s: public sign-in route %s is not throttled more strictly than the default (%g/s burst %g vs %g/s burst %g)", apiID, key, r, b, rate, burst)
		}
	}
}

// limits reads ThrottlingRateLimit and ThrottlingBurstLimit; ok when both
// are numbers above 0.
func limits(settings map[string]any) (rate, burst float64, ok bool) {
	rate, err1 := strconv.ParseFloat(String(settings["ThrottlingRateLimit"]), 64)
	burst, err2 := strconv.ParseFloat(String(settings["ThrottlingBurstLimit"]), 64)
	return rate, burst, err1 == nil && err2 == nil && rate > 0 && burst > 0
}

// accessLogFields are the $context variables the access log must have:
// with them a request refused before any function ran can be found and
// explained. One of each group is enough.
var accessLogFields = [][]string{
	{"$context.requestId"},
	{"$context.identity.sourceIp"},
	{"$context.routeKey"},
	{"$context.status"},
	{"$context.responseLatency"},
	{"$context.authorizer.error"},
	{"$context.integrationErrorMessage", "$context.integration.error"},
}

var (
	contextVar = regexp.MustCompile(`\$context\.[A-Za-z0-9_.]+`)
	// Headers (Authorization), query strings and raw request values may
	// carry tokens: never in the access log.
	secretBearing = regexp.MustCompile(`(?i)\$request\.|header|querystring|authorization`)
	// A log group's ARN: ${Group.Arn}, or a Fn::Sub ending in
	// :log-group:${Group} (the documented form, without GetAtt's ":*").
	logGroupArn = regexp.MustCompile(`^\$\{(\w+)\.Arn\}$|:log-group:\$\{(\w+)\}$`)
)

// accessLog: the API logs every request to a log group of the template
// with a retention, in a JSON format that has the fields above and nothing
// that can carry a token.
func (c *checker) accessLog(apiID string) {
	settings := Map(c.t.Resources[apiID].Properties["AccessLogSettings"])
	if len(settings) == 0 {
		c.addf("HttpApi %s: no AccessLogSettings (the authorizer's 401s and throttling's 429s reach no function: only the access log shows them)", apiID)
		return
	}
	dest := resourceText(settings["DestinationArn"])
	group := ""
	if m := logGroupArn.FindStringSubmatch(dest); m != nil {
		group = m[1] + m[2]
	}
	if lg, ok := c.t.Resources[group]; !ok || lg.Type != "AWS::Logs::LogGroup" {
		c.addf("HttpApi %s: AccessLogSettings.DestinationArn %q is not the ARN of a log group of the template", apiID, dest)
	} else if lg.Properties["RetentionInDays"] == nil {
		c.addf("log group %s: no RetentionInDays", group)
	}
	format := String(settings["Format"])
	// API Gateway refuses the stage at deploy without one of these.
	if !strings.Contains(format, "$context.requestId") && !strings.Contains(format, "$context.extendedRequestId") {
		c.addf("HttpApi %s: the access log Format has neither $context.requestId nor $context.extendedRequestId (the deploy fails)", apiID)
	}
	for _, group := range accessLogFields {
		if !slices.ContainsFunc(group, func(v string) bool { return strings.Contains(format, v) }) {
			c.addf("HttpApi %s: the access log Format lacks %s", apiID, strings.Join(group, " or "))
		}
	}
	if !json.Valid([]byte(contextVar.ReplaceAllString(format, "x"))) {
		c.addf("HttpApi %s: the access log Format is not one JSON object (quote every $context value)", apiID)
	}
	if bad := secretBearing.FindString(format); bad != "" {
		c.addf("HttpApi %s: the access log Format logs %q: headers and query strings may carry tokens", apiID, bad)
	}
}

// reservedConcurrency: no function reserves concurrency unless a parameter
// asks for it. Lambda keeps 100 of the account's concurrency unreserved, so
// with a new account's quota any reservation fails the deploy.
func (c *checker) reservedConcurrency(vals Values) {
	set := func(where string, props map[string]any) {
		if v, ok := props["ReservedConcurrentExecutions"]; ok && c.t.Eval(v, vals) != (NoValue{}) {
			c.addf("%s: ReservedConcurrentExecutions is set with the parameters' defaults (a new account's concurrency quota refuses any reservation at deploy): make it a parameter that is off by default", where)
		}
	}
	set("Globals", c.t.Globals)
	for _, id := range c.t.Order {
		if r := c.t.Resources[id]; r.Type == "AWS::Serverless::Function" || r.Type == "AWS::Lambda::Function" {
			set("function "+id, r.Properties)
		}
	}
}

// corsOrigins returns, per resource, the origins its CORS configuration
// allows for the given values (an HttpApi's CorsConfiguration: true is
// "*"), and the parameters each one's CORS configuration refers to.
func (c *checker) corsOrigins(vals Values) (origins, uses map[string][]string) {
	origins, uses = map[string][]string{}, map[string][]string{}
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		if r.Type != "AWS::Serverless::HttpApi" && r.Type != "AWS::S3::Bucket" {
			continue
		}
		raw, ok := r.Properties["CorsConfiguration"]
		if !ok {
			continue
		}
		cors := c.t.Eval(map[string]any{"v": raw}, vals).(map[string]any)["v"]
		if cors == true {
			origins[id] = []string{"*"}
		}
		if r.Type == "AWS::S3::Bucket" {
			for _, rule := range List(Map(cors)["CorsRules"]) {
				if presignedPutOnly(Map(rule)) {
					continue
				}
				origins[id] = append(origins[id], strs(Map(rule)["AllowedOrigins"])...)
			}
		} else {
			origins[id] = append(origins[id], strs(Map(cors)["AllowOrigins"])...)
		}
		for _, ref := range refs(raw) {
			if _, isParam := c.t.Parameters[ref]; isParam && !slices.Contains(uses[id], ref) {
				uses[id] = append(uses[id], ref)
			}
		}
	}
	return origins, uses
}

// presignedPutOnly is a bucket CORS rule that only lets browsers PUT to
// presigned URLs: its origins do not matter, since the signature is what
// authorises the upload (and a client outside a browser ignores CORS).
func presignedPutOnly(rule map[string]any) bool {
	methods := strs(rule["AllowedMethods"])
	return len(methods) == 1 && methods[0] == "PUT" && len(strs(rule["ExposedHeaders"])) == 0
}

// refs returns every name v refers to with Ref, in any depth.
func refs(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["Ref"].(string); ok && len(x) == 1 {
			return []string{r}
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out = append(out, refs(x[k])...)
		}
	case []any:
		for _, e := range x {
			out = append(out, refs(e)...)
		}
	}
	return out
}

// An origin a CORS parameter can be set to, for the checks below.
const someOrigin = "https://frontend.example.com"

// cors: with the parameters' defaults no CORS rule (API or bucket) allows
// every origin or names an empty one (a rule for "" matches nothing, if
// the service takes it at all: an absent CorsConfiguration is how "no
// cross-origin frontend" is said). A
// parameter an origin comes from turns CORS on when it is set, and the
// template's Rules refuse "*" for it in prod (and accept a real origin).
func (c *checker) cors(defaults Values) {
	origins, uses := c.corsOrigins(defaults)
	params := map[string]bool{}
	for _, id := range slices.Sorted(maps.Keys(origins)) {
		for _, o := range origins[id] {
			if o == "*" || o == "" {
				c.addf("%s: with the parameters' defaults its CORS allows the origin %q (want no CorsConfiguration, or a named origin)", id, o)
			}
		}
		for _, p := range uses[id] {
			params[p] = true
		}
	}
	if len(params) == 0 {
		return
	}
	if !slices.ContainsFunc(List(c.t.Parameters["Stage"]["AllowedValues"]), func(v any) bool { return String(v) == "prod" }) {
		c.addf("no Stage parameter with the value prod: the CORS checks can not tell prod")
		return
	}
	for _, p := range slices.Sorted(maps.Keys(params)) {
		set, _ := c.corsOrigins(c.t.Defaults(Values{p: someOrigin}))
		for _, id := range slices.Sorted(maps.Keys(uses)) {
			if slices.Contains(uses[id], p) && !slices.Contains(set[id], someOrigin) {
				c.addf("%s: setting parameter %s does not turn its CORS on for that origin", id, p)
			}
		}
		if len(c.t.RuleFailures(c.t.Defaults(Values{"Stage": "prod", p: "*"}))) == 0 {
			c.addf("parameter %s: prod accepts \"*\" (add a Rules assertion that refuses it when Stage is prod)", p)
		}
		if f := c.t.RuleFailures(c.t.Defaults(Values{"Stage": "prod", p: someOrigin})); len(f) > 0 {
			c.addf("parameter %s: prod refuses the origin %s too: %q", p, someOrigin, f)
		}
	}
}

// responseHeaders: every cache behaviour of a distribution answers with a
// response headers policy of the template that sets nosniff and a CSP
// that starts from default-src 'none', both overriding the origin's.
func (c *checker) responseHeaders(id string) {
	cfg := Map(c.t.Resources[id].Properties["DistributionConfig"])
	behaviours := map[string]map[string]any{"DefaultCacheBehavior": Map(cfg["DefaultCacheBehavior"])}
	for i, b := range List(cfg["CacheBehaviors"]) {
		behaviours["CacheBehaviors["+strconv.Itoa(i)+"]"] = Map(b)
	}
	for _, name := range slices.Sorted(maps.Keys(behaviours)) {
		ref := Map(behaviours[name]["ResponseHeadersPolicyId"])
		pid := RefTo(ref)
		if at := List(ref["Fn::GetAtt"]); len(at) == 2 {
			pid = String(at[0])
		}
		policy, ok := c.t.Resources[pid]
		if !ok || policy.Type != "AWS::CloudFront::ResponseHeadersPolicy" {
			c.addf("distribution %s: %s has no ResponseHeadersPolicyId of a policy of the template (nosniff, CSP)", id, name)
			continue
		}
		sec := Map(Map(policy.Properties["ResponseHeadersPolicyConfig"])["SecurityHeadersConfig"])
		if Map(sec["ContentTypeOptions"])["Override"] != true {
			c.addf("response headers policy %s: no X-Content-Type-Options nosniff (ContentTypeOptions with Override: true)", pid)
		}
		csp := Map(sec["ContentSecurityPolicy"])
		if !strings.Contains(String(csp["ContentSecurityPolicy"]), "default-src 'none'") || csp["Override"] != true {
			c.addf("response headers policy %s: no restrictive Content-Security-Policy (default-src 'none', Override: true)", pid)
		}
	}
}
