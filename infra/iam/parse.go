package iam

import "fmt"

// ParsePolicies reads a function's resolved SAM Policies property: a list
// of inline policy documents ({Statement: [...]}) or one such document.
// SAM also accepts managed policy names and policy templates; those are
// refused here, because their statements are not in the template to check
// (write the statements out instead).
func ParsePolicies(v any) ([]Statement, error) {
	var docs []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		docs = x
	case map[string]any:
		docs = []any{x}
	default:
		return nil, fmt.Errorf("Policies: %T (a managed policy name?) is not an inline statement list", v)
	}
	var out []Statement
	for _, d := range docs {
		doc, ok := d.(map[string]any)
		if !ok || doc["Statement"] == nil || len(doc) > 2 {
			return nil, fmt.Errorf("Policies: %v is not an inline policy document (managed policies and SAM policy templates can not be checked)", d)
		}
		sts, ok := doc["Statement"].([]any)
		if !ok {
			sts = []any{doc["Statement"]}
		}
		for _, s := range sts {
			st, err := parseStatement(s)
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		}
	}
	return out, nil
}

func parseStatement(v any) (Statement, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Statement{}, fmt.Errorf("statement %v is not a map", v)
	}
	st := Statement{Effect: str(m["Effect"]), Action: stringList(m["Action"]), NotAction: stringList(m["NotAction"]),
		Resource: stringList(m["Resource"]), NotResource: stringList(m["NotResource"])}
	for k := range m {
		switch k {
		case "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Sid":
		default:
			return Statement{}, fmt.Errorf("statement field %s is not understood", k)
		}
	}
	if cond, ok := m["Condition"].(map[string]any); ok {
		st.Condition = map[string]map[string][]string{}
		for op, keys := range cond {
			km, ok := keys.(map[string]any)
			if !ok {
				return Statement{}, fmt.Errorf("condition %s: %v is not a map", op, keys)
			}
			st.Condition[op] = map[string][]string{}
			for k, vals := range km {
				st.Condition[op][k] = stringList(vals)
			}
		}
	}
	if st.Effect != "Allow" && st.Effect != "Deny" {
		return Statement{}, fmt.Errorf("statement Effect %q", st.Effect)
	}
	return st, nil
}

// stringList reads a policy value that may be one string or a list of them.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
