// Command dev runs the whole backoffice on this machine: the emulators
// (DynamoDB Local, cognito-local, aws-ses-v2-local), every function of
// template.yaml behind a local HTTP API, and the first owner's invitation.
// Use it through scripts/dev.sh:
//
//	scripts/dev.sh            # start; data in .local/data survives restarts
//	scripts/dev.sh --fresh    # wipe local data and state first
//
// The first run installs the emulators into .local (a minute or two). Ctrl-C
// stops everything.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"backoffice/infra/emulators"
	"backoffice/infra/localstack"
	"backoffice/shared/outbox"
	"backoffice/shared/problem"
	"backoffice/shared/secret"
	"backoffice/shared/setup"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

const region = "eu-west-1"

type options struct {
	fresh                            bool
	addr                             string
	dynamoPort, cognitoPort, sesPort int
	s3Port                           int
	owner                            string
	allowedOrigin                    string
	verbose                          bool
}

func main() {
	var o options
	flag.BoolVar(&o.fresh, "fresh", false, "wipe local data (.local/data) and stack state (.local/stack) first")
	flag.StringVar(&o.addr, "addr", "127.0.0.1:3000", "address of the HTTP API")
	flag.IntVar(&o.dynamoPort, "dynamodb-port", 8000, "DynamoDB Local port (0 = any free port)")
	flag.IntVar(&o.cognitoPort, "cognito-port", 9229, "cognito-local port (0 = any free port)")
	flag.IntVar(&o.sesPort, "ses-port", 8005, "aws-ses-v2-local port; its mail viewer is at / (0 = any free port)")
	flag.IntVar(&o.s3Port, "s3-port", 4569, "s3rver port, used when template.yaml has a bucket (0 = any free port)")
	flag.StringVar(&o.owner, "owner", envOr("OWNER_EMAIL", "owner@example.com"), "email of the first owner (env OWNER_EMAIL)")
	flag.StringVar(&o.allowedOrigin, "allowed-origin", os.Getenv("ALLOWED_ORIGIN"), "origin of a frontend served elsewhere, e.g. http://localhost:5173: turns CORS on for it (template parameter AllowedOrigin; env ALLOWED_ORIGIN)")
	flag.BoolVar(&o.verbose, "v", false, "show emulator output too (always in .local/logs/emulators.log)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: scripts/dev.sh [--fresh] [flags]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		if errors.Is(err, localstack.ErrNeedsFreshData) {
			fmt.Fprintln(os.Stderr, "\ndev: your local data (.local/data) was made with an older template.yaml that the local")
			fmt.Fprintln(os.Stderr, "     stack can not bring up to date (see above). Start over with:")
			fmt.Fprint(os.Stderr, "\n         scripts/dev.sh --fresh\n\n")
			fmt.Fprintln(os.Stderr, "     It wipes the local table and user pools; the owner gets a new invitation.")
		}
		os.Exit(1)
	}
}

func run(o options) error {
	began := time.Now()
	root, err := repoRoot()
	if err != nil {
		return err
	}
	owner, err := text.Email(o.owner)
	if err != nil {
		return fmt.Errorf("owner email %q: %w", o.owner, err)
	}
	local := filepath.Join(root, ".local")
	dataDir := filepath.Join(local, "data")
	stateDir := filepath.Join(local, "stack")

	// The first signal cancels starting or stops the stack cleanly; after
	// that the default handling is back, so a second Ctrl-C kills at once
	// (children still get SIGTERM from the kernel when we die).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.fresh {
		fmt.Println("--fresh: removing .local/data and .local/stack")
		for _, d := range []string{dataDir, stateDir} {
			if err := os.RemoveAll(d); err != nil {
				return err
			}
		}
	}
	firstStart := isEmptyDir(stateDir)

	emuLog, err := openLog(filepath.Join(local, "logs", "emulators.log"))
	if err != nil {
		return err
	}
	defer emuLog.Close()
	var emuOut io.Writer = emuLog
	if o.verbose {
		emuOut = io.MultiWriter(emuLog, os.Stderr)
	}

	fmt.Println("starting emulators...")
	emu, err := emulators.Start(ctx, emulators.Options{
		Dir:          local,
		DataDir:      dataDir,
		DynamoDBPort: o.dynamoPort,
		CognitoPort:  o.cognitoPort,
		SESPort:      o.sesPort,
		S3Port:       o.s3Port,
		S3:           needsS3(root),
		Logs:         emuOut,
		Progress:     os.Stdout,
	})
	if err != nil {
		return fmt.Errorf("%w\n(emulator output: .local/logs/emulators.log)", err)
	}
	defer emu.Close()
	var parts []string
	for _, p := range emu.Processes() {
		parts = append(parts, fmt.Sprintf("%s %s", p.Name, p.Ready.Round(100*time.Millisecond)))
	}
	fmt.Printf("emulators ready after %s (%s); building and starting functions...\n", since(began), strings.Join(parts, ", "))

	cursorKey, err := localKey(filepath.Join(local, "cursor.key"))
	if err != nil {
		return err
	}
	mailTokenKey, err := localKey(filepath.Join(local, "mail-token.key"))
	if err != nil {
		return err
	}
	// This process queues the owner's invitation itself when it is still
	// pending (ownerInvitation): with the same key as the functions.
	outbox.UseLinkKeys(func() (string, error) { return mailTokenKey, nil })
	params := map[string]string{
		"OwnerEmail":  owner,
		"SenderEmail": "noreply@example.com",
		"Stage":       "local",
		"AppUrl":      "http://" + o.addr, // links in mails open this API's own pages
	}
	if o.allowedOrigin != "" {
		params["AllowedOrigin"] = o.allowedOrigin
	}
	stack, err := localstack.Start(ctx, localstack.Config{
		Root:       root,
		Addr:       o.addr,
		StateDir:   stateDir,
		StackName:  "backoffice",
		Region:     region,
		Endpoints:  localstack.Endpoints{DynamoDB: emu.DynamoDB, Cognito: emu.Cognito, SES: emu.SES, S3: emu.S3, S3Events: emu.S3Events},
		Parameters: params,
		// The cursor key and the mail token key are SSM SecureStrings, as
		// scripts/deploy.sh makes them in AWS; the stack's SSM endpoint
		// serves them.
		SSMParameters: map[string]string{
			secret.CursorKeyName("backoffice"):    cursorKey,
			secret.MailTokenKeyName("backoffice"): mailTokenKey,
		},
		ExtraEnv: map[string]string{"DIRECTORY_EMULATED": "true"},
		Logs:     os.Stderr,
	})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Println("stopping...")
		if err := stack.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "dev: stop stack:", err)
		}
		_ = emu.Close()
		fmt.Println("stopped")
	}()

	envFile := filepath.Join(local, "dev.env")
	if err := writeEnvFile(envFile, emu, stack); err != nil {
		return err
	}
	defer os.Remove(envFile)

	ownerLine, err := ownerInvitation(ctx, emu, stack, owner, firstStart)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		ownerLine = "could not check the owner: " + err.Error()
	}
	banner(emu, stack, owner, ownerLine, time.Since(began))

	<-ctx.Done()
	stop()
	return nil
}

var invitationLink = regexp.MustCompile(`https?://[^\s"'<>]*accept-invitation[^\s"'<>]*`)

// ownerInvitation finds the owner's invitation link, or says the owner is
// active. Mails live in memory in the SES emulator, so after a restart a
// still-invited owner gets a fresh invitation (earlier links stop working).
func ownerInvitation(ctx context.Context, emu *emulators.Set, stack *localstack.Stack, owner string, firstStart bool) (string, error) {
	table := stack.Resource("Table")
	if table == "" {
		return "", errors.New("the stack has no Table resource")
	}
	db := store.New(store.NewClient(emu.AWSConfig(region)), table)
	svc := &staff.Service{Store: db, Now: db.Now}
	p, err := svc.ByEmail(ctx, owner)
	if errors.Is(err, problem.NotFound) {
		return "", fmt.Errorf("%s was not seeded (see the owner-bootstrap function's log above)", owner)
	}
	if err != nil {
		return "", err
	}
	if p.Status != store.StatusInvited {
		return fmt.Sprintf("%s (already %s: sign in with your password)", owner, p.Status), nil
	}

	idle, cancel := context.WithTimeout(ctx, 20*time.Second)
	_ = stack.WaitStreamsIdle(idle)
	cancel()
	wait := time.Duration(0)
	if firstStart {
		wait = 20 * time.Second // the custom resource queued it just now
	}
	if link, err := waitLink(ctx, emu, owner, wait); err != nil || link != "" {
		return link, err
	}

	linkBase := stack.Outputs()["LinkBase"]
	if linkBase == "" {
		linkBase = stack.URL()
	}
	fmt.Printf("%s has not accepted the invitation yet: queuing a fresh one\n", owner)
	if _, err := setup.InviteOwner(ctx, svc, owner, linkBase); err != nil {
		return "", err
	}
	link, err := waitLink(ctx, emu, owner, 20*time.Second)
	if err == nil && link == "" {
		err = errors.New("no invitation mail within 20 s (see the mail-sender log above)")
	}
	return link, err
}

// waitLink polls the SES store for the newest invitation link sent to addr.
func waitLink(ctx context.Context, emu *emulators.Set, addr string, wait time.Duration) (string, error) {
	deadline := time.Now().Add(wait)
	for {
		mails, err := emu.Mails(ctx)
		if err != nil {
			return "", err
		}
		link := ""
		for _, m := range mails {
			if !sentTo(m, addr) {
				continue
			}
			if l := invitationLink.FindString(m.Text); l != "" {
				link = l
			}
		}
		if link != "" || time.Now().After(deadline) {
			return link, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func sentTo(m emulators.Mail, addr string) bool {
	for _, to := range m.To {
		if strings.Contains(strings.ToLower(to), addr) {
			return true
		}
	}
	return false
}

func banner(emu *emulators.Set, stack *localstack.Stack, owner, ownerLine string, took time.Duration) {
	line := strings.Repeat("─", 72)
	fmt.Println()
	fmt.Println(line)
	fmt.Printf("  backoffice is running (ready in %s)\n\n", took.Round(100*time.Millisecond))
	fmt.Printf("  Console       %s/console   (sign in here)\n", stack.URL())
	fmt.Printf("  API           %s\n", stack.URL())
	fmt.Printf("  Mail viewer   %s/\n", emu.SES)
	fmt.Printf("  DynamoDB      %s   table %s\n", emu.DynamoDB, stack.Resource("Table"))
	fmt.Printf("  Cognito       %s   staff pool %s, client %s\n", emu.Cognito, stack.Resource("StaffUserPool"), stack.Resource("StaffUserPoolClient"))
	fmt.Printf("                %*s   customer pool %s, client %s\n", len(emu.Cognito), "", stack.Resource("CustomerUserPool"), stack.Resource("CustomerUserPoolClient"))
	if emu.S3 != "" {
		fmt.Printf("  S3            %s   (S3RVER/S3RVER, path-style)", emu.S3)
		if b := stack.Resource("ThumbnailBucket"); b != "" {
			fmt.Printf("   thumbnails in %s/%s", emu.S3, b)
		}
		fmt.Println()
	}
	if strings.HasPrefix(ownerLine, "http") {
		fmt.Printf("  Owner         %s\n", owner)
		fmt.Printf("  Invitation    %s\n", ownerLine)
		if local := localLink(ownerLine, stack.URL()); local != "" {
			fmt.Printf("  Open locally  %s\n", local)
		}
	} else {
		fmt.Printf("  Owner         %s\n", ownerLine)
	}
	fmt.Println()
	fmt.Println("  Data survives restarts (.local/data); scripts/dev.sh --fresh starts over.")
	fmt.Println("  Emulator output: .local/logs/emulators.log. Ctrl-C stops everything.")
	fmt.Println(line)
}

func repoRoot() (string, error) {
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
			return "", errors.New("go.mod not found: run scripts/dev.sh inside the repository")
		}
		dir = parent
	}
}

func needsS3(root string) bool {
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	return err == nil && strings.Contains(string(b), "AWS::S3::Bucket")
}

// localKey returns the random key kept in path, creating it on first use,
// so cursors stay valid across restarts of the local stack.
func localKey(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	key := base64.RawURLEncoding.EncodeToString(buf)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return key, os.WriteFile(path, []byte(key+"\n"), 0o600)
}

func isEmptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err != nil || len(entries) == 0
}

// openLog truncates the log of the previous run.
func openLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.Create(path)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Millisecond) }

// localLink returns link moved onto the local API when the template's
// LinkBase points elsewhere (an API Gateway host that does not exist
// locally), or "" when link already is local.
func localLink(link, apiURL string) string {
	u, err := url.Parse(link)
	if err != nil || strings.HasPrefix(link, apiURL) {
		return ""
	}
	api, err := url.Parse(apiURL)
	if err != nil {
		return ""
	}
	u.Scheme, u.Host = api.Scheme, api.Host
	return u.String()
}

// writeEnvFile leaves the running stack's coordinates in .local/dev.env for
// tools that talk to it (scripts/owner-invite.sh --local sources it; any AWS
// SDK or CLI honours the AWS_ENDPOINT_URL_* variables). It is removed on exit.
func writeEnvFile(path string, emu *emulators.Set, stack *localstack.Stack) error {
	linkBase := stack.Outputs()["LinkBase"]
	if localLink(linkBase, stack.URL()) != "" || linkBase == "" {
		linkBase = stack.URL() // the API serves the pages the links open
	}
	lines := []string{
		"# written by scripts/dev.sh while it runs; removed when it stops",
		"AWS_REGION=" + region,
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_ENDPOINT_URL_DYNAMODB=" + emu.DynamoDB,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=" + emu.Cognito,
		"AWS_ENDPOINT_URL_SES=" + emu.SES,
		"AWS_ENDPOINT_URL_SESV2=" + emu.SES,
		"API_URL=" + stack.URL(),
		"LINK_BASE=" + linkBase,
		"TABLE_NAME=" + stack.Resource("Table"),
		"STAFF_POOL_ID=" + stack.Resource("StaffUserPool"),
		"STAFF_CLIENT_ID=" + stack.Resource("StaffUserPoolClient"),
		"CUSTOMER_POOL_ID=" + stack.Resource("CustomerUserPool"),
		"CUSTOMER_CLIENT_ID=" + stack.Resource("CustomerUserPoolClient"),
		// scripts/owner-invite.sh --local reads the mail token key where
		// the functions do.
		"AWS_ENDPOINT_URL_SSM=" + stack.SSMURL(),
		secret.MailTokenKeyParameterEnv + "=" + secret.MailTokenKeyName("backoffice"),
	}
	if emu.S3 != "" {
		lines = append(lines, "AWS_ENDPOINT_URL_S3="+emu.S3, "THUMBNAIL_BUCKET="+stack.Resource("ThumbnailBucket"))
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}
