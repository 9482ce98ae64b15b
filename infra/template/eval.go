package template

import (
	"fmt"
	"sort"
)

// NoValue is what Ref AWS::NoValue evaluates to; Eval drops it from
// mappings and lists, as CloudFormation does.
type NoValue struct{}

// Values are parameter values by name: a deployment's choices.
type Values map[string]string

// Defaults returns every parameter's Default, then the overrides.
func (t *Template) Defaults(overrides Values) Values {
	v := Values{}
	for name, p := range t.Parameters {
		if d, ok := p["Default"]; ok {
			v[name] = String(d)
		}
	}
	for name, val := range overrides {
		v[name] = val
	}
	return v
}

// Eval evaluates the intrinsic functions of v that depend on parameters
// only (Ref of a parameter, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or,
// Fn::Contains, Condition) for the given values. Anything else stays as
// written; a Ref to a resource or pseudo parameter becomes "${Name}".
func (t *Template) Eval(v any, vals Values) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if out, ok := t.intrinsic(k, arg, vals); ok {
					return out
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if r := t.Eval(e, vals); r != (NoValue{}) {
				out[k] = r
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if r := t.Eval(e, vals); r != (NoValue{}) {
				out = append(out, r)
			}
		}
		return out
	}
	return v
}

func (t *Template) intrinsic(fn string, arg any, vals Values) (any, bool) {
	args := List(arg)
	switch fn {
	case "Ref":
		name := String(arg)
		if name == "AWS::NoValue" {
			return NoValue{}, true
		}
		if val, ok := vals[name]; ok {
			return val, true
		}
		return "${" + name + "}", true
	case "Condition":
		name, ok := arg.(string)
		if !ok {
			return nil, false // an IAM statement's Condition block
		}
		return t.Condition(name, vals), true
	case "Fn::If":
		if len(args) != 3 {
			return nil, false
		}
		if t.Condition(String(args[0]), vals) {
			return t.Eval(args[1], vals), true
		}
		return t.Eval(args[2], vals), true
	case "Fn::Equals":
		if len(args) != 2 {
			return nil, false
		}
		return fmt.Sprint(t.Eval(args[0], vals)) == fmt.Sprint(t.Eval(args[1], vals)), true
	case "Fn::Not":
		return len(args) == 1 && t.Eval(args[0], vals) == false, true
	case "Fn::And", "Fn::Or":
		and := fn == "Fn::And"
		for _, a := range args {
			if b := t.Eval(a, vals) == true; b != and {
				return !and, true
			}
		}
		return and, true
	case "Fn::Contains": // Rules: [list, value]
		if len(args) != 2 {
			return nil, false
		}
		want := fmt.Sprint(t.Eval(args[1], vals))
		for _, e := range List(t.Eval(args[0], vals)) {
			if fmt.Sprint(e) == want {
				return true, true
			}
		}
		return false, true
	}
	return nil, false
}

// Condition evaluates a named condition of the Conditions section.
func (t *Template) Condition(name string, vals Values) bool {
	return t.Eval(t.Conditions[name], vals) == true
}

// RuleFailures evaluates the Rules section as CloudFormation does before
// it creates or updates anything: for each rule whose RuleCondition holds
// (or that has none), every Assert must be true. It returns the
// AssertDescription of each assertion that fails, sorted.
func (t *Template) RuleFailures(vals Values) []string {
	var out []string
	for name, r := range t.Rules {
		rule := Map(r)
		if c, ok := rule["RuleCondition"]; ok && t.Eval(c, vals) != true {
			continue
		}
		for i, a := range List(rule["Assertions"]) {
			if t.Eval(Map(a)["Assert"], vals) == true {
				continue
			}
			desc := String(Map(a)["AssertDescription"])
			if desc == "" {
				desc = fmt.Sprintf("rule %s, assertion %d", name, i+1)
			}
			out = append(out, desc)
		}
	}
	sort.Strings(out)
	return out
}
