package localstack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"time"
)

// buildTimeout bounds one build of every function (a cold module cache on a
// 2-core machine takes about a minute and a half).
const buildTimeout = 10 * time.Minute

// buildFunctions compiles every function the way the project's SAM build
// does, for the host instead of arm64. One `go build` with all packages was
// measured faster than one per package (it loads the module graph once and
// links in parallel), and it leaves the binaries up to date so an unchanged
// function is not relinked. Binaries land in StateDir/build/<dir> and are
// linked to StateDir/bin/<dir>/bootstrap, the name Lambda runs.
func (s *Stack) buildFunctions(ctx context.Context) error {
	if len(s.functions) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()

	outDir := filepath.Join(s.cfg.StateDir, "build")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	var pkgs []string
	for _, fn := range s.functions {
		pkgs = append(pkgs, "./"+fn.CodeURI)
	}
	sort.Strings(pkgs)
	pkgs = slices.Compact(pkgs) // functions sharing a CodeUri share the binary
	// -buildvcs=false as in scripts/deploy.sh: no commit id or time in the
	// binaries, so a commit that changes no function's code relinks nothing.
	args := append([]string{"build", "-p", "2", "-tags", "lambda.norpc", "-trimpath",
		"-ldflags=-s -w", "-buildvcs=false", "-o", outDir + string(filepath.Separator)}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = s.cfg.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out.String())
	}
	s.logs.printf("localstack", "built %d functions in %s", len(pkgs), time.Since(start).Round(time.Millisecond))

	for _, fn := range s.functions {
		if err := installBinary(filepath.Join(outDir, fn.Dir), s.binaryPath(fn)); err != nil {
			return fmt.Errorf("build %s: %w", fn.LogicalID, err)
		}
	}
	return nil
}

// installBinary hard-links (or copies) src to dst, replacing dst.
func installBinary(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	_ = os.Remove(dst)
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
