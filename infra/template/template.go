// Package template reads template.yaml into plain Go values and checks the
// rules every resource of it must follow (Check): each function has its own
// log group with a retention and the go1.x build metadata, policies name
// specific actions and resources, each route has an authorizer decision,
// each parameter a description. The test runs Check on the real template,
// so a function or route added without them fails `go test ./...`.
package template

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed template: mappings are map[string]any, lists []any,
// scalars string/int/float64/bool, and short-form tags are rewritten into
// their long form ({"Ref": x}, {"Fn::GetAtt": [a, b]}, {"Fn::Sub": s} ...).
type Template struct {
	Parameters map[string]map[string]any
	Conditions map[string]any
	Rules      map[string]any // the Rules section: parameter assertions
	Globals    map[string]any // Globals.Function
	Resources  map[string]Resource
	Order      []string // logical ids in file order
	Outputs    map[string]any
	// LintIgnores are the cfn-lint rules the template switches off
	// (Metadata cfn-lint config ignore_checks, top level or per resource).
	LintIgnores []LintIgnore
}

// LintIgnore is one entry of a cfn-lint ignore_checks list.
type LintIgnore struct {
	Where   string // "template" or a logical id
	Rule    string // e.g. "I3011"
	Comment string // the YAML comment on the entry or on its ignore_checks key
}

// Resource is one entry of Resources.
type Resource struct {
	ID             string
	Type           string
	Condition      string
	DeletionPolicy string
	Metadata       map[string]any
	Properties     map[string]any
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}

// Parse parses a template.
func Parse(raw []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("template: the top level is not a mapping")
	}
	top, err := value(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	m := top.(map[string]any)
	t := &Template{
		Parameters: map[string]map[string]any{},
		Conditions: Map(m["Conditions"]),
		Rules:      Map(m["Rules"]),
		Globals:    Map(Map(m["Globals"])["Function"]),
		Resources:  map[string]Resource{},
		Outputs:    Map(m["Outputs"]),
	}
	for name, p := range Map(m["Parameters"]) {
		t.Parameters[name] = Map(p)
	}
	for _, n := range mappingValue(doc.Content[0], "Resources") {
		id := n
		def := Map(Map(m["Resources"])[id])
		t.Resources[id] = Resource{
			ID:             id,
			Type:           String(def["Type"]),
			Condition:      String(def["Condition"]),
			DeletionPolicy: String(def["DeletionPolicy"]),
			Metadata:       Map(def["Metadata"]),
			Properties:     Map(def["Properties"]),
		}
		t.Order = append(t.Order, id)
	}
	t.LintIgnores = lintIgnores(doc.Content[0])
	return t, nil
}

// lintIgnores finds the ignore_checks lists of cfn-lint's configuration in
// the template's Metadata and in each resource's, with their comments.
func lintIgnores(root *yaml.Node) []LintIgnore {
	var out []LintIgnore
	add := func(where string, metadata *yaml.Node) {
		_, cfg := child(child2(metadata, "cfn-lint"), "config")
		key, list := child(cfg, "ignore_checks")
		if list == nil {
			return
		}
		items := list.Content
		if list.Kind == yaml.ScalarNode {
			items = []*yaml.Node{list}
		}
		for _, it := range items {
			out = append(out, LintIgnore{Where: where, Rule: it.Value, Comment: strings.TrimSpace(strings.Join([]string{
				key.HeadComment, key.LineComment, list.LineComment, it.HeadComment, it.LineComment}, " "))})
		}
	}
	add("template", child2(root, "Metadata"))
	_, resources := child(root, "Resources")
	if resources != nil {
		for i := 0; i+1 < len(resources.Content); i += 2 {
			add(resources.Content[i].Value, child2(resources.Content[i+1], "Metadata"))
		}
	}
	return out
}

// child returns the key and value nodes of key in mapping n (nil, nil if
// absent or n is not a mapping).
func child(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func child2(n *yaml.Node, key string) *yaml.Node {
	_, v := child(n, key)
	return v
}

// mappingValue returns the keys of the top-level mapping section, in order.
func mappingValue(root *yaml.Node, section string) []string {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != section {
			continue
		}
		var keys []string
		sec := root.Content[i+1]
		for j := 0; j+1 < len(sec.Content); j += 2 {
			keys = append(keys, sec.Content[j].Value)
		}
		return keys
	}
	return nil
}

// value turns a node into plain values, rewriting CloudFormation's short
// tags. !GetAtt "A.B" becomes {"Fn::GetAtt": ["A", "B"]}.
func value(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.AliasNode:
		return value(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := value(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := value(c)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		v = l
	case yaml.ScalarNode:
		if strings.HasPrefix(n.Tag, "!!") || n.Tag == "" {
			if err := n.Decode(&v); err != nil {
				return nil, err
			}
			return v, nil
		}
		v = n.Value
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		name := strings.TrimPrefix(n.Tag, "!")
		switch name {
		case "Ref", "Condition":
			return map[string]any{name: v}, nil
		case "GetAtt":
			if s, ok := v.(string); ok {
				res, attr, _ := strings.Cut(s, ".")
				v = []any{res, attr}
			}
		}
		return map[string]any{"Fn::" + name: v}, nil
	}
	return v, nil
}

// Map returns v as a mapping, or an empty one.
func Map(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// List returns v as a list; a single value becomes a list of one (IAM
// allows a string where a list is expected).
func List(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case nil:
		return nil
	default:
		return []any{l}
	}
}

// String returns a scalar as text, or "" for anything else.
func String(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case int, float64, bool:
		return fmt.Sprint(s)
	}
	return ""
}

// RefTo returns the logical id v refers to with {"Ref": id}, or "".
func RefTo(v any) string {
	return String(Map(v)["Ref"])
}
