#!/usr/bin/env bash
# System calls and context switches per durable OsmAnd position, for each BUILD_DIR in turn: its
# lastmile serves OsmAnd GETs on its port at 128 connections (server pinned to core 0, wrk -t1 on
# core 1, as in ingest_threads.sh) and `perf stat` counts the server's epoll_wait, sendto,
# recvfrom, futex, write (the syncer's eventfd), read, fdatasync and pwrite64 calls and its
# context switches over 4 s of the run, divided by the positions answered meanwhile (wrk's rate).
# Counts vary far less with the machine's load than CPU times do. Needs perf with the syscalls
# tracepoints (root or perf_event_paranoid <= 1).
# Usage: bench/http/ingest_syscalls.sh BUILD_DIR [BUILD_DIR...]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
[ $# -ge 1 ] || { echo "usage: ingest_syscalls.sh BUILD_DIR..." >&2; exit 64; }
command -v wrk >/dev/null || { echo "ingest_syscalls.sh: wrk is not installed" >&2; exit 69; }
command -v perf >/dev/null || { echo "ingest_syscalls.sh: perf is not installed" >&2; exit 69; }
events=epoll_wait,sendto,recvfrom,futex,write,read,fdatasync,pwrite64
work="$(mktemp -d /tmp/lm_bench_syscalls_XXXXXX)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
echo "| build | positions/s | ${events//,/ | } | context switches | load |"
echo "|---|---|$(echo "$events" | sed 's/[^,]*/---/g; s/,/|/g')|---|---|"
for build in "$@"; do
    rm -rf "$work"/*
    bench_serve_pinned "$build/cli/lastmile" "$work"
    bench_osmand_lua "$work/load.lua" 100 $(( ($(date +%s) - 86400) * 1000 ))
    ( sleep 1; perf stat -x, -e "$(echo "$events" | sed 's/[^,]*/syscalls:sys_enter_&/g'),context-switches" \
        -p "$pid" -o "$work/stat.txt" -- sleep 4 ) &
    statjob=$!
    taskset -c 1 wrk -t1 -c128 -d6s -s "$work/load.lua" "http://127.0.0.1:$oport" >"$work/wrk.txt"
    wait "$statjob"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
    rate=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    python3 - "$build" "$rate" "$work/stat.txt" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import sys
build, rate, stat, load = sys.argv[1:5]
n = float(rate) * 4
vals = [float(l.split(',')[0]) / n for l in open(stat) if l.count(',') > 2 and l[0].isdigit()]
print(f"| {build} | {float(rate):,.0f} | " + " | ".join(f"{v:.3f}" for v in vals) + f" | {load} |")
PY
done
