package bench

import (
	"strings"
)

// Section is one "## " section of RESULTS.md, heading line included, kept
// byte for byte as read.
type Section struct {
	Title string // heading text without "## "
	Text  string
}

// SplitSections cuts a Markdown file into what comes before the first
// "## " heading and its "## " sections. Headings inside fenced code blocks
// do not count.
func SplitSections(md string) (preamble string, secs []Section) {
	var b strings.Builder
	var cur *Section
	fenced := false
	flush := func() {
		if cur == nil {
			preamble = b.String()
		} else {
			cur.Text = b.String()
			secs = append(secs, *cur)
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(md, "\n") {
		if line == "" {
			continue
		}
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			fenced = !fenced
		}
		if !fenced && strings.HasPrefix(line, "## ") {
			flush()
			cur = &Section{Title: strings.TrimSpace(strings.TrimPrefix(line, "## "))}
		}
		b.WriteString(line)
	}
	flush()
	return preamble, secs
}

// SectionKey is how sections are matched between runs: the heading up to a
// parenthesis, so "Cold init (linux/amd64)" and "Cold init (linux/arm64)"
// are the same section.
func SectionKey(title string) string {
	if i := strings.IndexByte(title, '('); i >= 0 {
		title = title[:i]
	}
	return strings.ToLower(strings.TrimSpace(title))
}

// Merge writes a new RESULTS.md from the old one: the preamble is replaced,
// each old section whose key matches a fresh one is replaced in place, every
// other old section is kept verbatim and in its place, and fresh sections
// that were not there are appended in the order given. initial sections are
// added only when the old file has no sections at all (a new file): they are
// placeholders that other tools take over.
func Merge(old, preamble string, fresh, initial []Section) string {
	_, oldSecs := SplitSections(old)
	byKey := map[string]Section{}
	for _, s := range fresh {
		byKey[SectionKey(s.Title)] = s
	}
	var out []string
	out = append(out, ensureBlankEnd(preamble))
	placed := map[string]bool{}
	for _, s := range oldSecs {
		k := SectionKey(s.Title)
		if f, ok := byKey[k]; ok && !placed[k] {
			out = append(out, ensureBlankEnd(f.Text))
			placed[k] = true
			continue
		}
		out = append(out, ensureBlankEnd(s.Text))
	}
	for _, s := range fresh {
		if k := SectionKey(s.Title); !placed[k] {
			out = append(out, ensureBlankEnd(s.Text))
			placed[k] = true
		}
	}
	if len(oldSecs) == 0 {
		for _, s := range initial {
			if !placed[SectionKey(s.Title)] {
				out = append(out, ensureBlankEnd(s.Text))
			}
		}
	}
	return strings.TrimRight(strings.Join(out, ""), "\n") + "\n"
}

// ensureBlankEnd makes s end with a blank line, so the next heading is set
// apart; text that already does is left as it is.
func ensureBlankEnd(s string) string {
	switch {
	case s == "":
		return ""
	case strings.HasSuffix(s, "\n\n"):
		return s
	case strings.HasSuffix(s, "\n"):
		return s + "\n"
	default:
		return s + "\n\n"
	}
}
