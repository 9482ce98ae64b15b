package main

import "testing"

func TestReplaceTable(t *testing.T) {
	text := "## AWS round trips per route\n\nintro\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nafter\n\n| other | table |\n"
	got, ok := replaceTable(text, "| new |\n|---|\n")
	want := "## AWS round trips per route\n\nintro\n\n| new |\n|---|\n\nafter\n\n| other | table |\n"
	if !ok || got != want {
		t.Fatalf("got %q", got)
	}
	if _, ok := replaceTable("no table\n", "| x |\n"); ok {
		t.Fatal("a section without a table must be reported")
	}
}
