package pages

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPagesInBrowser runs the pages' script against a fake API in jsdom,
// covering every answer the pages handle (the real-browser test in
// tests/api covers the happy paths in Chromium). It needs node and jsdom:
// scripts/test.sh installs jsdom into .local/jsdom and sets NODE_PATH.
func TestPagesInBrowser(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed")
	}
	// scripts/test.sh installs jsdom here; plain `go test` finds it too.
	nodePath := filepath.Join("..", "..", ".local", "jsdom", "node_modules")
	if abs, err := filepath.Abs(nodePath); err == nil {
		nodePath = abs
	}
	if p := os.Getenv("NODE_PATH"); p != "" {
		nodePath = p + string(os.PathListSeparator) + nodePath
	}
	env := append(os.Environ(), "NODE_PATH="+nodePath)
	check := exec.Command(node, "-e", `require.resolve("jsdom")`)
	check.Env = env
	if err := check.Run(); err != nil {
		t.Fatal("jsdom not found: run scripts/test.sh, or npm install --prefix .local/jsdom jsdom@26.1.0 and set NODE_PATH=.local/jsdom/node_modules")
	}
	dir := t.TempDir()
	accept, reset, confirm := filepath.Join(dir, "accept.html"), filepath.Join(dir, "reset.html"), filepath.Join(dir, "confirm.html")
	for file, page := range map[string]string{accept: AcceptInvitation().Body, reset: ResetPassword().Body, confirm: ConfirmEmail().Body} {
		if err := os.WriteFile(file, []byte(page), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := exec.Command(node, "testdata/browser.js", accept, reset, confirm)
	run.Env = env
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
