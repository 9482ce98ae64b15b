package localstack

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// A custom resource is created on the first start only; a failure stops Start.
func TestCustomResourceCreatedOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := func(outcome string) (*Stack, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		return Start(ctx, Config{
			Root:       repoRoot(t),
			Template:   "testdata/template.yaml",
			StateDir:   dir,
			Parameters: map[string]string{"CustomOutcome": outcome},
			Logs:       io.Discard,
		})
	}
	s, err := start("SUCCESS")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Outputs()["SeedId"]; got != "seed-1" {
		t.Errorf("SeedId = %q", got)
	}
	props, _ := s.lookup("Seed", "Props")
	p := asMap(props)
	if p["Count"] != "3" || p["Table"] != "backoffice-Table" || p["ServiceTimeout"] != "120" || !strings.HasSuffix(scalarString(p["ServiceToken"]), ":function:backoffice-EchoFunction") {
		t.Errorf("resource properties as sent: %v", p)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Recorded: a FAILED outcome would stop Start if Create ran again.
	s, err = start("FAILED")
	if err != nil {
		t.Fatalf("second start invoked Create again: %v", err)
	}
	if got := s.Outputs()["SeedId"]; got != "seed-1" {
		t.Errorf("SeedId after restart = %q", got)
	}
	_ = s.Close()

	dir = t.TempDir()
	if _, err := start("FAILED"); err == nil || !strings.Contains(err.Error(), "outcome was FAILED") {
		t.Fatalf("want the function's reason, got %v", err)
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := Start(ctx, Config{}); err == nil {
		t.Error("no root: want an error")
	}
	_, err := Start(ctx, Config{Root: repoRoot(t), Template: "testdata/missing.yaml", StateDir: t.TempDir()})
	if err == nil {
		t.Error("missing template: want an error")
	}
	_, err = Start(ctx, Config{Root: repoRoot(t), Template: "testdata/template.yaml", StateDir: t.TempDir(),
		Parameters: map[string]string{"Stage": "qa"}, Logs: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "AllowedValues") {
		t.Errorf("bad parameter: %v", err)
	}
}
