package template

import (
	"fmt"
	"regexp"
	"strings"
)

// cachedBuild matches a samconfig.toml setting that turns on SAM's build
// cache, in any section (`cached = true`, quoted or not).
var cachedBuild = regexp.MustCompile(`^\s*cached\s*=\s*"?(?i:true)"?\s*(#.*)?$`)

// CheckSamconfig returns the rules samconfig.toml (its text) breaks, one line
// each: no stage may build with `cached = true`. A cached sam build hashes
// only each function's own CodeUri folder, so a change in shared/, go.mod or
// the build flags deploys the old binaries without a warning (aws-sam-cli
// issue 4662).
func CheckSamconfig(text string) []string {
	var problems []string
	section := "(top)"
	for i, line := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "[") {
			section = t
			continue
		}
		if cachedBuild.MatchString(line) {
			problems = append(problems, fmt.Sprintf("samconfig.toml:%d %s: cached = true (sam build would hash only each function's folder and deploy stale binaries after a change in shared/, go.mod or the flags; aws-sam-cli issue 4662)", i+1, section))
		}
	}
	return problems
}

// cachedFlag matches a `sam build` command line given --cached.
var cachedFlag = regexp.MustCompile(`\bsam\s+build\b[^\n]*\s--cached\b`)

// CheckDeployScript returns the rules scripts/deploy.sh (its text) breaks:
// it must not build with --cached either.
func CheckDeployScript(text string) []string {
	if cachedFlag.MatchString(text) {
		return []string{"scripts/deploy.sh: sam build --cached (deploys stale binaries, aws-sam-cli issue 4662)"}
	}
	return nil
}
