package localstack

import (
	"encoding/json"
	"fmt"
	"strings"
)

// filterPattern is one FilterCriteria pattern of an event source mapping,
// with EventBridge-style matching: a record passes when every key of the
// pattern matches. Supported: exact values, prefix, suffix, anything-but,
// exists, equals-ignore-case and numeric comparisons.
type filterPattern map[string]any

func parseFilterPattern(raw string) (filterPattern, error) {
	var p map[string]any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("filter pattern %q: %w", raw, err)
	}
	return p, nil
}

// matchAny reports whether event matches one of the patterns (no patterns:
// everything matches).
func matchAny(patterns []filterPattern, event map[string]any) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if matchObject(p, event) {
			return true
		}
	}
	return false
}

func matchObject(pattern map[string]any, event map[string]any) bool {
	for key, want := range pattern {
		got, present := event[key]
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !ok || !matchObject(w, sub) {
				return false
			}
		case []any:
			if !matchValues(w, got, present) {
				return false
			}
		default:
			return false // a pattern's leaves must be arrays
		}
	}
	return true
}

// matchValues: the field matches when any rule of the array matches; an
// array field matches when any of its elements does.
func matchValues(rules []any, got any, present bool) bool {
	for _, rule := range rules {
		if m, ok := rule.(map[string]any); ok {
			if ex, ok := m["exists"].(bool); ok {
				if ex == present {
					return true
				}
				continue
			}
		}
		if !present {
			continue
		}
		values := []any{got}
		if list, ok := got.([]any); ok {
			values = list
		}
		for _, v := range values {
			if matchRule(rule, v) {
				return true
			}
		}
	}
	return false
}

func matchRule(rule, v any) bool {
	m, ok := rule.(map[string]any)
	if !ok {
		return equalScalar(rule, v)
	}
	s, isString := v.(string)
	for op, arg := range m {
		switch op {
		case "prefix":
			return isString && strings.HasPrefix(s, scalarString(arg))
		case "suffix":
			return isString && strings.HasSuffix(s, scalarString(arg))
		case "equals-ignore-case":
			return isString && strings.EqualFold(s, scalarString(arg))
		case "anything-but":
			return anythingBut(arg, v)
		case "numeric":
			return numericMatch(asList(arg), v)
		}
	}
	return false
}

func anythingBut(arg, v any) bool {
	switch a := arg.(type) {
	case []any:
		for _, x := range a {
			if equalScalar(x, v) {
				return false
			}
		}
		return true
	case map[string]any:
		if p, ok := a["prefix"]; ok {
			s, isString := v.(string)
			return isString && !strings.HasPrefix(s, scalarString(p))
		}
		return false
	default:
		return !equalScalar(a, v)
	}
}

func numericMatch(ops []any, v any) bool {
	n, ok := toFloat(v)
	if !ok || len(ops)%2 != 0 {
		return false
	}
	for i := 0; i < len(ops); i += 2 {
		limit, ok := toFloat(ops[i+1])
		if !ok {
			return false
		}
		var pass bool
		switch scalarString(ops[i]) {
		case "=":
			pass = n == limit
		case "<":
			pass = n < limit
		case "<=":
			pass = n <= limit
		case ">":
			pass = n > limit
		case ">=":
			pass = n >= limit
		}
		if !pass {
			return false
		}
	}
	return true
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	}
	return 0, false
}

// equalScalar compares a pattern value with an event value; numbers compare
// by value, null matches null.
func equalScalar(want, got any) bool {
	if wf, ok := toFloat(want); ok {
		gf, ok := toFloat(got)
		return ok && wf == gf
	}
	if want == nil {
		return got == nil
	}
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		return ok && g == w
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	}
	return false
}
