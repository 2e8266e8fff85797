#!/usr/bin/env bash
# The whole test suite: unit tests and end-to-end tests that run the real gen3 binary against the
# bundled test commons on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
swift build --build-tests
swift test --skip-build --parallel "$@"
