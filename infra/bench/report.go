package bench

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The performance targets, as benchmarks/RESULTS.md states them per section.
const (
	MaxBinaryBytes  = 10_000_000 // 10 MB, 1 MB = 10^6 bytes
	MaxInitRatio    = 2.0        // × hello-world median
	MaxInitRatioDDB = 1.5        // for functions without a Cognito/SES client
)

// Machine is what the figures were measured on.
type Machine struct {
	Arch      string // uname -m
	CPU       string
	Cores     int
	GoVersion string
	Kernel    string
}

// ReadMachine describes this machine.
func ReadMachine(root string) Machine {
	m := Machine{Cores: runtime.NumCPU(), CPU: cpuModel()}
	m.Arch = cmdOut(root, "uname", "-m")
	m.Kernel = cmdOut(root, "uname", "-r")
	m.GoVersion = cmdOut(root, "go", "env", "GOVERSION")
	return m
}

func cmdOut(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	b, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	found := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, seen := found[k]; !seen && v != "" {
			found[k] = v
		}
	}
	// x86 has "model name"; arm64 kernels often only "CPU implementer/part".
	for _, k := range []string{"model name", "Model", "Hardware", "cpu model"} {
		if v := found[k]; v != "" {
			return v
		}
	}
	if p := found["CPU part"]; p != "" {
		return "implementer " + found["CPU implementer"] + ", part " + p
	}
	return "unknown"
}

// Meta is the provenance written with every section.
type Meta struct {
	Date    time.Time
	Command string
	Machine Machine
}

func (m Meta) line() string {
	return fmt.Sprintf("_Measured %s with `%s` on %s._\n\n", m.Date.UTC().Format("2006-01-02 15:04 MST"), m.Command, m.Machine.short())
}

func (m Machine) short() string {
	return fmt.Sprintf("%s, %s, %d cores, %s", m.Arch, m.CPU, m.Cores, m.GoVersion)
}

// Preamble is the head of RESULTS.md: the last run of the tool.
func Preamble(m Meta, took time.Duration) string {
	var b strings.Builder
	b.WriteString("# Benchmark results\n\n")
	b.WriteString("Figures against the performance targets each section states. Ratios are measured in one run on one machine (machines are noisy, absolute times are not comparable between machines).\n")
	b.WriteString("`scripts/bench.sh` writes the *Binary size* and *Cold init* sections and this head; every other `## ` section belongs to another tool and is kept as it is.\n\n")
	b.WriteString("Last run of `scripts/bench.sh`:\n\n")
	fmt.Fprintf(&b, "- date: %s\n", m.Date.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "- command: `%s` (took %s)\n", m.Command, took.Round(time.Second))
	fmt.Fprintf(&b, "- machine: `%s`, %s, %d cores, kernel %s\n", m.Machine.Arch, m.Machine.CPU, m.Machine.Cores, m.Machine.Kernel)
	fmt.Fprintf(&b, "- Go: %s\n\n", m.Machine.GoVersion)
	return b.String()
}

func mb(bytes int64) string { return fmt.Sprintf("%.2f", float64(bytes)/1e6) }

// resultWord is PASS or MISS, with how many were measured when not all were.
func resultWord(ok bool, measured, all int) string {
	w := passMiss(ok)
	if ok && measured < all {
		w += fmt.Sprintf(" for the %d of %d measured", measured, all)
	}
	return w
}

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// SizeSection renders the arm64 binary sizes.
func SizeSection(rep *BuildReport, m Meta) Section {
	title := "Binary size (linux/" + rep.GOARCH + ")"
	var b strings.Builder
	b.WriteString("## " + title + "\n\n")
	b.WriteString(m.line())
	fmt.Fprintf(&b, "Target: ≤ 10 MB per function binary (1 MB = 10^6 bytes). Built with `%s`; %s, %s wall.\n\n",
		BuildCommand(rep.GOARCH), rep.Mode, rep.Wall.Round(100*time.Millisecond))

	var built, failed []*Built
	for _, f := range rep.Funcs {
		if f.Err == "" {
			built = append(built, f)
		} else {
			failed = append(failed, f)
		}
	}
	slices.SortFunc(built, func(a, c *Built) int { return cmp.Or(cmp.Compare(c.Size, a.Size), cmp.Compare(a.Name, c.Name)) })
	slices.SortFunc(failed, func(a, c *Built) int { return cmp.Compare(a.Name, c.Name) })

	misses := 0
	for _, f := range built {
		if f.Size > MaxBinaryBytes {
			misses++
		}
	}
	switch {
	case len(built) == 0:
		b.WriteString("**Result: not measured** — no function built.\n\n")
	default:
		fmt.Fprintf(&b, "**Result: %s** — largest: `%s` %s MB", resultWord(misses == 0, len(built), len(rep.Funcs)), built[0].Name, mb(built[0].Size))
		if misses > 0 {
			fmt.Fprintf(&b, "; %d over 10 MB", misses)
		}
		if len(failed) > 0 {
			fmt.Fprintf(&b, "; %d of %d functions did not build and are not measured", len(failed), len(rep.Funcs))
		}
		b.WriteString(".\n\n")
	}

	b.WriteString("| function | size (MB) | bytes | target | result |\n|---|---:|---:|---|---|\n")
	for _, f := range built {
		fmt.Fprintf(&b, "| %s | %s | %d | ≤ 10 MB | %s |\n", f.Name, mb(f.Size), f.Size, passMiss(f.Size <= MaxBinaryBytes))
	}
	for _, f := range failed {
		fmt.Fprintf(&b, "| %s | — | — | ≤ 10 MB | did not build |\n", f.Name)
	}
	if h := rep.Hello; h != nil {
		if h.Err == "" {
			fmt.Fprintf(&b, "| *hello-world (reference)* | %s | %d | — | — |\n", mb(h.Size), h.Size)
		} else {
			b.WriteString("| *hello-world (reference)* | — | — | — | did not build |\n")
		}
	}
	b.WriteString("\n")
	writeBuildErrors(&b, rep)
	return Section{Title: title, Text: b.String()}
}

func writeBuildErrors(b *strings.Builder, rep *BuildReport) {
	var names []string
	for n, f := range rep.Funcs {
		if f.Err != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if rep.Hello != nil && rep.Hello.Err != "" {
		names = append(names, "hello-world")
	}
	if len(names) == 0 {
		return
	}
	b.WriteString("Did not build (first lines of `go build`):\n\n")
	for _, n := range names {
		f := rep.Funcs[n]
		if n == "hello-world" {
			f = rep.Hello
		}
		fmt.Fprintf(b, "- `%s`:\n\n  ```\n", n)
		for _, l := range strings.Split(f.Err, "\n") {
			b.WriteString("  " + l + "\n")
		}
		b.WriteString("  ```\n\n")
	}
}

// InitTarget is the cold init ratio a function must meet.
func InitTarget(d Deps) float64 {
	if len(d.Heavy) > 0 {
		return MaxInitRatio
	}
	return MaxInitRatioDDB
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func rssMB(kb []int64) string {
	if len(kb) == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", float64(MedianInt64(kb))*1024/1e6)
}

// InitSection renders the cold init figures.
func InitSection(rep *BuildReport, deps map[string]Deps, res map[string]*InitResult, opt InitOptions, stray int, m Meta) Section {
	title := "Cold init (linux/" + rep.GOARCH + ", host)"
	var b strings.Builder
	b.WriteString("## " + title + "\n\n")
	b.WriteString(m.line())
	fmt.Fprintf(&b, "Target: median ≤ %.1f× the hello-world median for every function, ≤ %.1f× for functions that link no Cognito or SES client (`go list -deps`).\n\n", MaxInitRatio, MaxInitRatioDDB)
	fmt.Fprintf(&b, "How: every function and the hello-world built for the host with `%s` (%s, %s wall); "+
		"a local Runtime API on 127.0.0.1 records the arrival of each process's first `GET /2018-06-01/runtime/invocation/next` and holds it open. "+
		"Init = just before `cmd.Start()` → that arrival. %d measured starts per binary (after %d discarded warm-up round), interleaved: each round starts every binary once, the order rotating by one each round. "+
		"Median and p90 (nearest rank) of the starts; *RSS after init* is the median of the process's VmHWM read right after its first /next (1 MB = 10^6 bytes), not the warm-under-load figure.\n\n",
		BuildCommand(rep.GOARCH), rep.Mode, rep.Wall.Round(100*time.Millisecond), opt.Rounds, opt.Warmup)

	hello := res["hello-world"]
	var helloMed time.Duration
	if hello != nil && len(hello.Samples) > 0 {
		helloMed = Median(hello.Samples)
	}

	type row struct {
		name   string
		ratio  float64
		cells  string
		failed bool
	}
	var rows []row
	misses, measured, unbuilt, initFailed := 0, 0, 0, 0
	for name, f := range rep.Funcs {
		d := deps[name]
		target := InitTarget(d)
		clients := strings.Join(d.Services, ", ")
		if clients == "" {
			clients = "—"
		}
		tgt := fmt.Sprintf("≤ %.1f×", target)
		r := res[name]
		switch {
		case f.Err != "":
			unbuilt++
			rows = append(rows, row{name: name, failed: true, cells: fmt.Sprintf("| %s | %s | — | — | — | %s | did not build | — |", name, clients, tgt)})
		case r == nil || len(r.Samples) == 0:
			initFailed++
			why := "no start reached /next"
			if r != nil && len(r.Errors) > 0 {
				why = "init failed, never called /next"
			}
			rows = append(rows, row{name: name, failed: true, cells: fmt.Sprintf("| %s | %s | — | — | — | %s | **%s** | — |", name, clients, tgt, why)})
		default:
			measured++
			med := Median(r.Samples)
			ratio := 0.0
			ratioS := "—"
			ok := false
			if helloMed > 0 {
				ratio = float64(med) / float64(helloMed)
				ratioS = fmt.Sprintf("%.2f×", ratio)
				ok = ratio <= target
			}
			result := passMiss(ok)
			if len(r.Errors) > 0 {
				ok = false
				result = fmt.Sprintf("MISS (%d of %d starts failed)", len(r.Errors), len(r.Errors)+len(r.Samples))
			}
			if !ok {
				misses++
			}
			rows = append(rows, row{name: name, ratio: ratio, cells: fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |",
				name, clients, ms(med), ms(P90(r.Samples)), ratioS, tgt, result, rssMB(r.RSSkB))})
		}
	}
	slices.SortFunc(rows, func(a, c row) int {
		if a.failed != c.failed {
			if a.failed {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(c.ratio, a.ratio), cmp.Compare(a.name, c.name))
	})

	switch {
	case helloMed == 0:
		b.WriteString("**Result: not measured** — the hello-world reference did not start.\n\n")
	case measured == 0:
		b.WriteString("**Result: not measured** — no function started.\n\n")
	default:
		fmt.Fprintf(&b, "**Result: %s** — %d of %d measured functions within target", resultWord(misses == 0 && initFailed == 0, measured, len(rep.Funcs)), measured-misses, measured)
		if initFailed > 0 {
			fmt.Fprintf(&b, "; %d failed at init (never called /next)", initFailed)
		}
		if unbuilt > 0 {
			fmt.Fprintf(&b, "; %d did not build, not measured", unbuilt)
		}
		b.WriteString(".\n\n")
	}
	if hello != nil && len(hello.Samples) > 0 {
		fmt.Fprintf(&b, "Reference hello-world: median %s ms, p90 %s ms, RSS after init %s MB.\n\n", ms(helloMed), ms(P90(hello.Samples)), rssMB(hello.RSSkB))
	}

	b.WriteString("| function | AWS SDK services linked | median (ms) | p90 (ms) | median / hello-world | target | result | RSS after init (MB) |\n")
	b.WriteString("|---|---|---:|---:|---:|---|---|---:|\n")
	for _, r := range rows {
		b.WriteString(r.cells + "\n")
	}
	b.WriteString("\n")

	// Why starts failed, one line per binary.
	var notes []string
	names := make([]string, 0, len(res))
	for n := range res {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if r := res[n]; len(r.Errors) > 0 {
			notes = append(notes, fmt.Sprintf("- `%s`: %d of %d starts failed; first: `%s`", n, len(r.Errors), len(r.Errors)+len(r.Samples), strings.ReplaceAll(r.Errors[0], "`", "'")))
		}
	}
	if stray > 0 {
		notes = append(notes, fmt.Sprintf("- %d `GET /next` requests arrived while no start was expected (ignored).", stray))
	}
	if len(notes) > 0 {
		b.WriteString("Failed starts:\n\n" + strings.Join(notes, "\n") + "\n\n")
	}
	writeBuildErrors(&b, rep)
	return Section{Title: title, Text: b.String()}
}

// OtherSection is the placeholder for the figures other tools measure. It is
// written only into a new file; from then on it belongs to those tools.
func OtherSection() Section {
	const text = `## Other figures

Measured by other tools, which replace these lines (or add their own ` + "`## `" + ` sections) when they exist.

| figure | target | status |
|---|---|---|
| DynamoDB round trips per route | reads: caller check + 1; writes: caller check + 1 transaction | not measured yet |
| list cost at 1,000 vs 100,000 customers | read units per page at 100k ≤ 1.2× at 1k | not measured yet |
| warm latency p50 / p99 per route through the local stack | reported | not measured yet |
| max RSS of a warm function under load | < 40 MB | not measured yet |
| cost per 1M requests of a typical mix | reported (README) | not measured yet |
`
	return Section{Title: "Other figures", Text: text}
}
