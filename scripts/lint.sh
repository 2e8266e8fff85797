#!/usr/bin/env bash
# Style check: swift format (it ships with the toolchain) with the checked-in .swift-format, over
# every Swift file; fails on any finding. `swift format format -i -r Sources Tests Package.swift`
# fixes most of them.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict -r Sources Tests Package.swift
echo "lint: clean"
