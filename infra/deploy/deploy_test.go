// Package deploy holds the tests of scripts/deploy.sh, scripts/export.sh and samconfig.toml:
// what can be checked without an AWS account.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const root = "../.."

// testRegion is the region the scripts get from AWS_REGION in these tests.
const testRegion = "eu-west-1"

func deploy(t *testing.T, script string, args ...string) (string, error) {
	t.Helper()
	return deployWith(t, "bash", []string{"AWS_REGION=" + testRegion}, script, args...)
}

// deployWith runs script with the given bash and extra environment.
func deployWith(t *testing.T, bash string, env []string, script string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bash, append([]string{script}, args...)...)
	// No AWS: a dry run must not need credentials, the SAM CLI or the AWS CLI.
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=none",
		"AWS_REGION=", "AWS_DEFAULT_REGION=", "PATH="+goPath(t))
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// goPath is a PATH with go and the basic tools but without sam or aws.
func goPath(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(goBin) + ":/usr/bin:/bin"
}

func TestDryRunPrintsTheCommandsOfEachStage(t *testing.T) {
	for _, stage := range []string{"dev", "prod"} {
		t.Run(stage, func(t *testing.T) {
			out, err := deploy(t, filepath.Join(root, "scripts", "deploy.sh"), "--stage", stage, "--dry-run", "--no-execute-changeset")
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, want := range []string{
				"build check: ok (linux/arm64, CGO_ENABLED=0, -tags=lambda.norpc, -trimpath, stripped, no VCS stamp",
				"region: eu-west-1 (from AWS_REGION)",
				"would run: aws ssm get-parameter --region eu-west-1 --name /backoffice-" + stage + "/cursor-key",
				"would run: aws ssm get-parameter --region eu-west-1 --name /backoffice-" + stage + "/mail-token-key",
				"aws ssm put-parameter --region eu-west-1 ",
				"Type=SecureString",
				"would run: sam build --config-env " + stage + "\n",
				"would run: sam deploy --config-env " + stage + " --region eu-west-1 --no-execute-changeset\n",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestUnknownStageIsRefused(t *testing.T) {
	for _, args := range [][]string{{"--dry-run"}, {"--stage", "staging", "--dry-run"}, {"--stage"}} {
		out, err := deploy(t, filepath.Join(root, "scripts", "deploy.sh"), args...)
		if err == nil || !strings.Contains(out, "usage:") {
			t.Errorf("%q: err %v, output %s", args, err, out)
		}
	}
}

// A real deploy without the CLIs stops before doing anything.
func TestDeployWithoutTheCLIsStops(t *testing.T) {
	out, err := deploy(t, filepath.Join(root, "scripts", "deploy.sh"), "--stage", "dev")
	if err == nil || !strings.Contains(out, "CLI is not installed") || strings.Contains(out, "would run") {
		t.Fatalf("err %v, output %s", err, out)
	}
}

// The build check fails when GOFLAGS loses the strip flags: run a copy of the
// script with them removed, in a tree that links to the real sources.
func TestBuildCheckCatchesUnstrippedBinaries(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root, "scripts", "deploy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), ` '-ldflags=-s -w'`, "", 1)
	if broken == string(src) {
		t.Fatal("deploy.sh no longer sets -ldflags=-s -w in GOFLAGS the way this test expects")
	}
	tree := t.TempDir()
	abs, _ := filepath.Abs(root)
	for _, name := range []string{"go.mod", "go.sum", "functions", "shared", "samconfig.toml"} {
		if err := os.Symlink(filepath.Join(abs, name), filepath.Join(tree, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(tree, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(tree, "scripts", "deploy.sh")
	if err := os.WriteFile(script, []byte(broken), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := deploy(t, script, "--stage", "dev", "--dry-run")
	if err == nil || !strings.Contains(out, "not stripped") || strings.Contains(out, "would run") {
		t.Fatalf("err %v, output %s", err, out)
	}
}

// samconfig.toml has both stages, each with its own stack, and prod asks
// before changing anything and turns on what protects data.
func TestSamconfigStages(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(raw)
	for _, want := range []string{
		"[dev.deploy.parameters]", `stack_name = "backoffice-dev"`, "Stage=dev",
		"[prod.deploy.parameters]", `stack_name = "backoffice-prod"`, "Stage=prod", "TableDeletionProtection=true",
		"confirm_changeset = true",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("samconfig.toml lacks %q", want)
		}
	}
	for _, secret := range []string{"CURSOR", "SecretKey", "Password"} {
		if strings.Contains(cfg, secret) {
			t.Errorf("samconfig.toml mentions %q: secrets belong in SSM", secret)
		}
	}
}

// scripts/export.sh --stack … -dry-run needs no AWS: it prints the output
// lookup and the queries.
func TestExportScriptDryRun(t *testing.T) {
	out, err := deploy(t, filepath.Join(root, "scripts", "export.sh"), "--stack", "backoffice-prod", "-kinds", "staff", "-dry-run")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"would run: aws cloudformation describe-stacks --stack-name backoffice-prod",
		"would Query table <TableName of backoffice-prod> index gsi4 partition STAFF#active (all pages) -> standard output",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "CATEGORY") {
		t.Errorf("-kinds staff also queried categories:\n%s", out)
	}
}
