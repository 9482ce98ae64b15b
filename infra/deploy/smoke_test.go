package deploy

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// scripts/smoke.sh --dry-run needs no AWS and no API: it prints the stack
// lookup (with --region) and every step and call of the sequence, public
// paths and the console's first, the cleanup last. tests/api runs it for real against the
// local stack.
func TestSmokeDryRun(t *testing.T) {
	shells := []string{"bash"}
	if b := bash32(t); b != "" {
		shells = append(shells, b)
	}
	script := filepath.Join(root, "scripts", "smoke.sh")
	for _, sh := range shells {
		out, err := deployWith(t, sh, []string{"AWS_REGION=" + testRegion}, script, "--stack", "backoffice-prod", "--dry-run")
		if err != nil {
			t.Fatalf("%s: %v\n%s", sh, err, out)
		}
		api := "<ApiUrl of backoffice-prod>"
		want := []string{
			`would run: aws cloudformation describe-stacks --region eu-west-1 --stack-name backoffice-prod --query "Stacks[0].Outputs[?OutputKey=='ApiUrl'].OutputValue" --output text`,
			"in the SES sandbox\nit must be a verified identity",
			"would ask for the password of <owner email> (read -s: not echoed, never printed)",
			"would call: GET " + api + "/health -> expect 200",
			"would call: GET " + api + "/openapi.json -> expect 200",
			"would call: GET " + api + "/ -> expect 302",
			"would check: its Location ends in /console",
			"would call: GET " + api + "/console -> expect 200",
			"would call: GET " + api + "/console/<build>/app.js -> expect 200",
			"would check: it is JavaScript, cached for a year",
			"would call: POST " + api + "/auth/login body {email: <owner email>, password: <hidden>} -> expect 200",
			"would call: POST " + api + "/staff/invitations (Authorization: Bearer <owner_access>)",
			"would ask for the invitation link from the mail to <mailbox>",
			"would call: POST " + api + "/auth/invitations/inspect body {token} -> expect 200",
			"would call: POST " + api + "/auth/invitations/accept body {token, password: <generated>} -> expect 204",
			"would call: GET " + api + "/auth/me (Authorization: Bearer <access>) -> expect 200",
			"would call: POST " + api + "/auth/password/forgot body {email: <mailbox>} -> expect 202",
			"would ask for the password reset link from the mail to <mailbox>",
			"would call: POST " + api + "/auth/password/reset body {token, newPassword: <generated>} -> expect 204",
			"would call: GET " + api + "/auth/me (Authorization: Bearer <access>) -> expect 401",
			"would call: POST " + api + "/auth/logout (Authorization: Bearer <access>) body {refreshToken} -> expect 204",
			"would call: DELETE " + api + "/staff/<id from Location> (Authorization: Bearer <owner_access>) -> expect 204",
			"would call: GET " + api + "/staff/<id from Location> (Authorization: Bearer <owner_access>) -> expect 404",
			"smoke: dry run, 15 steps printed, nothing called",
		}
		last := -1
		for _, w := range want {
			i := strings.Index(out, w)
			if i < 0 {
				t.Errorf("%s: output lacks %q", sh, w)
				continue
			}
			if i < last {
				t.Errorf("%s: %q is out of order", sh, w)
			}
			last = i
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "aws ") && !regexp.MustCompile(`\baws [a-z0-9-]+ [a-z0-9-]+ --region eu-west-1\b`).MatchString(line) {
				t.Errorf("%s: an aws call without --region: %s", sh, line)
			}
		}
		if t.Failed() {
			t.Logf("output:\n%s", out)
		}
	}
}

func TestSmokeDryRunWithURLAndErrors(t *testing.T) {
	script := filepath.Join(root, "scripts", "smoke.sh")
	out, err := deployWith(t, "bash", nil, script, "--url", "https://api.example.com/", "--owner", "boss@example.com", "--email", "smoke@example.com", "--dry-run")
	if err != nil || strings.Contains(out, "aws ") ||
		!strings.Contains(out, "would call: GET https://api.example.com/health -> expect 200") ||
		!strings.Contains(out, "would call: POST https://api.example.com/auth/login body {email: boss@example.com, password: <hidden>}") ||
		!strings.Contains(out, "would call: POST https://api.example.com/auth/password/forgot body {email: smoke@example.com}") {
		t.Fatalf("--url: err %v, output:\n%s", err, out)
	}

	out, err = deployWith(t, "bash", nil, script, "--stack", "backoffice-prod", "--dry-run")
	if err == nil || !strings.Contains(out, "no AWS region") || strings.Contains(out, "would call") {
		t.Fatalf("no region: err %v, output:\n%s", err, out)
	}
	for _, args := range [][]string{{"--dry-run"}, {"--stack", "a", "--url", "http://b", "--dry-run"}, {"--stack"}, {"--bogus"}} {
		out, err := deployWith(t, "bash", nil, script, args...)
		if err == nil || !strings.Contains(out, "usage:") {
			t.Errorf("%q: err %v, output %s", args, err, out)
		}
	}
}
