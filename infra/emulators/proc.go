package emulators

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one emulator child process, alone in its process group.
type proc struct {
	name  string
	cmd   *exec.Cmd
	done  chan struct{} // closed when the process has exited
	err   error         // exit status, valid after done
	out   *lineWriter
	ready time.Duration // how long it took to answer requests
}

func startProc(name string, logs io.Writer, dir string, env []string, bin string, args ...string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = sysProcAttr()
	lw := &lineWriter{prefix: "[" + name + "] ", dst: logs}
	cmd.Stdout = lw
	cmd.Stderr = lw
	// Children keep the pipes open at most this long after the process exits.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), out: lw}
	go func() {
		p.err = cmd.Wait()
		lw.flush()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *proc) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Grandchildren, if any, go too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// waitReady polls probe until it succeeds, the process exits or ctx ends.
func (p *proc) waitReady(ctx context.Context, probe func(context.Context) error) error {
	var last error
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = probe(pctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready (%v); last output:\n%s", p.name, p.err, p.out.recent())
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last probe: %v); last output:\n%s", p.name, ctx.Err(), last, p.out.recent())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rssKiB reads the resident set size of pid from /proc (Linux), 0 elsewhere.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// lineWriter prefixes complete lines, strips colour codes and keeps the
// last lines for error messages.
type lineWriter struct {
	prefix string
	dst    io.Writer // shared, synchronised; nil = discard

	mu   sync.Mutex
	buf  []byte
	last []string
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > 64<<10 { // a very long line without newline
		w.emit(string(w.buf))
		w.buf = w.buf[:0]
	}
	return len(b), nil
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}

func (w *lineWriter) emit(line string) {
	line = strings.TrimRight(ansi.ReplaceAllString(line, ""), "\r")
	w.last = append(w.last, line)
	if len(w.last) > 30 {
		w.last = w.last[len(w.last)-30:]
	}
	if w.dst != nil {
		_, _ = io.WriteString(w.dst, w.prefix+line+"\n")
	}
}

func (w *lineWriter) recent() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.last, "\n")
}

// syncWriter serialises writes of several emulators into one writer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// checkPortFree fails early, with a clear message, when a fixed port is taken.
func checkPortFree(name string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("%s: port %d on 127.0.0.1 is in use (is another dev stack running?): %w", name, port, err)
	}
	return l.Close()
}
