#!/usr/bin/env bash
# Measures binary size (arm64) and cold init (host) of every function against
# a hello-world Lambda built the same way, and writes benchmarks/RESULTS.md.
# Sections of that file written by other tools are kept as they are.
#
#   scripts/bench.sh                         # everything, 20 starts each
#   scripts/bench.sh -only health,auth-login # some functions
#   scripts/bench.sh -sections init -rounds 5
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_INVOKED_AS=scripts/bench.sh
exec go run ./infra/cmd/bench "$@"
