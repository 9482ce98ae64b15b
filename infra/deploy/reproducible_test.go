package deploy

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Functions built by the reproducibility test: the smallest one and one that
// links most of shared/ (store, auth, the DynamoDB client); both use
// shared/api, which the converse case changes.
var reproducibleFunctions = []string{"health", "permissions-list"}

// deployGOFLAGS is the GOFLAGS scripts/deploy.sh exports for sam build.
func deployGOFLAGS(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "scripts", "deploy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^export GOFLAGS="([^"]*)"$`).FindSubmatch(src)
	if m == nil {
		t.Fatal(`scripts/deploy.sh has no line export GOFLAGS="..."`)
	}
	return string(m[1])
}

// A commit that changes nothing a function uses leaves its binary
// byte-identical, so a deploy after it updates no function: in a clone of
// HEAD, build two functions exactly as scripts/deploy.sh has sam build do,
// commit a README-only change, build again and compare. The converse keeps
// the test honest: a change in shared/ that both use changes both binaries,
// and without -buildvcs=false the README commit alone would change them too
// (the binaries would carry the commit id).
func TestBuildsAreReproducibleAcrossCommits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two functions three times")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("no git: the test commits a README change to build at two commits")
	}
	goflags := deployGOFLAGS(t)
	if !strings.Contains(goflags, "-buildvcs=false") {
		t.Fatalf("scripts/deploy.sh GOFLAGS %q lack -buildvcs=false", goflags)
	}
	stamped := strings.Replace(goflags, "-buildvcs=false", "-buildvcs=true", 1)

	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "repo")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	// HEAD of this checkout, as a deploy from a fresh clone would see it.
	if out, err := exec.Command("git", "clone", "--quiet", "--no-hardlinks", abs, repo).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}

	// build compiles the functions like sam build under scripts/deploy.sh:
	// GOOS=linux GOARCH=arm64 CGO_ENABLED=0 and the script's GOFLAGS (set
	// explicitly, so no GOFLAGS of this machine's go env applies). The Go
	// build cache is shared with every other build here, so only the links
	// cost time.
	build := func(name, flags string) map[string][sha256.Size]byte {
		t.Helper()
		out := filepath.Join(tmp, name) + string(filepath.Separator)
		args := []string{"build", "-o", out}
		for _, fn := range reproducibleFunctions {
			args = append(args, "./functions/"+fn)
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS="+flags)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("go build (%s): %v\n%s", name, err, stderr.String())
		}
		sums := map[string][sha256.Size]byte{}
		for _, fn := range reproducibleFunctions {
			b, err := os.ReadFile(filepath.Join(out, fn))
			if err != nil {
				t.Fatal(err)
			}
			sums[fn] = sha256.Sum256(b)
		}
		return sums
	}

	head := build("head", goflags)
	headStamped := build("head-stamped", stamped)

	readme := filepath.Join(repo, "README.md")
	f, err := os.OpenFile(readme, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\nA line that changes no function.\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	git("commit", "--quiet", "-am", "README only")

	readmeOnly := build("readme-only", goflags)
	readmeOnlyStamped := build("readme-only-stamped", stamped)
	for _, fn := range reproducibleFunctions {
		if head[fn] != readmeOnly[fn] {
			t.Errorf("%s: a README-only commit changed the binary built with deploy.sh's GOFLAGS (%x → %x)", fn, head[fn], readmeOnly[fn])
		}
		if headStamped[fn] == readmeOnlyStamped[fn] {
			t.Errorf("%s: with -buildvcs=true the README commit did not change the binary: the test can not tell whether -buildvcs=false matters", fn)
		}
	}

	// The converse: shared/api, which both functions use, changes.
	marker := "package api\n\n// Changed by TestBuildsAreReproducibleAcrossCommits.\nvar reproducibleMarker = \"changed\"\n\nfunc init() {\n\tif reproducibleMarker == \"\" {\n\t\tpanic(\"unreachable\")\n\t}\n}\n"
	if err := os.WriteFile(filepath.Join(repo, "shared", "api", "zz_reproducible_marker.go"), []byte(marker), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "shared/api")
	git("commit", "--quiet", "-m", "a change in shared/api")
	sharedChanged := build("shared-changed", goflags)
	for _, fn := range reproducibleFunctions {
		if sharedChanged[fn] == readmeOnly[fn] {
			t.Errorf("%s: a change in shared/api, which it uses, left the binary unchanged: the comparison proves nothing", fn)
		}
	}
}
