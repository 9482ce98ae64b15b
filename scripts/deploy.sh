#!/usr/bin/env bash
# Builds and deploys the stack of one stage with the AWS SAM CLI.
#
#   scripts/deploy.sh --stage dev|prod [--dry-run] [--guided] [sam deploy arguments...]
#
# Settings per stage are in samconfig.toml ([dev], [prod]). Before deploying,
# the stage's cursor key and mail token key are created in SSM Parameter
# Store if they are missing (random SecureStrings; CloudFormation can not
# create SecureStrings).
#
# --dry-run needs neither AWS credentials nor the SAM CLI: it builds one
# function the way sam build will (linux/arm64, the flags below), checks the
# binary's recorded build settings, and prints the exact commands it would run.
#
# The region is the stage's `region` in samconfig.toml, else AWS_REGION, else
# AWS_DEFAULT_REGION, else the AWS CLI profile's (`aws configure get region`);
# every aws and sam deploy call gets it as --region, so the keys and the
# stack always land in the same region. Without one the script refuses.
#
# Written for bash 3.2 (macOS's /bin/bash): no associative arrays, mapfile,
# ${var,,} or &>>, and an array that may be empty is expanded as
# ${arr[@]+"${arr[@]}"} (before bash 4.4, "${arr[@]}" of an empty array is an
# unbound variable under set -u). infra/deploy checks both.
#
# SAM's go1.x builder runs a plain `go build` in each CodeUri with this
# environment, so the flags every function is built with are set here: the
# same stripped, norpc, static arm64 binaries the local stack runs and the
# benchmarks measure. -buildvcs=false keeps the commit id and time out of
# them: a commit that changes nothing a function uses leaves its binary
# byte-identical, so CloudFormation does not update that function
# (infra/deploy's TestBuildsAreReproducibleAcrossCommits proves it).
set -euo pipefail
cd "$(dirname "$0")/.."

export CGO_ENABLED=0
export GOFLAGS="-tags=lambda.norpc -trimpath '-ldflags=-s -w' -buildvcs=false"

usage() {
  echo "usage: $0 --stage dev|prod [--dry-run] [--guided] [sam deploy arguments...]" >&2
  exit 2
}

stage="" dry_run=0 guided=0
deploy_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stage) [[ $# -ge 2 ]] || usage; stage=$2; shift 2 ;;
    --stage=*) stage=${1#--stage=}; shift ;;
    --dry-run) dry_run=1; shift ;;
    --guided) guided=1; shift ;;
    *) deploy_args+=("$1"); shift ;;
  esac
done
case "$stage" in
  dev|prod) ;;
  *) usage ;;
esac

# setting NAME: a value of samconfig.toml's [<stage>.deploy.parameters].
setting() {
  awk -v section="[$stage.deploy.parameters]" -v key="$1" '
    /^\[/ { in_section = ($0 == section); next }
    in_section && $1 == key {
      sub(/^[^=]*=[ \t]*/, ""); gsub(/^"|"$/, ""); print; exit
    }' samconfig.toml
}

stack=$(setting stack_name)
[[ -n "$stack" ]] || { echo "samconfig.toml has no [$stage.deploy.parameters] stack_name" >&2; exit 1; }

region=$(setting region) region_from="samconfig.toml [$stage.deploy.parameters]"
if [[ -z "$region" && -n "${AWS_REGION:-}" ]]; then
  region=$AWS_REGION region_from=AWS_REGION
fi
if [[ -z "$region" && -n "${AWS_DEFAULT_REGION:-}" ]]; then
  region=$AWS_DEFAULT_REGION region_from=AWS_DEFAULT_REGION
fi
if [[ -z "$region" ]] && command -v aws >/dev/null 2>&1; then
  region=$(aws configure get region 2>/dev/null || true) region_from="aws configure get region"
fi
if [[ -z "$region" ]]; then
  echo "scripts/deploy.sh: no AWS region for stage $stage. Set one of: region = \"<region>\" in samconfig.toml [$stage.deploy.parameters]," >&2
  echo "  AWS_REGION, AWS_DEFAULT_REGION, or the AWS CLI profile's (aws configure set region <region>)." >&2
  exit 1
fi
echo "region: $region (from $region_from)"

run() {
  if [[ $dry_run == 1 ]]; then
    printf 'would run:'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# check_build builds one function like sam build does and checks the result:
# the build settings Go records in the binary, and that it is stripped (Go
# does not record -ldflags when -trimpath is on, so look at the ELF itself:
# no symbol table, no DWARF), so a broken GOFLAGS can not go unseen.
check_build() {
  local out settings want problem="" size
  out=$(mktemp -d)
  if ! GOOS=linux GOARCH=arm64 go build -o "$out/bootstrap" ./functions/health; then
    rm -rf "$out"
    return 1
  fi
  settings=$(go version -m "$out/bootstrap")
  for want in 'build	-tags=lambda.norpc' 'build	-trimpath=true' \
              'build	CGO_ENABLED=0' 'build	GOARCH=arm64' 'build	GOOS=linux'; do
    if ! grep -qF "$want" <<<"$settings"; then
      problem="the binary lacks '${want#build	}'"
      break
    fi
  done
  if [[ -z "$problem" ]] && grep -qF 'build	vcs' <<<"$settings"; then
    problem="the binary records the commit (-buildvcs=false missing from GOFLAGS)"
  fi
  if [[ -z "$problem" ]] && grep -qaF -e .symtab -e .debug_info "$out/bootstrap"; then
    problem="the binary is not stripped (-ldflags=-s -w missing from GOFLAGS)"
  fi
  size=$(wc -c <"$out/bootstrap" | tr -d ' ')
  rm -rf "$out"
  if [[ -n "$problem" ]]; then
    echo "build check: $problem; go version -m says:" >&2
    echo "$settings" >&2
    return 1
  fi
  echo "build check: ok (linux/arm64, CGO_ENABLED=0, -tags=lambda.norpc, -trimpath, stripped, no VCS stamp; functions/health $size bytes)"
}

check_build

if [[ $dry_run != 1 ]]; then
  for tool in sam aws; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "scripts/deploy.sh: the $tool CLI is not installed (README \"Deploying to AWS\")" >&2
      exit 1
    }
  done
  if [[ $guided != 1 ]] && grep -q '^parameter_overrides.*example\.com' <(awk -v s="[$stage.deploy.parameters]" '/^\[/{p=($0==s)} p' samconfig.toml); then
    echo "samconfig.toml [$stage.deploy.parameters] still has example.com addresses: put yours in, or use --guided" >&2
    exit 1
  fi
fi

# The keys: each created once, never overwritten (README "Rotating secrets").
# A value goes through a 0600 file, not the command line, so no process
# listing shows it.
ensure_key() {
  local what=$1 param_name=$2 description=$3 key
  echo "$what: SSM parameter $param_name"
  if [[ $dry_run == 1 ]]; then
    run aws ssm get-parameter --region "$region" --name "$param_name" --query Parameter.Version --output text
    echo "would run, if that parameter is missing: aws ssm put-parameter --region $region --cli-input-json file://<0600 temp file: Name=$param_name, Type=SecureString, Value=<32 random bytes, base64url>>"
  elif ! aws ssm get-parameter --region "$region" --name "$param_name" --query Parameter.Version --output text >/dev/null 2>&1; then
    key_input=$(mktemp)
    chmod 600 "$key_input"
    trap 'rm -f "$key_input"' EXIT
    key=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    printf '{"Name":"%s","Type":"SecureString","Value":"%s","Description":"%s"}' \
      "$param_name" "$key" "$description" >"$key_input"
    aws ssm put-parameter --region "$region" --cli-input-json "file://$key_input" >/dev/null
    rm -f "$key_input"
    trap - EXIT
    echo "$what: created"
  fi
}
ensure_key "cursor key" "/$stack/cursor-key" "Signs list cursors of stack $stack"
# The key the tokens of mail links are derived from (shared/outbox): no
# item holds a live link, only the functions that issue and send them can
# make the token again.
ensure_key "mail token key" "/$stack/mail-token-key" "Derives the tokens of mail links of stack $stack"

run sam build --config-env "$stage"
if [[ $guided == 1 ]]; then
  run sam deploy --config-env "$stage" --region "$region" --guided ${deploy_args[@]+"${deploy_args[@]}"}
else
  run sam deploy --config-env "$stage" --region "$region" ${deploy_args[@]+"${deploy_args[@]}"}
fi
echo "next, after a first deploy and after every deploy to prod: scripts/smoke.sh --stack $stack --region $region (README \"Smoke test\")"
