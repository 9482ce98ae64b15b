#!/usr/bin/env bash
# Every check CI runs, in order; exits non-zero on the first failure.
#   1. cfn-lint   2. gofmt   3. go vet (plain and -tags integration)
#   4. unit tests   5. integration tests: tests/... start their own emulators
#      and local stack on free ports (tests/stack), so a running
#      scripts/dev.sh is no problem.
#   6. the IAM check of every AWS call the functions made (infra/cmd/iamcheck).
# A fresh machine needs Go, Java 17+, Node 18+ with npm and cfn-lint (Python,
# with aws-sam-translator); the emulators install into .local on first use,
# and Chromium comes from Debian (ensure_chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

need() {
  local missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    echo "scripts/test.sh: missing on PATH: ${missing[*]} (needs Go, Java 17+, Node 18+ with npm)" >&2
    exit 1
  fi
}

# ---------------------------------------------------------------------------
# ensure_chromium: browser tests drive Debian's chromium through chromedp
# (README, "What runs where"); no tool may download a browser of its own. Installs
# it with apt-get only when no Chromium is found. Without root it fails with
# a clear message instead of trying sudo.
# ---------------------------------------------------------------------------
ensure_chromium() {
  if [[ -n "${CHROME_PATH:-}" && -x "${CHROME_PATH}" ]]; then
    return 0
  fi
  local b
  for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then
      return 0
    fi
  done
  apt_install chromium "or set CHROME_PATH to a Chromium binary."
}

# apt_install PACKAGE [HINT]: installs a missing Debian package whose command
# has the same name (first run only). Without root or apt-get it fails with
# the command to run by hand instead of trying sudo.
apt_install() {
  local pkg="$1" hint="${2:-}"
  if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: $pkg is missing and can not be installed here (needs root and apt-get)." >&2
    echo "  Debian/Ubuntu: sudo apt-get install -y $pkg   $hint" >&2
    return 1
  fi
  step "installing $pkg (Debian package, first run only)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
  command -v "$pkg" >/dev/null 2>&1 || { echo "scripts/test.sh: $pkg still missing after apt-get" >&2; return 1; }
}

# ensure_shellcheck: the operator scripts are checked with shellcheck
# (infra/deploy TestShellcheck, which fails rather than skips under
# TEST_REQUIRE_TOOLS). Installed with apt-get where it is missing.
ensure_shellcheck() {
  export TEST_REQUIRE_TOOLS=1
  command -v shellcheck >/dev/null 2>&1 && return 0
  apt_install shellcheck
}

# ensure_jsdom: the link pages' script is unit-tested in jsdom (shared/pages).
ensure_jsdom() {
  local dir=.local/jsdom version=26.1.0
  if [[ ! -f "$dir/node_modules/jsdom/package.json" ]] || ! grep -q "\"version\": \"$version\"" "$dir/node_modules/jsdom/package.json"; then
    step "installing jsdom $version (first run only)"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "jsdom@$version" >/dev/null
  fi
  export NODE_PATH="$PWD/$dir/node_modules"
}

# ensure_axe: the console's browser tests (tests/console) check every screen
# and open dialog with axe-core for WCAG 2.1 A/AA violations.
ensure_axe() {
  local dir=.local/axe version=4.10.3
  if [[ ! -f "$dir/node_modules/axe-core/package.json" ]] || ! grep -q "\"version\": \"$version\"" "$dir/node_modules/axe-core/package.json"; then
    step "installing axe-core $version (first run only)"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "axe-core@$version" >/dev/null
  fi
}

need go java node npm

# cfn-lint runs the SAM transform and validates every resource of the
# processed template against CloudFormation's schemas. Informational rules
# are on (-c I) and any finding fails, informational ones too
# (--non-zero-exit-code informational): a finding is either fixed or
# ignored in template.yaml's Metadata (cfn-lint: config: ignore_checks),
# with a comment saying why (infra/template checks the comment). Note that
# -c takes several values: the template must come after "--".
step "cfn-lint"
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "scripts/test.sh: cfn-lint is missing (CI has it). Install it with the SAM translator:" >&2
  echo "  pip install 'cfn-lint==1.51.0'   (it brings aws-sam-translator)" >&2
  exit 1
fi
cfn-lint --version
cfn-lint --include-checks I --non-zero-exit-code informational -- template.yaml

step "gofmt"
unformatted=$(find . \( -path ./.git -o -path ./.local -o -path ./.aws-sam -o -name node_modules \) -prune \
  -o -name '*.go' -type f -print | xargs -r gofmt -l)
if [[ -n "$unformatted" ]]; then
  echo "not gofmt-ed (run gofmt -w on them):" >&2
  echo "$unformatted" >&2
  exit 1
fi

step "go vet"
go vet ./...
go vet -tags integration ./...

step "unit tests"
ensure_jsdom
ensure_shellcheck
go test -count=1 ./...

step "fuzzing the parsers briefly (cursor, body decoding, email, folding)"
# Budgets are counts of inputs (about 5 s each here), not durations: with a
# duration, go1.26's fuzz coordinator can report a spurious "context deadline
# exceeded" when the time runs out on a busy machine (golang/go#75804).
# Minimizing a new input is capped at 1 s, or it can take the whole budget.
# FUZZTIME (e.g. 30s or 1000000x) overrides the budget of every target.
for target in "FuzzDecodeJSON ./shared/api 100000x" "FuzzCursor ./shared/list 100000x" \
  "FuzzEmail ./shared/text 300000x" "FuzzFold ./shared/text 300000x"; do
  set -- $target
  go test -run='^$' -fuzz="^$1\$" -fuzztime="${FUZZTIME:-$3}" -fuzzminimizetime=1s "$2"
done

step "integration tests"
ensure_chromium
ensure_axe
# Every AWS call the functions make is recorded here (tests/stack) and
# checked against their policies in template.yaml: by each package, then
# all together below.
rm -rf .local/calls
# tests/stack first, alone: it installs the emulators and builds every
# function into the shared build cache (.local/test-build), so the packages
# after it, which run in parallel, start their stacks without compiling.
go test -count=1 -tags integration -timeout 20m ./tests/stack
go test -count=1 -tags integration -timeout 30m $(go list -tags integration ./tests/... | grep -v '/tests/stack$')

step "IAM: every recorded call allowed by template.yaml, every grant used"
go run ./infra/cmd/iamcheck -calls .local/calls

step "all checks passed"
