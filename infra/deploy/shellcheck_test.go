package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The scripts an operator runs pass shellcheck, where it is installed
// (Debian: apt-get install shellcheck).
func TestShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		// scripts/test.sh installs it and sets TEST_REQUIRE_TOOLS: there,
		// and so in CI, a missing shellcheck fails instead of skipping.
		if os.Getenv("TEST_REQUIRE_TOOLS") != "" {
			t.Fatal("shellcheck is not installed")
		}
		t.Skip("shellcheck is not installed")
	}
	for _, name := range []string{"deploy.sh", "smoke.sh"} {
		out, err := exec.Command(sc, "--shell=bash", filepath.Join(root, "scripts", name)).CombinedOutput()
		if err != nil {
			t.Errorf("shellcheck %s: %v\n%s", name, err, out)
		}
	}
}
