#!/usr/bin/env bash
# The engine under ThreadSanitizer, then AddressSanitizer: for each, a build of its own
# (.build/sanitize-<name>), the unit tests (Gen3KitTests), and one end-to-end download of several
# hundred files by `gen3 run` with two worker processes against the bundled test commons, every
# file checked with md5sum. Fails on any sanitizer report, from the tests or from any process.
#   scripts/sanitize.sh                  # thread, then address
#   scripts/sanitize.sh address          # one of them
#   OBJECTS=600 scripts/sanitize.sh      # the end-to-end job's size (default 400)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
objects=${OBJECTS:-400}
sanitizers=("$@")
((${#sanitizers[@]})) || sanitizers=(thread address)

failed=0
for sanitizer in "${sanitizers[@]}"; do
  case "$sanitizer" in thread | address) ;; *) echo "unknown sanitizer: $sanitizer (thread or address)" >&2; exit 2 ;; esac
  started=$SECONDS
  scratch=.build/sanitize-$sanitizer
  work=$scratch/job
  reports=$scratch/reports
  rm -rf "$work" "$reports" && mkdir -p "$work" "$reports"
  # Every process (the tests, gen3, its workers, the test commons) writes its reports to a file of
  # its own under $reports and exits non-zero at the first one; the tests pass these variables on
  # to the binaries they start (Tests/TestSupport/Gen3Process.swift).
  export TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=$PWD/$reports/tsan"
  # LeakSanitizer too, for gen3 and the commons; not in the XCTest process, which keeps every test
  # case (and what its setUp made) alive to the end.
  asan_options="halt_on_error=1 exitcode=66 log_path=$PWD/$reports/asan"
  export ASAN_OPTIONS="$asan_options detect_leaks=1"
  # Sanitized processes are several times slower: give each process a test starts more time.
  export GEN3_TEST_PROCESS_TIMEOUT=1800
  flags=(--scratch-path "$scratch" --sanitize="$sanitizer")
  echo "== $sanitizer sanitizer: building"
  build_quietly "${flags[@]}" --build-tests
  bin=$(swift build "${flags[@]}" --show-bin-path)

  echo "== $sanitizer sanitizer: unit tests"
  status=0
  ASAN_OPTIONS="$asan_options detect_leaks=0" timeout --kill-after=60 60m swift test --skip-build "${flags[@]}" \
    --filter Gen3KitTests >"$scratch/unit.log" 2>&1 || status=$?
  grep -E "^\s*Executed [0-9]+ tests" "$scratch/unit.log" | tail -1 || true
  if [ "$status" != 0 ]; then tail -40 "$scratch/unit.log" >&2; echo "$sanitizer: the unit tests failed ($status)" >&2; failed=1; fi

  echo "== $sanitizer sanitizer: $objects files, gen3 run with two worker processes"
  "$bin/gen3-test-commons" --objects "$objects" --seed 11 --write-manifest "$work/manifest.json" \
    --write-credentials "$work/credentials.json" --ready-file "$work/endpoint" >"$work/commons.log" 2>&1 &
  commons=$!
  for _ in $(seq 1 1200); do [ -s "$work/endpoint" ] && break; kill -0 $commons 2>/dev/null || break; sleep 0.1; done
  if [ -s "$work/endpoint" ]; then
    gen3() { timeout --kill-after=60 30m "$bin/gen3" --db "$work/job.sqlite" --auth "$work/credentials.json" "$@"; }
    status=0
    { gen3 import-manifest --manifest "$work/manifest.json" --download-path "$work/data" &&
      gen3 run --workers 2 --max-concurrent-requests 8 --no-progress; } >"$work/run.log" 2>&1 || status=$?
    if [ "$status" != 0 ]; then tail -40 "$work/run.log" >&2; echo "$sanitizer: the download failed ($status)" >&2; failed=1; fi
    verified=0
    while IFS=$'\t' read -r name md5; do
      [ "$(md5sum "$work/data/$name" | cut -d' ' -f1)" = "$md5" ] && verified=$((verified + 1))
    done < <(gen3 sql --no-header "SELECT dest_name, expected_md5 FROM files WHERE state = 'done'")
    echo "$verified of $objects files done and verified with md5sum"
    [ "$verified" = "$objects" ] || { echo "$sanitizer: $verified of $objects files verified" >&2; failed=1; }
  else
    cat "$work/commons.log" >&2
    echo "$sanitizer: the test commons did not start" >&2
    failed=1
  fi
  kill $commons 2>/dev/null || true
  wait $commons 2>/dev/null || true

  if compgen -G "$reports/*" >/dev/null; then
    echo "$sanitizer sanitizer reports:" >&2
    for report in "$reports"/*; do echo "--- $report" >&2; head -60 "$report" >&2; done
    failed=1
  else
    echo "$sanitizer sanitizer: no reports ($((SECONDS - started)) s)"
  fi
done
exit $failed
