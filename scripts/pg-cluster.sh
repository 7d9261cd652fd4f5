#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port for tests and benchmarks.
#   scripts/pg-cluster.sh start DIR PORT [fast]   initdb DIR/data (if new), start, print the URL
#                                                 (also written to DIR/url); PORT "auto" picks a
#                                                 free one
#   scripts/pg-cluster.sh stop DIR                stop it (DIR stays; rm -rf it yourself)
#   scripts/pg-cluster.sh url DIR PORT            the URL the store takes (--db / LASTMILE_DB)
# Uses Debian's binaries (/usr/lib/postgresql/<version>/bin, installed by scripts/install-deps.sh).
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` system user
# (from the postgresql package) and every command runs through runuser. "fast" turns fsync off:
# for the test suite only, which never cuts power; benchmarks keep it on.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
port=${3:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url DIR [PORT] [fast]" >&2; exit 2; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server binaries (scripts/install-deps.sh)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() { echo "postgresql://lastmile@127.0.0.1:$port/postgres"; }

case "$cmd" in
  start)
    [ -n "$port" ] || { echo "pg-cluster: start needs a PORT" >&2; exit 2; }
    mkdir -p "$dir"
    # a cluster left running here by an interrupted run goes first
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop \
      >/dev/null 2>&1 || true
    if [ "$port" = auto ]; then
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    fi
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    if [ ! -s "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U lastmile -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400"
    opts="$opts -c shared_buffers=64MB -c max_locks_per_transaction=256"
    [ "${4:-}" = "fast" ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null \
      || { tail -20 "$dir/server.log" >&2; exit 1; }
    url | tee "$dir/url"
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    rm -f "$dir/url"
    ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url DIR [PORT] [fast]" >&2; exit 2 ;;
esac
