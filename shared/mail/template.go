package mail

import (
	"fmt"
	"html"
	"io/fs"
	"path"
	"strings"
	"text/template/parse"
)

// The mail templates are written in Go template syntax and parsed by
// text/template/parse, but executed by the small interpreter below instead
// of text/template or html/template. Those execute through
// reflect.Value.MethodByName, which makes the linker keep every exported
// method of every type in the binary: with the DynamoDB and SES clients that
// took mail-sender from 8.4 MB to 14 MB, over the 10 MB budget (benchmarks/RESULTS.md, Binary size).
//
// The interpreter knows just what the templates use: text, {{.Field}},
// {{.}} inside with, if/else, with/else, define and {{template "name" .}}.
// Anything else is an error when the templates are parsed, which the tests
// do for every locale. In HTML every value is escaped for element text and
// quoted attribute values, the only places the templates put values; links
// are checked to be http(s) URLs before rendering (see newView), which is
// what html/template's URL filter would have guarded.

// templateSet is a group of parsed files sharing their defined templates.
type templateSet struct {
	trees  map[string]*parse.Tree
	escape func(string) string
}

func parseSet(escape func(string) string, files ...string) (*templateSet, error) {
	return parseSetFS(templateFiles, escape, files...)
}

func parseSetFS(fsys fs.FS, escape func(string) string, files ...string) (*templateSet, error) {
	s := &templateSet{trees: map[string]*parse.Tree{}, escape: escape}
	for _, name := range files {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		trees, err := parse.Parse(path.Base(name), string(src), "{{", "}}")
		if err != nil {
			return nil, err
		}
		for n, tree := range trees {
			if _, dup := s.trees[n]; dup && !parse.IsEmptyTree(tree.Root) {
				return nil, fmt.Errorf("%s: template %q defined twice", name, n)
			}
			if _, dup := s.trees[n]; !dup || !parse.IsEmptyTree(tree.Root) {
				s.trees[n] = tree
			}
		}
	}
	for _, tree := range s.trees {
		if err := s.check(tree.Root); err != nil {
			return nil, fmt.Errorf("%s: %w", tree.ParseName, err)
		}
	}
	return s, nil
}

// execute runs the named template with data, whose keys are the field
// names the templates use (FirstName, Link, …).
func (s *templateSet) execute(name string, data map[string]string) (string, error) {
	tree, ok := s.trees[name]
	if !ok {
		return "", fmt.Errorf("no template %q", name)
	}
	var b strings.Builder
	s.walk(&b, tree.Root, data, "")
	return b.String(), nil
}

// walk writes node. dot is the value bound by an enclosing with.
func (s *templateSet) walk(b *strings.Builder, node parse.Node, data map[string]string, dot string) {
	switch n := node.(type) {
	case *parse.ListNode:
		for _, child := range n.Nodes {
			s.walk(b, child, data, dot)
		}
	case *parse.TextNode:
		b.Write(n.Text)
	case *parse.ActionNode:
		b.WriteString(s.escape(value(n.Pipe, data, dot)))
	case *parse.IfNode:
		s.branch(b, &n.BranchNode, data, dot, false)
	case *parse.WithNode:
		s.branch(b, &n.BranchNode, data, dot, true)
	case *parse.TemplateNode:
		s.walk(b, s.trees[n.Name].Root, data, dot)
	}
}

func (s *templateSet) branch(b *strings.Builder, n *parse.BranchNode, data map[string]string, dot string, bind bool) {
	v := value(n.Pipe, data, dot)
	switch {
	case v != "" && bind:
		s.walk(b, n.List, data, v)
	case v != "":
		s.walk(b, n.List, data, dot)
	case n.ElseList != nil:
		s.walk(b, n.ElseList, data, dot)
	}
}

func value(pipe *parse.PipeNode, data map[string]string, dot string) string {
	switch arg := pipe.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return data[arg.Ident[0]]
	default: // *parse.DotNode, the only other kind check lets through
		return dot
	}
}

// check refuses what walk does not implement, so a template that would
// render wrongly fails at parse time (and in the tests) instead.
func (s *templateSet) check(node parse.Node) error {
	switch n := node.(type) {
	case *parse.ListNode:
		for _, child := range n.Nodes {
			if err := s.check(child); err != nil {
				return err
			}
		}
		return nil
	case *parse.TextNode:
		return nil
	case *parse.ActionNode:
		return checkPipe(n.Pipe)
	case *parse.IfNode:
		return s.checkBranch(&n.BranchNode)
	case *parse.WithNode:
		return s.checkBranch(&n.BranchNode)
	case *parse.TemplateNode:
		if _, ok := s.trees[n.Name]; !ok {
			return fmt.Errorf("%s: no template %q", n, n.Name)
		}
		if n.Pipe == nil || n.Pipe.String() != "." {
			return fmt.Errorf("%s: pass . to templates", n)
		}
		return nil
	default:
		return fmt.Errorf("%s: not supported in mail templates", node)
	}
}

func (s *templateSet) checkBranch(n *parse.BranchNode) error {
	if err := checkPipe(n.Pipe); err != nil {
		return err
	}
	if err := s.check(n.List); err != nil {
		return err
	}
	if n.ElseList != nil {
		return s.check(n.ElseList)
	}
	return nil
}

func checkPipe(p *parse.PipeNode) error {
	if len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return fmt.Errorf("%s: only {{.Field}} or {{.}}", p)
	}
	switch arg := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		if len(arg.Ident) != 1 || !viewFields[arg.Ident[0]] {
			return fmt.Errorf("%s: unknown field", p)
		}
		return nil
	case *parse.DotNode:
		return nil
	default:
		return fmt.Errorf("%s: only {{.Field}} or {{.}}", p)
	}
}

func escapeHTML(s string) string { return html.EscapeString(s) }

func escapeNone(s string) string { return s }
