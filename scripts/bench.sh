#!/usr/bin/env bash
# Measures binary size (arm64) and cold init (host) of every function against
# a hello-world Lambda built the same way, and writes benchmarks/RESULTS.md.
# Sections of that file written by other tools are kept as they are.
#
#   scripts/bench.sh                         # everything, 20 starts each
#   scripts/bench.sh -only health,auth-login # some functions
#   scripts/bench.sh -sections init -rounds 5
#   scripts/bench.sh --load                  # bounded load run on a local stack:
#                                            # latency per route and warm memory
#   scripts/bench.sh --load -n 50 -c 4       # (infra/cmd/load, ~1.5 min)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--load" ]]; then
	shift
	export LOAD_INVOKED_AS="scripts/bench.sh --load"
	exec go run ./infra/cmd/load "$@"
fi
export BENCH_INVOKED_AS=scripts/bench.sh
exec go run ./infra/cmd/bench "$@"
