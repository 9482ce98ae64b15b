#!/usr/bin/env bash
# Runs the whole backoffice locally, no Docker and no AWS account needed:
# emulators for DynamoDB, Cognito and SES, every function of template.yaml
# behind the HTTP API on http://127.0.0.1:3000, and the first owner's
# invitation link in the banner. Needs Go, Java 17+ and Node 18+ with npm;
# the first run installs the emulators into .local (a minute or two).
#
#   scripts/dev.sh            # data in .local/data survives restarts
#   scripts/dev.sh --fresh    # start over: wipe .local/data and .local/stack
#   scripts/dev.sh -h         # ports, owner email, verbose emulator output
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./infra/cmd/dev "$@"
