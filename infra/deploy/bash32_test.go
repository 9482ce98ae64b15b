package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// operatorScripts run on the operator's machine, which may be a Mac with
// bash 3.2 as /bin/bash: they must avoid what bash 4 and later added.
var operatorScripts = []string{"deploy.sh", "smoke.sh", "owner-invite.sh", "export.sh"}

// bash4Only are constructs bash 3.2 does not have (or parses differently),
// with what to write instead.
var bash4Only = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`\b(declare|local|typeset)\s+-[a-zA-Z]*[An]`), "associative arrays and namerefs are bash 4: use plain variables or indexed arrays"},
	{regexp.MustCompile(`\bdeclare\s+-[a-zA-Z]*g`), "declare -g is bash 4.2"},
	{regexp.MustCompile(`\$\{[#!]?\w+(\[[^]]*\])?(,,?|\^\^?)[^}]*\}`), "case conversion ${var,,} / ${var^^} is bash 4: use tr"},
	{regexp.MustCompile(`\$\{\w+(\[[^]]*\])?@[QEPAKaUuL]\}`), "${var@Q} transformations are bash 4.4"},
	{regexp.MustCompile(`\b(mapfile|readarray)\b`), "mapfile/readarray are bash 4: use a while read loop"},
	{regexp.MustCompile(`&>>`), "&>> is bash 4: use >>file 2>&1"},
	{regexp.MustCompile(`\|&`), "|& is bash 4: use 2>&1 |"},
	{regexp.MustCompile(`\bcoproc\b`), "coproc is bash 4"},
	{regexp.MustCompile(`;;&|;&\s*$`), "case fall-through (;& ;;&) is bash 4"},
	{regexp.MustCompile(`\bwait\s+-n\b`), "wait -n is bash 4.3"},
	{regexp.MustCompile(`\bshopt\s+-s\s+.*\b(globstar|lastpipe|direxpand|globasciiranges)\b`), "this shopt option is bash 4"},
	{regexp.MustCompile(`\$\{\w+\[-[0-9]+\]\}`), "negative array indices are bash 4.3"},
	{regexp.MustCompile(`\{[a-zA-Z0-9-]+\.\.[a-zA-Z0-9-]+\.\.[0-9-]+\}`), "brace expansion with a step is bash 4"},
	{regexp.MustCompile(`\$\{?(BASHPID|EPOCHSECONDS|EPOCHREALTIME|BASH_ARGV0)\b`), "this variable is bash 4 or later"},
	{regexp.MustCompile(`(\[\[|\btest|\[)\s+-v\s`), "-v VAR tests are bash 4.2: use ${VAR+set}"},
	{regexp.MustCompile(`\bexec\s+\{\w+\}[<>]`), "automatic file descriptors {fd}> are bash 4.1"},
	{regexp.MustCompile(`%\([^)]*\)T`), "printf %(...)T is bash 4.2: use date"},
	{regexp.MustCompile(`\bread\b[^|;&]*\s-[a-zA-Z]*[iN]\b`), "read -i / -N are bash 4"},
}

var (
	emptyOrGrown    = regexp.MustCompile(`\b(\w+)(=\(\s*\)|\+=\()`)
	guardedArray    = regexp.MustCompile(`\$\{(\w+)\[@\]\+"\$\{(\w+)\[@\]\}"\}`)
	arrayExpansion  = regexp.MustCompile(`\$\{(\w+)\[[@*]\]\}`)
	fullLineComment = regexp.MustCompile(`^\s*#`)
)

// bash32Problems lists what in src would fail or behave differently under
// bash 3.2: bash-4-only constructs, and arrays that may be empty (assigned
// () or grown with +=) expanded as "${arr[@]}", which bash < 4.4 calls an
// unbound variable under set -u.
func bash32Problems(name, src string) []string {
	var problems []string
	mayBeEmpty := map[string]bool{}
	lines := strings.Split(src, "\n")
	for _, line := range lines {
		if fullLineComment.MatchString(line) {
			continue
		}
		for _, m := range emptyOrGrown.FindAllStringSubmatch(line, -1) {
			mayBeEmpty[m[1]] = true
		}
	}
	for i, line := range lines {
		if fullLineComment.MatchString(line) || (i == 0 && strings.HasPrefix(line, "#!")) {
			continue
		}
		for _, c := range bash4Only {
			if c.re.MatchString(line) {
				problems = append(problems, fmt.Sprintf("%s:%d: %s\n\t%s", name, i+1, c.why, strings.TrimSpace(line)))
			}
		}
		rest := guardedArray.ReplaceAllString(line, "")
		for _, m := range arrayExpansion.FindAllStringSubmatch(rest, -1) {
			if mayBeEmpty[m[1]] {
				problems = append(problems, fmt.Sprintf("%s:%d: ${%s[@]} of a possibly empty array aborts under set -u before bash 4.4: write ${%s[@]+\"${%s[@]}\"}\n\t%s",
					name, i+1, m[1], m[1], m[1], strings.TrimSpace(line)))
			}
		}
	}
	return problems
}

func TestOperatorScriptsAreBash32Compatible(t *testing.T) {
	for _, name := range operatorScripts {
		src, err := os.ReadFile(filepath.Join(root, "scripts", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range bash32Problems(name, string(src)) {
			t.Error(p)
		}
	}
}

// The scan finds what it is meant to find, the bug deploy.sh had included.
func TestBash32ScanFindsBash4Constructs(t *testing.T) {
	bad := strings.Join([]string{
		`deploy_args=()`,
		`run sam deploy "${deploy_args[@]}"`,
		`declare -A seen`,
		`lower=${name,,}`,
		`mapfile -t lines <file`,
		`go build &>> log`,
		`if [[ -v FOO ]]; then :; fi`,
	}, "\n")
	got := bash32Problems("bad.sh", bad)
	if len(got) != 6 {
		t.Fatalf("%d problems, want 6:\n%s", len(got), strings.Join(got, "\n"))
	}
	ok := strings.Join([]string{
		`# a comment may mention "${deploy_args[@]}" and ${var,,}`,
		`deploy_args=()`,
		`run sam deploy ${deploy_args[@]+"${deploy_args[@]}"}`,
		`query=(aws cloudformation describe-stacks)`,
		`"${query[@]}"`,
		`echo "${#deploy_args[@]}"`,
	}, "\n")
	if got := bash32Problems("ok.sh", ok); len(got) != 0 {
		t.Fatalf("false alarms:\n%s", strings.Join(got, "\n"))
	}
}

// bash32 is a bash 3.2 to run the scripts with: $BASH32, or /bin/bash when it
// is one (macOS). "" when there is none.
func bash32(t *testing.T) string {
	t.Helper()
	for _, b := range []string{os.Getenv("BASH32"), "/bin/bash"} {
		if b == "" {
			continue
		}
		out, err := exec.Command(b, "-c", `echo "${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}"`).Output()
		if err == nil && strings.TrimSpace(string(out)) == "3.2" {
			return b
		}
	}
	return ""
}

// A dry run with no extra sam deploy arguments (the empty array) and every
// aws command it would run carrying --region; under bash 3.2 too when one
// is installed (BASH32=/path/to/bash-3.2, or a Mac's /bin/bash).
func TestDryRunWithoutExtraArguments(t *testing.T) {
	shells := []string{"bash"}
	if b := bash32(t); b != "" {
		shells = append(shells, b)
	} else {
		t.Log("no bash 3.2 here (set BASH32 to one): the dry run runs under this bash only, the static scan covers 3.2")
	}
	for _, sh := range shells {
		out, err := deployWith(t, sh, []string{"AWS_REGION=" + testRegion}, filepath.Join(root, "scripts", "deploy.sh"), "--stage", "dev", "--dry-run")
		if err != nil {
			t.Fatalf("%s: %v\n%s", sh, err, out)
		}
		if !strings.Contains(out, "would run: sam deploy --config-env dev --region eu-west-1\n") {
			t.Errorf("%s: output lacks the sam deploy without extra arguments:\n%s", sh, out)
		}
		awsLines := 0
		for _, line := range strings.Split(out, "\n") {
			if i := strings.Index(line, "aws "); i >= 0 && strings.Contains(line, "would run") {
				awsLines++
				if !regexp.MustCompile(`\baws [a-z0-9-]+ [a-z0-9-]+ .*--region eu-west-1\b`).MatchString(line[i:]) {
					t.Errorf("%s: an aws call without --region: %s", sh, line)
				}
			}
		}
		if awsLines < 4 {
			t.Errorf("%s: %d aws calls printed, want the cursor and mail token keys' get and put:\n%s", sh, awsLines, out)
		}
	}
}

// Without a region anywhere the script refuses before building or printing
// any command; samconfig.toml's region comes before AWS_REGION.
func TestRegion(t *testing.T) {
	out, err := deployWith(t, "bash", nil, filepath.Join(root, "scripts", "deploy.sh"), "--stage", "dev", "--dry-run")
	if err == nil || !strings.Contains(out, "no AWS region for stage dev") || strings.Contains(out, "would run") {
		t.Fatalf("err %v, output %s", err, out)
	}

	out, err = deployWith(t, "bash", []string{"AWS_DEFAULT_REGION=eu-north-1"}, filepath.Join(root, "scripts", "deploy.sh"), "--stage", "dev", "--dry-run")
	if err != nil || !strings.Contains(out, "region: eu-north-1 (from AWS_DEFAULT_REGION)") {
		t.Fatalf("err %v, output %s", err, out)
	}

	cfg, err := os.ReadFile(filepath.Join(root, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	withRegion := strings.Replace(string(cfg), "[dev.deploy.parameters]\n", "[dev.deploy.parameters]\nregion = \"eu-central-1\"\n", 1)
	tree := linkedTree(t, map[string]string{"samconfig.toml": withRegion})
	out, err = deployWith(t, "bash", []string{"AWS_REGION=" + testRegion}, filepath.Join(tree, "scripts", "deploy.sh"), "--stage", "dev", "--dry-run")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"region: eu-central-1 (from samconfig.toml [dev.deploy.parameters])", "aws ssm get-parameter --region eu-central-1 ", "sam deploy --config-env dev --region eu-central-1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// linkedTree is a copy of the repository's layout that links to the real
// sources, with the given files (paths relative to the root) written instead.
func linkedTree(t *testing.T, files map[string]string) string {
	t.Helper()
	tree := t.TempDir()
	abs, _ := filepath.Abs(root)
	for _, name := range []string{"go.mod", "go.sum", "functions", "shared", "samconfig.toml"} {
		if _, replaced := files[name]; replaced {
			continue
		}
		if err := os.Symlink(filepath.Join(abs, name), filepath.Join(tree, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(tree, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, replaced := files["scripts/deploy.sh"]; !replaced {
		src, err := os.ReadFile(filepath.Join(root, "scripts", "deploy.sh"))
		if err != nil {
			t.Fatal(err)
		}
		files["scripts/deploy.sh"] = string(src)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(tree, filepath.FromSlash(name)), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return tree
}
