package console

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestModules runs the console modules' unit tests (testdata/*.test.mjs)
// with node's built-in test runner; the DOM parts run in jsdom, which
// scripts/test.sh installs into .local/jsdom (as for the link pages).
func TestModules(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed")
	}
	nodePath, _ := filepath.Abs(filepath.Join("..", "..", ".local", "jsdom", "node_modules"))
	if p := os.Getenv("NODE_PATH"); p != "" {
		nodePath = p + string(os.PathListSeparator) + nodePath
	}
	run := exec.Command(node, "--test", "--test-reporter=spec", "testdata/")
	run.Env = append(os.Environ(), "NODE_PATH="+nodePath, "REQUIRE_JSDOM=1")
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if testing.Verbose() {
		t.Logf("%s", out)
	}
}
