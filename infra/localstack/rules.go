package localstack

import (
	"fmt"
	"maps"
	"slices"
)

// checkRules evaluates the template's Rules section the way CloudFormation
// does before it creates or changes anything: for every rule whose
// RuleCondition holds (or that has none), each Assert must be true, or the
// stack does not start, with the assertion's AssertDescription. Locally the
// rule functions are Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains,
// Fn::EachMemberEquals and Fn::EachMemberIn over parameters; the ones that
// need an AWS account (Fn::RefAll, Fn::ValueOf, Fn::ValueOfAll) are refused.
func (r *resolver) checkRules() error {
	for _, name := range slices.Sorted(maps.Keys(r.tmpl.Rules)) {
		rule := asMap(r.tmpl.Rules[name])
		if cond, ok := rule["RuleCondition"]; ok {
			holds, err := r.ruleBool(cond)
			if err != nil {
				return fmt.Errorf("rule %s: RuleCondition: %w", name, err)
			}
			if !holds {
				continue
			}
		}
		for i, a := range asList(rule["Assertions"]) {
			ok, err := r.ruleBool(asMap(a)["Assert"])
			if err != nil {
				return fmt.Errorf("rule %s: assertion %d: %w", name, i+1, err)
			}
			if !ok {
				desc := scalarString(asMap(a)["AssertDescription"])
				if desc == "" {
					desc = fmt.Sprintf("assertion %d failed", i+1)
				}
				return fmt.Errorf("rule %s: %s", name, desc)
			}
		}
	}
	return nil
}

func (r *resolver) ruleBool(v any) (bool, error) {
	out, err := r.resolve(v)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("does not evaluate to true or false here (%v)", out)
	}
	return b, nil
}

// fnRuleList implements the list functions of Rules: Fn::Contains [list,
// value] (value is in list), Fn::EachMemberEquals [list, value] (every
// member is value) and Fn::EachMemberIn [list, allowed] (every member is
// in allowed).
func (r *resolver) fnRuleList(fn string, arg any, vis map[string]bool) (any, error) {
	v, err := r.resolveWith(arg, vis)
	if err != nil {
		return nil, err
	}
	a := asList(v)
	if len(a) != 2 {
		return nil, fmt.Errorf("%s: needs two arguments", fn)
	}
	members := func(x any) []string {
		if l, ok := x.([]any); ok {
			return stringList(l)
		}
		return []string{scalarString(x)}
	}
	list := members(a[0])
	switch fn {
	case "Fn::Contains":
		return slices.Contains(list, scalarString(a[1])), nil
	case "Fn::EachMemberEquals":
		for _, m := range list {
			if m != scalarString(a[1]) {
				return false, nil
			}
		}
		return true, nil
	default: // Fn::EachMemberIn
		allowed := members(a[1])
		for _, m := range list {
			if !slices.Contains(allowed, m) {
				return false, nil
			}
		}
		return true, nil
	}
}
