#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks, in a directory of its own, on
# 127.0.0.1 at a free port. Never touches a system cluster (Debian's on 5432).
#   bash scripts/postgres.sh start DIR [--durable]  # prints the URL of a superuser role
#   bash scripts/postgres.sh restart DIR            # stops the server (cutting its sessions) and starts it again
#   bash scripts/postgres.sh stop DIR               # stops the server and removes DIR
# DIR must be missing or empty. The role logs in with a random password (scram-sha-256), so tests
# can check that it never shows. Without --durable the server does not sync (fsync,
# synchronous_commit, full_page_writes off): fast, and fine for data thrown away; --durable keeps
# PostgreSQL's defaults, for benchmarks. As root, the server runs as the `postgres` system user
# (initdb refuses root), which owns DIR.
set -euo pipefail

usage() { echo "usage: $0 start DIR [--durable] | restart DIR | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1
dir=$(realpath -m "$2")
durable=0
[ "${3:-}" = "--durable" ] && durable=1
# A unix socket path has room for 107 bytes; the socket is DIR/.s.PGSQL.PORT.
[ ${#dir} -le 80 ] || { echo "postgres.sh: $dir is too long a path for the server's socket" >&2; exit 1; }
# Every path is absolute; the server's user may not be allowed into the caller's directory.
cd /

# The newest installed server (Debian keeps each major version in /usr/lib/postgresql/N/bin, where
# a client-only version has no initdb), else the one on PATH.
bin=$(for candidate in /usr/lib/postgresql/*/bin; do [ -x "$candidate/initdb" ] && echo "$candidate"; done | sort -V | tail -n 1 || true)
if [ -z "$bin" ] && initdb=$(command -v initdb); then bin=$(dirname "$(readlink -f "$initdb")"); fi
[ -x "${bin:-/missing}/initdb" ] || { echo "postgres.sh: no PostgreSQL server found: install the postgresql package" >&2; exit 1; }

as_server=()
if [ "$(id -u)" -eq 0 ]; then
  id -u postgres >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  as_server=(runuser -u postgres --)
fi

case "$command" in
start)
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || { echo "postgres.sh: $dir is not empty" >&2; exit 1; }
  chmod 700 "$dir"
  [ ${#as_server[@]} -eq 0 ] || chown postgres: "$dir"
  "${as_server[@]}" test -w "$dir" ||
    { echo "postgres.sh: the postgres user cannot reach $dir: use a directory under /tmp" >&2; exit 1; }
  # Marks DIR as this script's, so that stop never removes a directory it did not make.
  "${as_server[@]}" touch "$dir/gen3-postgres"
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  "${as_server[@]}" sh -c 'umask 077; cat > "$1"' sh "$dir/pwfile" <<<"$password"
  if ! "${as_server[@]}" "$bin/initdb" -D "$dir/data" -U gen3test --pwfile="$dir/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    exit 1
  fi
  rm -f "$dir/pwfile"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    # Many test processes at once, each with several workers.
    echo "max_connections = 300"
    if [ "$durable" = 0 ]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | "${as_server[@]}" sh -c 'cat >> "$1"' sh "$dir/data/postgresql.conf"
  # The port is free when asked for, but anything may take it before the server binds it: then
  # another one.
  for attempt in 1 2 3 4 5; do
    "${as_server[@]}" sh -c ': > "$1"' sh "$dir/server.log"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null; then
      echo "postgresql://gen3test:$password@127.0.0.1:$port/postgres"
      exit 0
    fi
    grep -q "could not bind\|could not create any TCP/IP sockets" "$dir/server.log" 2>/dev/null || break
  done
  echo "postgres.sh: the server did not start; its log:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
  ;;
restart)
  [ -e "$dir/gen3-postgres" ] || { echo "postgres.sh: $dir was not made by postgres.sh start" >&2; exit 1; }
  # fast: sessions are cut, as in a failover; the port and settings stay as start chose them.
  "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
  ;;
stop)
  [ -d "$dir" ] || exit 0
  [ -e "$dir/gen3-postgres" ] || { echo "postgres.sh: $dir was not made by postgres.sh start; left as it is" >&2; exit 1; }
  # immediate: nothing in a throwaway cluster is worth the shutdown checkpoint.
  if [ -e "$dir/data/postmaster.pid" ] &&
    ! "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 &&
    "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "postgres.sh: the server in $dir did not stop" >&2
    exit 1
  fi
  rm -rf "$dir"
  ;;
*) usage ;;
esac
