// Package openapi loads the API's OpenAPI 3.1 document, infra/openapi.yaml,
// and renders it as the JSON that GET /openapi.json serves.
//
// The YAML is the one source. //go:embed can not reach above its folder, so
// this package reads it by path (tests know the repository root), and the
// function functions/openapi embeds a JSON copy that
// TestEmbeddedOpenAPIIsCurrent keeps in step (go test ./infra/openapi -update
// rewrites it).
package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// Paths of the document and of its JSON copy, relative to the repository root.
const (
	DocumentPath = "infra/openapi.yaml"
	JSONPath     = "functions/openapi/openapi.json"
)

// Load reads and resolves the document below the repository root.
func Load(root string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(root, DocumentPath))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", DocumentPath, err)
	}
	return doc, nil
}

// LoadValid is Load followed by the document's own validation.
func LoadValid(ctx context.Context, root string) (*openapi3.T, error) {
	doc, err := Load(root)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validate %s: %w", DocumentPath, err)
	}
	return doc, nil
}

// JSON renders the YAML document as indented JSON, keeping the order of the
// YAML's keys so the generated file reads like its source.
func JSON(root string) ([]byte, error) {
	src, err := os.ReadFile(filepath.Join(root, DocumentPath))
	if err != nil {
		return nil, err
	}
	return yamlToJSON(src)
}

func yamlToJSON(src []byte) ([]byte, error) {
	var node yaml.Node
	if err := yaml.Unmarshal(src, &node); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeNode(&buf, &node); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeNode(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("line %d: want one document", n.Line)
		}
		return writeNode(buf, n.Content[0])
	case yaml.AliasNode:
		return writeNode(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: mapping keys must be scalars", k.Line)
			}
			if k.Value == "<<" {
				return fmt.Errorf("line %d: merge keys are not supported", k.Line)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, k.Value); err != nil { // keys are strings in JSON, e.g. "200"
				return err
			}
			buf.WriteByte(':')
			if err := writeNode(buf, n.Content[i+1]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeNode(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		if err := writeJSON(buf, v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
	default:
		return fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return nil
}

// writeJSON writes v without escaping <, > and & (descriptions hold them).
func writeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}
