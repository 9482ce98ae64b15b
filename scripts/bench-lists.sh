#!/usr/bin/env bash
# Measures the cost of customer list pages as the table grows (issue 6,
# benchmarks/RESULTS.md "Customer lists at scale"): read units per page at 1,000 and 100,000
# customers for every sort, filter and search, p50/p99 of GET /customers
# through a fresh local stack on 127.0.0.1, and the seeding time. Writes the
# "Customer lists at scale" section of benchmarks/RESULTS.md; the other
# sections stay as they are.
#
#   scripts/bench-lists.sh                # 1,000 vs 100,000 customers
#   scripts/bench-lists.sh -n 10000       # quick run: 1,000 vs 10,000
#   scripts/bench-lists.sh -requests 0    # read units only
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_INVOKED_AS=scripts/bench-lists.sh
exec go run ./infra/cmd/listbench "$@"
