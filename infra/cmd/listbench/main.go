// Command listbench measures what a page of GET /customers costs at 1,000
// and at 100,000 customers: read units per page (ReturnConsumedCapacity)
// for every list shape, p50/p99 of the route through the local stack, and
// the time to seed the customers. It starts its own emulators and local
// stack on free ports of 127.0.0.1 (nothing shared with scripts/dev.sh) and
// writes the "Customer lists at scale" section of benchmarks/RESULTS.md,
// keeping every other section as it is.
//
//	scripts/bench-lists.sh                 # 1,000, 10,000 and 100,000
//	scripts/bench-lists.sh -n 10000        # quick: 1,000 vs 10,000
//	scripts/bench-lists.sh -requests 0     # read units only, no latency run
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"backoffice/infra/bench"
	"backoffice/infra/listbench"
	"backoffice/infra/seed"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/customers"
	"backoffice/shared/list"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/tests/stack"
)

type options struct {
	small, mid, large int
	workers           int
	load              listbench.Load
	out               string
	timeout           time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.small, "small", 1000, "customers of the first measurement")
	flag.IntVar(&o.large, "n", 100000, "customers of the last measurement (e.g. 10000 for a quick run)")
	flag.IntVar(&o.mid, "mid", -1, "customers of a measurement in between (-1: 10 × -small when that is below -n; 0: none)")
	flag.IntVar(&o.workers, "workers", 8, "parallel BatchWriteItem calls while seeding")
	flag.IntVar(&o.load.Requests, "requests", 100, "measured GET /customers per shape and size (0: no latency run)")
	flag.IntVar(&o.load.Concurrency, "concurrency", 4, "requests in flight at once")
	flag.IntVar(&o.load.Warmup, "warmup", 5, "unmeasured requests per shape first")
	flag.DurationVar(&o.load.Budget, "budget", time.Minute, "time limit of one shape's latency run")
	flag.StringVar(&o.out, "out", "benchmarks/RESULTS.md", "results file, relative to the repository root")
	flag.DurationVar(&o.timeout, "timeout", 90*time.Minute, "time limit of the whole run")
	flag.Parse()
	if flag.NArg() > 0 || o.small < 1 || o.large <= o.small || o.workers < 1 || o.load.Requests < 0 || o.load.Concurrency < 1 {
		fmt.Fprintln(os.Stderr, "usage: scripts/bench-lists.sh [-small 1000] [-n 100000] [-requests 100] [-concurrency 4] ...")
		flag.PrintDefaults()
		os.Exit(2)
	}
	if o.mid < 0 {
		o.mid = 0
		if 10*o.small < o.large {
			o.mid = 10 * o.small
		}
	}
	if o.mid != 0 && (o.mid <= o.small || o.mid >= o.large) {
		fmt.Fprintln(os.Stderr, "listbench: -mid must lie between -small and -n")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "listbench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	began := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	root, err := stack.RepoRoot()
	if err != nil {
		return err
	}
	logf("starting emulators and the local stack…")
	st, err := stack.Start(ctx, root)
	if err != nil {
		return err
	}
	defer st.Close()
	logf("stack at %s", st.URL)

	plain := store.New(store.NewClient(st.AWS), st.TableName)
	cdb := listbench.NewCapacityDB(store.NewClient(st.AWS))
	counted := store.New(cdb, st.TableName)
	svc := &customers.Service{Store: counted, Now: counted.Now}
	lister := &list.Lister{Store: counted, Signer: list.NewSigner("listbench")}
	client := &http.Client{Timeout: 30 * time.Second}

	ownerEmail := "bench-owner@example.com"
	if err := newOwner(ctx, st, plain, client, ownerEmail); err != nil {
		return fmt.Errorf("owner: %w", err)
	}

	rep := &listbench.Report{
		Meta:    bench.Meta{Date: began, Command: commandLine(), Machine: bench.ReadMachine(root)},
		Shapes:  listbench.Shapes(),
		Load:    o.load,
		Workers: o.workers,
	}
	marker := strconv.FormatInt(began.Unix()%100000, 36)
	sizes := []int{o.small, o.large}
	if o.mid > 0 {
		sizes = []int{o.small, o.mid, o.large}
	}
	have := 0
	for i, n := range sizes {
		logf("seeding %s → %s customers…", listbench.Thousands(have), listbench.Thousands(n))
		t0 := time.Now()
		if err := seed.Write(ctx, plain, seed.Customers(n-have, marker+strconv.Itoa(i), uint64(i+1)), o.workers); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		s := listbench.Seeding{From: have, To: n, Took: time.Since(t0)}
		rep.Seeds = append(rep.Seeds, s)
		logf("  %s in %s (%.0f customers/s)", listbench.Thousands(n-have), s.Took.Round(time.Millisecond), float64(n-have)/s.Took.Seconds())
		have = n

		size := listbench.Size{Customers: n, Costs: map[string]listbench.PageCost{}}
		for _, sh := range rep.Shapes {
			pages := listbench.Walk
			if len(rep.Sizes) > 0 {
				pages = rep.Sizes[0].Costs[sh.Name].Pages // page k against page k
			}
			c, err := listbench.MeasurePages(ctx, svc, lister, cdb, sh, pages)
			if err != nil {
				return err
			}
			if c.Direct, err = listbench.TimeList(ctx, svc, lister, sh, 5); err != nil {
				return err
			}
			size.Costs[sh.Name] = c
			logf("  %-40s %5.2f RCU  %4.1f Queries  %5.1f items read  %5.1f listed per page (%d pages)  List alone %s ms", sh.Name,
				c.PerPage(), c.Mean(c.Queries), c.Mean(c.Items), c.Mean(c.Listed), c.Pages, msStr(c.Direct))
		}
		if o.load.Requests > 0 {
			// A fresh token for each size: seeding 100,000 can outlast one.
			token, err := login(ctx, client, st.URL, ownerEmail)
			if err != nil {
				return err
			}
			size.Latency = map[string]listbench.Latency{}
			for _, sh := range rep.Shapes {
				l, err := listbench.MeasureLatency(ctx, client, st.URL, token, sh, o.load)
				if err != nil {
					return err
				}
				size.Latency[sh.Name] = l
				logf("  %-40s p50 %6s ms  p99 %6s ms  (%d requests, %d errors)", sh.Name,
					msStr(bench.Percentile(l.Samples, 50)), msStr(bench.Percentile(l.Samples, 99)), len(l.Samples), l.Errors)
			}
		}
		rep.Sizes = append(rep.Sizes, size)
	}
	rep.Took = time.Since(began)
	if err := write(root, o.out, rep.Section()); err != nil {
		return err
	}
	if m := rep.Misses(); len(m) > 0 {
		fmt.Printf("%s: MISS, above %.1f×: %s\n", listbench.Title, listbench.MaxRatio, strings.Join(m, "; "))
	} else {
		fmt.Printf("%s: PASS, every shape within %.1f×\n", listbench.Title, listbench.MaxRatio)
	}
	return nil
}

// write replaces this tool's section of the results file; the head and
// every other section stay as they are.
func write(root, out string, sec bench.Section) error {
	path := out
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	preamble, _ := bench.SplitSections(string(old))
	text := bench.Merge(string(old), preamble, []bench.Section{sec}, nil)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	logf("wrote %s", path)
	return nil
}

const password = "correct horse battery staple"

var linkToken = regexp.MustCompile(`#token=([A-Za-z0-9_-]{43})`)

// newOwner invites an owner through the staff package (as the tests do),
// takes the link from the mail and accepts it through the API.
func newOwner(ctx context.Context, st *stack.Stack, db *store.Store, client *http.Client, email string) error {
	svc := &staff.Service{Store: db, Now: db.Now}
	if _, err := svc.Invite(ctx, audit.System, "Bench", staff.InviteInput{Email: email, FirstName: "Bench", LastName: "Owner",
		RoleIDs: []string{auth.OwnerRoleID}}, st.URL); err != nil {
		return err
	}
	mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := st.WaitMail(mctx, email, "")
	if err != nil {
		return err
	}
	tok := linkToken.FindStringSubmatch(m.Text)
	if tok == nil {
		return errors.New("no token link in the invitation mail")
	}
	status, _, err := post(ctx, client, st.URL+"/auth/invitations/accept", map[string]any{"token": tok[1], "password": password})
	if err != nil || status != http.StatusNoContent {
		return fmt.Errorf("accept invitation: status %d: %v", status, err)
	}
	return nil
}

// login signs the owner in and returns the access token.
func login(ctx context.Context, client *http.Client, base, email string) (string, error) {
	status, body, err := post(ctx, client, base+"/auth/login", map[string]any{"email": email, "password": password})
	if err != nil || status != http.StatusOK {
		return "", fmt.Errorf("login: status %d: %v", status, err)
	}
	tok, _ := body["accessToken"].(string)
	if tok == "" {
		return "", errors.New("login: no accessToken")
	}
	return tok, nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().UTC().Format("15:04:05 ")+format+"\n", args...)
}

func msStr(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

// commandLine is how this run was invoked, for the results file;
// scripts/bench-lists.sh sets BENCH_INVOKED_AS.
func commandLine() string {
	name := os.Getenv("BENCH_INVOKED_AS")
	if name == "" {
		name = "go run ./infra/cmd/listbench"
	}
	return strings.Join(append([]string{name}, os.Args[1:]...), " ")
}

// post sends a JSON body and decodes a JSON answer, if any.
func post(ctx context.Context, client *http.Client, url string, body any) (int, map[string]any, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var out map[string]any
	_ = json.Unmarshal(answer, &out)
	if resp.StatusCode >= 300 {
		return resp.StatusCode, out, fmt.Errorf("%.300s", answer)
	}
	return resp.StatusCode, out, nil
}
