package localstack

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// template is a parsed SAM template. Values are plain Go values (map[string]any,
// []any, string, int, float64, bool, nil); short-form tags are rewritten into
// their long form ({"Ref": x}, {"Fn::GetAtt": [a, b]}, ...) so the resolver
// only has to know one spelling.
type template struct {
	Parameters map[string]map[string]any
	Mappings   map[string]any
	Conditions map[string]any
	Rules      map[string]any // parameter assertions, checked at start like CloudFormation does
	Globals    map[string]any // Globals.Function
	Resources  map[string]*resource
	Order      []string // logical ids in file order, for stable provisioning and logs
	Outputs    map[string]any
}

// resource is one entry of Resources.
type resource struct {
	LogicalID  string
	Type       string
	Condition  string
	Properties map[string]any
}

func loadTemplate(path string) (*template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return parseTemplate(raw)
}

func parseTemplate(raw []byte) (*template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("parse template: empty document")
	}
	root, err := nodeValue(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parse template: top level is not a mapping")
	}

	t := &template{
		Parameters: map[string]map[string]any{},
		Mappings:   asMap(top["Mappings"]),
		Conditions: asMap(top["Conditions"]),
		Rules:      asMap(top["Rules"]),
		Globals:    asMap(asMap(top["Globals"])["Function"]),
		Resources:  map[string]*resource{},
		Outputs:    asMap(top["Outputs"]),
	}
	for name, p := range asMap(top["Parameters"]) {
		t.Parameters[name] = asMap(p)
	}
	t.Order = mappingKeys(doc.Content[0], "Resources")
	for _, id := range t.Order {
		def := asMap(asMap(top["Resources"])[id])
		typ, _ := def["Type"].(string)
		cond, _ := def["Condition"].(string)
		t.Resources[id] = &resource{LogicalID: id, Type: typ, Condition: cond, Properties: asMap(def["Properties"])}
	}
	return t, nil
}

// mappingKeys returns the keys of the top-level mapping `section` in file order.
func mappingKeys(root *yaml.Node, section string) []string {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != section || root.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		var keys []string
		m := root.Content[i+1]
		for j := 0; j+1 < len(m.Content); j += 2 {
			keys = append(keys, m.Content[j].Value)
		}
		return keys
	}
	return nil
}

// shortTags maps CloudFormation's YAML short forms to their long-form keys.
var shortTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!If": "Fn::If", "!Equals": "Fn::Equals",
	"!Not": "Fn::Not", "!And": "Fn::And", "!Or": "Fn::Or", "!Join": "Fn::Join",
	"!Select": "Fn::Select", "!Split": "Fn::Split", "!Base64": "Fn::Base64",
	"!FindInMap": "Fn::FindInMap", "!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue",
	"!Cidr": "Fn::Cidr",
	// Rules only.
	"!Contains": "Fn::Contains", "!EachMemberEquals": "Fn::EachMemberEquals", "!EachMemberIn": "Fn::EachMemberIn",
	"!RefAll": "Fn::RefAll", "!ValueOf": "Fn::ValueOf", "!ValueOfAll": "Fn::ValueOfAll",
}

// nodeValue converts a YAML node into plain Go values, rewriting short-form tags.
func nodeValue(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		return nodeValue(n.Alias)
	}
	if fn, ok := shortTags[n.Tag]; ok {
		return shortForm(fn, n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := nodeValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func shortForm(fn string, n *yaml.Node) (any, error) {
	if n.Kind == yaml.ScalarNode {
		switch fn {
		case "Fn::GetAtt":
			// "!GetAtt A.B" splits at the first dot: attribute names may hold dots.
			id, attr, ok := strings.Cut(n.Value, ".")
			if !ok {
				return nil, fmt.Errorf("line %d: !GetAtt %q needs Resource.Attribute", n.Line, n.Value)
			}
			return map[string]any{fn: []any{id, attr}}, nil
		default:
			return map[string]any{fn: n.Value}, nil
		}
	}
	// Decode the node without its tag, then wrap it.
	plain := *n
	plain.Tag = ""
	v, err := nodeValue(&plain)
	if err != nil {
		return nil, err
	}
	return map[string]any{fn: v}, nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
