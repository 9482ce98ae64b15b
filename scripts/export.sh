#!/usr/bin/env bash
# Exports staff, customers and categories as JSON lines or CSV (Query only,
# never Scan). Files are written readable by you only: they hold personal data.
#
#   scripts/export.sh --local [options]          the stack of scripts/dev.sh
#   scripts/export.sh --stack NAME [options]     a deployed stack (AWS CLI and credentials)
#
# options (infra/cmd/export): -kinds staff,customers,categories  -format jsonl|csv
#   -out DIR (default: standard output)  -dry-run (print the queries, touch nothing)
#
#   scripts/export.sh --stack backoffice-prod -format csv -out export-$(date +%F)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 --local | --stack STACK_NAME  [-kinds LIST] [-format jsonl|csv] [-out DIR] [-dry-run]" >&2; exit 2; }

dry_run=0
for a in "$@"; do
  [[ "$a" == "-dry-run" || "$a" == "--dry-run" ]] && dry_run=1
done

case "${1:-}" in
  --local)
    shift
    env_file=.local/dev.env
    [ -f "$env_file" ] || { echo "no $env_file: start the local stack with scripts/dev.sh first" >&2; exit 1; }
    set -a; . "$env_file"; set +a
    exec go run ./infra/cmd/export -table "$TABLE_NAME" "$@"
    ;;
  --stack)
    [ $# -ge 2 ] || usage
    stack=$2
    shift 2
    query=(aws cloudformation describe-stacks --stack-name "$stack"
      --query "Stacks[0].Outputs[?OutputKey=='TableName'].OutputValue" --output text)
    if [[ $dry_run == 1 ]]; then
      printf 'would run:'; printf ' %q' "${query[@]}"; printf '\n'
      table="<TableName of $stack>"
    else
      table=$("${query[@]}")
      [[ -n "$table" && "$table" != None ]] || { echo "stack $stack has no TableName output" >&2; exit 1; }
    fi
    exec go run ./infra/cmd/export -table "$table" "$@"
    ;;
  *) usage ;;
esac
