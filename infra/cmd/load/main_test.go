package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestReplaceSectionsKeepsTheRest(t *testing.T) {
	old := "# Results\n\nhead\n\n## Binary size\n\nsizes\n\n## Memory of warm functions\n\nold memory\n\n## Latency through the local stack\n\nold latency\n\n## Cost\n\ncost\n"
	got := replaceSections(old, map[string]string{
		"latency under load":              "## Latency under load\n\nnew latency\n",
		"latency through the local stack": "## Latency under load\n\nnew latency\n",
		"warm memory":                     "## Warm memory\n\nnew memory\n",
		"memory of warm functions":        "## Warm memory\n\nnew memory\n",
	})
	want := "# Results\n\nhead\n\n## Binary size\n\nsizes\n\n## Warm memory\n\nnew memory\n\n## Latency under load\n\nnew latency\n\n## Cost\n\ncost\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// A file without the sections gets them at the end, latency first.
	got = replaceSections("# R\n\n## Cost\n\ncost\n", map[string]string{
		"latency under load": "## Latency under load\n\nl\n",
		"warm memory":        "## Warm memory\n\nm\n",
	})
	if !strings.HasSuffix(got, "## Cost\n\ncost\n\n## Latency under load\n\nl\n\n## Warm memory\n\nm\n") {
		t.Fatalf("appended:\n%s", got)
	}
}

// functionMemory finds this process's children running a bootstrap binary.
func TestFunctionMemoryFindsChildBootstraps(t *testing.T) {
	dir := t.TempDir() + "/bin/some-function"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal("no sleep binary on PATH (coreutils)")
	}
	raw, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/bootstrap", raw, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dir+"/bootstrap", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var found []procMem
	for range 50 { // until the child has exec'd
		if found = functionMemory(); len(found) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(found) != 1 || found[0].name != "some-function" || found[0].processes != 1 || found[0].maxKB <= 0 {
		t.Fatalf("found %+v", found)
	}
}
