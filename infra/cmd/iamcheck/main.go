// Command iamcheck checks the AWS calls recorded during a whole test run
// (every test package's local stack writes them to .local/calls) against
// the functions' policies in template.yaml:
//
//   - every call must be allowed (each package checks its own calls too);
//   - every granted action must be used by some call, or be on the
//     allowance list of infra/iam with the reason AWS needs it;
//   - a control: the same calls checked against the policies with one grant
//     removed on purpose must be denied, naming that function and call, or
//     the check itself is broken.
//
// scripts/test.sh runs it after the integration tests. With -results it
// also writes the figures to that RESULTS.md section.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"backoffice/infra/bench"
	"backoffice/infra/iam"
)

func main() {
	dir := flag.String("calls", ".local/calls", "folder of recorded runs (*.run.json, *.calls.jsonl)")
	remove := flag.String("control", "AuthInvitationAcceptFunction dynamodb:BatchGetItem",
		"the grant the control removes: '<logical id> <action>'")
	results := flag.String("results", "", "RESULTS.md to write the figures to (its IAM section)")
	flag.Parse()
	if err := run(*dir, *remove, *results); err != nil {
		fmt.Fprintln(os.Stderr, "iamcheck:", err)
		os.Exit(1)
	}
}

func run(dir, control, results string) error {
	batches, err := iam.LoadRuns(".", dir)
	if err != nil {
		return err
	}
	r := iam.Check(batches, iam.Allowances, true)
	if err := controlDenies(batches, control); err != nil {
		return err
	}
	fmt.Printf("iamcheck: %d calls of %d functions checked; control (%s removed) denied as it must\n",
		r.Calls, len(r.Used), control)
	if results != "" {
		if err := writeResults(results, r, control); err != nil {
			return err
		}
	}
	if problems := r.Problems(); len(problems) > 0 {
		return fmt.Errorf("%d problems:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return nil
}

// controlDenies removes one granted action from one function and checks
// that the recorded calls are then denied for exactly that function.
func controlDenies(batches []iam.Batch, control string) error {
	fnID, action, ok := strings.Cut(control, " ")
	if !ok {
		return fmt.Errorf("-control %q: want '<logical id> <action>'", control)
	}
	removed := false
	var mutatedBatches []iam.Batch
	for _, b := range batches {
		b.Functions = without(b.Functions, fnID, action, &removed)
		mutatedBatches = append(mutatedBatches, b)
	}
	if !removed {
		return fmt.Errorf("control: %s has no grant %s to remove", fnID, action)
	}
	r := iam.Check(mutatedBatches, nil, false)
	for _, d := range r.Denied {
		if d.Function == fnID && strings.EqualFold(d.Request.Action, action) {
			fmt.Println("iamcheck: control:", d)
			return nil
		}
	}
	return fmt.Errorf("control: with %s removed from %s no call was denied: the check is broken, or no recorded call needs it", action, fnID)
}

// without returns fns with action removed from function fnID's statements.
func without(fns []iam.Function, fnID, action string, removed *bool) []iam.Function {
	mutated := make([]iam.Function, len(fns))
	for i, fn := range fns {
		mutated[i] = fn
		if fn.LogicalID != fnID {
			continue
		}
		mutated[i].Policy = nil
		for _, st := range fn.Policy {
			var kept []string
			for _, a := range st.Action {
				if strings.EqualFold(a, action) {
					*removed = true
					continue
				}
				kept = append(kept, a)
			}
			if len(kept) > 0 {
				st.Action = kept
				mutated[i].Policy = append(mutated[i].Policy, st)
			}
		}
	}
	return mutated
}

// writeResults replaces the IAM section of RESULTS.md.
func writeResults(path string, r iam.Report, control string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var b strings.Builder
	used, granted := 0, 0
	var fns []string
	for fn, actions := range r.Granted {
		granted += len(actions)
		fns = append(fns, fn)
	}
	for _, actions := range r.Used {
		used += len(actions)
	}
	sort.Strings(fns)
	fmt.Fprintf(&b, "## IAM: recorded calls against granted actions\n\n")
	fmt.Fprintf(&b, "`scripts/test.sh` records every AWS call of every function while the integration tests run (shared/awsenv) and `go run ./infra/cmd/iamcheck` checks them against template.yaml's policies (infra/iam). Written by `go run ./infra/cmd/iamcheck -results benchmarks/RESULTS.md` after a full test run.\n\n")
	fmt.Fprintf(&b, "- calls checked: %d; denied: %d; unused grants: %d\n", r.Calls, len(r.Denied), len(r.Unused))
	fmt.Fprintf(&b, "- distinct (function, action) pairs: %d recorded of %d granted, %d allowed for (below)\n", used, granted, len(r.Excused))
	fmt.Fprintf(&b, "- control: with `%s` removed, its calls are denied\n\n", control)
	b.WriteString("| function | actions recorded (authorizations) | granted, not recorded |\n|---|---|---|\n")
	for _, fn := range fns {
		var rec, other []string
		for a, n := range r.Used[fn] {
			rec = append(rec, fmt.Sprintf("%s (%d)", a, n))
		}
		for a := range r.Granted[fn] {
			if r.Used[fn][a] == 0 {
				other = append(other, a)
			}
		}
		sort.Strings(rec)
		sort.Strings(other)
		if len(rec) == 0 && len(other) == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", fn, strings.Join(rec, ", "), strings.Join(other, ", "))
	}
	if len(r.Excused) > 0 {
		b.WriteString("\nAllowed for (AWS uses them on the function's behalf):\n\n")
		for _, a := range r.Excused {
			fmt.Fprintf(&b, "- %s `%s`: %s\n", a.Function, a.Action, a.Why)
		}
	}
	preamble, _ := bench.SplitSections(string(old))
	out := bench.Merge(string(old), preamble, []bench.Section{{Title: "IAM: recorded calls against granted actions", Text: b.String()}}, nil)
	return os.WriteFile(path, []byte(out), 0o644)
}
