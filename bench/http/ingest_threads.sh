#!/usr/bin/env bash
# Where a durable OsmAnd position's CPU goes, per thread: BUILD_DIR's lastmile serves OsmAnd GETs
# on its port at 128 connections for SECONDS (server pinned to core 0, wrk -t1 on core 1, as in
# ingest_cpu.sh); prints the server's CPU time per answered position for each busy thread, by
# thread name (lm-osmand: the OsmAnd listener, lm-cq-writer / lm-cq-syncer: the ingest's writer
# and fsync threads; a build before round 4 shows libmicrohttpd's MHD-single), the total, and
# the positions per commit (lastmile_store_commit_duration_seconds_count on /metrics). For
# comparing builds, alternate them: for i in 1 2 3; do ingest_threads.sh A 6; ingest_threads.sh B 6; done
# Usage: bench/http/ingest_threads.sh BUILD_DIR [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
build="${1:?build dir}"
secs="${2:-6}"
bin="$build/cli/lastmile"
command -v wrk >/dev/null || { echo "ingest_threads.sh: wrk is not installed" >&2; exit 69; }
work="$(mktemp -d /tmp/lm_bench_threads_XXXXXX)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
bench_serve_pinned "$bin" "$work"
bench_osmand_lua "$work/load.lua" 100 $(( ($(date +%s) - 86400) * 1000 ))
commits() {
    curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/metrics" |
        awk '/^lastmile_store_commit_duration_seconds_count/ {print $2}'
}
threads() { # tid:name:ticks ...
    for t in /proc/"$pid"/task/*; do
        echo "$(basename "$t"):$(tr ' ' _ <"$t/comm"):$(awk '{print $14+$15}' "$t/stat")"
    done | tr '\n' ' '
}
c0=$(commits); th0=$(threads)
taskset -c 1 wrk -t1 -c128 -d"${secs}s" --latency -s "$work/load.lua" "http://127.0.0.1:$oport" \
    >"$work/wrk.txt"
th1=$(threads); c1=$(commits)
python3 - "$build" "$th0" "$th1" "$c0" "$c1" "$work/wrk.txt" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import os, re, sys
build, th0, th1, c0, c1, wrk, load = sys.argv[1:8]
text = open(wrk).read()
n = int(re.search(r"(\d+) requests in", text).group(1))
rate = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
hz = os.sysconf("SC_CLK_TCK")
a = {x.split(":")[0]: int(x.split(":")[2]) for x in th0.split()}
per, total = [], 0
for x in th1.split():
    tid, name, v = x.split(":")
    d = int(v) - a.get(tid, 0)
    total += d
    us = d / hz * 1e6 / n
    if us >= 0.05:
        per.append((us, name))
per.sort(reverse=True)
commits = float(c1) - float(c0)
print(f"{build}: {n} positions ({float(rate):,.0f}/s), {n / max(commits, 1):.1f} per commit, "
      f"CPU us per position: total {total / hz * 1e6 / n:.2f} = "
      + " + ".join(f"{name} {us:.2f}" for us, name in per) + f"; load {load}")
PY
