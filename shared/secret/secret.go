// Package secret gives functions the secrets they need without putting them
// in template.yaml or the repository: in AWS they live in SSM Parameter Store
// as SecureString parameters (scripts/deploy.sh creates them); the local
// stack serves the same parameters from an SSM endpoint of its own.
//
// Functions that sign cursors, and those that issue or send mails with a
// link (shared/outbox), fetch their parameter (one signed HTTPS call, not
// the SSM client) on the first request that needs it: a cold start of a
// list function that is not asked to page pays nothing.
package secret

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"backoffice/shared/awsenv"
	"backoffice/shared/list"
)

// CursorKeyParameterEnv names the SSM SecureString parameter holding the
// cursor keys (template.yaml sets it; IAM allows ssm:GetParameter on it
// alone). There is deliberately no variable that holds a key itself: a
// deployed template could then carry one in plain text. The local stack
// serves the same parameter from its own SSM endpoint (AWS_ENDPOINT_URL_SSM).
const CursorKeyParameterEnv = "CURSOR_KEY_PARAMETER"

// CursorKeyName is the name of a stack's cursor key parameter, as
// scripts/deploy.sh creates it and template.yaml passes it on.
func CursorKeyName(stackName string) string { return "/" + stackName + "/cursor-key" }

// MailTokenKeyParameterEnv names the SSM SecureString parameter holding the
// keys the tokens of mail links are derived from (shared/outbox, Link):
// like the cursor key, template.yaml passes only the name and scripts/deploy.sh
// creates the parameter.
const MailTokenKeyParameterEnv = "MAIL_TOKEN_KEY_PARAMETER"

// MailTokenKeyName is the name of a stack's mail token key parameter.
func MailTokenKeyName(stackName string) string { return "/" + stackName + "/mail-token-key" }

// CursorSigner returns the signer for list cursors. Call it once at cold
// start (in main); the keys are read on first use and kept for the life of
// the process. The value is one or more keys separated by white space: the
// first signs, all verify (rotation, README "Rotating secrets").
//
// It panics when the variable is not set, so a misconfigured function fails
// its init visibly instead of signing with a guessable key.
func CursorSigner() list.Signer {
	name := os.Getenv(CursorKeyParameterEnv)
	if name == "" {
		panic("missing environment variable " + CursorKeyParameterEnv)
	}
	return list.NewLazySigner(func() ([]string, error) {
		v, err := Parameter(awsenv.Config(), name)
		if err != nil {
			return nil, err
		}
		return strings.Fields(v), nil
	})
}

// Parameter reads one SecureString (or String) parameter, decrypted: the
// SSM GetParameter call (JSON 1.1 protocol) signed with the SDK's SigV4
// signer. Not service/ssm: measured on arm64 it made a list function 1.25 MB
// bigger and its cold init 1.48× → 1.98× hello-world, for one call per
// process (benchmarks/RESULTS.md). The test checks this request against the
// one service/ssm sends. The signer has no request context to pass down, so
// the call is bounded here: 3 s for every attempt together, throttling and
// server errors retried (retryAfter) as the SDK's standard retryer would.
func Parameter(cfg aws.Config, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	// Recorded once: retries are the same call to IAM.
	awsenv.RecordCall("SSM", "GetParameter", map[string]any{"Name": name})
	for attempt := 1; ; attempt++ {
		v, err := parameter(ctx, cfg, name)
		if err == nil || !retryAfter(ctx, attempt, err) {
			return v, err
		}
	}
}

func parameter(ctx context.Context, cfg aws.Config, name string) (string, error) {
	body, err := json.Marshal(map[string]any{"Name": name, "WithDecryption": true})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ssmEndpoint(cfg.Region)+"/", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("ssm: credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", cfg.Region, time.Now()); err != nil {
		return "", fmt.Errorf("ssm: sign: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("ssm GetParameter %s: %w", name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("ssm GetParameter %s: %w", name, err)
	}
	if resp.StatusCode != http.StatusOK {
		// {"__type":"com.amazonaws...#ParameterNotFound","message":"..."};
		// the value is never part of an error answer, so it is safe to log.
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		code := e.Type[strings.LastIndex(e.Type, "#")+1:]
		return "", &ssmError{status: resp.StatusCode, code: code,
			err: fmt.Errorf("ssm GetParameter %s: HTTP %d %s %s", name, resp.StatusCode, code, e.Message)}
	}
	var out struct {
		Parameter struct{ Value *string }
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", fmt.Errorf("ssm GetParameter %s: %w", name, err)
	}
	if out.Parameter.Value == nil {
		return "", errors.New("ssm GetParameter " + name + ": no value")
	}
	return *out.Parameter.Value, nil
}

// ssmEndpoint follows AWS_ENDPOINT_URL_SSM like the SDK, else the regional
// endpoint (China regions have their own domain).
func ssmEndpoint(region string) string {
	for _, v := range []string{"AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL"} {
		if e := os.Getenv(v); e != "" {
			return strings.TrimSuffix(e, "/")
		}
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://ssm." + region + "." + suffix
}

// ssmError is an error answer of SSM: its HTTP status and error code.
type ssmError struct {
	status int
	code   string
	err    error
}

func (e *ssmError) Error() string { return e.err.Error() }

// Retries of the GetParameter call: at most maxAttempts in all, each wait
// drawn at random below retryBase·2^(attempt-1) ("full jitter", so cold
// starts throttled together do not retry together), and none that would end
// past the call's deadline.
const (
	maxAttempts = 4
	retryBase   = 100 * time.Millisecond
)

// retryAfter reports whether err is worth another attempt (throttling: a
// ThrottlingException or other throttling code, HTTP 429; or a 5xx) and, if
// so, waits before it. It answers false when the attempts or the time of
// ctx are used up.
func retryAfter(ctx context.Context, attempt int, err error) bool {
	var e *ssmError
	if attempt >= maxAttempts || !errors.As(err, &e) {
		return false
	}
	switch {
	case e.status == http.StatusTooManyRequests, e.status >= 500:
	case e.code == "ThrottlingException", e.code == "Throttling", e.code == "TooManyRequestsException", e.code == "RequestLimitExceeded":
	default:
		return false
	}
	wait := rand.N(retryBase << (attempt - 1))
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait+retryBase {
		return false // no time left for the wait and a call after it
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
