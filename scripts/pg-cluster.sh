#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temp dir, a server on a
# loopback port (TCP on 127.0.0.1 only, its socket in the same dir), database "lastmile".
#   scripts/pg-cluster.sh start DIR [PORT]   prints the URL: postgresql://lastmile@127.0.0.1:PORT/lastmile
#   scripts/pg-cluster.sh stop DIR           fast shutdown; DIR is left for the caller to remove
# The cluster trusts loopback connections (no password): it lives as long as one test and listens
# nowhere else. PostgreSQL refuses to run as root, so under root the server runs as the
# "postgres" user the Debian package creates.
set -euo pipefail

bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir)
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  fi
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return; }
  echo "pg-cluster: no initdb found (scripts/install-deps.sh installs postgresql)" >&2
  exit 2
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }
bin=$(bindir)

case "$cmd" in
start)
  port=${3:-$(free_port)}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -U lastmile --auth=trust -E UTF8 --no-locale \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # fsync stays on (the tests check durability claims); small shared_buffers: many tests share
  # a small machine
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c shared_buffers=32MB -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "$port" >"$dir/port"
  as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U lastmile lastmile
  echo "postgresql://lastmile@127.0.0.1:$port/lastmile"
  ;;
stop)
  [ -d "$dir/data" ] || exit 0
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  ;;
*)
  echo "usage: $0 start|stop DIR [PORT]" >&2
  exit 2
  ;;
esac
