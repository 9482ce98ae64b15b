// Command load runs a bounded load against the whole local stack and writes
// the warm latency per route (p50, p99) and the peak memory of every warm
// function process into benchmarks/RESULTS.md. Use it through
//
//	scripts/bench.sh --load            # 200 requests per route, 4 at a time
//	scripts/bench.sh --load -n 50      # quicker
//
// It starts its own emulators and local stack on free 127.0.0.1 ports (as
// the integration tests do, nothing shared with scripts/dev.sh), seeds an
// owner through a real invitation, then sends a fixed number of requests per
// route of a typical mix, one route after the other so their figures do not
// mix. Latency is the client's: HTTP request to answer through the local
// API Gateway emulation, the function and the emulators. Memory is the
// VmHWM (peak RSS) of each function process the stack started, read from
// /proc after the run.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/infra/bench"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/tests/stack"
)

const password = "correct horse battery staple"

type options struct {
	n, loginN, conc int
	out             string
	write           bool
	budget          time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 200, "measured requests per route")
	flag.IntVar(&o.loginN, "login-n", 100, "measured requests of POST /auth/login (each one a Cognito sign-in)")
	flag.IntVar(&o.conc, "c", 4, "requests in flight at once")
	flag.StringVar(&o.out, "out", "benchmarks/RESULTS.md", "results file, relative to the repository root")
	flag.BoolVar(&o.write, "write", true, "write the results file (false: print only)")
	flag.DurationVar(&o.budget, "budget", 3*time.Minute, "stop sending requests after this long (the results say how many went out)")
	flag.Parse()
	if flag.NArg() > 0 || o.n < 1 || o.conc < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// request is one call of the mix; worker and i let a route spread its
// requests over its own items (no two workers patch the same person).
type request struct {
	method, path, token string
	body                any
	want                int
}

type route struct {
	name string
	n    int
	make func(worker, i int) request
}

type result struct {
	name      string
	planned   int
	durations []time.Duration
	errors    int
	firstErr  string
}

func run(o options) error {
	began := time.Now()
	root, err := stack.RepoRoot()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, root)
	if err != nil {
		return err
	}
	defer st.Close()
	cl := &client{base: st.URL, http: &http.Client{Timeout: 30 * time.Second}}
	db := store.New(store.NewClient(st.AWS), st.TableName)

	// Seats for every invitation the run sends.
	tx := db.Tx()
	tx.Update(store.SettingsKey(), expression.Set(expression.Name("seatLimit"), expression.Value(100000)), nil, nil)
	if err := db.Write(ctx, tx); err != nil {
		return fmt.Errorf("raise seat limit: %w", err)
	}

	fmt.Fprintln(os.Stderr, "load: seeding people")
	owner, err := seed(ctx, st, db, cl, "load-owner@example.com", auth.OwnerRoleID)
	if err != nil {
		return err
	}
	ownerToken, err := cl.login(owner.Email)
	if err != nil {
		return err
	}
	// One sign-in account and one person to read and edit per worker.
	var signers, targets []person
	for w := 0; w < o.conc; w++ {
		p, err := seed(ctx, st, db, cl, fmt.Sprintf("load-signer-%d@example.com", w))
		if err != nil {
			return err
		}
		signers = append(signers, p)
		p, err = seed(ctx, st, db, cl, fmt.Sprintf("load-target-%d@example.com", w))
		if err != nil {
			return err
		}
		targets = append(targets, p)
	}

	get := func(path string) func(int, int) request {
		return func(int, int) request { return request{method: "GET", path: path, token: ownerToken, want: 200} }
	}
	routes := []route{
		{"GET /health", o.n, func(int, int) request { return request{method: "GET", path: "/health", want: 200} }},
		{"GET /auth/me", o.n, get("/auth/me")},
		{"GET /staff", o.n, get("/staff")},
		{"GET /staff/{id}", o.n, func(w, _ int) request {
			return request{method: "GET", path: "/staff/" + targets[w].ID, token: ownerToken, want: 200}
		}},
		{"PATCH /staff/{id}", o.n, func(w, i int) request {
			return request{method: "PATCH", path: "/staff/" + targets[w].ID, token: ownerToken,
				body: map[string]any{"firstName": fmt.Sprintf("Load %d", i)}, want: 200}
		}},
		{"GET /roles", o.n, get("/roles")},
		{"GET /settings", o.n, get("/settings")},
		{"GET /audit", o.n, get("/audit")},
		{"POST /staff/invitations", o.n, func(w, i int) request {
			return request{method: "POST", path: "/staff/invitations", token: ownerToken, want: 201, body: map[string]any{
				"email": fmt.Sprintf("load-invite-%d-%d-%d@example.com", began.Unix(), w, i), "firstName": "Load", "lastName": "Invitee"}}
		}},
		{"POST /auth/login", o.loginN, func(w, _ int) request {
			return request{method: "POST", path: "/auth/login", body: map[string]any{"email": signers[w].Email, "password": password}, want: 200}
		}},
	}

	var results []result
	deadline := began.Add(o.budget)
	for _, r := range routes {
		fmt.Fprintf(os.Stderr, "load: %s × %d\n", r.name, r.n)
		results = append(results, cl.drive(r, o.conc, deadline))
	}
	// The invitations' mails are sent by then, so the mail sender's
	// process has done its share too. A timeout only leaves some unsent.
	waitCtx, waitCancel := context.WithTimeout(ctx, 30*time.Second)
	_ = st.Local.WaitStreamsIdle(waitCtx)
	waitCancel()
	mem := functionMemory()
	took := time.Since(began)

	latency := latencySection(results, o, took)
	memory := memorySection(mem)
	fmt.Print(latency, "\n", memory)
	if !o.write {
		return nil
	}
	path := filepath.Join(root, o.out)
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	merged := replaceSections(string(old), map[string]string{
		"latency under load":              latency,
		"latency through the local stack": latency, // the figures this run replaces
		"warm memory":                     memory,
		"memory of warm functions":        memory,
	})
	fmt.Fprintf(os.Stderr, "load: wrote %s (took %s)\n", o.out, took.Round(time.Second))
	return os.WriteFile(path, []byte(merged), 0o644)
}

type person struct{ ID, Email string }

var linkToken = regexp.MustCompile(`#token=([A-Za-z0-9_-]{43})`)

// seed invites email with roleIDs through the domain package (the way the
// integration tests do) and accepts the invitation from its mail.
func seed(ctx context.Context, st *stack.Stack, db *store.Store, cl *client, email string, roleIDs ...string) (person, error) {
	svc := &staff.Service{Store: db, Now: db.Now}
	inv, err := svc.Invite(ctx, audit.System, "Load", staff.InviteInput{Email: email, FirstName: "Load", LastName: "Person", RoleIDs: roleIDs}, st.URL)
	if err != nil {
		return person{}, fmt.Errorf("invite %s: %w", email, err)
	}
	m, err := st.WaitMail(ctx, email, "")
	if err != nil {
		return person{}, err
	}
	tok := linkToken.FindStringSubmatch(m.Text)
	if tok == nil {
		return person{}, fmt.Errorf("no link in the mail to %s", email)
	}
	if status, body, err := cl.do(request{method: "POST", path: "/auth/invitations/accept", body: map[string]any{"token": tok[1], "password": password}}); err != nil || status != 204 {
		return person{}, fmt.Errorf("accept %s: %d %s %v", email, status, body, err)
	}
	return person{ID: inv.Staff.ID, Email: email}, nil
}

type client struct {
	base string
	http *http.Client
}

func (c *client) do(r request) (int, []byte, error) {
	var body io.Reader
	if r.body != nil {
		raw, err := json.Marshal(r.body)
		if err != nil {
			return 0, nil, err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(r.method, c.base+r.path, body)
	if err != nil {
		return 0, nil, err
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

func (c *client) login(email string) (string, error) {
	status, raw, err := c.do(request{method: "POST", path: "/auth/login", body: map[string]any{"email": email, "password": password}})
	if err != nil || status != 200 {
		return "", fmt.Errorf("login %s: %d %s %v", email, status, raw, err)
	}
	var out struct {
		AccessToken string `json:"accessToken"`
	}
	return out.AccessToken, json.Unmarshal(raw, &out)
}

// drive sends r.n measured requests with conc workers, after one unmeasured
// round per worker that starts the function's processes (cold starts are
// the bench's other section, not this one).
func (c *client) drive(r route, conc int, deadline time.Time) result {
	res := result{name: r.name, planned: r.n}
	var mu sync.Mutex
	record := func(d time.Duration, status int, body []byte, err error, want int, measured bool) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil || status != want {
			if measured {
				res.errors++
			}
			if res.firstErr == "" {
				res.firstErr = fmt.Sprintf("%d %s %v", status, bytes.TrimSpace(body), err)
			}
			return
		}
		if measured {
			res.durations = append(res.durations, d)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			req := r.make(w, -1-w)
			status, body, err := c.do(req)
			record(0, status, body, err, req.want, false)
		}(w)
	}
	wg.Wait()
	next := make(chan int)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := range next {
				req := r.make(w, i)
				start := time.Now()
				status, body, err := c.do(req)
				record(time.Since(start), status, body, err, req.want, true)
			}
		}(w)
	}
	for i := 0; i < r.n && time.Now().Before(deadline); i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return res
}

// procMem is the peak RSS of the processes of one function.
type procMem struct {
	name      string
	processes int
	maxKB     int64
}

// functionMemory reads VmHWM of every function process this program's local
// stack started: its children whose executable is a bin/<function>/bootstrap.
func functionMemory() []procMem {
	self := os.Getpid()
	byName := map[string]*procMem{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || parentOf(pid) != self {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || filepath.Base(exe) != "bootstrap" {
			continue
		}
		name := filepath.Base(filepath.Dir(exe))
		kb := vmHWM(pid)
		m := byName[name]
		if m == nil {
			m = &procMem{name: name}
			byName[name] = m
		}
		m.processes++
		m.maxKB = max(m.maxKB, kb)
	}
	var out []procMem
	for _, m := range byName {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].maxKB > out[j].maxKB || out[i].maxKB == out[j].maxKB && out[i].name < out[j].name
	})
	return out
}

func parentOf(pid int) int {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return -1
	}
	// The command name in parentheses may hold spaces: fields follow the last ')'.
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return -1
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

func vmHWM(pid int) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func header(o options, took time.Duration) string {
	m := bench.ReadMachine(".")
	cmd := os.Getenv("LOAD_INVOKED_AS")
	if cmd == "" {
		cmd = "go run ./infra/cmd/load"
	}
	args := strings.Join(os.Args[1:], " ")
	if args != "" {
		cmd += " " + args
	}
	return fmt.Sprintf("_Measured %s with `%s` (took %s) on %s, %s, %d cores, %s._\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), cmd, took.Round(time.Second), m.Arch, m.CPU, m.Cores, m.GoVersion)
}

func latencySection(results []result, o options, took time.Duration) string {
	var b strings.Builder
	b.WriteString("## Latency under load\n\n")
	b.WriteString(header(o, took))
	fmt.Fprintf(&b, "How: a fresh local stack (emulators and every function on 127.0.0.1, as the integration tests start it), an owner seeded through a real invitation; per route, one unmeasured request per worker to start the processes, then a fixed number of requests, %d in flight at once, routes one after the other. Latency is the client's round trip through the local API Gateway emulation, the function and the emulators (DynamoDB Local, cognito-local) on the same 2-core machine, so it is an upper bound of the function's own time; p50 and p99 by nearest rank. `PATCH /staff/{id}`: each worker edits its own person; `POST /auth/login`: each worker signs in its own account (successful sign-ins do not count against the rate limit).\n\n", o.conc)
	b.WriteString("| route | requests | errors | p50 (ms) | p99 (ms) | max (ms) |\n|---|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| `%s` | %d | %d | %s | %s | %s |\n", r.name, len(r.durations)+r.errors, r.errors,
			ms(bench.Percentile(r.durations, 50)), ms(bench.Percentile(r.durations, 99)), ms(bench.Percentile(r.durations, 100)))
	}
	for _, r := range results {
		if sent := len(r.durations) + r.errors; sent < r.planned {
			fmt.Fprintf(&b, "\nThe time budget (-budget) ran out: `%s` sent %d of %d requests.\n", r.name, sent, r.planned)
		}
		if r.firstErr != "" {
			fmt.Fprintf(&b, "\nFirst error of `%s` (warm-up requests included): %s\n", r.name, r.firstErr)
		}
	}
	return b.String()
}

func memorySection(mem []procMem) string {
	var b strings.Builder
	b.WriteString("## Warm memory\n\n")
	b.WriteString("_From the same run as *Latency under load*: VmHWM (peak resident set) of every function process the local stack started, read from `/proc/<pid>/status` after the last request (1 MB = 10^6 bytes). Several processes of one function ran when requests overlapped; the largest counts._\n\n")
	var largest procMem
	for _, m := range mem {
		if m.maxKB > largest.maxKB {
			largest = m
		}
	}
	verdict := "PASS"
	if largest.maxKB*1024 >= 40e6 {
		verdict = "MISS"
	}
	fmt.Fprintf(&b, "Target: < 40 MB (fits a 128 MB Lambda). **Result: %s**, largest %.1f MB (`%s`).\n\n", verdict, float64(largest.maxKB)*1024/1e6, largest.name)
	b.WriteString("| function | processes | peak RSS (MB) |\n|---|---:|---:|\n")
	for _, m := range mem {
		fmt.Fprintf(&b, "| %s | %d | %.1f |\n", m.name, m.processes, float64(m.maxKB)*1024/1e6)
	}
	return b.String()
}

// replaceSections puts each new section where the first old section with
// one of its keys stood (dropping further ones), keeps every other section
// and the preamble as they are, and appends new sections that found no
// place.
func replaceSections(old string, byKey map[string]string) string {
	pre, secs := bench.SplitSections(old)
	placed := map[string]bool{}
	var out []string
	out = append(out, pre)
	for _, s := range secs {
		text, ok := byKey[bench.SectionKey(s.Title)]
		if !ok {
			out = append(out, strings.TrimRight(s.Text, "\n")+"\n\n")
			continue
		}
		if !placed[text] {
			out = append(out, strings.TrimRight(text, "\n")+"\n\n")
			placed[text] = true
		}
	}
	var rest []string
	for _, text := range byKey {
		if !placed[text] {
			rest = append(rest, text)
			placed[text] = true
		}
	}
	sort.Strings(rest) // "## Latency…" before "## Warm…"
	for _, text := range rest {
		out = append(out, strings.TrimRight(text, "\n")+"\n\n")
	}
	return strings.TrimRight(strings.Join(out, ""), "\n") + "\n"
}
