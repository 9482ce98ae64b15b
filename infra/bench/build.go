package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// BuildFlags are the flags every Lambda of the project is built with
// (CGO_ENABLED=0 and GOOS=linux come through the environment), the same as
// scripts/deploy.sh's GOFLAGS.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-buildvcs=false"}

// HelloPkg is the reference hello-world Lambda.
const HelloPkg = "./infra/bench/hello"

// Functions lists the folders under root/functions, sorted.
func Functions(root string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Built is one binary, or why there is none.
type Built struct {
	Name string
	Path string
	Size int64
	Err  string // build error, "" when built
}

// BuildReport is the build of every function for one architecture.
type BuildReport struct {
	GOARCH string
	Mode   string        // how it was built
	Wall   time.Duration // wall time of all go build commands
	Funcs  map[string]*Built
	Hello  *Built
}

// Build compiles the given functions and the hello-world for linux/goarch
// into outDir. It first builds the whole set in one go build (the fastest
// way: one go command, shared compilation, parallel links; measured 1.5–4×
// faster than one go build per function). If that fails, some function does
// not build right now (others are mid-work): those go list finds broken are
// built alone for their error message, the rest are tried as a set again,
// and only if that fails too one by one, so whatever compiles still gets
// measured and the others carry their error.
func Build(root string, names []string, goarch, outDir string, log io.Writer) *BuildReport {
	rep := &BuildReport{GOARCH: goarch, Funcs: map[string]*Built{}}
	fnDir := filepath.Join(outDir, "functions")
	_ = os.MkdirAll(fnDir, 0o755)
	start := time.Now()

	if len(names) > 0 {
		pkgs := make([]string, len(names))
		for i, n := range names {
			pkgs[i] = "./functions/" + n
		}
		dirOut := fnDir + string(filepath.Separator)
		_, err := goBuild(root, goarch, dirOut, pkgs...)
		if err == nil {
			rep.Mode = fmt.Sprintf("one `go build` for all %d functions", len(names))
			for _, n := range names {
				rep.Funcs[n] = stat(n, filepath.Join(fnDir, n))
			}
		} else {
			if log != nil {
				fmt.Fprintf(log, "build %s: the set failed, looking for the functions that do not build\n", goarch)
			}
			// Functions go list already finds broken (no Go files, missing
			// packages) are built alone for their error; the rest are tried
			// as a set again, and one by one only if that fails too.
			broken := loadErrors(root, goarch, names)
			var rest []string
			for _, n := range names {
				if broken[n] {
					rep.Funcs[n] = buildOne(root, goarch, fnDir, n)
				} else {
					rest = append(rest, n)
				}
			}
			rep.Mode = fmt.Sprintf("the set did not build; %d that go list finds broken were built alone", len(names)-len(rest))
			restPkgs := make([]string, len(rest))
			for i, n := range rest {
				restPkgs[i] = "./functions/" + n
			}
			if _, err := goBuild(root, goarch, dirOut, restPkgs...); len(rest) > 0 && err == nil {
				rep.Mode += fmt.Sprintf(", the other %d in one `go build`", len(rest))
				for _, n := range rest {
					rep.Funcs[n] = stat(n, filepath.Join(fnDir, n))
				}
			} else if len(rest) > 0 {
				rep.Mode += fmt.Sprintf(", the other %d still did not build as a set, so one `go build` each", len(rest))
				for _, n := range rest {
					rep.Funcs[n] = buildOne(root, goarch, fnDir, n)
				}
			}
		}
	}
	hp := filepath.Join(outDir, "hello-world")
	if msg, err := goBuild(root, goarch, hp, HelloPkg); err != nil {
		rep.Hello = &Built{Name: "hello-world", Err: msg}
	} else {
		rep.Hello = stat("hello-world", hp)
	}
	rep.Wall = time.Since(start)
	return rep
}

// BuildCommand is the build command, for the report.
func BuildCommand(goarch string) string {
	return "CGO_ENABLED=0 GOOS=linux GOARCH=" + goarch + ` go build -tags lambda.norpc -trimpath -ldflags="-s -w" -buildvcs=false`
}

func goBuild(root, goarch, out string, pkgs ...string) (string, error) {
	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", out)
	args = append(args, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	msg := strings.ReplaceAll(buf.String(), root+string(filepath.Separator), "")
	return firstLines(msg, 6), err
}

func buildOne(root, goarch, fnDir, name string) *Built {
	p := filepath.Join(fnDir, name)
	_ = os.Remove(p)
	if msg, err := goBuild(root, goarch, p, "./functions/"+name); err != nil {
		return &Built{Name: name, Err: msg}
	}
	return stat(name, p)
}

// loadErrors names the functions that go list reports errors for, in the
// package itself or in one it imports.
func loadErrors(root, goarch string, names []string) map[string]bool {
	args := []string{"list", "-e", "-json=ImportPath,Error,DepsErrors"}
	for _, n := range names {
		args = append(args, "./functions/"+n)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	b, err := cmd.Output()
	bad := map[string]bool{}
	if err != nil {
		return bad
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var p struct {
			ImportPath string
			Error      *struct{ Err string }
			DepsErrors []struct{ Err string }
		}
		if dec.Decode(&p) != nil {
			break
		}
		if p.Error != nil || len(p.DepsErrors) > 0 {
			bad[p.ImportPath[strings.LastIndex(p.ImportPath, "/")+1:]] = true
		}
	}
	return bad
}

func stat(name, path string) *Built {
	fi, err := os.Stat(path)
	if err != nil {
		return &Built{Name: name, Err: "go build succeeded but wrote no binary: " + err.Error()}
	}
	return &Built{Name: name, Path: path, Size: fi.Size()}
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var keep []string
	for _, l := range lines {
		if strings.HasPrefix(l, "# ") && len(keep) == 0 { // "# backoffice/functions/x" header
			continue
		}
		keep = append(keep, l)
		if len(keep) == n {
			break
		}
	}
	if len(keep) < len(lines) && len(keep) == n {
		keep = append(keep, "…")
	}
	return strings.Join(keep, "\n")
}

// Heavy SDK clients: a function importing any of them gets the 2.0× cold
// init target, the others (DynamoDB only) 1.5×.
var heavyClients = map[string]string{
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider": "Cognito",
	"github.com/aws/aws-sdk-go-v2/service/sesv2":                   "SESv2",
	"github.com/aws/aws-sdk-go-v2/service/ses":                     "SES",
}

// Deps describes what a function links, from go list -deps.
type Deps struct {
	Services []string // AWS SDK service packages, short names (dynamodb, …)
	Heavy    []string // which of them are Cognito/SES
}

// ListDeps runs one go list over the given functions. Functions that do not
// load still get what go list could resolve.
func ListDeps(root string, names []string) (map[string]Deps, error) {
	out := map[string]Deps{}
	if len(names) == 0 {
		return out, nil
	}
	args := []string{"list", "-e", "-json=ImportPath,Deps"}
	for _, n := range names {
		args = append(args, "./functions/"+n)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, firstLines(stderr.String(), 4))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("go list output: %v", err)
		}
		name := p.ImportPath[strings.LastIndex(p.ImportPath, "/")+1:]
		var d Deps
		for _, dep := range p.Deps {
			if svc, ok := strings.CutPrefix(dep, "github.com/aws/aws-sdk-go-v2/service/"); ok && !strings.Contains(svc, "/") {
				d.Services = append(d.Services, svc)
			}
			if h, ok := heavyClients[dep]; ok {
				d.Heavy = append(d.Heavy, h)
			}
		}
		slices.Sort(d.Services)
		slices.Sort(d.Heavy)
		out[name] = d
	}
	return out, nil
}

func hostArch() string { return runtime.GOARCH }
