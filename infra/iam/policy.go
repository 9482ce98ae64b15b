// Package iam checks the AWS calls the functions really make (recorded by
// shared/awsenv while the tests run the local stack) against the policies
// template.yaml gives each function. The emulators enforce no IAM, so this
// is what stands between a green local run and an AccessDenied at a first
// deploy: every call a policy would deny fails the test run, naming the
// function, the call and the grant it lacks, and every grant no call uses
// is reported as unused.
//
// The evaluator implements the parts of IAM policy evaluation the template
// uses: Allow and Deny statements, Action/NotAction and Resource/NotResource
// with * and ? wildcards, and the condition operators listed in operators.
// Anything else (an unknown operator, a policy form other than an inline
// statement list) is an error, never silently allowed.
package iam

import (
	"fmt"
	"sort"
	"strings"
)

// Statement is one statement of an identity policy.
type Statement struct {
	Effect      string // "Allow" or "Deny"
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	// Condition: operator (e.g. "ForAllValues:StringLike") → key → values.
	Condition map[string]map[string][]string
}

// Request is one authorization AWS makes for a call: an action on a
// resource, with the request's condition keys (one call may need several:
// a transaction is authorized item by item).
type Request struct {
	Action   string              // e.g. "dynamodb:PutItem"
	Resource string              // ARN
	Context  map[string][]string // condition keys, e.g. "dynamodb:LeadingKeys"
}

func (r Request) String() string {
	s := r.Action + " on " + r.Resource
	keys := make([]string, 0, len(r.Context))
	for k := range r.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s += fmt.Sprintf(" %s=%v", k, r.Context[k])
	}
	return s
}

// Decision is the outcome of evaluating a request against a policy.
type Decision struct {
	Allowed bool
	// Statement is the index of the statement that allowed or explicitly
	// denied the request (-1 for an implicit deny).
	Statement int
	// Why explains a deny: the explicit Deny, or what came closest to an
	// Allow (a statement whose action and resource match but whose
	// condition failed), or that nothing grants the action on the resource.
	Why string
}

// Evaluate decides req under the statements: an explicit Deny wins, then
// any Allow; otherwise the request is implicitly denied.
func Evaluate(policy []Statement, req Request) (Decision, error) {
	allow := -1
	var near []string
	for i, st := range policy {
		if !st.matchesAction(req.Action) || !st.matchesResource(req.Resource) {
			continue
		}
		ok, failed, err := st.conditionsHold(req.Context)
		if err != nil {
			return Decision{}, fmt.Errorf("statement %d: %w", i, err)
		}
		switch {
		case st.Effect == "Deny" && ok:
			return Decision{Statement: i, Why: fmt.Sprintf("statement %d denies it explicitly", i)}, nil
		case st.Effect == "Allow" && ok && allow < 0:
			allow = i
		case st.Effect == "Allow" && !ok:
			near = append(near, fmt.Sprintf("statement %d grants %s but its condition %s does not hold", i, req.Action, failed))
		case st.Effect != "Allow" && st.Effect != "Deny":
			return Decision{}, fmt.Errorf("statement %d: Effect %q", i, st.Effect)
		}
	}
	if allow >= 0 {
		return Decision{Allowed: true, Statement: allow}, nil
	}
	if len(near) > 0 {
		return Decision{Statement: -1, Why: strings.Join(near, "; ")}, nil
	}
	return Decision{Statement: -1, Why: "no statement allows " + req.Action + " on " + req.Resource}, nil
}

func (st Statement) matchesAction(action string) bool {
	if len(st.NotAction) > 0 {
		return !anyGlob(st.NotAction, action, true)
	}
	return anyGlob(st.Action, action, true)
}

func (st Statement) matchesResource(resource string) bool {
	if len(st.NotResource) > 0 {
		return !anyGlob(st.NotResource, resource, false)
	}
	return anyGlob(st.Resource, resource, false)
}

func anyGlob(patterns []string, s string, foldCase bool) bool {
	for _, p := range patterns {
		if glob(p, s, foldCase) {
			return true
		}
	}
	return false
}

// glob matches IAM wildcards: * any run of characters (slashes and colons
// included), ? one character. Actions compare without case, ARNs with.
func glob(pattern, s string, foldCase bool) bool {
	if foldCase {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	// Not path.Match: it treats / specially and knows [classes]; IAM does
	// neither.
	return wild(pattern, s)
}

func wild(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if wild(p, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			p, s = p[1:], s[1:]
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return s == ""
}

// conditionsHold evaluates every operator block (all must hold); it names
// the first that fails.
func (st Statement) conditionsHold(ctx map[string][]string) (bool, string, error) {
	ops := make([]string, 0, len(st.Condition))
	for op := range st.Condition {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		keys := make([]string, 0, len(st.Condition[op]))
		for k := range st.Condition[op] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			want := st.Condition[op][key]
			got, present := lookupKey(ctx, key)
			ok, err := condition(op, want, got, present)
			if err != nil {
				return false, "", err
			}
			if !ok {
				return false, fmt.Sprintf("%s %s %v (request: %v)", op, key, want, got), nil
			}
		}
	}
	return true, "", nil
}

// Condition key names compare without case in IAM.
func lookupKey(ctx map[string][]string, key string) ([]string, bool) {
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// operators are the base condition operators understood, with how one
// request value matches one policy value.
var operators = map[string]struct {
	match   func(want, got string) bool
	negated bool
}{
	"StringEquals":           {func(w, g string) bool { return w == g }, false},
	"StringNotEquals":        {func(w, g string) bool { return w == g }, true},
	"StringEqualsIgnoreCase": {strings.EqualFold, false},
	"StringLike":             {func(w, g string) bool { return wild(w, g) }, false},
	"StringNotLike":          {func(w, g string) bool { return wild(w, g) }, true},
	"ArnEquals":              {func(w, g string) bool { return w == g }, false},
	"ArnLike":                {func(w, g string) bool { return wild(w, g) }, false},
	"ArnNotLike":             {func(w, g string) bool { return wild(w, g) }, true},
}

// condition evaluates one operator for one key, following IAM's rules for
// absent keys and multivalued keys:
//   - ForAllValues: every request value must match a policy value (an empty
//     or absent key holds, which is why LeadingKeys conditions apply only to
//     item-level actions that always carry a key);
//   - ForAnyValue: at least one request value must match (absent: fails);
//   - plain operators want exactly one request value; absent fails, except
//     for negated operators, which hold;
//   - IfExists: absent holds;
//   - Null: "true" holds when the key is absent, "false" when present.
func condition(op string, want, got []string, present bool) (bool, error) {
	if op == "Null" {
		if len(want) != 1 || (want[0] != "true" && want[0] != "false") {
			return false, fmt.Errorf("Null wants true or false, not %v", want)
		}
		return (want[0] == "true") == !present, nil
	}
	set := ""
	if i := strings.Index(op, ":"); i >= 0 {
		set, op = op[:i], op[i+1:]
	}
	ifExists := strings.HasSuffix(op, "IfExists")
	op = strings.TrimSuffix(op, "IfExists")
	o, ok := operators[op]
	if !ok {
		return false, fmt.Errorf("condition operator %q is not understood by infra/iam", op)
	}
	matchesAny := func(g string) bool {
		for _, w := range want {
			if o.match(w, g) {
				return true
			}
		}
		return false
	}
	switch set {
	case "ForAllValues":
		for _, g := range got {
			if matchesAny(g) == o.negated {
				return false, nil
			}
		}
		return true, nil
	case "ForAnyValue":
		for _, g := range got {
			if matchesAny(g) != o.negated {
				return true, nil
			}
		}
		return false, nil
	case "":
	default:
		return false, fmt.Errorf("condition set operator %q is not understood", set)
	}
	if !present {
		return ifExists || o.negated, nil
	}
	if len(got) != 1 {
		return false, fmt.Errorf("%s on a key with %d values: use ForAllValues or ForAnyValue", op, len(got))
	}
	return matchesAny(got[0]) != o.negated, nil
}
