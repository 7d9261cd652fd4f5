#!/usr/bin/env bash
# ctest's `pg` fixture: a fresh throwaway PostgreSQL cluster (scripts/pg-cluster.sh, fsync off:
# the suites never cut power) on a free loopback port; DIR/port and DIR/url say where it is.
#   pg_fixture.sh start DIR | stop DIR
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cmd=$1
dir=$2
case "$cmd" in
start)
  "$here/scripts/pg-cluster.sh" stop "$dir" || true
  rm -rf "$dir"
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$here/scripts/pg-cluster.sh" start "$dir" "$port" fast >"$dir/url.tmp"
  mv "$dir/url.tmp" "$dir/url"
  echo "$port" >"$dir/port"
  cat "$dir/url"
  ;;
stop)
  "$here/scripts/pg-cluster.sh" stop "$dir"
  ;;
esac
