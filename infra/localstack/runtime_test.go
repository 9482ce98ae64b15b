package localstack

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Not parallel: other tests' requests would add processes.
func TestOverlappingRequestsStartAnotherProcess(t *testing.T) {
	s, _, _ := sharedStack(t)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		pids = map[string]bool{}
	)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := call(t, "GET", s.URL()+"/public?sleep=700", nil, nil)
			mu.Lock()
			pids[r.header.Get("X-Pid")] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(pids) != 2 {
		t.Fatalf("two overlapping requests ran in %d process(es): %v", len(pids), pids)
	}
	// Both stay warm: the next request reuses one of them.
	r := call(t, "GET", s.URL()+"/public", nil, nil)
	if !pids[r.header.Get("X-Pid")] {
		t.Errorf("a warm process was not reused: %s", r.header.Get("X-Pid"))
	}
}

func TestInstanceLimit(t *testing.T) {
	s, _, _ := sharedStack(t)
	fn := s.functions["EchoFunction"]
	var wg sync.WaitGroup
	for range maxInstancesPerFunction + 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := call(t, "GET", s.URL()+"/public?sleep=300", nil, nil); r.status != http.StatusOK {
				t.Errorf("status %d", r.status)
			}
		}()
	}
	wg.Wait()
	if n := fn.rt.instanceCount(); n > maxInstancesPerFunction {
		t.Errorf("%d processes, limit %d", n, maxInstancesPerFunction)
	}
}

func TestLogsArePrefixed(t *testing.T) {
	t.Parallel()
	s, logs, _ := sharedStack(t)
	call(t, "GET", s.URL()+"/public", nil, nil)
	waitFor(t, "echo logs", func() bool {
		l := logs.String()
		return strings.Contains(l, "[echo] handled GET /public\n") && strings.Contains(l, "[echo] to stderr\n")
	})
	call(t, "GET", s.URL()+"/crash", nil, nil)
	waitFor(t, "crash logs", func() bool { return strings.Contains(logs.String(), "[misbehave] crashing\n") })
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !strings.HasPrefix(line, "[") {
			t.Errorf("unprefixed line %q", line)
		}
	}
}

func TestLineWriter(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	sink := &logSink{w: &buf}
	w := sink.writer("fn")
	_, _ = w.Write([]byte("a\r\nb"))
	_, _ = w.Write([]byte("c\n\nd"))
	w.Flush()
	if got := buf.String(); got != "[fn] a\n[fn] bc\n[fn] \n[fn] d\n" {
		t.Fatalf("got %q", got)
	}
}

func TestInvokeDirect(t *testing.T) {
	t.Parallel()
	s, _, _ := sharedStack(t)
	fn := s.functions["MisbehaveFunction"]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := fn.rt.Invoke(ctx, []byte(`{"rawPath":"/fail"}`))
	ie, ok := err.(*invokeError)
	if !ok || ie.Kind != kindFunctionError || ie.Message != "deliberate failure" {
		t.Fatalf("got %#v", err)
	}
	out, err := fn.rt.Invoke(ctx, []byte(`{"rawPath":"/ok"}`))
	if err != nil || !strings.Contains(string(out), `"statusCode":200`) {
		t.Fatalf("got %s %v", out, err)
	}
}

// A warm process that dies while idle is dropped from the pool and costs no
// failed request.
func TestIdleProcessDeathIsInvisible(t *testing.T) {
	s, _, _ := sharedStack(t)
	call(t, "GET", s.URL()+"/public", nil, nil)
	fn := s.functions["EchoFunction"]
	fn.rt.mu.Lock()
	for _, in := range fn.rt.instances {
		_ = in.cmd.Process.Kill() // behind the pool's back: it still counts them as live
	}
	fn.rt.mu.Unlock()
	time.Sleep(100 * time.Millisecond) // dead, and reaped
	for range 3 {
		if r := call(t, "GET", s.URL()+"/public", nil, nil); r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}
}
