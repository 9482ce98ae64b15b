#!/usr/bin/env bash
# Loads N realistic customers (accented names, companies, every status) with
# BatchWriteItem, to try lists and search with data.
#
#   scripts/seed-customers.sh --local N           into scripts/dev.sh's stack
#   scripts/seed-customers.sh --stack NAME N      into a deployed stack (needs AWS credentials)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 --local N | --stack STACK_NAME N" >&2; exit 2; }

case "${1:-}" in
  --local)
    [ $# -eq 2 ] || usage
    env_file=.local/dev.env
    [ -f "$env_file" ] || { echo "no $env_file: start the local stack with scripts/dev.sh first" >&2; exit 1; }
    set -a; . "$env_file"; set +a
    exec go run ./infra/cmd/seed-customers -table "$TABLE_NAME" -n "$2"
    ;;
  --stack)
    [ $# -eq 3 ] || usage
    table=$(aws cloudformation describe-stacks --stack-name "$2" \
      --query "Stacks[0].Outputs[?OutputKey=='TableName'].OutputValue" --output text)
    exec go run ./infra/cmd/seed-customers -table "$table" -n "$3"
    ;;
  *) usage ;;
esac
