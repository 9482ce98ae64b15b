// Package bench measures the figures of the Performance table in
// benchmarks/RESULTS.md that need no running stack: binary size and cold
// init of every function against a hello-world Lambda built the same way.
// infra/cmd/bench drives it and writes benchmarks/RESULTS.md.
package bench

import (
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Paths of the Lambda Runtime and Extensions APIs the recorder answers.
const (
	pathNext         = "/2018-06-01/runtime/invocation/next"
	pathInitError    = "/2018-06-01/runtime/init/error"
	pathExtRegister  = "/2020-01-01/extension/register"
	pathExtEventNext = "/2020-01-01/extension/event/next"
)

// RuntimeAPI is a minimal local Lambda Runtime API that only records when a
// process asks for its first invocation: the end of its init. It never hands
// out an event: every GET …/invocation/next is held open until the client
// goes away (the process is killed) or the server is closed, so the process
// sits idle, fully initialised, while its memory is read.
//
// Processes are measured one at a time: Expect arms the recorder for the next
// process to start, and the first /next after that belongs to it. A /next
// while nothing is armed, or after the armed process already had its first,
// is counted as stray.
type RuntimeAPI struct {
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
	once sync.Once

	mu    sync.Mutex
	cur   *Start
	stray int
}

// Start is one expected process start.
type Start struct {
	next    chan time.Time
	initErr chan string
	gotNext bool
	gotErr  bool
}

// Next delivers the arrival time of the first GET /next.
func (s *Start) Next() <-chan time.Time { return s.next }

// InitError delivers the body of a POST /runtime/init/error, which
// aws-lambda-go sends when it can not start the handler loop.
func (s *Start) InitError() <-chan string { return s.initErr }

// NewRuntimeAPI listens on 127.0.0.1 on a free port and serves.
func NewRuntimeAPI() (*RuntimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &RuntimeAPI{ln: ln, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathNext, r.handleNext)
	mux.HandleFunc("POST "+pathInitError, r.handleInitError)
	mux.HandleFunc("POST "+pathExtRegister, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Lambda-Extension-Identifier", "bench")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	})
	mux.HandleFunc("GET "+pathExtEventNext, r.hold)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// Addr is the value for AWS_LAMBDA_RUNTIME_API (host:port).
func (r *RuntimeAPI) Addr() string { return r.ln.Addr().String() }

// Expect arms the recorder for the next process and returns its Start.
// Any earlier Start stops receiving.
func (r *RuntimeAPI) Expect() *Start {
	s := &Start{next: make(chan time.Time, 1), initErr: make(chan string, 1)}
	r.mu.Lock()
	r.cur = s
	r.mu.Unlock()
	return s
}

// Stray counts the GET /next requests that belonged to no armed start.
func (r *RuntimeAPI) Stray() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stray
}

// Close stops the server and releases every held request.
func (r *RuntimeAPI) Close() error {
	r.once.Do(func() { close(r.done) })
	return r.srv.Close()
}

func (r *RuntimeAPI) handleNext(w http.ResponseWriter, req *http.Request) {
	at := time.Now() // first thing: the figure is process start → here
	r.mu.Lock()
	if s := r.cur; s != nil && !s.gotNext {
		s.gotNext = true
		s.next <- at
	} else {
		r.stray++
	}
	r.mu.Unlock()
	r.hold(w, req)
}

func (r *RuntimeAPI) handleInitError(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 4096))
	r.mu.Lock()
	if s := r.cur; s != nil && !s.gotErr {
		s.gotErr = true
		s.initErr <- string(body)
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// hold keeps a request open until its client leaves or the server closes.
func (r *RuntimeAPI) hold(_ http.ResponseWriter, req *http.Request) {
	select {
	case <-req.Context().Done():
	case <-r.done:
	}
}
