// Package stack starts the whole backend for integration tests: the
// emulators on free ports with in-memory data, and the local stack
// (infra/localstack) on a free port with its own state folder. Nothing is
// shared with a running dev stack (scripts/dev.sh), so both can run at once.
//
// Output of the emulators and the functions goes to a log file under
// .local/test-logs (its path is printed when the stack starts); set
// STACK_LOGS=stderr to stream it instead.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"backoffice/infra/emulators"
	"backoffice/infra/iam"
	"backoffice/infra/localstack"
	"backoffice/shared/awsenv"
	"backoffice/shared/outbox"
	"backoffice/shared/secret"
)

// Region of the test stack; the emulators accept any.
const Region = "eu-west-1"

// StartTimeout bounds starting a stack: installing the emulators on a fresh
// machine and building every function, while the other test packages do
// the same on the same cores.
const StartTimeout = 15 * time.Minute

// Parameters the test stack is created with.
const (
	OwnerEmail  = "owner@example.com"
	SenderEmail = "noreply@example.com"
)

// Stack is a running backend.
type Stack struct {
	URL           string // base URL of the HTTP API, e.g. http://127.0.0.1:41234
	Issuer        string // JWT issuer of the staff pool: <cognito URL>/<pool id>
	Emu           *emulators.Set
	Local         *localstack.Stack
	TableName     string
	StaffPoolID   string
	StaffClientID string
	// The customer pool, for tokens the customer authorizer accepts.
	CustomerPoolID, CustomerIssuer, CustomerClientID string
	// AWS has static credentials, the region and the emulators' endpoints
	// for DynamoDB, Cognito, SES and S3: pass it to any service client.
	AWS     aws.Config
	LogFile string // where emulator and function output goes ("" with STACK_LOGS=stderr)
	// MailTokenKey is the value of the stack's mail token key parameter:
	// the functions read it from the stack's SSM endpoint, and Start gives
	// it to this process (outbox.UseLinkKeys) for tests that queue mails
	// through the domain packages.
	MailTokenKey string

	stateDir string
	root     string
	runFile  string // infra/iam's view of this stack; calls are recorded beside it
	logs     io.Closer
	mu       sync.Mutex
	seen     map[string]bool // mail message ids WaitMail has returned or passed over
	once     sync.Once
}

// Start brings up emulators and the local stack for the repository at root.
// Emulators are installed into root/.local on first use.
func Start(ctx context.Context, root string) (_ *Stack, err error) {
	s := &Stack{seen: map[string]bool{}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	var logs io.Writer
	if os.Getenv("STACK_LOGS") == "stderr" {
		logs = os.Stderr
	} else {
		f, path, err := openLogFile(filepath.Join(root, ".local", "test-logs"))
		if err != nil {
			return nil, err
		}
		s.logs, s.LogFile, logs = f, path, f
		fmt.Fprintf(os.Stderr, "stack: emulator and function logs in %s\n", path)
	}

	if s.Emu, err = emulators.Start(ctx, emulators.Options{
		Dir:      filepath.Join(root, ".local"),
		Logs:     logs,
		Progress: os.Stderr,
		S3:       needsS3(root),
	}); err != nil {
		return nil, err
	}
	if s.stateDir, err = os.MkdirTemp("", "backoffice-stack-"); err != nil {
		return nil, err
	}
	buildCache := filepath.Join(root, ".local", "test-build")
	copyBinaries(buildCache, filepath.Join(s.stateDir, "build"))
	// The API's own address is known before it starts, so mail links
	// (AppUrl) point at it, as they would at a deployed API.
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// Every AWS call of every function is recorded, to be checked against
	// the function's policy (CheckCalls, and infra/cmd/iamcheck for the
	// calls of all test packages together).
	s.MailTokenKey = randomKey()
	outbox.UseLinkKeys(func() (string, error) { return s.MailTokenKey, nil })
	callsDir := filepath.Join(root, ".local", "calls")
	if err := os.MkdirAll(callsDir, 0o755); err != nil {
		return nil, err
	}
	s.runFile = filepath.Join(callsDir, filepath.Base(s.stateDir)+".run.json")
	if s.Local, err = localstack.Start(ctx, localstack.Config{
		Root:      root,
		Addr:      addr,
		StateDir:  s.stateDir,
		StackName: "backoffice",
		Region:    Region,
		Endpoints: localstack.Endpoints{DynamoDB: s.Emu.DynamoDB, Cognito: s.Emu.Cognito, SES: s.Emu.SES, S3: s.Emu.S3, S3Events: s.Emu.S3Events},
		Parameters: map[string]string{
			"OwnerEmail":  OwnerEmail,
			"SenderEmail": SenderEmail,
			"Stage":       "test",
			"AppUrl":      "http://" + addr,
			// The suites and the benchmarks drive the API far harder than
			// people do (parallel tests, load runs, list walks, hundreds of
			// sign-ins), so they run at the account's maximums instead of
			// the template's throttling; infra/localstack tests the
			// throttle itself.
			"ApiThrottleRateLimit": "10000", "ApiThrottleBurstLimit": "5000",
			"AuthThrottleRateLimit": "10000", "AuthThrottleBurstLimit": "5000",
		},
		// A fresh cursor key and mail token key per run, as the dev stack's
		// .local/*.key and a deployment's SSM parameters are per stack.
		SSMParameters: map[string]string{
			secret.CursorKeyName("backoffice"):    randomKey(),
			secret.MailTokenKeyName("backoffice"): s.MailTokenKey,
		},
		ExtraEnv:    map[string]string{"DIRECTORY_EMULATED": "true"},
		RecordCalls: iam.CallsFile(s.runFile),
		// Scheduled functions (the outbox sweeper) run when a test fires
		// them (FireSchedule), never in the middle of another test.
		ManualSchedules: true,
		Logs:            logs,
	}); err != nil {
		if s.LogFile != "" {
			err = fmt.Errorf("%w (logs: %s)", err, s.LogFile)
		}
		return nil, err
	}
	copyBinaries(filepath.Join(s.stateDir, "build"), buildCache)
	s.URL = s.Local.URL()
	s.TableName = s.Local.Resource("Table")
	s.StaffPoolID = s.Local.Resource("StaffUserPool")
	s.StaffClientID = s.Local.Resource("StaffUserPoolClient")
	if s.TableName == "" || s.StaffPoolID == "" || s.StaffClientID == "" {
		return nil, fmt.Errorf("stack: missing resources: Table=%q StaffUserPool=%q StaffUserPoolClient=%q", s.TableName, s.StaffPoolID, s.StaffClientID)
	}
	s.Issuer = s.Emu.Cognito + "/" + s.StaffPoolID
	s.CustomerPoolID = s.Local.Resource("CustomerUserPool")
	s.CustomerIssuer = s.Emu.Cognito + "/" + s.CustomerPoolID
	s.CustomerClientID = s.Local.Resource("CustomerUserPoolClient")
	s.AWS = AWSConfig(s.Emu)
	cfg := s.Local.Config()
	run := iam.Run{StackName: cfg.StackName, Region: cfg.Region, Parameters: cfg.Parameters, Physical: s.Local.Physical()}
	if err := run.Save(s.runFile); err != nil {
		return nil, err
	}
	s.root = root
	return s, nil
}

// CheckCalls checks every AWS call the functions made so far against their
// policies in template.yaml: an error lists each call a policy would deny,
// with the function and the grant it lacks. Call it after the tests of a
// package; unused grants are judged over all packages by infra/cmd/iamcheck.
func (s *Stack) CheckCalls() error {
	calls, err := iam.ReadCalls(iam.CallsFile(s.runFile))
	if err != nil {
		return err
	}
	var run iam.Run
	if raw, err := os.ReadFile(s.runFile); err != nil {
		return err
	} else if err := json.Unmarshal(raw, &run); err != nil {
		return err
	}
	b, err := run.Batch(s.root, calls)
	if err != nil {
		return err
	}
	r := iam.Check([]iam.Batch{b}, nil, false)
	if problems := r.Problems(); len(problems) > 0 {
		return fmt.Errorf("%d problems in %d AWS calls: they would fail in AWS (template.yaml policies):\n  %s",
			len(problems), r.Calls, strings.Join(problems, "\n  "))
	}
	if r.Calls == 0 {
		return errors.New("no AWS call was recorded: is the recorder (shared/awsenv) still installed?")
	}
	fmt.Fprintf(os.Stderr, "stack: %d AWS calls checked against template.yaml policies: none denied\n", r.Calls)
	return nil
}

// Calls returns every AWS call the functions of this stack made so far,
// in the order they were recorded (tests compare counts before and after a
// request: "no Cognito call").
func (s *Stack) Calls() ([]awsenv.Call, error) {
	return iam.ReadCalls(iam.CallsFile(s.runFile))
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// AWSConfig returns an aws.Config for the emulators of set.
func AWSConfig(set *emulators.Set) aws.Config { return set.AWSConfig(Region) }

// Close stops the stack and the emulators and removes the state folder.
func (s *Stack) Close() {
	s.once.Do(func() {
		if s.Local != nil {
			_ = s.Local.Close()
		}
		if s.Emu != nil {
			_ = s.Emu.Close()
		}
		if s.stateDir != "" {
			_ = os.RemoveAll(s.stateDir)
		}
		if s.logs != nil {
			_ = s.logs.Close()
		}
	})
}

// WaitMail waits for a mail to `to` (compared case-insensitively) whose
// subject contains subjectContains ("" matches any) and returns the newest
// such mail that no earlier WaitMail call has returned. Older matching mails
// count as returned too, so a later call only sees mails sent after them:
// "invite, read link, resend, read link" gets the second link. It gives up
// when ctx ends, or after 30 s if ctx has no deadline.
func (s *Stack) WaitMail(ctx context.Context, to, subjectContains string) (emulators.Mail, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	var lastErr error
	for {
		mails, err := s.Emu.Mails(ctx)
		if err == nil {
			if m, ok := s.take(mails, to, subjectContains); ok {
				return m, nil
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return emulators.Mail{}, fmt.Errorf("no mail to %s with subject %q: %w (last error: %v)", to, subjectContains, ctx.Err(), lastErr)
			}
			return emulators.Mail{}, fmt.Errorf("no new mail to %s with subject %q: %w", to, subjectContains, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *Stack) take(mails []emulators.Mail, to, subject string) (emulators.Mail, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var fresh []emulators.Mail
	for _, m := range mails {
		if !s.seen[m.MessageID] && Addressed(m, to) && strings.Contains(m.Subject, subject) {
			fresh = append(fresh, m)
		}
	}
	if len(fresh) == 0 {
		return emulators.Mail{}, false
	}
	// The store keeps sending order; At has only second precision.
	sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].At.Before(fresh[j].At) })
	for _, m := range fresh {
		s.seen[m.MessageID] = true
	}
	return fresh[len(fresh)-1], true
}

// LinkRe matches the token link in a mail's text: the whole link, with the
// token as its first group.
var LinkRe = regexp.MustCompile(`https?://\S+#token=([A-Za-z0-9_-]{43})`)

// Link is the token link a mail carries.
type Link struct {
	URL   string // the whole link, e.g. http://127.0.0.1:4321/console/accept-invitation#token=…
	Token string // what follows #token=
	Mail  emulators.Mail
}

// MailLink waits (up to 30 s) for the next mail to `to` whose subject
// contains subjectContains, as WaitMail does, and returns its link. It
// fails t when no mail comes, when the text has no token link, or when the
// HTML part lacks the token.
func (s *Stack) MailLink(t testing.TB, to, subjectContains string) Link {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := s.WaitMail(ctx, to, subjectContains)
	if err != nil {
		t.Fatalf("mail to %s: %v", to, err)
	}
	found := LinkRe.FindStringSubmatch(m.Text)
	if found == nil {
		t.Fatalf("no token link in the mail to %s: %q", to, m.Text)
	}
	if !strings.Contains(m.HTML, found[1]) {
		t.Fatalf("the HTML part of the mail to %s lacks the link", to)
	}
	return Link{URL: found[0], Token: found[1], Mail: m}
}

// Addressed reports whether m goes to addr (To, Cc or Bcc), ignoring case
// and display names.
func Addressed(m emulators.Mail, addr string) bool {
	for _, list := range [][]string{m.To, m.Cc, m.Bcc} {
		for _, r := range list {
			if a, err := mail.ParseAddress(r); err == nil {
				r = a.Address
			}
			if strings.EqualFold(strings.TrimSpace(r), strings.TrimSpace(addr)) {
				return true
			}
		}
	}
	return false
}

// freeAddr picks a free loopback port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// RepoRoot walks up from the working directory to the folder with go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("stack: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// needsS3 starts the S3 emulator only for templates that have a bucket.
func needsS3(root string) bool {
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	return err == nil && strings.Contains(string(b), "AWS::S3::Bucket")
}

// openLogFile creates a fresh log file and keeps only the newest 20.
func openLogFile(dir string) (*os.File, string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	sort.Strings(old)
	for len(old) >= 20 {
		_ = os.Remove(old[0])
		old = old[1:]
	}
	path := filepath.Join(dir, time.Now().Format("20060102-150405")+fmt.Sprintf("-%d.log", os.Getpid()))
	f, err := os.Create(path)
	return f, path, err
}

// WaitStreams waits until the functions behind DynamoDB streams have handled
// every record written so far (mails queued in the outbox are sent by
// then); it fails t after 30 s.
func (s *Stack) WaitStreams(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Local.WaitStreamsIdle(ctx); err != nil {
		t.Fatalf("stream functions still busy: %v", err)
	}
}

// FireSchedule makes the scheduled rule of a function due now (id: its
// logical id, or <function>/<event>) and waits until the function has
// handled the event; it fails t when the function failed it every retry,
// or after 2 minutes.
func (s *Stack) FireSchedule(t testing.TB, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.Local.FireSchedule(ctx, id); err != nil {
		t.Fatalf("fire schedule %s: %v", id, err)
	}
}

// copyBinaries carries function binaries between runs. Every run has a fresh
// StateDir, and localstack builds into StateDir/build with `go build -o`,
// which skips linking a binary whose build ID is already up to date: seeding
// the folder from .local/test-build saves relinking every function (about
// 40 s on a busy 2-core machine). Files are copied, never hard-linked: test
// packages run in parallel and one must not rewrite a binary another runs.
// Any failure only costs time.
func copyBinaries(from, to string) {
	entries, err := os.ReadDir(from)
	if err != nil {
		return
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		_ = copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
	}
}

// copyFile writes dst through a temporary name and a rename, so a reader
// never sees half a file.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-")
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(out.Name())
		return err
	}
	if err := out.Chmod(0o755); err != nil {
		out.Close()
		os.Remove(out.Name())
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(out.Name())
		return err
	}
	return os.Rename(out.Name(), dst)
}
