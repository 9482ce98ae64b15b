// Command roundtrips reads the function logs of a test run (each request's
// log line carries dynamodbCalls and cognitoCalls, counted by SDK
// middleware, and the DynamoDB readUnits and writeUnits the calls consumed)
// and prints, per route, the AWS round trips and capacity units of
// successful requests as a markdown table for benchmarks/RESULTS.md.
//
//	go test -count=1 -tags integration ./tests/api/
//	go run ./infra/cmd/roundtrips .local/test-logs/<newest>.log
//	go run ./infra/cmd/roundtrips -write benchmarks/RESULTS.md .local/test-logs/<that run>.log
//
// With -write the table of the file's "## AWS round trips per route"
// section is replaced; the rest of the file stays as it is.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"backoffice/infra/bench"
)

type line struct {
	Msg      string `json:"msg"`
	Route    string `json:"route"`
	Status   int    `json:"status"`
	Dynamo   int    `json:"dynamodbCalls"`
	Cognito  int    `json:"cognitoCalls"`
	Duration int    `json:"durationMs"`
	// nil in logs written before units were counted.
	ReadUnits  *float64 `json:"readUnits"`
	WriteUnits *float64 `json:"writeUnits"`
}

type stats struct {
	dynamo, cognito []int
	read, write     []float64
}

func main() {
	write := flag.String("write", "", "results file whose round-trips table to replace (default: print the table)")
	flag.Parse()
	path := flag.Arg(0)
	if path == "" {
		logs, _ := filepath.Glob(".local/test-logs/*.log")
		sort.Strings(logs)
		if len(logs) > 0 {
			path = logs[len(logs)-1]
		}
	}
	if path == "" {
		fmt.Fprintln(os.Stderr, "usage: roundtrips <function log file>")
		os.Exit(2)
	}
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	byRoute := map[string]*stats{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		_, rest, ok := strings.Cut(sc.Text(), "] {")
		if !ok {
			continue
		}
		var l line
		if json.Unmarshal([]byte("{"+rest), &l) != nil || l.Msg != "request" || l.Status < 200 || l.Status > 299 {
			continue
		}
		s := byRoute[l.Route]
		if s == nil {
			s = &stats{}
			byRoute[l.Route] = s
		}
		s.dynamo = append(s.dynamo, l.Dynamo)
		s.cognito = append(s.cognito, l.Cognito)
		if l.ReadUnits != nil && l.WriteUnits != nil {
			s.read = append(s.read, *l.ReadUnits)
			s.write = append(s.write, *l.WriteUnits)
		}
	}
	routes := make([]string, 0, len(byRoute))
	for r := range byRoute {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	var b strings.Builder
	b.WriteString("| route | successful requests | DynamoDB calls (median, max) | read units (median, max) | write units (median, max) | Cognito calls (median, max) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, r := range routes {
		s := byRoute[r]
		fmt.Fprintf(&b, "| `%s` | %d | %d, %d | %s | %s | %d, %d |\n", r, len(s.dynamo),
			median(s.dynamo), maxOf(s.dynamo), unitCell(s.read), unitCell(s.write), median(s.cognito), maxOf(s.cognito))
	}
	if *write == "" {
		fmt.Print(b.String())
		return
	}
	if err := writeTable(*write, b.String()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "roundtrips: wrote the table of %d routes into %s (update the section's date line)\n", len(routes), *write)
}

const section = "aws round trips per route"

// writeTable replaces the first table of the round-trips section of the
// Markdown file at path.
func writeTable(path, table string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	pre, secs := bench.SplitSections(string(raw))
	out := pre
	found := false
	for _, sec := range secs {
		if !found && bench.SectionKey(sec.Title) == section {
			text, ok := replaceTable(sec.Text, table)
			if !ok {
				return fmt.Errorf("%s: the section %q has no table", path, sec.Title)
			}
			sec.Text, found = text, true
		}
		out += sec.Text
	}
	if !found {
		return fmt.Errorf("%s: no section %q", path, section)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// replaceTable swaps the first run of lines starting with "|" in text.
func replaceTable(text, table string) (string, bool) {
	lines := strings.SplitAfter(text, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "|") {
			start = i
			break
		}
	}
	if start < 0 {
		return text, false
	}
	end := start
	for end < len(lines) && strings.HasPrefix(lines[end], "|") {
		end++
	}
	return strings.Join(lines[:start], "") + table + strings.Join(lines[end:], ""), true
}

// unitCell is "median, max" of capacity units, or "–" when the log lines
// carried none.
func unitCell(v []float64) string {
	if len(v) == 0 {
		return "–"
	}
	return units(median(v)) + ", " + units(maxOf(v))
}

// units prints halves as DynamoDB counts them: 0.5, 1, 2.5.
func units(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func median[T int | float64](v []T) T {
	c := append([]T(nil), v...)
	slices.Sort(c)
	return c[len(c)/2]
}

func maxOf[T int | float64](v []T) T {
	var m T
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
