package pages

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPagesInBrowser runs the pages' script against a fake API in jsdom.
// It needs node and the jsdom package (npm install jsdom; NODE_PATH may
// point at its node_modules) and skips without them, so `go test` stays
// self-contained.
func TestPagesInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	if err := exec.Command(node, "-e", `require.resolve("jsdom")`).Run(); err != nil {
		t.Skip("jsdom not installed (npm install jsdom)")
	}
	dir := t.TempDir()
	accept, reset := filepath.Join(dir, "accept.html"), filepath.Join(dir, "reset.html")
	for file, page := range map[string]string{accept: AcceptInvitation().Body, reset: ResetPassword().Body} {
		if err := os.WriteFile(file, []byte(page), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(node, "testdata/browser.js", accept, reset).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
