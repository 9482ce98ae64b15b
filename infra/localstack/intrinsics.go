package localstack

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// noValue is what AWS::NoValue resolves to; maps and lists drop it.
type noValue struct{}

// resolver evaluates CloudFormation intrinsic functions. Resource references
// go through lookup, so values appear as soon as their resource is provisioned
// and a reference to one that is not yet available fails loudly.
type resolver struct {
	pseudo map[string]string
	params map[string]any
	tmpl   *template
	conds  map[string]bool
	// lookup answers Ref (attr == "") and Fn::GetAtt for a resource.
	lookup func(logicalID, attr string) (any, error)
}

func newResolver(t *template, region, stackName string, overrides map[string]string,
	lookup func(string, string) (any, error)) (*resolver, error) {
	r := &resolver{
		pseudo: map[string]string{
			"AWS::Region":    region,
			"AWS::StackName": stackName,
			"AWS::StackId": fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/local",
				region, accountID, stackName),
			"AWS::AccountId":        accountID,
			"AWS::Partition":        "aws",
			"AWS::URLSuffix":        "amazonaws.com",
			"AWS::NotificationARNs": "",
		},
		params: map[string]any{},
		tmpl:   t,
		conds:  map[string]bool{},
		lookup: lookup,
	}
	if err := r.loadParameters(overrides); err != nil {
		return nil, err
	}
	if err := r.evalConditions(); err != nil {
		return nil, err
	}
	if err := r.checkRules(); err != nil {
		return nil, err
	}
	return r, nil
}

// AccountID is the account of every ARN the stack makes.
const AccountID = "000000000000"

const accountID = AccountID

func (r *resolver) loadParameters(overrides map[string]string) error {
	for name := range overrides {
		if _, ok := r.tmpl.Parameters[name]; !ok {
			return fmt.Errorf("parameter override %s: not declared in the template", name)
		}
	}
	for name, def := range r.tmpl.Parameters {
		val, ok := overrides[name]
		if !ok {
			d, has := def["Default"]
			if !has {
				return fmt.Errorf("parameter %s: no value given and no Default", name)
			}
			val = scalarString(d)
		}
		if allowed := asList(def["AllowedValues"]); len(allowed) > 0 &&
			!slices.ContainsFunc(allowed, func(a any) bool { return scalarString(a) == val }) {
			return fmt.Errorf("parameter %s: %q is not one of the AllowedValues", name, val)
		}
		if pat, _ := def["AllowedPattern"].(string); pat != "" {
			if re, err := regexp.Compile("^(?:" + pat + ")$"); err == nil && !re.MatchString(val) {
				return fmt.Errorf("parameter %s: %q does not match AllowedPattern", name, val)
			}
		}
		typ, _ := def["Type"].(string)
		if err := checkBounds(typ, val, def); err != nil {
			return fmt.Errorf("parameter %s: %w", name, err)
		}
		if typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<") {
			r.params[name] = splitList(val)
		} else {
			r.params[name] = val
		}
	}
	return nil
}

// checkBounds applies a Number parameter's MinValue and MaxValue, and a
// String parameter's MinLength and MaxLength, as CloudFormation does.
func checkBounds(typ, val string, def map[string]any) error {
	bound := func(key string) (float64, bool) {
		f, err := strconv.ParseFloat(scalarString(def[key]), 64)
		return f, def[key] != nil && err == nil
	}
	switch typ {
	case "Number":
		n, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", val)
		}
		if min, ok := bound("MinValue"); ok && n < min {
			return fmt.Errorf("%s is below MinValue %s", val, scalarString(def["MinValue"]))
		}
		if max, ok := bound("MaxValue"); ok && n > max {
			return fmt.Errorf("%s is above MaxValue %s", val, scalarString(def["MaxValue"]))
		}
	case "String":
		n := float64(utf8.RuneCountInString(val))
		if min, ok := bound("MinLength"); ok && n < min {
			return fmt.Errorf("%q is shorter than MinLength %s", val, scalarString(def["MinLength"]))
		}
		if max, ok := bound("MaxLength"); ok && n > max {
			return fmt.Errorf("%q is longer than MaxLength %s", val, scalarString(def["MaxLength"]))
		}
	}
	return nil
}

func splitList(s string) []any {
	if s == "" {
		return []any{}
	}
	var out []any
	for _, p := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// evalConditions evaluates every condition once; conditions may refer to each
// other, so evaluation recurses with cycle detection.
func (r *resolver) evalConditions() error {
	names := make([]string, 0, len(r.tmpl.Conditions))
	for n := range r.tmpl.Conditions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := r.condition(n, map[string]bool{}); err != nil {
			return err
		}
	}
	return nil
}

func (r *resolver) condition(name string, visiting map[string]bool) (bool, error) {
	if v, ok := r.conds[name]; ok {
		return v, nil
	}
	expr, ok := r.tmpl.Conditions[name]
	if !ok {
		return false, fmt.Errorf("condition %s: not defined", name)
	}
	if visiting[name] {
		return false, fmt.Errorf("condition %s: refers to itself", name)
	}
	visiting[name] = true
	v, err := r.resolveWith(expr, visiting)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s: does not evaluate to a boolean", name)
	}
	r.conds[name] = b
	return b, nil
}

// enabled reports whether a resource's Condition (if any) holds.
func (r *resolver) enabled(res *resource) bool {
	return res.Condition == "" || r.conds[res.Condition]
}

// resolve evaluates every intrinsic function inside v.
func (r *resolver) resolve(v any) (any, error) {
	return r.resolveWith(v, map[string]bool{})
}

// resolveMap resolves a property map; a nil input yields an empty map.
func (r *resolver) resolveMap(m map[string]any) (map[string]any, error) {
	v, err := r.resolve(m)
	if err != nil {
		return nil, err
	}
	out, _ := v.(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

func (r *resolver) resolveWith(v any, visiting map[string]bool) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 1 {
			for k, arg := range t {
				if fn, ok := r.intrinsic(k, arg); ok {
					return fn(arg, visiting)
				}
			}
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			rv, err := r.resolveWith(e, visiting)
			if err != nil {
				return nil, err
			}
			if _, drop := rv.(noValue); !drop {
				out[k] = rv
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			rv, err := r.resolveWith(e, visiting)
			if err != nil {
				return nil, err
			}
			if _, drop := rv.(noValue); !drop {
				out = append(out, rv)
			}
		}
		return out, nil
	}
	return v, nil
}

type intrinsicFn func(arg any, visiting map[string]bool) (any, error)

func (r *resolver) intrinsic(key string, arg any) (intrinsicFn, bool) {
	switch key {
	case "Ref":
		return r.fnRef, true
	case "Condition":
		// Only {"Condition": "Name"} is the intrinsic; IAM statements use the key too.
		if _, ok := arg.(string); !ok {
			return nil, false
		}
		return func(a any, vis map[string]bool) (any, error) { return r.condition(a.(string), vis) }, true
	case "Fn::GetAtt":
		return r.fnGetAtt, true
	case "Fn::Sub":
		return r.fnSub, true
	case "Fn::If":
		return r.fnIf, true
	case "Fn::Equals":
		return r.fnEquals, true
	case "Fn::Not", "Fn::And", "Fn::Or":
		return func(a any, vis map[string]bool) (any, error) { return r.fnLogic(key, a, vis) }, true
	case "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn":
		return func(a any, vis map[string]bool) (any, error) { return r.fnRuleList(key, a, vis) }, true
	case "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll":
		return func(any, map[string]bool) (any, error) {
			return nil, fmt.Errorf("%s needs an AWS account's resources: not evaluated locally", key)
		}, true
	case "Fn::Join":
		return r.fnJoin, true
	case "Fn::Select":
		return r.fnSelect, true
	case "Fn::Split":
		return r.fnSplit, true
	case "Fn::Base64":
		return r.fnBase64, true
	case "Fn::FindInMap":
		return r.fnFindInMap, true
	case "Fn::GetAZs":
		return func(any, map[string]bool) (any, error) {
			reg := r.pseudo["AWS::Region"]
			return []any{reg + "a", reg + "b", reg + "c"}, nil
		}, true
	case "Fn::ImportValue":
		return func(a any, vis map[string]bool) (any, error) {
			name, err := r.resolveWith(a, vis)
			if err != nil {
				return nil, err
			}
			return "imported-" + scalarString(name), nil
		}, true
	}
	return nil, false
}

func (r *resolver) fnRef(arg any, _ map[string]bool) (any, error) {
	name, ok := arg.(string)
	if !ok {
		return nil, fmt.Errorf("Ref: argument must be a string")
	}
	return r.ref(name)
}

func (r *resolver) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue{}, nil
	}
	if v, ok := r.pseudo[name]; ok {
		return v, nil
	}
	if v, ok := r.params[name]; ok {
		return v, nil
	}
	return r.resourceValue(name, "")
}

func (r *resolver) resourceValue(id, attr string) (any, error) {
	res, ok := r.tmpl.Resources[id]
	if !ok {
		return nil, fmt.Errorf("unknown resource or parameter %q", id)
	}
	if !r.enabled(res) {
		return nil, fmt.Errorf("resource %s is disabled by condition %s", id, res.Condition)
	}
	return r.lookup(id, attr)
}

func (r *resolver) fnGetAtt(arg any, vis map[string]bool) (any, error) {
	var parts []any
	switch a := arg.(type) {
	case string:
		id, attr, _ := strings.Cut(a, ".")
		parts = []any{id, attr}
	case []any:
		v, err := r.resolveWith(a, vis) // the attribute name may be a Ref
		if err != nil {
			return nil, err
		}
		parts = v.([]any)
	}
	if len(parts) != 2 {
		return nil, fmt.Errorf("Fn::GetAtt: needs [Resource, Attribute]")
	}
	id, _ := parts[0].(string)
	attr := scalarString(parts[1])
	return r.resourceValue(id, attr)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *resolver) fnSub(arg any, vis map[string]bool) (any, error) {
	var (
		text string
		vars = map[string]any{}
	)
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::Sub: list form needs [string, map]")
		}
		text, _ = a[0].(string)
		m, err := r.resolveWith(a[1], vis)
		if err != nil {
			return nil, err
		}
		vars = asMap(m)
	default:
		return nil, fmt.Errorf("Fn::Sub: unsupported argument")
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") { // ${!Literal} stays as ${Literal}
			return "${" + name[1:] + "}"
		}
		v, err := r.subValue(strings.TrimSpace(name), vars)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("Fn::Sub %q: %w", text, err)
		}
		return scalarString(v)
	})
	return out, firstErr
}

func (r *resolver) subValue(name string, vars map[string]any) (any, error) {
	if v, ok := vars[name]; ok {
		return v, nil
	}
	if id, attr, ok := strings.Cut(name, "."); ok {
		if _, isParam := r.params[name]; !isParam {
			if _, isPseudo := r.pseudo[name]; !isPseudo {
				return r.resourceValue(id, attr)
			}
		}
	}
	return r.ref(name)
}

func (r *resolver) fnIf(arg any, vis map[string]bool) (any, error) {
	a := asList(arg)
	if len(a) != 3 {
		return nil, fmt.Errorf("Fn::If: needs [condition, then, else]")
	}
	name, _ := a[0].(string)
	ok, err := r.condition(name, vis)
	if err != nil {
		return nil, err
	}
	if ok {
		return r.resolveWith(a[1], vis)
	}
	return r.resolveWith(a[2], vis)
}

func (r *resolver) fnEquals(arg any, vis map[string]bool) (any, error) {
	v, err := r.resolveWith(arg, vis)
	if err != nil {
		return nil, err
	}
	a := asList(v)
	if len(a) != 2 {
		return nil, fmt.Errorf("Fn::Equals: needs two values")
	}
	return scalarString(a[0]) == scalarString(a[1]), nil
}

func (r *resolver) fnLogic(fn string, arg any, vis map[string]bool) (any, error) {
	v, err := r.resolveWith(arg, vis)
	if err != nil {
		return nil, err
	}
	var bools []bool
	for _, e := range asList(v) {
		b, ok := e.(bool)
		if !ok {
			return nil, fmt.Errorf("%s: operands must be conditions", fn)
		}
		bools = append(bools, b)
	}
	switch fn {
	case "Fn::Not":
		if len(bools) != 1 {
			return nil, fmt.Errorf("Fn::Not: needs one condition")
		}
		return !bools[0], nil
	case "Fn::And":
		return !slices.Contains(bools, false), nil
	default:
		return slices.Contains(bools, true), nil
	}
}

func (r *resolver) fnJoin(arg any, vis map[string]bool) (any, error) {
	v, err := r.resolveWith(arg, vis)
	if err != nil {
		return nil, err
	}
	a := asList(v)
	if len(a) != 2 {
		return nil, fmt.Errorf("Fn::Join: needs [delimiter, list]")
	}
	var parts []string
	for _, e := range asList(a[1]) {
		parts = append(parts, scalarString(e))
	}
	return strings.Join(parts, scalarString(a[0])), nil
}

func (r *resolver) fnSelect(arg any, vis map[string]bool) (any, error) {
	v, err := r.resolveWith(arg, vis)
	if err != nil {
		return nil, err
	}
	a := asList(v)
	if len(a) != 2 {
		return nil, fmt.Errorf("Fn::Select: needs [index, list]")
	}
	i, err := strconv.Atoi(scalarString(a[0]))
	list := asList(a[1])
	if err != nil || i < 0 || i >= len(list) {
		return nil, fmt.Errorf("Fn::Select: index %v out of range", a[0])
	}
	return list[i], nil
}

func (r *resolver) fnSplit(arg any, vis map[string]bool) (any, error) {
	v, err := r.resolveWith(arg, vis)
	if err != nil {
		return nil, err
	}
	a := asList(v)
	if len(a) != 2 {
		return nil, fmt.Errorf("Fn::Split: needs [delimiter, string]")
	}
	var out []any
	for _, p := range strings.Split(scalarString(a[1]), scalarString(a[0])) {
		out = append(out, p)
	}
	return out, nil
}

func (r *resolver) fnBase64(arg any, vis map[string]bool) (any, error) {
	v, err := r.resolveWith(arg, vis)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(scalarString(v))), nil
}

func (r *resolver) fnFindInMap(arg any, vis map[string]bool) (any, error) {
	v, err := r.resolveWith(arg, vis)
	if err != nil {
		return nil, err
	}
	a := asList(v)
	if len(a) != 3 {
		return nil, fmt.Errorf("Fn::FindInMap: needs [map, key, key]")
	}
	val, ok := asMap(asMap(r.tmpl.Mappings[scalarString(a[0])])[scalarString(a[1])])[scalarString(a[2])]
	if !ok {
		return nil, fmt.Errorf("Fn::FindInMap: %v not found", a)
	}
	return val, nil
}

// scalarString renders a resolved scalar the way CloudFormation does when it
// needs a string (numbers without exponent, booleans as true/false).
func scalarString(v any) string {
	switch t := v.(type) {
	case nil, noValue:
		return ""
	case string:
		return t
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case uint64:
		return strconv.FormatUint(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = scalarString(e)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}
