package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Limits of the Lambda service that the local runtime keeps too.
const (
	maxInstancesPerFunction = 4
	initTimeout             = 10 * time.Second // Lambda's init phase limit
	maxResponseBytes        = 6 << 20          // synchronous invocation payload limit
	maxErrorBytes           = 1 << 20
)

// errorKind says why an invocation failed; the gateway maps it to a status.
type errorKind int

const (
	kindFunctionError errorKind = iota + 1 // the handler returned an error or panicked
	kindTimeout                            // the function ran past its Timeout
	kindCrash                              // the process exited mid-invocation
	kindInitError                          // the runtime reported /init/error or died before /next
	kindInvalidResponse
	kindCanceled // the caller stopped waiting; the function may still be running
)

// invokeError is the failure of one invocation.
type invokeError struct {
	Kind    errorKind
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *invokeError) Error() string { return e.Type + ": " + e.Message }

// isTimeout reports whether err is an invocation that ran past the function's
// Timeout or past the caller's deadline.
func isTimeout(err error) bool {
	var ie *invokeError
	return errors.As(err, &ie) && (ie.Kind == kindTimeout || ie.Kind == kindCanceled)
}

// runtimeFunc runs the warm processes of one function and hands them
// invocations through the Lambda Runtime API, one at a time per process, as
// Lambda does.
type runtimeFunc struct {
	fn     *function
	binary string
	env    []string
	logs   *logSink
	ctx    context.Context // stack lifetime

	mu        sync.Mutex
	instances []*instance
	freed     chan struct{} // closed and replaced whenever an instance becomes free
	closed    bool
	nextID    int
}

func newRuntimeFunc(ctx context.Context, fn *function, binary string, env []string, logs *logSink) *runtimeFunc {
	return &runtimeFunc{fn: fn, binary: binary, env: env, logs: logs, ctx: ctx, freed: make(chan struct{})}
}

// invocation is one event on its way through a process.
type invocation struct {
	id      string
	payload []byte
	picked  chan struct{}      // closed when the runtime fetched it with /next
	done    chan invokeOutcome // receives exactly one outcome
}

type invokeOutcome struct {
	body []byte
	err  *invokeError
}

// Invoke runs payload through a warm (or newly started) process and returns
// the function's response. Failures are *invokeError.
func (f *runtimeFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		inst, err := f.acquire(ctx)
		if err != nil {
			return nil, err
		}
		inv := &invocation{
			id:      newUUID(),
			payload: payload,
			picked:  make(chan struct{}),
			done:    make(chan invokeOutcome, 1),
		}
		inst.queue <- inv // never blocks: the instance is ours alone and its queue holds one
		out := inst.await(ctx, inv, f.fn.Timeout)
		if out.err != nil && out.err.Kind == kindCanceled {
			// The caller gave up, the function did not (nor does it on AWS): the
			// process is reused only once this invocation has ended.
			go func() {
				rest := inst.await(f.ctx, inv, f.fn.Timeout)
				f.release(inst, rest.err)
			}()
			return nil, out.err
		}
		f.release(inst, out.err)
		if attempt < maxInstancesPerFunction && inst.diedWarm(inv, out.err) {
			continue // a warm process died while idle: the event never reached it
		}
		if out.err != nil {
			return nil, out.err
		}
		return out.body, nil
	}
}

// acquire returns an idle instance, starts a new one while under the limit,
// or waits for one to become free.
func (f *runtimeFunc) acquire(ctx context.Context) (*instance, error) {
	for {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return nil, errors.New("stack is closed")
		}
		live := 0
		for _, in := range f.instances {
			if in.dead {
				continue
			}
			live++
			if !in.busy {
				in.busy = true
				f.mu.Unlock()
				return in, nil
			}
		}
		if live < maxInstancesPerFunction {
			in, err := f.startInstance()
			if err != nil {
				f.mu.Unlock()
				return nil, err
			}
			in.busy = true
			f.instances = append(f.instances, in)
			f.mu.Unlock()
			return in, nil
		}
		wait := f.freed
		f.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// release returns the instance to the pool, or discards it when the
// invocation left it in an unknown state.
func (f *runtimeFunc) release(in *instance, err *invokeError) {
	if err != nil && err.Kind != kindFunctionError && err.Kind != kindInvalidResponse && err.Kind != kindCanceled {
		in.kill()
	}
	f.mu.Lock()
	in.busy = false
	f.signalFreedLocked()
	f.mu.Unlock()
}

func (f *runtimeFunc) signalFreedLocked() {
	close(f.freed)
	f.freed = make(chan struct{})
}

// Close kills every process and waits (bounded) for them to exit.
func (f *runtimeFunc) Close() {
	f.mu.Lock()
	f.closed = true
	insts := append([]*instance(nil), f.instances...)
	f.signalFreedLocked()
	f.mu.Unlock()
	for _, in := range insts {
		in.kill()
	}
	deadline := time.After(5 * time.Second)
	for _, in := range insts {
		select {
		case <-in.exited:
		case <-deadline:
			return
		}
	}
}

// instanceCount is the number of live processes (for tests and logs).
func (f *runtimeFunc) instanceCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, in := range f.instances {
		if !in.dead {
			n++
		}
	}
	return n
}

// instance is one process plus the Runtime API endpoint it talks to.
type instance struct {
	f      *runtimeFunc
	name   string
	cmd    *exec.Cmd
	srv    *http.Server
	queue  chan *invocation
	exited chan struct{}

	// guarded by f.mu
	busy bool
	dead bool

	mu      sync.Mutex // guards current, served and initErr
	current *invocation
	served  int // invocations handed out
	initErr *invokeError
}

// diedWarm reports whether inv failed only because the process, which had
// served before, was already gone when inv was queued.
func (in *instance) diedWarm(inv *invocation, err *invokeError) bool {
	if err == nil || err.Kind != kindInitError {
		return false
	}
	select {
	case <-inv.picked:
		return false
	default:
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.served > 0 && in.initErr == nil
}

// startInstance starts a process with its own Runtime API listener; each
// process gets its own port because the API's paths carry no process id.
// Called with f.mu held.
func (f *runtimeFunc) startInstance() (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API listener: %w", err)
	}
	f.nextID++
	in := &instance{
		f:      f,
		name:   fmt.Sprintf("%s#%d", f.fn.Label, f.nextID),
		queue:  make(chan *invocation, 1),
		exited: make(chan struct{}),
	}
	in.srv = &http.Server{Handler: in.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = in.srv.Serve(ln) }()

	stdout, stderr := f.logs.writer(f.fn.Label), f.logs.writer(f.fn.Label)
	cmd := exec.Command(f.binary)
	cmd.Dir = filepath.Dir(f.binary) // Lambda runs bootstrap from its own folder (/var/task)
	cmd.Env = append(append([]string(nil), f.env...), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		_ = in.srv.Close()
		_ = ln.Close()
		return nil, fmt.Errorf("start %s: %w", f.binary, err)
	}
	in.cmd = cmd
	go in.wait(stdout, stderr)
	return in, nil
}

// wait reaps the process and drops the instance from the pool, so the next
// invocation starts a fresh one.
func (in *instance) wait(stdout, stderr *lineWriter) {
	err := in.cmd.Wait()
	stdout.Flush()
	stderr.Flush()
	f := in.f
	f.mu.Lock()
	closing := f.closed
	in.dead = true
	for i, x := range f.instances {
		if x == in {
			f.instances = append(f.instances[:i], f.instances[i+1:]...)
			break
		}
	}
	f.signalFreedLocked()
	f.mu.Unlock()
	if !closing && err != nil {
		f.logs.printf(f.fn.Label, "process exited: %v", err)
	}
	close(in.exited)
	_ = in.srv.Close()
}

func (in *instance) kill() {
	in.f.mu.Lock()
	in.dead = true
	in.f.mu.Unlock()
	if in.cmd != nil && in.cmd.Process != nil {
		_ = in.cmd.Process.Kill()
	}
}

// await waits for the outcome of inv: the init phase is bounded by
// initTimeout, the invocation itself by the function's timeout.
func (in *instance) await(ctx context.Context, inv *invocation, timeout time.Duration) invokeOutcome {
	initTimer := time.NewTimer(initTimeout)
	defer initTimer.Stop()
	select {
	case <-inv.picked:
	case out := <-inv.done:
		return out
	case <-in.exited:
		return in.exitOutcome(inv)
	case <-initTimer.C:
		return invokeOutcome{err: &invokeError{Kind: kindInitError, Type: "Runtime.InitTimeout",
			Message: "the runtime did not ask for an invocation within " + initTimeout.String()}}
	case <-ctx.Done():
		return canceled(ctx)
	}

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case out := <-inv.done:
		return out
	case <-in.exited:
		return in.exitOutcome(inv)
	case <-timer.C:
		in.f.logs.printf(in.f.fn.Label, "%s Task timed out after %.2f seconds", inv.id, timeout.Seconds())
		return invokeOutcome{err: &invokeError{Kind: kindTimeout, Type: "Sandbox.Timedout",
			Message: fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())}}
	case <-ctx.Done():
		return canceled(ctx)
	}
}

func canceled(ctx context.Context) invokeOutcome {
	return invokeOutcome{err: &invokeError{Kind: kindCanceled, Type: "Canceled", Message: ctx.Err().Error()}}
}

// exitOutcome explains a process that exited while inv was pending. A
// response posted just before exiting still counts.
func (in *instance) exitOutcome(inv *invocation) invokeOutcome {
	select {
	case out := <-inv.done:
		return out
	default:
	}
	in.mu.Lock()
	initErr := in.initErr
	in.mu.Unlock()
	if initErr != nil {
		return invokeOutcome{err: initErr}
	}
	select {
	case <-inv.picked:
		return invokeOutcome{err: &invokeError{Kind: kindCrash, Type: "Runtime.ExitError",
			Message: "the runtime exited during the invocation: " + in.cmd.ProcessState.String()}}
	default:
		return invokeOutcome{err: &invokeError{Kind: kindInitError, Type: "Runtime.ExitError",
			Message: "the runtime exited before asking for an invocation: " + in.cmd.ProcessState.String()}}
	}
}

// Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).

const runtimeAPIPrefix = "/2018-06-01/runtime"

func (in *instance) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimeAPIPrefix+"/invocation/next", in.handleNext)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/invocation/{id}/response", in.handleResponse)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/invocation/{id}/error", in.handleError)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/init/error", in.handleInitError)
	return mux
}

func (in *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	var inv *invocation
	select {
	case inv = <-in.queue:
	case <-r.Context().Done():
		return
	case <-in.exited:
		return
	}
	if r.Context().Err() != nil {
		// The process hung up (it died) while this request waited: leave the
		// event unpicked, so the caller sees a process that never took it.
		in.queue <- inv
		return
	}
	deadline := time.Now().Add(in.f.fn.Timeout)
	in.mu.Lock()
	in.current = inv
	in.served++
	in.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", in.f.fn.Arn)
	h.Set("Lambda-Runtime-Trace-Id", newTraceID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
	close(inv.picked)
}

// take removes the current invocation if id names it.
func (in *instance) take(id string) *invocation {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.current == nil || in.current.id != id {
		return nil
	}
	inv := in.current
	in.current = nil
	return inv
}

func (in *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv := in.take(r.PathValue("id"))
	if inv == nil {
		runtimeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "unknown or finished request id")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponseBytes+1))
	switch {
	case err != nil:
		inv.done <- invokeOutcome{err: &invokeError{Kind: kindCrash, Type: "Runtime.ResponseError", Message: err.Error()}}
	case len(body) > maxResponseBytes:
		inv.done <- invokeOutcome{err: &invokeError{Kind: kindInvalidResponse, Type: "Function.ResponseSizeTooLarge",
			Message: "response payload exceeds 6 MB"}}
		runtimeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response payload exceeds 6 MB")
		return
	default:
		inv.done <- invokeOutcome{body: body}
	}
	w.WriteHeader(http.StatusAccepted)
}

func (in *instance) handleError(w http.ResponseWriter, r *http.Request) {
	inv := in.take(r.PathValue("id"))
	if inv == nil {
		runtimeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "unknown or finished request id")
		return
	}
	e := readRuntimeError(r, kindFunctionError)
	in.f.logs.printf(in.f.fn.Label, "%s invocation failed: %s", inv.id, e.Error())
	inv.done <- invokeOutcome{err: e}
	w.WriteHeader(http.StatusAccepted)
}

// handleInitError records the failure and ends the process, as Lambda resets
// the environment after a failed init.
func (in *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	e := readRuntimeError(r, kindInitError)
	in.mu.Lock()
	in.initErr = e
	in.mu.Unlock()
	in.f.logs.printf(in.f.fn.Label, "init error: %s", e.Error())
	w.WriteHeader(http.StatusAccepted)
	go in.kill()
}

func readRuntimeError(r *http.Request, kind errorKind) *invokeError {
	e := &invokeError{Kind: kind}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBytes))
	_ = json.Unmarshal(body, e)
	if e.Type == "" {
		e.Type = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	}
	if e.Type == "" {
		e.Type = "Unhandled"
	}
	return e
}

func runtimeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}
