package template

import (
	"os"
	"strings"
	"testing"
)

// samconfig.toml and scripts/deploy.sh never turn on SAM's build cache.
func TestSamconfigBuildsAreNotCached(t *testing.T) {
	for _, c := range []struct {
		path  string
		check func(string) []string
	}{
		{"../../samconfig.toml", CheckSamconfig},
		{"../../scripts/deploy.sh", CheckDeployScript},
	} {
		raw, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.check(string(raw)) {
			t.Error(p)
		}
	}
}

func TestCachedBuildIsFound(t *testing.T) {
	cfg := "version = 0.1\n[default.build.parameters]\nparallel = true\n# cached = true is not for us\n[prod.build.parameters]\n  cached = true\nparallel = true\n[dev.build.parameters]\ncached=\"True\" # quoted\n"
	got := CheckSamconfig(cfg)
	if len(got) != 2 || !strings.Contains(got[0], ":6 [prod.build.parameters]") || !strings.Contains(got[1], ":9 [dev.build.parameters]") {
		t.Fatalf("%q", got)
	}
	if got := CheckSamconfig("[dev.build.parameters]\ncached = false\nparallel = true\n"); len(got) != 0 {
		t.Fatalf("cached = false flagged: %q", got)
	}
	if got := CheckDeployScript("run sam build --config-env \"$stage\" --cached\n"); len(got) != 1 {
		t.Fatalf("--cached not found: %q", got)
	}
	if got := CheckDeployScript("run sam build --config-env \"$stage\"\n"); len(got) != 0 {
		t.Fatalf("%q", got)
	}
}
