#!/usr/bin/env bash
# Sends a fresh invitation to a shop owner (the first mail can fail, e.g. in
# the SES sandbox). Runs the same code as the deploy-time custom resource.
#
#   scripts/owner-invite.sh --local EMAIL          against scripts/dev.sh's stack
#   scripts/owner-invite.sh --stack NAME EMAIL     against a deployed stack (needs the AWS CLI and credentials)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 --local EMAIL | --stack STACK_NAME EMAIL" >&2; exit 2; }

case "${1:-}" in
  --local)
    [ $# -eq 2 ] || usage
    env_file=.local/dev.env
    [ -f "$env_file" ] || { echo "no $env_file: start the local stack with scripts/dev.sh first" >&2; exit 1; }
    set -a; . "$env_file"; set +a
    exec go run ./infra/cmd/owner-invite -table "$TABLE_NAME" -link-base "$LINK_BASE" \
      -mail-token-key "$MAIL_TOKEN_KEY_PARAMETER" "$2"
    ;;
  --stack)
    [ $# -eq 3 ] || usage
    output() {
      aws cloudformation describe-stacks --stack-name "$2" \
        --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
    }
    table=$(output TableName "$2")
    link_base=$(output LinkBase "$2")
    # The link's token is derived from the stack's mail token key (SSM).
    exec go run ./infra/cmd/owner-invite -table "$table" -link-base "$link_base" \
      -mail-token-key "/$2/mail-token-key" "$3"
    ;;
  *) usage ;;
esac
