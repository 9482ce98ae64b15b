package auth

import (
	"sort"
	"testing"

	"backoffice/infra/template"
)

// templateRoutes lists "METHOD /path" → authorizer ("NONE", or the JWT
// authorizer guarding it) of every HttpApi event in template.yaml.
func templateRoutes(t *testing.T) map[string]string {
	t.Helper()
	tpl, err := template.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	list, err := tpl.Routes()
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	for _, r := range list {
		routes[r.Key] = r.Authorizer
	}
	return routes
}

// Every route in template.yaml has exactly one entry in Routes, public routes
// are exactly those without an authorizer, and Routes names no route the
// template lacks: a new route can not ship without a permission decision.
func TestRoutesMatchTemplate(t *testing.T) {
	tpl := templateRoutes(t)
	var missing, extra []string
	for route, authorizer := range tpl {
		need, ok := Routes[route]
		if !ok {
			missing = append(missing, route)
			continue
		}
		if (authorizer == "NONE") != (need == Public) {
			t.Errorf("%s: authorizer %q but access %q", route, authorizer, need)
		}
		// Customer self-service sits behind the customer pool's authorizer
		// and nothing else does.
		if (authorizer == "CustomerJwt") != (need == CustomerSelf) {
			t.Errorf("%s: authorizer %q but access %q", route, authorizer, need)
		}
		if need != Public && need != Self && need != CustomerSelf && !Known(need) {
			t.Errorf("%s: unknown permission %q", route, need)
		}
	}
	for route := range Routes {
		if _, ok := tpl[route]; !ok {
			extra = append(extra, route)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("routes without a permission: %v; permissions for routes the template lacks: %v", missing, extra)
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Catalogue {
		if seen[p.Key] || p.Group == "" || p.Description == "" {
			t.Errorf("bad catalogue entry %+v", p)
		}
		seen[p.Key] = true
	}
	if len(AllPermissions()) != 20 {
		t.Errorf("the contract lists 20 permission keys, catalogue has %d", len(AllPermissions()))
	}
	for _, p := range AdminPermissions() {
		if !Known(p) || p == SettingsManage || p == RolesManage {
			t.Errorf("admin permission %q", p)
		}
	}
}
