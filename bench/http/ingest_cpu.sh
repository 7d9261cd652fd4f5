#!/usr/bin/env bash
# CPU per durable OsmAnd position, for comparing builds on a loaded machine: for each run, each
# BUILD in turn (alternating) serves OsmAnd GETs on its port at CONNS connections (wrk -t1,
# server pinned to core 0, wrk to core 1, like bench/http/ingest.sh), and the server's CPU time
# (user + system, every thread, from /proc/PID/task/*/stat) over the wrk run is divided by the
# positions answered, with the busiest thread's share of it (the listener or the writer). Every
# answer must be 2xx and stored, as in ingest.sh. Prints one line per run and build (name,
# answered, req/s, p99 ms, CPU us per position, busiest %, load, stored?), then the medians.
# CPU per position is what a loaded machine still measures fairly; req/s and p99 are not; the
# instructions per position (perf stat, when perf is installed) vary least of all. The yardstick
# is measured the same way in each run: nginx (one worker, pinned like the server) answering the
# same request lines, its CPU per request.
# With WHAT=track the requests are tracking polls instead (GET /v1/track/{token} on the main port,
# the token of one order, the per-address limit set out of the way), nothing to check as stored.
# Usage: [WHAT=track] bench/http/ingest_cpu.sh SECONDS RUNS CONNS BUILD_DIR [BUILD_DIR...]
set -euo pipefail
secs="${1:?seconds}"
runs="${2:?runs}"
conns="${3:?connections}"
shift 3
[ $# -ge 1 ] || { echo "usage: ingest_cpu.sh SECONDS RUNS CONNS BUILD_DIR..." >&2; exit 64; }
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
command -v wrk >/dev/null || { echo "ingest_cpu.sh: wrk is not installed" >&2; exit 69; }
work="$(mktemp -d /tmp/lm_bench_ingest_cpu_XXXXXX)"
server_pid=""
nginx_pid=""
trap 'bench_stop_server; [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$work"' EXIT
bench_pin_cores
bench_nginx_start "$work"
devices=100
what="${WHAT:-ingest}"
case "$what" in ingest | track) ;; *) echo "ingest_cpu.sh: WHAT must be ingest or track" >&2; exit 64 ;; esac
have_perf=""
command -v perf >/dev/null && have_perf=1 # instructions per position: steadier than time under load

# cpu_ticks PID...: "tid:ticks ..." user + system clock ticks of each thread of the PIDs so far
cpu_ticks() {
    python3 - "$@" <<'PY'
import os, sys
ticks = []
for pid in sys.argv[1:]:
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            f = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks.append((tid, int(f[11]) + int(f[12])))
print(" ".join(f"{t}:{v}" for t, v in ticks))
PY
}

# the server's or nginx's line of one run: name answered req/s p99 cpu_us busiest% load ok build insns
# (usage: report NAME WRK_OUT T0 T1 STORED INSNS; STORED -1 = nothing to check)
report() {
    python3 - "$@" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY' | tee -a "$results"
import os, re, sys
build, wrk, t0, t1, stored, insns, load = sys.argv[1:8]
hz = os.sysconf("SC_CLK_TCK")
a = dict(x.split(":") for x in t0.split())
b = dict(x.split(":") for x in t1.split())
d = sorted(((int(v) - int(a.get(t, 0))) for t, v in b.items()), reverse=True)
txt = open(wrk).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", txt).group(1))
answered = int(re.search(r"(\d+) requests in", txt).group(1))
non = re.search(r"Non-2xx or 3xx responses: (\d+)", txt)
p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", txt)
p99ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
total_s = sum(d) / hz
ok = "ok" if not non and (int(stored) < 0 or int(stored) >= answered) else \
    f"LOST stored={stored} non2xx={non.group(1) if non else 0}"
print(f"{os.path.basename(os.path.dirname(build + '/')) or build} {answered} {rps:.0f} {p99ms:.2f} "
      f"{1e6 * total_s / max(answered, 1):.2f} {100 * d[0] / max(sum(d), 1):.0f} {load} {ok} {build} "
      f"{int(insns or 0) / max(answered, 1):.0f}")
PY
}

[ "$what" = track ] && echo "# CPU per tracking poll (WHAT=track)"
echo "# CPU per durable OsmAnd position: $conns connections, ${secs}s runs; load $(cut -d' ' -f1-3 /proc/loadavg) at the start"
results="$work/results.txt"
: >"$results"
day_ago_ms=$(( ($(date +%s) - 86400) * 1000 ))
slot=0
for r in $(seq "$runs"); do
    for b in "$@"; do
        rm -f "$work"/b.db*
        key=$("$b/cli/lastmile" keys create --role admin --db "$work/b.db" | tail -1)
        bench_drivers "$work/b.db" "$devices"
        port=$(bench_free_port)
        oport=$(bench_free_port)
        "${pin_server[@]}" "$b/cli/lastmile" serve --port "$port" --osmand-port "$oport" \
            --db "$work/b.db" --threads 1 --max-conns-per-ip 0 --osmand-max-conns-per-ip 0 \
            --positions-retention-days 0 --track-rate 1000000000 --track-burst 1000000000 \
            >"$work/server.log" 2>&1 &
        server_pid=$!
        bench_wait_healthy "http://127.0.0.1:$port" || { echo "server did not start" >&2; exit 1; }
        slot=$((slot + 1))
        bench_osmand_lua "$work/ingest.lua" "$devices" $(( day_ago_ms + slot * 1800000 ))
        target=("-s" "$work/ingest.lua" "http://127.0.0.1:$oport")
        if [ "$what" = track ]; then
            bench_catalog "http://127.0.0.1:$port" "$key"
            token=$(bench_track_token "http://127.0.0.1:$port" "$key")
            target=("http://127.0.0.1:$port/v1/track/$token")
        fi
        t0=$(cpu_ticks "$server_pid")
        perf_pid=""
        if [ -n "$have_perf" ]; then
            perf stat -x, -e instructions -p "$server_pid" -o "$work/perf.txt" &
            perf_pid=$!
        fi
        "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency "${target[@]}" >"$work/wrk.txt" 2>&1
        t1=$(cpu_ticks "$server_pid")
        insns=0
        if [ -n "$perf_pid" ]; then
            kill -INT "$perf_pid"; wait "$perf_pid" || true
            insns=$(awk -F, '$3 ~ /^instructions/ && $1 ~ /^[0-9]+$/ {print $1}' "$work/perf.txt")
        fi
        bench_stop_server
        stored=-1
        [ "$what" = ingest ] &&
            stored=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM positions").fetchone()[0])' "$work/b.db")
        report "$b" "$work/wrk.txt" "$t0" "$t1" "$stored" "${insns:-0}"
    done
    # the yardstick, measured the same way: nginx's master and worker
    bench_osmand_lua "$work/nginx.lua" "$devices" 1700000000000
    nginx_target=("-s" "$work/nginx.lua" "http://127.0.0.1:$nport")
    [ "$what" = track ] && nginx_target=("http://127.0.0.1:$nport/v1/track/$token")
    nginx_pids=("$nginx_pid" $(pgrep -P "$nginx_pid" || true))
    t0=$(cpu_ticks "${nginx_pids[@]}")
    "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency "${nginx_target[@]}" >"$work/wrk.txt" 2>&1
    t1=$(cpu_ticks "${nginx_pids[@]}")
    report nginx "$work/wrk.txt" "$t0" "$t1" -1 0
done
echo
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[8], []).append(f)
print("| build | runs | answers/s | p99 ms | server CPU us per answer | nginx's CPU / this "
      "(the share of nginx's rate this cost allows on one busy core) | instructions per answer | "
      "busiest thread % | load | every answer stored |")
print("|---|---|---|---|---|---|---|---|---|---|")
med = lambda fs, i: statistics.median(float(x[i]) for x in fs)
ng = med(rows["nginx"], 4) if "nginx" in rows else float("nan")
for build, fs in rows.items():
    insns = f"{med(fs, 9):,.0f}" if med(fs, 9) else "n/a"
    print(f"| {build} | {len(fs)} | {med(fs, 2):,.0f} | {med(fs, 3):.2f} | {med(fs, 4):.2f} | "
          f"{100 * ng / med(fs, 4):.0f}% | {insns} | {med(fs, 5):.0f} | "
          f"{min(float(x[6]) for x in fs):.1f}-{max(float(x[6]) for x in fs):.1f} | "
          f"{'yes' if all(x[7] == 'ok' for x in fs) else 'NO'} |")
PY
