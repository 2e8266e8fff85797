#!/usr/bin/env bash
# The benchmark: gen3 against aria2c (with md5) and curl --parallel on the same presigned URLs,
# served by nginx on loopback, plus import and memory figures. Writes its report to report.md in
# the benchmark's directory (BENCH_DIR, /var/tmp/gen3-bench; --out elsewhere), never to
# BENCHMARKS.md, whose sections are written by hand from such reports.
#   scripts/bench.sh            # full: 3 alternating runs of each tool per dataset
#   RUNS=1 QUICK=1 scripts/bench.sh   # a fast smoke run with smaller datasets
#   scripts/bench.sh --wan      # only the WAN section (a commons 40 ms away; --no-wan, --no-kill skip sections)
#   scripts/bench.sh --wan --wan-sets small   # only some of its sets (small, huge, mid)
#   NO_COMMONS=1 scripts/bench.sh   # without the two-commons row (bench_commons.py, printed at the end)
#   NO_POSTGRES=1 scripts/bench.sh  # without the PostgreSQL rows (bench_postgres.py, printed at the end)
#   NO_SCALE=1 scripts/bench.sh     # without the scale row (bench_scale.py, at the end of the report)
#   scripts/bench.sh --wan --variant gen3-c8='--max-connections-per-file 8'   # gen3 with other flags beside it
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
need=()
for package in nginx-light aria2; do dpkg -s "$package" >/dev/null 2>&1 || need+=("$package"); done
if ((${#need[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# As gen3 is meant to be shipped: the Swift runtime and Foundation linked in (see README).
build_quietly -c release --static-swift-stdlib --product gen3
# The WAN section puts it between the tools and nginx (bench.py finds it beside gen3).
build_quietly -c release --static-swift-stdlib --product gen3-latency-proxy
bin=$(swift build -c release --show-bin-path)
python3 scripts/bench.py --gen3 "$bin/gen3" --runs "${RUNS:-3}" ${QUICK:+--quick} "$@"
if [ -z "${NO_COMMONS:-}" ]; then
  # Two commons against one, the same files (issue: a manifest spanning commons is no slower).
  build_quietly -c release --product gen3-test-commons
  python3 scripts/bench_commons.py --gen3 "$bin/gen3" --commons-binary "$bin/gen3-test-commons" --rounds "$((${RUNS:-3} * 2 - 1))"
fi
if [ -z "${NO_POSTGRES:-}" ]; then
  # The job in PostgreSQL against SQLite: the small set, files/s as workers grow, a 1M-row import.
  build_quietly -c release --product gen3-test-commons
  python3 scripts/bench_postgres.py --gen3 "$bin/gen3" --commons-binary "$bin/gen3-test-commons" --rounds "${RUNS:-3}"
fi
if [ -z "${NO_SCALE:-}" ]; then
  # The scale row, at the end of the report: import, one claim and status at 10^5 and 10^6 rows
  # (QUICK: 10^4 and 10^5) in both backends, and 10^8 on paper. BENCHMARKS.md's figures come from
  # --rows 1000000,10000000, which takes the better part of an hour.
  python3 scripts/bench_scale.py --gen3 "$bin/gen3" --runs "${RUNS:-3}" ${QUICK:+--rows 10000,100000}
fi
