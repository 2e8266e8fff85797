#!/usr/bin/env bash
# Installs what gen3-swift needs from Debian when it is missing: the system SQLite, libcurl and
# libpq (with headers), the sqlite3 shell for users' queries, and curl; for the tests, python3 (the
# test summary, and a self-signed HTTPS storage host), openssl (its certificate), the
# PostgreSQL server (scripts/postgres.sh starts a throwaway cluster of its own, whatever the
# package starts), and the FUSE file systems scripts/portable-fs.sh mounts (exFAT, bindfs).
# Sourced by the other scripts.
set -euo pipefail
need=()
for package in libsqlite3-dev libcurl4-openssl-dev libssl-dev libpq-dev sqlite3 curl pkg-config python3 openssl postgresql \
  fuse3 exfat-fuse exfatprogs bindfs; do
  dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift toolchain (6.x) first" >&2; exit 1; }

# `swift build "$@"`, quiet unless it fails, and then with the compiler's messages on stderr
# (swift build prints them on stdout, which the scripts otherwise keep out of their own output).
build_quietly() {
  local log
  if ! log=$(swift build "$@" 2>&1); then echo "$log" >&2; return 1; fi
}
