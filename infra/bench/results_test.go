package bench

import (
	"strings"
	"testing"
)

func TestSplitSectionsIgnoresHeadingsInCode(t *testing.T) {
	md := "# T\n\nintro\n\n## A\n\n```\n## not a heading\n```\n\n## B (x)\nb\n"
	pre, secs := SplitSections(md)
	if pre != "# T\n\nintro\n\n" {
		t.Errorf("preamble %q", pre)
	}
	if len(secs) != 2 || secs[0].Title != "A" || secs[1].Title != "B (x)" {
		t.Fatalf("sections %+v", secs)
	}
	if !strings.Contains(secs[0].Text, "## not a heading") {
		t.Errorf("A lost its code block: %q", secs[0].Text)
	}
	if got := pre + secs[0].Text + secs[1].Text; got != md {
		t.Errorf("split is not lossless:\n%q", got)
	}
}

func TestMergeKeepsForeignSections(t *testing.T) {
	old := "# old head\n\n## Binary size (linux/arm64)\n\nold sizes\n\n" +
		"## DynamoDB round trips\n\n| r | n |\n|---|---|\n| x | 2 |\n\n" +
		"## Cold init (linux/amd64, host)\n\nold init\n\n" +
		"## Other figures\n\nfilled by someone\n"
	fresh := []Section{{Title: "Cold init (linux/arm64, host)", Text: "## Cold init (linux/arm64, host)\n\nnew init\n"}}
	got := Merge(old, "# head\n\n", fresh, []Section{OtherSection()})
	want := "# head\n\n## Binary size (linux/arm64)\n\nold sizes\n\n" +
		"## DynamoDB round trips\n\n| r | n |\n|---|---|\n| x | 2 |\n\n" +
		"## Cold init (linux/arm64, host)\n\nnew init\n\n" +
		"## Other figures\n\nfilled by someone\n"
	if got != want {
		t.Errorf("merge:\n%s\nwant:\n%s", got, want)
	}
}

func TestMergeNewFileGetsPlaceholder(t *testing.T) {
	fresh := []Section{
		{Title: "Binary size (linux/arm64)", Text: "## Binary size (linux/arm64)\n\nsizes\n"},
		{Title: "Cold init (linux/amd64, host)", Text: "## Cold init (linux/amd64, host)\n\ninit\n"},
	}
	got := Merge("", "# head\n\n", fresh, []Section{OtherSection()})
	_, secs := SplitSections(got)
	if len(secs) != 3 || secs[2].Title != "Other figures" {
		t.Fatalf("sections %+v", secs)
	}
	if !strings.Contains(secs[2].Text, "not measured yet") {
		t.Error("placeholder lost its rows")
	}
	// A second run regenerates its own sections and keeps the placeholder.
	fresh[0].Text = "## Binary size (linux/arm64)\n\nsizes 2\n"
	again := Merge(got, "# head 2\n\n", fresh[:1], []Section{OtherSection()})
	if !strings.Contains(again, "sizes 2") || !strings.Contains(again, "\ninit\n") || strings.Count(again, "## Other figures") != 1 {
		t.Errorf("second run:\n%s", again)
	}
}
