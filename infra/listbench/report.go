package listbench

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"backoffice/infra/bench"
)

// Title is the heading of the section this package writes in RESULTS.md.
const Title = "Customer lists at scale"

// MaxRatio is the target: read units per page at the large size
// at most this many times those at the small size.
const MaxRatio = 1.2

// Size is everything measured at one number of customers.
type Size struct {
	Customers int
	Costs     map[string]PageCost // by shape name
	Latency   map[string]Latency  // by shape name; nil when not measured
}

// Seeding is one seeding step: from customers already there to To.
type Seeding struct {
	From, To int
	Took     time.Duration
}

// Report is a whole run: Sizes in growing order, the target comparing the
// last with the first; a size in between shows where growth stops.
type Report struct {
	Meta    bench.Meta
	Shapes  []Shape
	Sizes   []Size
	Seeds   []Seeding
	Load    Load
	Workers int           // parallel BatchWriteItem calls while seeding
	Took    time.Duration // the whole run
}

// Ratio is the large size's read units per page over the small size's.
func Ratio(small, large PageCost) float64 {
	if small.Units == 0 {
		return 0
	}
	return large.PerPage() / small.PerPage()
}

func (r *Report) first() Size { return r.Sizes[0] }
func (r *Report) last() Size  { return r.Sizes[len(r.Sizes)-1] }

// Misses are the shapes whose ratio is above MaxRatio.
func (r *Report) Misses() []string {
	var out []string
	for _, sh := range r.Shapes {
		if Ratio(r.first().Costs[sh.Name], r.last().Costs[sh.Name]) > MaxRatio {
			out = append(out, sh.Name)
		}
	}
	return out
}

// Thousands writes n with thousands separators: 100000 → "100,000".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func units(u float64) string { return strconv.FormatFloat(u, 'f', -1, 64) }

// mean writes a per-page figure with at most one decimal: 4, 4.1.
func mean(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

// Section renders the report as the RESULTS.md section.
func (r *Report) Section() bench.Section {
	var b strings.Builder
	small, large := Thousands(r.first().Customers), Thousands(r.last().Customers)
	m := r.Meta.Machine
	fmt.Fprintf(&b, "## %s\n\n", Title)
	fmt.Fprintf(&b, "_Measured %s with `%s` on %s, %s, %d cores, %s (took %s)._\n\n",
		r.Meta.Date.UTC().Format("2006-01-02 15:04 MST"), r.Meta.Command, m.Arch, m.CPU, m.Cores, m.GoVersion, r.Took.Round(time.Second))
	fmt.Fprintf(&b, "Target: read units per list page at %s customers ≤ %.1f× the same page at %s.\n\n", large, MaxRatio, small)

	var computed, raised, queries int
	var reported, sized float64
	for _, sz := range r.Sizes {
		for _, c := range sz.Costs {
			computed += c.Computed
			raised += c.Raised
			queries += c.Queries
			reported += c.Units
			sized += c.Sized
		}
	}
	b.WriteString("How: a fresh local stack (emulators on free ports of 127.0.0.1, in-memory DynamoDB Local, `infra/localstack` from template.yaml) and an owner signed in through the API. ")
	fmt.Fprintf(&b, "Customers are seeded with `infra/seed` (BatchWriteItem, %d workers, the profile and the email claim of each; a quarter each inactive and invited, half active). ", r.Workers)
	fmt.Fprintf(&b, "*Read units* (RCU) are the Queries of a shape's first %d pages (fewer when the list ends) summed and divided by the pages, each Query sent with `ReturnConsumedCapacity: TOTAL`, listed straight through `customers.Service.List` (the code of `GET /customers`) on a DynamoDB client wrapped to add them up; a second-page shape starts at the page its first page's cursor gives. A mean, because one page may read a 4 KB step more or less than the next at any size: where a partition's read window runs out moves with the data. ", Walk)
	if computed == 0 {
		b.WriteString("DynamoDB Local returned `ConsumedCapacity` for every Query: eventually consistent, 0.5 per started 4 KB of the items read. ")
	} else {
		fmt.Fprintf(&b, "DynamoDB Local returned no `ConsumedCapacity` for %d of %d Queries: their units are computed from the items' sizes (sum / 4 KB rounded up, halved for eventually consistent reads). ", computed, queries)
	}
	if raised > 0 {
		fmt.Fprintf(&b, "DynamoDB Local reports 0 for a Query that reads nothing, where DynamoDB bills one 4 KB read: those %d Queries count 0.5 here. ", raised)
	}
	if computed < queries && reported > 0 {
		fmt.Fprintf(&b, "Cross-check: the same Queries' units computed from the returned items' sizes sum to %s against %s reported (%+.0f%%). ",
			units(sized), units(reported), 100*(sized-reported)/reported)
	}
	b.WriteString("\n\n")

	misses := r.Misses()
	if len(misses) == 0 {
		fmt.Fprintf(&b, "**Result: PASS** — all %d shapes within %.1f×.\n\n", len(r.Shapes), MaxRatio)
	} else {
		fmt.Fprintf(&b, "**Result: MISS** — %d of %d shapes within %.1f×; above: %s (see *Why* below the table).",
			len(r.Shapes)-len(misses), len(r.Shapes), MaxRatio, strings.Join(quoteAll(misses), ", "))
		if len(r.Sizes) > 2 {
			m := r.Sizes[len(r.Sizes)-2]
			worst, at := 0.0, ""
			for _, sh := range r.Shapes {
				if x := Ratio(m.Costs[sh.Name], r.last().Costs[sh.Name]); x > worst {
					worst, at = x, sh.Name
				}
			}
			fmt.Fprintf(&b, " From %s to %s customers every shape is within %.2f× (highest: `%s`).", Thousands(m.Customers), large, worst, at)
		}
		b.WriteString("\n\n")
	}

	// Read units.
	b.WriteString("| shape (`GET /customers?…`) |")
	for _, sz := range r.Sizes {
		fmt.Fprintf(&b, " RCU at %s |", Thousands(sz.Customers))
	}
	fmt.Fprintf(&b, " ratio %s / %s | target | result |", large, small)
	mid := len(r.Sizes) > 2
	if mid {
		fmt.Fprintf(&b, " ratio %s / %s |", large, Thousands(r.Sizes[len(r.Sizes)-2].Customers))
	}
	b.WriteString(" Queries | items read | customers listed |\n|---|")
	b.WriteString(strings.Repeat("---:|", len(r.Sizes)) + "---:|---|---|")
	if mid {
		b.WriteString("---:|")
	}
	b.WriteString("---:|---:|---:|\n")
	for _, sh := range r.Shapes {
		s, l := r.first().Costs[sh.Name], r.last().Costs[sh.Name]
		fmt.Fprintf(&b, "| %s |", sh.Name)
		for _, sz := range r.Sizes {
			fmt.Fprintf(&b, " %s |", mean(sz.Costs[sh.Name].PerPage()))
		}
		ratio := Ratio(s, l)
		res := "PASS"
		if ratio > MaxRatio {
			res = "**FAIL**"
		}
		fmt.Fprintf(&b, " %.2f | ≤ %.1f | %s |", ratio, MaxRatio, res)
		if mid {
			fmt.Fprintf(&b, " %.2f |", Ratio(r.Sizes[len(r.Sizes)-2].Costs[sh.Name], l))
		}
		fmt.Fprintf(&b, " %s | %s | %s |\n", r.each(sh.Name, func(c PageCost) float64 { return c.Mean(c.Queries) }),
			r.each(sh.Name, func(c PageCost) float64 { return c.Mean(c.Items) }), r.each(sh.Name, func(c PageCost) float64 { return c.Mean(c.Listed) }))
	}
	b.WriteString("\n_RCU, Queries, items read and customers listed are per page, per size, smallest first._\n\n")
	b.WriteString("Reading the table: without a status filter a page merges the three status partitions (active, inactive, invited). Their first Queries go out together and share the page, ceil(limit / 3) + 1 items each; a partition whose items run out before the page is full is read again for its share of what the page still lacks, plus one that tells whether the list goes on. So a page of 25 reads about 30 to 45 items in 3 to 5 Queries (mostly 2 round trips), not 3 × 26 in 3 round trips. A status filter reads one partition, limit + 1 items. A search reads its sources (last name, first name, email, company) one after the other, each over the status partitions, until the page is full; a search with few or no matches reads all of them (12 Queries; DynamoDB bills each at least one 4 KB read). None of these numbers depends on the table size once the partitions hold more than a page's window.\n\n")

	if len(misses) > 0 {
		b.WriteString("Why:\n\n")
		for _, name := range misses {
			fmt.Fprintf(&b, "- `%s`: %s\n", name, r.why(name))
		}
		b.WriteString("\n")
	}

	// Latency.
	if r.hasLatency() {
		fmt.Fprintf(&b, "Latency of `GET /customers?<shape>` through the local stack (API gateway, JWT authorizer, caller check, the list): %d requests per shape and size after %d warm-up, %d in flight, timed from sending to the last byte of the answer; p50 and p99 by nearest rank, in ms. The emulators, the functions and the load share this machine's %d cores, so absolute times are indicative only.\n\n",
			r.Load.Requests, r.Load.Warmup, r.Load.Concurrency, m.Cores)
		b.WriteString("| shape |")
		for _, sz := range r.Sizes {
			fmt.Fprintf(&b, " p50 / p99 at %s |", Thousands(sz.Customers))
		}
		b.WriteString(" `Service.List` alone (median of 5, per size) |")
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(r.Sizes)) + "---:|\n")
		for _, sh := range r.Shapes {
			fmt.Fprintf(&b, "| %s |", sh.Name)
			for _, sz := range r.Sizes {
				fmt.Fprintf(&b, " %s |", latencyCell(sz.Latency, sh.Name))
			}
			direct := make([]string, len(r.Sizes))
			for i, sz := range r.Sizes {
				direct[i] = "—"
				if d := sz.Costs[sh.Name].Direct; d > 0 {
					direct[i] = ms(d)
				}
			}
			fmt.Fprintf(&b, " %s |\n", strings.Join(direct, " / "))
		}
		b.WriteString("\n")
		b.WriteString("`Service.List` alone is the list's own time against DynamoDB Local, called from this process without the gateway, the authorizer and the caller check. Where it grows with the table while the read units stay the same (searches: `begins_with` on an index sort key), the time is DynamoDB Local's: its `begins_with` Queries take longer as the partition grows even when they read nothing (`q=zzz`), where DynamoDB serves them as a range of the sorted index and charges the items read. These latencies are the emulator's, not a forecast for DynamoDB.\n\n")
	}

	b.WriteString("Seeding (BatchWriteItem of 25 items, 2 items per customer, into the running stack's table):\n\n")
	b.WriteString("| step | customers added | time | customers/s |\n|---|---:|---:|---:|\n")
	total, added := time.Duration(0), 0
	for _, s := range r.Seeds {
		n := s.To - s.From
		total += s.Took
		added += n
		fmt.Fprintf(&b, "| %s → %s | %s | %s | %.0f |\n", Thousands(s.From), Thousands(s.To), Thousands(n),
			s.Took.Round(10*time.Millisecond), float64(n)/s.Took.Seconds())
	}
	if len(r.Seeds) > 1 {
		fmt.Fprintf(&b, "| **0 → %s** | %s | **%s** | %.0f |\n", Thousands(added), Thousands(added),
			total.Round(10*time.Millisecond), float64(added)/total.Seconds())
	}
	b.WriteString("\n")
	return bench.Section{Title: Title, Text: b.String()}
}

// each is one number of a shape per size: "3 / 3 / 3".
func (r *Report) each(name string, f func(PageCost) float64) string {
	parts := make([]string, len(r.Sizes))
	for i, sz := range r.Sizes {
		parts[i] = mean(f(sz.Costs[name]))
	}
	return strings.Join(parts, " / ")
}

func (r *Report) hasLatency() bool {
	for _, sz := range r.Sizes {
		if len(sz.Latency) > 0 {
			return true
		}
	}
	return false
}

// why explains a ratio above target from what the pages held and read.
func (r *Report) why(name string) string {
	s, l := r.first().Costs[name], r.last().Costs[name]
	small, large := Thousands(r.first().Customers), Thousands(r.last().Customers)
	var out string
	switch {
	case s.Mean(s.Listed) < l.Mean(l.Listed):
		out = fmt.Sprintf("not the same page: at %s a page lists %s customers, at %s %s. The search matches so few customers at %s that its sources are read to their end for a short page; at %s the same search fills the page. Per customer listed: %.3f units at %s, %.3f at %s.",
			small, mean(s.Mean(s.Listed)), large, mean(l.Mean(l.Listed)), small, large, s.Units/float64(max(s.Listed, 1)), small, l.Units/float64(max(l.Listed, 1)), large)
	case s.Mean(s.Items) < l.Mean(l.Items):
		out = fmt.Sprintf("a page's %s Queries read %s items at %s but %s at %s: at %s the matching customers are so few that a status partition ends before its read window does; at %s every partition fills its window.",
			mean(s.Mean(s.Queries)), mean(s.Mean(s.Items)), small, mean(l.Mean(l.Items)), large, small, large)
	default:
		out = fmt.Sprintf("%s Queries reading %s items per page at %s, %s Queries reading %s items at %s.",
			mean(s.Mean(s.Queries)), mean(s.Mean(s.Items)), small, mean(l.Mean(l.Queries)), mean(l.Mean(l.Items)), large)
	}
	if len(r.Sizes) > 2 {
		m := r.Sizes[len(r.Sizes)-2]
		ratio := Ratio(m.Costs[name], l)
		verdict := "the cost has stopped growing: a page reads at most limit + 1 items per partition and source"
		if ratio > MaxRatio {
			verdict = "still growing"
			if mc := m.Costs[name]; mc.Mean(mc.Listed) < l.Mean(l.Listed) {
				verdict = fmt.Sprintf("at %s a page is still short, %s customers: it fills only at %s", Thousands(m.Customers), mean(mc.Mean(mc.Listed)), large)
			}
		}
		out += fmt.Sprintf(" From %s to %s: %.2f× (%s).", Thousands(m.Customers), large, ratio, verdict)
	}
	return out
}

func latencyCell(lat map[string]Latency, name string) string {
	l, ok := lat[name]
	if !ok || len(l.Samples) == 0 {
		if ok && l.Errors > 0 {
			return fmt.Sprintf("%d errors", l.Errors)
		}
		return "—"
	}
	cell := ms(bench.Percentile(l.Samples, 50)) + " / " + ms(bench.Percentile(l.Samples, 99))
	if l.Errors > 0 {
		cell += fmt.Sprintf(" (%d errors)", l.Errors)
	}
	return cell
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + s + "`"
	}
	return out
}
