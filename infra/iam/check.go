package iam

import (
	"fmt"
	"sort"
	"strings"

	"backoffice/shared/awsenv"
)

// Function is one function of the template: its deployed name (what the
// recorder writes), its logical id and its policy.
type Function struct {
	Name, LogicalID string
	Policy          []Statement
}

// Grant is one action of one Allow statement of a function's policy.
type Grant struct {
	Function  string // logical id
	Statement int
	Action    string
	Resource  []string
}

func (g Grant) String() string {
	return fmt.Sprintf("%s: statement %d grants %s on %s", g.Function, g.Statement, g.Action, strings.Join(g.Resource, ", "))
}

// Allowance excuses an unused grant: AWS uses it on the function's behalf
// (an event source mapping, an on-failure destination), so no call of the
// function's code ever shows it.
type Allowance struct {
	Function, Action, Why string
}

// Denial is a recorded call that the function's policy would refuse.
type Denial struct {
	Function string // logical id
	Call     awsenv.Call
	Request  Request // the first such request
	Why      string
	Count    int // requests denied alike
}

func (d Denial) String() string {
	return fmt.Sprintf("%s: %s %s needs %s — %s (%d such requests)", d.Function, d.Call.Service, d.Call.Operation, d.Request, d.Why, d.Count)
}

// Report is the outcome of a check.
type Report struct {
	Denied  []Denial
	Unused  []Grant                   // granted, never used, not allowed for
	Excused []Allowance               // granted, never used by code, used by AWS
	Errors  []string                  // calls that could not be checked
	Calls   int                       // recorded calls checked
	Used    map[string]map[string]int // logical id → action → authorizations
	Granted map[string]map[string]bool
}

// OK is true when nothing was denied, unused or uncheckable.
func (r Report) OK() bool { return len(r.Denied) == 0 && len(r.Unused) == 0 && len(r.Errors) == 0 }

// Problems lists every failure, one line each.
func (r Report) Problems() []string {
	var out []string
	for _, d := range r.Denied {
		out = append(out, "DENIED "+d.String())
	}
	for _, g := range r.Unused {
		out = append(out, "UNUSED "+g.String())
	}
	if len(r.Unused) > 0 {
		out = append(out, "(an unused grant: no recorded call needs it; remove it, or add it to iam.Allowances with the reason AWS needs it)")
	}
	out = append(out, r.Errors...)
	return out
}

// Batch is the calls made in one local stack, with that stack's view of
// the functions (ARNs differ between stacks: each has its own pools).
type Batch struct {
	Account   Account
	Functions []Function
	Calls     []awsenv.Call
}

// Check evaluates every call against its function's policy. With
// unusedToo, it also reports grants that no call of any batch used; the
// batches must come from one template (same functions and statements).
func Check(batches []Batch, allow []Allowance, unusedToo bool) Report {
	r := Report{Used: map[string]map[string]int{}, Granted: map[string]map[string]bool{}}
	used := map[[3]string]bool{} // logical id, statement, action pattern
	seen := map[string]bool{}
	denied := map[string]int{} // function|action|resource → index in r.Denied
	for _, b := range batches {
		r.check(b, used, seen, denied)
	}
	if len(batches) == 0 || !unusedToo {
		return r
	}
	fns := batches[0].Functions
	for _, fn := range fns {
		for i, st := range fn.Policy {
			if st.Effect != "Allow" {
				continue
			}
			for _, a := range st.Action {
				if used[[3]string{fn.LogicalID, fmt.Sprint(i), a}] {
					continue
				}
				if al, ok := allowed(allow, fn.LogicalID, a); ok {
					r.Excused = append(r.Excused, al)
					continue
				}
				r.Unused = append(r.Unused, Grant{Function: fn.LogicalID, Statement: i, Action: a, Resource: st.Resource})
			}
		}
	}
	sort.Slice(r.Unused, func(i, j int) bool { return r.Unused[i].String() < r.Unused[j].String() })
	return r
}

func allowed(allow []Allowance, fn, action string) (Allowance, bool) {
	for _, a := range allow {
		if glob(a.Function, fn, false) && strings.EqualFold(a.Action, action) {
			return Allowance{Function: fn, Action: action, Why: a.Why}, true
		}
	}
	return Allowance{}, false
}

// check evaluates the calls of one batch, adding to the report and to the
// grants used (logical id, statement, action pattern).
func (r *Report) check(b Batch, used map[[3]string]bool, seen map[string]bool, denied map[string]int) {
	byName := map[string]*Function{}
	for i := range b.Functions {
		fn := &b.Functions[i]
		byName[fn.Name] = fn
		if r.Granted[fn.LogicalID] == nil {
			r.Granted[fn.LogicalID] = map[string]bool{}
		}
		for _, st := range fn.Policy {
			if st.Effect == "Allow" {
				for _, a := range st.Action {
					r.Granted[fn.LogicalID][a] = true
				}
			}
		}
	}
	once := func(msg string) {
		if !seen[msg] {
			seen[msg] = true
			r.Errors = append(r.Errors, msg)
		}
	}
	for _, c := range b.Calls {
		fn := byName[c.Function]
		if fn == nil {
			once(fmt.Sprintf("UNKNOWN FUNCTION %q made %s %s", c.Function, c.Service, c.Operation))
			continue
		}
		r.Calls++
		reqs, err := b.Account.Requests(c)
		if err != nil {
			once(fmt.Sprintf("UNCHECKED %s: %v", fn.LogicalID, err))
			continue
		}
		for _, req := range reqs {
			d, err := Evaluate(fn.Policy, req)
			if err != nil {
				once(fmt.Sprintf("POLICY %s: %v", fn.LogicalID, err))
				continue
			}
			if !d.Allowed {
				// One line per function, action and resource, with the
				// first request as the example: keys differ call by call.
				key := fn.LogicalID + "|" + req.Action + "|" + req.Resource
				if i, ok := denied[key]; ok {
					r.Denied[i].Count++
				} else {
					denied[key] = len(r.Denied)
					r.Denied = append(r.Denied, Denial{Function: fn.LogicalID, Call: c, Request: req, Why: d.Why, Count: 1})
				}
				continue
			}
			if r.Used[fn.LogicalID] == nil {
				r.Used[fn.LogicalID] = map[string]int{}
			}
			r.Used[fn.LogicalID][req.Action]++
			for _, a := range fn.Policy[d.Statement].Action {
				if glob(a, req.Action, true) {
					used[[3]string{fn.LogicalID, fmt.Sprint(d.Statement), a}] = true
				}
			}
		}
	}
}
