#!/usr/bin/env bash
# Why `serve --event-loop` defaults to poll: libmicrohttpd's epoll loop stalls when 128 or more
# connections of one thread are ready at once. GET /healthz (public; it asks the store) with wrk
# at 127 and at 128 connections, against one server thread with each event loop; RUNS runs of
# SECONDS each, a fresh server per run, medians reported. Server and wrk pinned to separate
# cores, 127.0.0.1 only. Writes bench/results/http-epoll.md.
# Usage: [RUNS=3] bench/http/epoll.sh BUILD_DIR [SECONDS]
set -euo pipefail
build="${1:?build dir (a Release build)}"
secs="${2:-10}"
runs="${RUNS:-3}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
bin="$build/cli/lastmile"
command -v wrk >/dev/null || { echo "epoll.sh: wrk is not installed" >&2; exit 69; }
[ -x "$bin" ] || { echo "epoll.sh: $bin not found" >&2; exit 66; }
start_header=$(bench_header "HTTP: poll and epoll event loops at 127 and 128 connections" \
    "RUNS=$runs bench/http/epoll.sh $build $secs" "$runs")

work="$(mktemp -d /tmp/lm_bench_epoll_XXXXXX)"
server_pid=""
trap 'bench_stop_server; rm -rf "$work"' EXIT
bench_pin_cores
results="$work/results.txt"
: >"$results"
for run in $(seq "$runs"); do
    for loop in poll epoll; do
        for c in 127 128; do
            rm -f "$work"/b.db*
            "$bin" keys create --role admin --db "$work/b.db" >/dev/null
            port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
            "${pin_server[@]}" "$bin" serve --port "$port" --db "$work/b.db" --threads 1 --max-conns-per-ip 0 \
                --event-loop "$loop" >"$work/server.log" 2>&1 &
            server_pid=$!
            bench_wait_healthy "http://127.0.0.1:$port" || true
            "${pin_wrk[@]}" wrk -t1 -c"$c" -d"${secs}s" --latency "http://127.0.0.1:$port/healthz" \
                >"$work/wrk.txt" 2>&1 || true
            bench_stop_server
            echo "$loop $c $run $(python3 "$here/bench/http/wrk_summary.py" "$work/wrk.txt")" >>"$results"
        done
    done
done

out="$here/bench/results/http-epoll.md"
{
    echo "$start_header"; echo
    echo "Release build; \`lastmile serve --threads 1 --event-loop LOOP\` pinned to core 0,"
    echo "\`wrk -t1 -cN -d${secs}s --latency http://127.0.0.1:PORT/healthz\` pinned to core 1."
    echo
    python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault((f[0], int(f[1])), []).append((float(f[3]), float(f[5]), int(f[7])))
print("| event loop | connections | runs | median req/s | min .. max req/s | median p99 ms "
      "| non-2xx (all runs) |")
print("|---|---|---|---|---|---|---|")
for (loop, c), v in sorted(rows.items(), key=lambda kv: (kv[0][0] != "poll", kv[0][1])):
    print(f"| {loop} | {c} | {len(v)} | {statistics.median(x[0] for x in v):,.0f} | "
          f"{min(x[0] for x in v):,.0f} .. {max(x[0] for x in v):,.0f} | "
          f"{statistics.median(x[1] for x in v):.2f} | {sum(x[2] for x in v)} |")
PY
    bench_footer
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
