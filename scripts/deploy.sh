#!/usr/bin/env bash
# Builds and deploys the stack with the AWS SAM CLI.
#
#   scripts/deploy.sh [--dry-run] [sam deploy arguments...]
#   scripts/deploy.sh --guided                 # first deploy: asks for the parameters
#
# SAM's go1.x builder runs a plain `go build` in each CodeUri with this
# environment, so the flags every function is built with are set here: the
# same stripped, norpc, static arm64 binaries the benchmarks measure.
set -euo pipefail
cd "$(dirname "$0")/.."

export CGO_ENABLED=0
export GOFLAGS="-tags=lambda.norpc -trimpath '-ldflags=-s -w'"

run() {
  if [[ "${DRY_RUN:-}" == 1 ]]; then
    printf 'would run: CGO_ENABLED=%s GOFLAGS=%q %s\n' "$CGO_ENABLED" "$GOFLAGS" "$*"
  else
    "$@"
  fi
}

if [[ "${1:-}" == "--dry-run" ]]; then
  DRY_RUN=1
  shift
fi
if [[ "${DRY_RUN:-}" != 1 ]] && ! command -v sam >/dev/null 2>&1; then
  echo "scripts/deploy.sh: the AWS SAM CLI is not installed (https://docs.aws.amazon.com/serverless-application-model/)" >&2
  exit 1
fi

run sam build
run sam deploy "$@"
