package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Binary is a built Lambda to start.
type Binary struct {
	Name string // function name (or "hello-world")
	Path string
}

// InitEnv is the environment a function is started with: the Runtime API
// address and dummy values for everything the functions read at init. It is
// the whole environment: nothing of the caller's leaks in.
func InitEnv(runtimeAPI, name string) []string {
	return []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"AWS_REGION=eu-west-1",
		"AWS_ACCESS_KEY_ID=x",
		"AWS_SECRET_ACCESS_KEY=x",
		"TABLE_NAME=t",
		"STAFF_POOL_ID=p",
		"STAFF_CLIENT_ID=c",
		"CUSTOMER_POOL_ID=p",
		"CUSTOMER_CLIENT_ID=c",
		"SENDER_EMAIL=a@b.c",
		"THUMBNAIL_BUCKET=b",
		"THUMBNAIL_BASE_URL=https://d.cloudfront.net",
		"APP_URL=",
		"LOG_LEVEL=INFO",
		"CURSOR_KEY_PARAMETER=/backoffice/cursor-key", // read on first use, not at init
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"_HANDLER=bootstrap",
	}
}

// StartResult is one measured start.
type StartResult struct {
	Init  time.Duration // just before cmd.Start → arrival of the first /next
	RSSkB int64         // VmHWM of the process right after its first /next, 0 if unread
}

// StartOnce starts bin, waits for its first GET /next on api (or its exit,
// an init error or the timeout), reads its peak RSS and kills it. The
// process has exited when StartOnce returns.
func StartOnce(api *RuntimeAPI, bin Binary, env []string, timeout time.Duration) (StartResult, error) {
	s := api.Expect()
	cmd := exec.Command(bin.Path)
	cmd.Env = env
	out := &head{max: 2048}
	cmd.Stdout = out
	cmd.Stderr = out

	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return StartResult{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	var res StartResult
	var err error
	waited := false
	select {
	case at := <-s.Next():
		res.Init = at.Sub(t0)
		res.RSSkB = readVmHWM(cmd.Process.Pid)
	case msg := <-s.InitError():
		err = fmt.Errorf("init error reported to the Runtime API: %s", oneLine(msg))
	case werr := <-exited:
		waited = true
		err = fmt.Errorf("exited before GET /next (%v): %s", werr, oneLine(out.String()))
	case <-timer.C:
		err = fmt.Errorf("no GET /next within %s: %s", timeout, oneLine(out.String()))
	}
	if !waited {
		_ = cmd.Process.Kill()
		<-exited
	}
	return res, err
}

// InitResult gathers the starts of one binary.
type InitResult struct {
	Name    string
	Samples []time.Duration
	RSSkB   []int64
	Errors  []string // one per failed start
}

// InitOptions tunes MeasureColdInit.
type InitOptions struct {
	Rounds  int           // measured starts per binary
	Warmup  int           // discarded rounds before them
	Timeout time.Duration // per start
	Log     io.Writer     // progress, may be nil
}

// MeasureColdInit starts every binary opt.Rounds times, interleaved: each
// round starts every binary once, so machine noise spreads over all alike.
// The order within a round rotates by one each round so no binary always
// runs right after the same neighbour.
func MeasureColdInit(api *RuntimeAPI, bins []Binary, opt InitOptions) map[string]*InitResult {
	res := make(map[string]*InitResult, len(bins))
	for _, b := range bins {
		res[b.Name] = &InitResult{Name: b.Name}
	}
	n := len(bins)
	for round := -opt.Warmup; round < opt.Rounds; round++ {
		for i := range n {
			b := bins[(i+max(round, 0))%n]
			r, err := StartOnce(api, b, InitEnv(api.Addr(), b.Name), opt.Timeout)
			if round < 0 {
				continue
			}
			ir := res[b.Name]
			if err != nil {
				ir.Errors = append(ir.Errors, err.Error())
				continue
			}
			ir.Samples = append(ir.Samples, r.Init)
			if r.RSSkB > 0 {
				ir.RSSkB = append(ir.RSSkB, r.RSSkB)
			}
		}
		if opt.Log != nil && round >= 0 {
			fmt.Fprintf(opt.Log, "cold init: round %d/%d done\n", round+1, opt.Rounds)
		}
	}
	return res
}

// readVmHWM returns the peak resident set size of pid in kB, or 0.
func readVmHWM(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// head keeps the first max bytes written to it: where a panic's message is.
type head struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *head) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - len(t.b); room > 0 {
		t.b = append(t.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (t *head) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// oneLine squeezes process output into one short line for a report.
func oneLine(s string) string {
	if i := strings.Index(s, "\n\ngoroutine "); i >= 0 { // a panic: its message is enough
		s = s[:i]
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "(no output)"
	}
	const max = 300
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
