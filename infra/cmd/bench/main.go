// Command bench measures binary size and cold init of every function against
// a hello-world Lambda built the same way, and writes them into
// benchmarks/RESULTS.md, keeping the sections other tools wrote there.
//
//	scripts/bench.sh [-rounds 20] [-only name,...] [-out benchmarks/RESULTS.md] [-sections size,init]
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"backoffice/infra/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	rounds := flag.Int("rounds", 20, "measured starts per binary for cold init")
	warmup := flag.Int("warmup", 1, "discarded warm-up rounds before the measured ones")
	only := flag.String("only", "", "comma-separated function names (default: every functions/*/)")
	out := flag.String("out", "benchmarks/RESULTS.md", "results file, relative to the repository root")
	sections := flag.String("sections", "size,init", "sections to measure: size, init")
	timeout := flag.Duration("timeout", 10*time.Second, "time a process gets to reach GET /next")
	keep := flag.Bool("keep", false, "keep the built binaries (their folder is printed)")
	sizeArch := flag.String("size-arch", "arm64", "GOARCH of the binary size section")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if *rounds < 1 {
		return errors.New("-rounds must be at least 1")
	}
	doSize, doInit := false, false
	for _, s := range strings.Split(*sections, ",") {
		switch strings.TrimSpace(s) {
		case "size":
			doSize = true
		case "init":
			doInit = true
		case "":
		default:
			return fmt.Errorf("-sections: unknown section %q (size, init)", s)
		}
	}

	began := time.Now()
	root, err := repoRoot()
	if err != nil {
		return err
	}
	names, err := bench.Functions(root)
	if err != nil {
		return err
	}
	if *only != "" {
		var picked []string
		for _, n := range strings.Split(*only, ",") {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			if !slices.Contains(names, n) {
				return fmt.Errorf("-only: no folder functions/%s", n)
			}
			picked = append(picked, n)
		}
		names = picked
	}

	tmp, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "binaries in", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	meta := bench.Meta{Date: began, Command: commandLine(), Machine: bench.ReadMachine(root)}
	var fresh []bench.Section
	builds := map[string]*bench.BuildReport{}

	if doSize {
		fmt.Fprintf(os.Stderr, "building %d functions + hello-world for linux/%s…\n", len(names), *sizeArch)
		rep := bench.Build(root, names, *sizeArch, filepath.Join(tmp, *sizeArch), os.Stderr)
		builds[*sizeArch] = rep
		fmt.Fprintf(os.Stderr, "  %s in %s\n", rep.Mode, rep.Wall.Round(100*time.Millisecond))
		fresh = append(fresh, bench.SizeSection(rep, meta))
	}

	if doInit {
		host := runtime.GOARCH
		rep := builds[host]
		if rep == nil {
			fmt.Fprintf(os.Stderr, "building %d functions + hello-world for linux/%s (host)…\n", len(names), host)
			rep = bench.Build(root, names, host, filepath.Join(tmp, host), os.Stderr)
			fmt.Fprintf(os.Stderr, "  %s in %s\n", rep.Mode, rep.Wall.Round(100*time.Millisecond))
		}
		deps, err := bench.ListDeps(root, names)
		if err != nil {
			return err
		}
		api, err := bench.NewRuntimeAPI()
		if err != nil {
			return err
		}
		defer api.Close()

		var bins []bench.Binary
		if rep.Hello.Err == "" {
			bins = append(bins, bench.Binary{Name: "hello-world", Path: rep.Hello.Path})
		}
		for _, n := range names {
			if f := rep.Funcs[n]; f.Err == "" {
				bins = append(bins, bench.Binary{Name: n, Path: f.Path})
			}
		}
		opt := bench.InitOptions{Rounds: *rounds, Warmup: *warmup, Timeout: *timeout, Log: os.Stderr}
		fmt.Fprintf(os.Stderr, "cold init: %d binaries × %d rounds (+%d warm-up) against Runtime API %s…\n", len(bins), *rounds, *warmup, api.Addr())
		res := bench.MeasureColdInit(api, bins, opt)
		fresh = append(fresh, bench.InitSection(rep, deps, res, opt, api.Stray(), meta))
	}

	path := *out
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	text := bench.Merge(string(old), bench.Preamble(meta, time.Since(began)), fresh, []bench.Section{bench.OtherSection()})
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s in %s\n", path, time.Since(began).Round(time.Second))
	for _, s := range fresh {
		fmt.Println(resultLine(s))
	}
	return nil
}

// resultLine is a section's title and its bold result line, for the console.
func resultLine(s bench.Section) string {
	for _, l := range strings.Split(s.Text, "\n") {
		if strings.HasPrefix(l, "**Result") {
			return s.Title + ": " + strings.ReplaceAll(l, "**", "")
		}
	}
	return s.Title
}

// repoRoot is the folder of the main module's go.mod, found upward from the
// working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// commandLine is how this run was invoked, for the results file.
// scripts/bench.sh sets BENCH_INVOKED_AS.
func commandLine() string {
	name := os.Getenv("BENCH_INVOKED_AS")
	if name == "" {
		name = "go run ./infra/cmd/bench"
	}
	parts := []string{name}
	for _, a := range os.Args[1:] {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
