#!/usr/bin/env bash
# The whole test suite: unit tests and end-to-end tests that run the real gen3 binary against the
# bundled test commons on loopback. Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
swift build --build-tests
status=0
swift test --skip-build --parallel --disable-swift-testing --xunit-output .build/xunit.xml "$@" || status=$?
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
cases = failed = 0
for path in glob.glob(".build/xunit*.xml"):
    for case in ET.parse(path).getroot().iter("testcase"):
        cases += 1
        failed += any(child.tag in ("failure", "error") for child in case)
print(f"tests: {cases - failed} passed, {failed} failed")
PY
exit $status
