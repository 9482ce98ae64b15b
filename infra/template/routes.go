package template

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Route is an HttpApi event of a function: its key ("METHOD /path"), the
// function's logical id and the authorizer that guards it ("NONE" for a
// public route; the API's DefaultAuthorizer unless the route names one).
type Route struct {
	Key, Function, Authorizer string
}

// Routes lists every HttpApi route of the template's functions, in file
// order; a route served twice or without a method or path is an error.
func (t *Template) Routes() ([]Route, error) {
	var routes []Route
	seen := map[string]bool{}
	for _, id := range t.Order {
		events := Map(t.Resources[id].Properties["Events"])
		for _, name := range slices.Sorted(maps.Keys(events)) {
			ev := Map(events[name])
			if String(ev["Type"]) != "HttpApi" {
				continue
			}
			props := Map(ev["Properties"])
			method, path := strings.ToUpper(String(props["Method"])), String(props["Path"])
			if method == "" || path == "" {
				return nil, fmt.Errorf("function %s event %s: Method or Path missing", id, name)
			}
			key := method + " " + path
			if seen[key] {
				return nil, fmt.Errorf("route %s is served by two functions", key)
			}
			seen[key] = true
			authorizer := String(Map(props["Auth"])["Authorizer"])
			if authorizer == "" {
				api := t.Resources[RefTo(props["ApiId"])]
				authorizer = String(Map(api.Properties["Auth"])["DefaultAuthorizer"])
			}
			routes = append(routes, Route{Key: key, Function: id, Authorizer: authorizer})
		}
	}
	return routes, nil
}
