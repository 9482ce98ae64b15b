package bench

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as a fake Lambda: with BENCH_HELPER set it does
// what a function does at init and exits without running the tests.
func TestMain(m *testing.M) {
	switch os.Getenv("BENCH_HELPER") {
	case "next":
		time.Sleep(20 * time.Millisecond) // "init"
		resp, err := http.Get("http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + pathNext)
		if err == nil {
			resp.Body.Close()
		}
		os.Exit(3) // only when the held request ends
	case "panic":
		panic("missing environment variable TABLE_NAME")
	case "init-error":
		resp, err := http.Post("http://"+os.Getenv("AWS_LAMBDA_RUNTIME_API")+pathInitError, "application/json",
			strings.NewReader(`{"errorMessage":"handler is nil"}`))
		if err == nil {
			resp.Body.Close()
		}
		os.Exit(1)
	case "hang":
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func newAPI(t *testing.T) *RuntimeAPI {
	t.Helper()
	api, err := NewRuntimeAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	return api
}

// get sends GET /next in the background; the request is held by the server,
// so it ends only when ctx is cancelled or the server closes.
func get(ctx context.Context, api *RuntimeAPI) <-chan error {
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+api.Addr()+pathNext, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		done <- err
	}()
	return done
}

func TestRecorderFirstNextOnly(t *testing.T) {
	api := newAPI(t)
	s := api.Expect()
	before := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := get(ctx, api)

	var at time.Time
	select {
	case at = <-s.Next():
	case <-time.After(5 * time.Second):
		t.Fatal("first GET /next not recorded")
	}
	if at.Before(before) || at.After(time.Now()) {
		t.Errorf("recorded time %v outside the request window", at)
	}
	select {
	case err := <-first:
		t.Fatalf("GET /next returned (%v); it should be held", err)
	case <-time.After(50 * time.Millisecond):
	}

	// A second /next for the same start is not the first: stray, not recorded.
	second := get(ctx, api)
	deadline := time.Now().Add(5 * time.Second)
	for api.Stray() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if api.Stray() != 1 {
		t.Fatalf("stray = %d, want 1", api.Stray())
	}
	select {
	case <-s.Next():
		t.Fatal("second /next recorded")
	default:
	}

	// The next start gets its own first /next.
	s2 := api.Expect()
	third := get(ctx, api)
	select {
	case <-s2.Next():
	case <-time.After(5 * time.Second):
		t.Fatal("first /next of the second start not recorded")
	}

	// Close releases every held request.
	api.Close()
	for i, ch := range []<-chan error{first, second, third} {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("request %d still held after Close", i)
		}
	}
}

func TestRecorderUnarmedIsStray(t *testing.T) {
	api := newAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get(ctx, api)
	deadline := time.Now().Add(5 * time.Second)
	for api.Stray() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if api.Stray() != 1 {
		t.Fatalf("stray = %d, want 1", api.Stray())
	}
}

func helper(t *testing.T, mode string) Binary {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Binary{Name: "helper-" + mode, Path: exe}
}

func helperEnv(api *RuntimeAPI, mode string) []string {
	return append(InitEnv(api.Addr(), "helper"), "BENCH_HELPER="+mode)
}

func TestStartOnceRecordsFirstNextOfProcess(t *testing.T) {
	api := newAPI(t)
	for range 3 {
		r, err := StartOnce(api, helper(t, "next"), helperEnv(api, "next"), 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if r.Init < 20*time.Millisecond || r.Init > 10*time.Second {
			t.Errorf("init = %v, want ≥ the helper's 20ms sleep", r.Init)
		}
		if r.RSSkB <= 0 {
			t.Errorf("RSS after init = %d kB", r.RSSkB)
		}
	}
	if api.Stray() != 0 {
		t.Errorf("stray = %d", api.Stray())
	}
}

func TestStartOnceReportsInitFailures(t *testing.T) {
	api := newAPI(t)
	for _, tc := range []struct{ mode, want string }{
		{"panic", "missing environment variable TABLE_NAME"},
		{"init-error", "handler is nil"},
	} {
		_, err := StartOnce(api, helper(t, tc.mode), helperEnv(api, tc.mode), 10*time.Second)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.mode, err, tc.want)
		}
	}
	_, err := StartOnce(api, helper(t, "hang"), helperEnv(api, "hang"), 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "no GET /next within") {
		t.Errorf("hang: err = %v", err)
	}
}

func TestMeasureColdInitInterleaves(t *testing.T) {
	api := newAPI(t)
	ok := helper(t, "next")
	bad := Binary{Name: "bad", Path: "/bin/false"}
	// MeasureColdInit uses InitEnv, which has no BENCH_HELPER: wrap the helper
	// in a shell script that sets it.
	script := filepath.Join(t.TempDir(), "fake")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nBENCH_HELPER=next exec "+ok.Path+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	res := MeasureColdInit(api, []Binary{{Name: "fake", Path: script}, bad}, InitOptions{Rounds: 3, Warmup: 1, Timeout: 10 * time.Second})
	if got := len(res["fake"].Samples); got != 3 {
		t.Errorf("fake: %d samples, want 3 (errors %v)", got, res["fake"].Errors)
	}
	if got := len(res["bad"].Errors); got != 3 || len(res["bad"].Samples) != 0 {
		t.Errorf("bad: %d errors, %d samples", got, len(res["bad"].Samples))
	} else if !strings.Contains(res["bad"].Errors[0], "exited before GET /next") {
		t.Errorf("bad: %s", res["bad"].Errors[0])
	}
}

// The real thing: the hello-world Lambda built as the tool builds it.
func TestHelloWorldColdInit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary; -short is for quick local runs, CI runs it")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("no go command on PATH: the benchmark builds with it")
	}
	root, _ := filepath.Abs("../..")
	bin := filepath.Join(t.TempDir(), "hello")
	if msg, err := goBuild(root, hostArch(), bin, HelloPkg); err != nil {
		t.Fatalf("build hello: %v\n%s", err, msg)
	}
	api := newAPI(t)
	r, err := StartOnce(api, Binary{Name: "hello-world", Path: bin}, InitEnv(api.Addr(), "hello-world"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r.Init <= 0 || r.RSSkB <= 0 {
		t.Errorf("init %v, RSS %d kB", r.Init, r.RSSkB)
	}
	t.Logf("hello-world cold init %v, RSS after init %d kB", r.Init, r.RSSkB)
}
