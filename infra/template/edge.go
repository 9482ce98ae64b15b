package template

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// edge checks the limits in front of the functions (README "Limits at the
// edge"), each evaluated with the parameters' defaults: what a deploy that
// sets nothing gets.
func (c *checker) edge() {
	defaults := c.t.Defaults(nil)
	for _, id := range c.t.Order {
		if c.t.Resources[id].Type == "AWS::Serverless::HttpApi" {
			c.throttling(id, defaults)
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
	props := c.t.Eval(c.t.Resources[apiID].Properties, vals).(map[string]any)
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
