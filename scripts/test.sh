#!/usr/bin/env bash
# The whole test suite: unit tests and end-to-end tests that run the real gen3 binary against the
# bundled test commons on loopback, and the PostgreSQL tests against a throwaway cluster
# (scripts/postgres.sh); then the end-to-end tests again with every job in PostgreSQL
# (GEN3_TEST_BACKEND=postgres). Ends with one "N passed, N failed" line.
#   scripts/test.sh             # the suite
#   scripts/test.sh --sanitize  # instead: unit tests and a two-worker download under TSan, then ASan
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--sanitize" ]; then shift; exec bash scripts/sanitize.sh "$@"; fi
source scripts/bootstrap.sh
swift build --build-tests
# The PostgreSQL tests' server: a throwaway cluster, stopped and removed however the suite ends.
postgres_dir=$(mktemp -d /tmp/gen3-test-pg.XXXXXX)
trap 'bash scripts/postgres.sh stop "$postgres_dir" || true' EXIT
trap 'exit 130' INT TERM
GEN3_TEST_POSTGRES=$(bash scripts/postgres.sh start "$postgres_dir")
export GEN3_TEST_POSTGRES
# A deadlock fails the run instead of hanging it: the suite has 40 minutes (it takes a few), and
# every process a test starts has a watchdog of its own (Tests/TestSupport/ProcessWatchdog.swift).
# timeout signals the whole process group, so the parallel test processes stop too.
suite_timeout=${GEN3_SUITE_TIMEOUT:-40m}
rm -f .build/xunit*.xml
status=0
timeout --kill-after=60 "$suite_timeout" swift test --skip-build --parallel --disable-swift-testing --xunit-output .build/xunit.xml "$@" ||
  status=$?
# The same end-to-end tests with the jobs in PostgreSQL (not when given arguments, which pick
# tests). SharedJobTests use PostgreSQL in both passes: once is enough.
if [ $# -eq 0 ] && [ "$status" != 124 ] && [ "$status" != 137 ]; then
  GEN3_TEST_BACKEND=postgres timeout --kill-after=60 "$suite_timeout" swift test --skip-build --parallel --disable-swift-testing \
    --xunit-output .build/xunit-postgres.xml --filter EndToEndTests --skip SharedJobTests || status=$?
fi
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
cases = failed = 0
for path in glob.glob(".build/xunit*.xml"):
    for case in ET.parse(path).getroot().iter("testcase"):
        cases += 1
        failed += any(child.tag in ("failure", "error") for child in case)
print(f"tests: {cases - failed} passed, {failed} failed")
PY
if [ "$status" = 124 ] || [ "$status" = 137 ]; then echo "tests: the suite did not finish within $suite_timeout and was stopped" >&2; fi
exit $status
