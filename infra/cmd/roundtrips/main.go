// Command roundtrips reads the function logs of a test run (each request's
// log line carries dynamodbCalls and cognitoCalls, counted by SDK
// middleware, and the DynamoDB readUnits and writeUnits the calls consumed)
// and prints, per route, the AWS round trips and capacity units of
// successful requests as a markdown table for benchmarks/RESULTS.md.
//
//	go test -count=1 -tags integration ./tests/api/
//	go run ./infra/cmd/roundtrips .local/test-logs/<newest>.log
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
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
	path := ""
	if len(os.Args) > 1 {
		path = os.Args[1]
	} else {
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
	fmt.Println("| route | successful requests | DynamoDB calls (median, max) | read units (median, max) | write units (median, max) | Cognito calls (median, max) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, r := range routes {
		s := byRoute[r]
		fmt.Printf("| `%s` | %d | %d, %d | %s | %s | %d, %d |\n", r, len(s.dynamo),
			median(s.dynamo), maxOf(s.dynamo), unitCell(s.read), unitCell(s.write), median(s.cognito), maxOf(s.cognito))
	}
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
