#!/usr/bin/env bash
# Post-deploy smoke test: a throw-away staff member goes through invitation,
# sign-in, password reset and sign-out on the deployed API, then is deleted.
#
#   scripts/smoke.sh --stack NAME [--region REGION] [--owner EMAIL] [--email MAILBOX] [--dry-run]
#   scripts/smoke.sh --url BASE [--owner EMAIL] [--email MAILBOX] [--dry-run]
#
# --stack reads the API's address from the stack's outputs (AWS CLI,
# credentials allowed cloudformation:DescribeStacks); the region is --region,
# else AWS_REGION, else AWS_DEFAULT_REGION, else the AWS CLI profile's.
# --url runs the same sequence against any API (the local stack, for one).
#
# It needs an owner's (or admin's: staff.invite and staff.delete) email and
# password to invite and delete: the password is read without echo and
# never printed, nor are the tokens or links it handles. The mails' links
# reach only the mailbox, so it asks you to paste each one (standard input,
# one line each). In the SES sandbox the mailbox must be a verified identity
# (the address or its domain), or no mail arrives.
#
# Steps: GET every public path; the console: / leads to /console, whose
# page names a script under /console/<build>/ that is served for a year;
# owner login; invite; inspect; accept; login; me; forgot; reset; the old
# session is over; login with the new password; logout; the token is
# refused; delete the staff member; it is gone; owner logout. On a failure
# it still deletes the staff member it made.
#
# --dry-run needs neither AWS nor the API: it prints every step and call.
#
# Written for bash 3.2 (macOS's /bin/bash), like scripts/deploy.sh; needs curl.
set -euo pipefail
cd "$(dirname "$0")/.."

# Public paths every deployed API answers with 200. The one list to extend
# (the console's paths are a step of their own: they need more than a 200).
PUBLIC_PATHS="/health /openapi.json"

usage() {
  echo "usage: $0 --stack NAME [--region REGION] | --url BASE   [--owner EMAIL] [--email MAILBOX] [--dry-run]" >&2
  exit 2
}

stack="" base="" region="" owner_email="" mailbox="" dry_run=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stack) [[ $# -ge 2 ]] || usage; stack=$2; shift 2 ;;
    --url) [[ $# -ge 2 ]] || usage; base=${2%/}; shift 2 ;;
    --region) [[ $# -ge 2 ]] || usage; region=$2; shift 2 ;;
    --owner) [[ $# -ge 2 ]] || usage; owner_email=$2; shift 2 ;;
    --email) [[ $# -ge 2 ]] || usage; mailbox=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    *) usage ;;
  esac
done
if [[ -n "$stack" && -n "$base" ]] || [[ -z "$stack" && -z "$base" ]]; then
  usage
fi

say() { printf '%s\n' "$*"; }
fail() {
  printf 'smoke: FAILED: %s\n' "$*" >&2
  exit 1
}
ask() { printf '%s' "$*" >&2; }
# answered: ends the prompt's line when the answer came from a pipe, not typed.
answered() { [[ -t 0 ]] || printf '\n' >&2; }

if [[ $dry_run != 1 ]]; then
  command -v curl >/dev/null 2>&1 || fail "curl is not installed"
fi

# --- where the API is --------------------------------------------------------
if [[ -n "$stack" ]]; then
  [[ -n "$region" ]] || region=${AWS_REGION:-}
  [[ -n "$region" ]] || region=${AWS_DEFAULT_REGION:-}
  if [[ -z "$region" ]] && command -v aws >/dev/null 2>&1; then
    region=$(aws configure get region 2>/dev/null || true)
  fi
  [[ -n "$region" ]] || fail "no AWS region: give --region, or set AWS_REGION, or aws configure set region <region>"
  if [[ $dry_run == 1 ]]; then
    say "would run: aws cloudformation describe-stacks --region $region --stack-name $stack --query \"Stacks[0].Outputs[?OutputKey=='ApiUrl'].OutputValue\" --output text"
    base="<ApiUrl of $stack>"
  else
    command -v aws >/dev/null 2>&1 || fail "the aws CLI is not installed (README \"Deploying to AWS\")"
    base=$(aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
      --query "Stacks[0].Outputs[?OutputKey=='ApiUrl'].OutputValue" --output text)
    [[ -n "$base" && "$base" != None ]] || fail "stack $stack in $region has no ApiUrl output"
    base=${base%/}
  fi
fi
say "smoke test of $base"

# --- who ----------------------------------------------------------------------
if [[ -z "$mailbox" && $dry_run != 1 ]]; then
  ask "Mailbox for the smoke-test staff member (you will paste links from its mail): "
  read -r mailbox || fail "no mailbox given"
  answered
fi
[[ -n "$mailbox" ]] || mailbox="<mailbox>"
if [[ -z "$owner_email" && $dry_run != 1 ]]; then
  ask "Owner's email (to invite and later delete the smoke-test staff member): "
  read -r owner_email || fail "no owner email given"
  answered
fi
[[ -n "$owner_email" ]] || owner_email="<owner email>"
say "The smoke-test staff member is $mailbox: it must receive mail, and in the SES sandbox"
say "it must be a verified identity (the address or its domain), or no link arrives."
owner_password=""
if [[ $dry_run == 1 ]]; then
  say "would ask for the password of $owner_email (read -s: not echoed, never printed)"
else
  ask "Password of $owner_email (not echoed): "
  read -r -s owner_password || fail "no password given"
  printf '\n' >&2 # read -s does not echo the newline either
  [[ -n "$owner_password" ]] || fail "empty password"
fi

# --- plumbing -------------------------------------------------------------------
# Requests go through curl config files in a private folder, so no token or
# password is ever on a command line (ps shows those).
work=$(mktemp -d "${TMPDIR:-/tmp}/smoke.XXXXXX")
chmod 700 "$work"
: >"$work/body"
: >"$work/headers"
staff_id="" owner_access="" owner_refresh="" status=""

# json_escape TEXT: TEXT as the inside of a JSON string.
json_escape() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

# header NAME: the value of header NAME in the last answer ("" without one).
header() { { grep -i "^$1:" "$work/headers" || true; } | sed -n '1s/^[^:]*: *//p' | tr -d '\r'; }

# field NAME: the string value of "NAME" in the last answer (the API answers
# compact JSON; tokens and ids never hold quotes).
field() { { grep -o "\"$1\":\"[^\"]*\"" "$work/body" || true; } | sed -n '1s/.*:"\(.*\)"$/\1/p'; }

# redacted: the last answer with tokens and passwords blanked, cut short.
redacted() {
  sed -E 's/"(accessToken|refreshToken|idToken|token|password|newPassword)":"[^"]*"/"\1":"<hidden>"/g' "$work/body" | cut -c1-600
}

# random_text N: N characters of [A-Za-z0-9].
random_text() { head -c 64 /dev/urandom | base64 | LC_ALL=C tr -dc 'A-Za-z0-9' | cut -c1-"$1"; }

# body JSON: the request body of the next call (printf is a builtin: the
# values never reach a command line).
body() { printf '%s' "$1" >"$work/request"; }

# api EXPECTED METHOD PATH TOKEN_VAR SHOWN_BODY: one request. TOKEN_VAR names
# the variable holding the bearer token ("" for none); SHOWN_BODY is what the
# output says about the body ("" for none), the body itself is the last
# body() call. Fails unless the status is EXPECTED.
api() {
  local expected=$1 method=$2 path=$3 token_var=$4 shown=$5
  if [[ $dry_run == 1 ]]; then
    say "    would call: $method $base$path${token_var:+ (Authorization: Bearer <$token_var>)}${shown:+ body $shown} -> expect $expected"
    return 0
  fi
  {
    printf 'url = "%s%s"\n' "$base" "$path"
    printf 'request = "%s"\n' "$method"
    if [[ -n "$token_var" ]]; then
      printf 'header = "Authorization: Bearer %s"\n' "${!token_var}"
    fi
    if [[ -n "$shown" ]]; then
      printf 'header = "Content-Type: application/json"\n'
      printf 'data-binary = "@%s"\n' "$work/request"
    fi
    if [[ -n "${idempotency_key:-}" ]]; then
      printf 'header = "Idempotency-Key: %s"\n' "$idempotency_key"
    fi
  } >"$work/curlrc"
  : >"$work/body"
  status=$(curl --silent --show-error --max-time 30 --config "$work/curlrc" \
    --output "$work/body" --dump-header "$work/headers" --write-out '%{http_code}') || {
    say "    $method $path: curl could not reach $base" >&2
    status=000
    return 1
  }
  rm -f "$work/request"
  if [[ "$status" != "$expected" ]]; then
    say "    $method $path -> $status (want $expected): $(redacted)"
    return 1
  fi
  say "    $method $path -> $status"
}

# link WHAT: asks for the link of the mail WHAT and keeps its token.
link_token=""
link() {
  if [[ $dry_run == 1 ]]; then
    say "    would ask for the $1 link from the mail to $mailbox (pasted, not printed; its #token= is used)"
    link_token="<token from the link>"
    return 0
  fi
  local line
  ask "Paste the link of the $1 mail to $mailbox: "
  read -r line || fail "no $1 link given"
  answered
  link_token=$(printf '%s' "$line" | sed -n 's/.*#token=\([A-Za-z0-9_-]*\).*/\1/p')
  [[ -n "$link_token" ]] || fail "that is not a $1 link (no #token= in it)"
  say "    got the $1 link"
}

n=0
step() {
  n=$((n + 1))
  say "==> $n. $*"
}

# cleanup: on any exit, delete the staff member if it still exists (a fresh
# access token first: the owner's may have expired while waiting for mail),
# end the owner's session, remove the private folder.
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$staff_id" ]]; then
    say "==> cleanup: deleting the smoke-test staff member $mailbox"
    body "{\"refreshToken\":\"$owner_refresh\"}"
    if api 200 POST /auth/refresh "" "{refreshToken: <owner's>}"; then
      owner_access=$(field accessToken)
    fi
    if ! api 204 DELETE "/staff/$staff_id" owner_access "" && [[ "$status" != 404 ]]; then
      say "smoke: could not delete staff member $staff_id ($mailbox): delete it in the backoffice (DELETE /staff/$staff_id)" >&2
      rc=1
    fi
  fi
  if [[ -n "$owner_access" && $dry_run != 1 ]]; then
    body "{\"refreshToken\":\"$owner_refresh\"}"
    api 204 POST /auth/logout owner_access "{refreshToken: <owner's>}" >/dev/null
  fi
  rm -rf "$work"
  if [[ $rc != 0 ]]; then
    say "smoke: FAILED (step $n)" >&2
  fi
  exit $rc
}
trap cleanup EXIT

# --- the sequence ---------------------------------------------------------------
password=$(random_text 24)     # the smoke-test member's, never shown
new_password=$(random_text 24) # after the reset
mb=$(json_escape "$mailbox")

step "public paths answer"
for p in $PUBLIC_PATHS; do
  api 200 GET "$p" "" "" || fail "GET $p"
done

step "the console is served"
api 302 GET / "" "" || fail "GET / does not redirect"
if [[ $dry_run == 1 ]]; then
  say "    would check: its Location ends in /console"
else
  case "$(header Location)" in
    */console) ;;
    *) fail "GET / leads to \"$(header Location)\", not to /console" ;;
  esac
fi
# The bare /console needs a route of its own next to /console/{proxy+}.
api 200 GET /console "" "" || fail "GET /console"
# The page names its script under the build's path; the API's stage prefix
# (if any) is in $base already, so only the part from /console/ on is kept.
if [[ $dry_run == 1 ]]; then
  asset="/console/<build>/app.js"
else
  asset=$(grep -o 'src="[^"]*/console/[0-9a-z]*/app\.js"' "$work/body" | sed -n '1s#.*\(/console/[0-9a-z]*/app\.js\)"#\1#p')
  [[ -n "$asset" ]] || fail "the console's page names no /console/<build>/app.js"
fi
api 200 GET "$asset" "" "" || fail "GET $asset"
if [[ $dry_run == 1 ]]; then
  say "    would check: it is JavaScript, cached for a year"
else
  case "$(header Content-Type)" in
    text/javascript*) ;;
    *) fail "$asset is served as \"$(header Content-Type)\", not text/javascript" ;;
  esac
  case "$(header Cache-Control)" in
    *immutable*) ;;
    *) fail "$asset is not cached as immutable: \"$(header Cache-Control)\"" ;;
  esac
fi

step "the owner signs in"
body "{\"email\":\"$(json_escape "$owner_email")\",\"password\":\"$(json_escape "$owner_password")\"}"
api 200 POST /auth/login "" "{email: $owner_email, password: <hidden>}" || fail "the owner could not sign in"
owner_access=$(field accessToken) owner_refresh=$(field refreshToken)
owner_password=""

step "the owner invites $mailbox"
idempotency_key="smoke-$(random_text 16)"
body "{\"email\":\"$mb\",\"firstName\":\"Smoke\",\"lastName\":\"Test\"}"
if ! api 201 POST /staff/invitations owner_access "{email: $mailbox, firstName: Smoke, lastName: Test} (Idempotency-Key)"; then
  case "$(field code)" in
    email_taken) fail "$mailbox is already a staff member: a smoke test needs a mailbox of its own (or delete the leftover first)" ;;
    seat_limit_reached) fail "no free seat for the smoke-test member" ;;
    *) fail "the invitation failed" ;;
  esac
fi
idempotency_key=""
if [[ $dry_run == 1 ]]; then
  staff_id="<id from Location>"
else
  staff_id=$({ grep -i '^location:' "$work/headers" || true; } | sed -n '1s#.*/staff/\([A-Za-z0-9]*\).*#\1#p')
  [[ -n "$staff_id" ]] || fail "the invitation answer has no Location /staff/<id>"
fi

step "the invitation link: inspect"
link invitation
body "{\"token\":\"$link_token\"}"
api 200 POST /auth/invitations/inspect "" "{token}" || fail "inspect refused the link"
if [[ $dry_run != 1 ]]; then
  got=$(field email)
  [[ "$(printf '%s' "$got" | tr '[:upper:]' '[:lower:]')" == "$(printf '%s' "$mailbox" | tr '[:upper:]' '[:lower:]')" ]] ||
    fail "the invitation is for $got, not $mailbox: paste the newest invitation to $mailbox"
fi

step "accept with a new password"
body "{\"token\":\"$link_token\",\"password\":\"$password\"}"
api 204 POST /auth/invitations/accept "" "{token, password: <generated>}" || fail "accept failed"

step "the new member signs in"
body "{\"email\":\"$mb\",\"password\":\"$password\"}"
api 200 POST /auth/login "" "{email: $mailbox, password: <generated>}" || fail "the new member could not sign in"
# shellcheck disable=SC2034 # access is read through ${!token_var} in api
access=$(field accessToken) refresh=$(field refreshToken)

step "who am I"
api 200 GET /auth/me access "" || fail "GET /auth/me failed"
if [[ $dry_run != 1 ]]; then
  grep -q "\"$staff_id\"" "$work/body" || fail "GET /auth/me is not about $staff_id"
fi

step "forgot password"
body "{\"email\":\"$mb\"}"
api 202 POST /auth/password/forgot "" "{email: $mailbox}" || fail "forgot-password failed"

step "the reset link: a new password"
link "password reset"
body "{\"token\":\"$link_token\",\"newPassword\":\"$new_password\"}"
api 204 POST /auth/password/reset "" "{token, newPassword: <generated>}" || fail "the reset failed"

step "the reset ended the earlier session"
api 401 GET /auth/me access "" || fail "the access token from before the reset still works"

step "sign in with the new password"
body "{\"email\":\"$mb\",\"password\":\"$new_password\"}"
api 200 POST /auth/login "" "{email: $mailbox, password: <generated>}" || fail "the new password does not sign in"
# shellcheck disable=SC2034 # access is read through ${!token_var} in api
access=$(field accessToken) refresh=$(field refreshToken)

step "logout"
body "{\"refreshToken\":\"$refresh\"}"
api 204 POST /auth/logout access "{refreshToken}" || fail "logout failed"
api 401 GET /auth/me access "" || fail "the token still works after logout"

step "delete the smoke-test member"
body "{\"refreshToken\":\"$owner_refresh\"}"
api 200 POST /auth/refresh "" "{refreshToken: <owner's>}" || fail "the owner's session could not be refreshed"
[[ $dry_run == 1 ]] || owner_access=$(field accessToken)
api 204 DELETE "/staff/$staff_id" owner_access "" || fail "deleting the smoke-test member failed"
deleted=$staff_id
staff_id=""
api 404 GET "/staff/$deleted" owner_access "" || fail "the smoke-test member is still there"

step "the owner signs out"
body "{\"refreshToken\":\"$owner_refresh\"}"
api 204 POST /auth/logout owner_access "{refreshToken: <owner's>}" || fail "the owner's logout failed"
owner_access=""

if [[ $dry_run == 1 ]]; then
  say "smoke: dry run, $n steps printed, nothing called"
else
  say "smoke: ok ($n steps against $base)"
fi
