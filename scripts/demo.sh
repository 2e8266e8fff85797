#!/usr/bin/env bash
# The main job end to end against the bundled test commons: start two commons on loopback, import
# a manifest spanning both, download everything, show the status by commons, check every md5.
#   scripts/demo.sh              # with the debug build the tests use
#   RELEASE=1 scripts/demo.sh    # with the release binary README says to install
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
objects=${OBJECTS:-200}
build_quietly --product gen3-test-commons
bin=$(swift build --show-bin-path)
if [ -n "${RELEASE:-}" ]; then
  # The binary README says to install: optimised, with the Swift runtime linked in.
  build_quietly -c release --static-swift-stdlib --product gen3
  gen3_bin=$(swift build -c release --show-bin-path)/gen3
else
  build_quietly --product gen3
  gen3_bin=$bin/gen3
fi
work=demo
rm -rf "$work" && mkdir -p "$work"
# Two commons, as a cohort exported from a portal spans them: the manifest mixes drs://host/… URIs,
# prefixed ids of both, compact drs://prefix:… URIs, commons_url rows and bare GUIDs; each
# commons' key is in the home directory's .gen3/, named by host.
per_commons=$((objects / 2))
"$bin/gen3-test-commons" --federation 2 --objects "$per_commons" --seed 7 --write-manifest "$work/manifest.json" \
  --write-credentials "$work/home/.gen3" --ready-file "$work/endpoints" >"$work/commons.log" 2>&1 &
commons=$!
trap 'kill $commons 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do [ -s "$work/endpoints" ] && break; kill -0 $commons 2>/dev/null || break; sleep 0.1; done
[ -s "$work/endpoints" ] || { cat "$work/commons.log"; echo "the test commons did not start" >&2; exit 1; }
hub=$(head -1 "$work/endpoints")
resolver=$(awk '$1 == "resolver" { print $2 }' "$work/endpoints")
objects=$((per_commons * 2))
echo "two test commons ($(awk '$1 == "commons" { printf "%s ", $3 }' "$work/endpoints")) serving $objects files; gen3 is $gen3_bin"

# The hub's API key names its commons (its iss claim), so no --endpoint is needed; the other
# commons' key is found as ~/.gen3/<host>.json.
export HOME=$PWD/$work/home
gen3() { "$gen3_bin" --db "$work/job.sqlite" --auth "$HOME/.gen3/${hub#http://}.json" "$@"; }
# Both commons name their files alike: the second of a name is saved as name_1.ext.
gen3 import-manifest --manifest "$work/manifest.json" --download-path "$work/data" --rename --drs-resolver "$resolver"
gen3 run
gen3 status
gen3 sql "SELECT * FROM commons"

# Every object served must be done and match its md5: a run that downloaded nothing must not pass.
[ "$objects" -gt 0 ] || { echo "demo: OBJECTS must be at least 1" >&2; exit 1; }
bad=0
verified=0
while IFS=$'\t' read -r name md5; do
  if [ "$(md5sum "$work/data/$name" | cut -d' ' -f1)" = "$md5" ]; then
    verified=$((verified + 1))
  else
    echo "md5 mismatch: $name" >&2
    bad=1
  fi
done < <(gen3 sql --no-header "SELECT dest_name, expected_md5 FROM files WHERE state = 'done'")
done_rows=$(gen3 sql --no-header "SELECT count(*) FROM files WHERE state = 'done'")
[ "$done_rows" = "$objects" ] || { echo "demo: $done_rows of $objects files are done" >&2; bad=1; }
[ "$verified" = "$objects" ] || { echo "demo: $verified of $objects files verified with md5sum" >&2; bad=1; }
[ "$bad" = 0 ] && echo "demo: all $verified of $objects files done and verified with md5sum"
exit $bad
