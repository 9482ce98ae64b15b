//go:build integration

package api_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/shared/auth"
	"backoffice/tests/stack"
)

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// smokeRun is scripts/smoke.sh --url running against the local stack, fed on
// standard input as an operator would type.
type smokeRun struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *lockedBuffer
	done  chan error
}

func startSmoke(t *testing.T, ownerEmail, mailbox string) *smokeRun {
	t.Helper()
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	r := &smokeRun{out: &lockedBuffer{}, done: make(chan error, 1)}
	// BASH32=/path/to/bash-3.2 runs it as macOS's /bin/bash would.
	shell := "bash"
	if b := os.Getenv("BASH32"); b != "" {
		shell = b
	}
	r.cmd = exec.Command(shell, filepath.Join(root, "scripts", "smoke.sh"), "--url", st.URL, "--owner", ownerEmail, "--email", mailbox)
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		_ = r.stdin.Close()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			_ = r.cmd.Process.Kill()
		}
	})
	return r
}

func (r *smokeRun) typeLine(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(r.stdin, line+"\n"); err != nil {
		t.Fatalf("smoke.sh stopped reading: %v\n%s", err, r.out.String())
	}
}

// link waits for the next mail to mailbox and returns its link and token.
func (r *smokeRun) link(t *testing.T, mailbox string) (link, token string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, err := st.WaitMail(ctx, mailbox, "")
	if err != nil {
		t.Fatalf("%v\nsmoke.sh so far:\n%s", err, r.out.String())
	}
	found := stack.LinkRe.FindStringSubmatch(m.Text)
	if found == nil {
		t.Fatalf("no link in the mail: %q", m.Text)
	}
	return found[0], found[1]
}

func (r *smokeRun) wait(t *testing.T) error {
	t.Helper()
	_ = r.stdin.Close()
	select {
	case err := <-r.done:
		return err
	case <-time.After(2 * time.Minute):
		_ = r.cmd.Process.Kill()
		t.Fatalf("smoke.sh did not finish:\n%s", r.out.String())
		return nil
	}
}

var deletedID = regexp.MustCompile(`DELETE /staff/([0-9A-Z]{26}) -> 204`)

// The post-deploy smoke test runs its whole sequence against the local
// stack, with the links an operator would paste, prints no secret, and
// leaves no staff member behind.
func TestSmokeScriptAgainstTheLocalStack(t *testing.T) {
	owner := newActive(t, uniqueEmail("smoke-owner"), auth.OwnerRoleID)
	mailbox := uniqueEmail("smoke")
	r := startSmoke(t, owner.Email, mailbox)
	r.typeLine(t, password)
	invitation, invitationToken := r.link(t, mailbox)
	r.typeLine(t, invitation)
	reset, resetToken := r.link(t, mailbox)
	if !strings.Contains(reset, "reset-password") {
		t.Fatalf("second mail's link %q is not a reset link", reset)
	}
	r.typeLine(t, reset)
	err := r.wait(t)
	out := r.out.String()
	if err != nil {
		t.Fatalf("smoke.sh: %v\n%s", err, out)
	}
	for _, want := range []string{
		"GET /health -> 200", "GET /openapi.json -> 200",
		"GET / -> 302", "GET /console -> 200",
		"POST /auth/login -> 200", "POST /staff/invitations -> 201",
		"POST /auth/invitations/inspect -> 200", "POST /auth/invitations/accept -> 204",
		"GET /auth/me -> 200", "POST /auth/password/forgot -> 202", "POST /auth/password/reset -> 204",
		"GET /auth/me -> 401", "POST /auth/logout -> 204", "POST /auth/refresh -> 200",
		"smoke: ok (15 steps",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !regexp.MustCompile(`GET /console/[0-9a-f]+/app\.js -> 200`).MatchString(out) {
		t.Errorf("the console's script was not fetched:\n%s", out)
	}
	for _, secret := range []string{password, invitationToken, resetToken, "eyJ"} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows a secret (%.8s…):\n%s", secret, out)
		}
	}
	m := deletedID.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no deletion in the output:\n%s", out)
	}
	access, _ := login(t, owner.Email)
	expect(t, call(t, "GET", "/staff/"+m[1], access, nil), 404, "not_found")
}

// A step that fails (here: something that is not a link pasted) still
// deletes the staff member the run invited.
func TestSmokeScriptCleansUpAfterAFailure(t *testing.T) {
	owner := newActive(t, uniqueEmail("smoke-owner"), auth.OwnerRoleID)
	mailbox := uniqueEmail("smoke")
	r := startSmoke(t, owner.Email, mailbox)
	r.typeLine(t, password)
	r.link(t, mailbox) // the invitation went out: the member exists
	r.typeLine(t, "not a link")
	err := r.wait(t)
	out := r.out.String()
	if err == nil {
		t.Fatalf("smoke.sh succeeded:\n%s", out)
	}
	for _, want := range []string{"no #token= in it", "cleanup: deleting the smoke-test staff member " + mailbox, "smoke: FAILED (step 5)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	m := deletedID.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the member was not deleted:\n%s", out)
	}
	access, _ := login(t, owner.Email)
	expect(t, call(t, "GET", "/staff/"+m[1], access, nil), 404, "not_found")
	if strings.Contains(out, password) {
		t.Error("the owner's password is in the output")
	}
}
