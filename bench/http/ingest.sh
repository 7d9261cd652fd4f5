#!/usr/bin/env bash
# OsmAnd position ingest and customer tracking polls, each as a ratio to nginx answering a
# constant on the same machine in the same run. Ingest: GET /?id=..&lat=..&lon=..&timestamp=..
# on the OsmAnd port, every request a new position (distinct device time), each answered only
# after the fsync of its group commit (SQLite WAL; the fsync runs behind the commit, while the
# next batch is written: store/commit_queue.h, sync_behind); afterwards the store must hold at
# least as many positions as wrk counted answers. Tracking: GET /v1/track/{token} on the main port.
# Server and wrk are pinned to separate cores; wrk -t1, bounded duration; median of RUNS runs.
# Retention is off. Tracking is also measured revalidated: each poll sends the ETag the last reply
# carried (If-None-Match), so an unchanged answer is a 304 without a body. With BASELINE=DIR the
# same runs measure that build's lastmile too (before/after in one run, alternating); the server
# logs every request (level info) to a file, as in production.
# Writes bench/results/http-ingest.md.   Usage: [BASELINE=DIR] bench/http/ingest.sh BUILD_DIR [SECONDS] [RUNS]
set -euo pipefail
build="${1:?build dir (a Release build)}"
secs="${2:-10}"
runs="${3:-3}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
baseline="${BASELINE:-}"
start_header=$(bench_header "HTTP ingest and tracking polls against nginx" \
    "${baseline:+BASELINE=$baseline }bench/http/ingest.sh $build $secs $runs" "$runs")
bin="$build/cli/lastmile"
command -v wrk >/dev/null || { echo "ingest.sh: wrk is not installed" >&2; exit 69; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx_bin" ] || { echo "ingest.sh: nginx is not installed" >&2; exit 69; }
[ -x "$bin" ] || { echo "ingest.sh: $bin not found" >&2; exit 66; }

work="$(mktemp -d /tmp/lm_bench_ingest_XXXXXX)"
server_pid=""
nginx_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

bench_pin_cores
devices=100

# ---- nginx answering a constant (the yardstick) ----
bench_nginx_start "$work"

# ---- lastmile with $devices drivers whose phones are known devices ----
# start_lastmile BUILD: a fresh database, the drivers, an order to track; sets port oport url token
start_lastmile() {
    local bin="$1/cli/lastmile"
    rm -f "$work"/b.db*
    port=$(bench_free_port)
    oport=$(bench_free_port)
    key=$("$bin" keys create --role admin --db "$work/b.db" | tail -1)
    bench_drivers "$work/b.db" "$devices"
    "${pin_server[@]}" "$bin" serve --port "$port" --osmand-port "$oport" --db "$work/b.db" \
        --threads 1 --max-conns-per-ip 0 --osmand-max-conns-per-ip 0 --track-rate 1000000000 --track-burst 1000000000 \
        --positions-retention-days 0 >"$work/server.log" 2>&1 &
    server_pid=$!
    url="http://127.0.0.1:$port"
    bench_wait_healthy "$url" || true
    bench_catalog "$url" "$key"
    token=$(bench_track_token "$url" "$key")
}

# ingest_lua BASE_MS: every request a new position (bench_osmand_lua), a new BASE per run so that
# no run repeats an earlier one's positions; the times lie in the past day.
ingest_lua() { bench_osmand_lua "$work/ingest.lua" "$devices" "$1"; }
bench_osmand_lua "$work/nginx.lua" "$devices" 1700000000000
# revalidating polls: each connection sends back the ETag its last reply carried
cat >"$work/revalidate.lua" <<'LUA'
local etag = nil
request = function()
    if etag then wrk.headers["If-None-Match"] = etag end
    return wrk.format("GET")
end
response = function(status, headers, body)
    if headers["ETag"] then etag = headers["ETag"] end
end
LUA

# run_wrk CONNS URL [SCRIPT] -> "req_per_s p99_ms answered non2xx"
run_wrk() {
    local out="$work/wrk.txt"
    local script=()
    [ -n "${3:-}" ] && script=(-s "$3")
    "${pin_wrk[@]}" wrk -t1 -c"$1" -d"${secs}s" --latency "${script[@]}" "$2" >"$out" 2>&1
    local rps p99 reqs non
    rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$out")
    reqs=$(awk '/requests in/ {print $1}' "$out")
    non=$(awk '/Non-2xx/ {print $NF}' "$out")
    echo "$rps ${p99:-nan} ${reqs:-0} ${non:-0}"
}
positions() {
    python3 - "$work/b.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM positions").fetchone()[0])
PY
}

results="$work/results.txt"
: >"$results"
day_ago_ms=$(( ($(date +%s) - 86400) * 1000 ))
for r in $(seq "$runs"); do
    for label in ${baseline:+before} after; do
        b="$build"; [ "$label" = before ] && b="$baseline"
        start_lastmile "$b"
        for c in 32 128; do
            before=$(positions)
            slot=$(( (r - 1) * 4 + (c == 128) * 2 ))
            [ "$label" = after ] && slot=$((slot + 1))
            ingest_lua $(( day_ago_ms + slot * 1800000 ))
            echo "ingest-$label $c $r $(run_wrk "$c" "http://127.0.0.1:$oport" "$work/ingest.lua")" \
                "$before $(positions)" >>"$results"
            echo "track-$label $c $r $(run_wrk "$c" "$url/v1/track/$token")" >>"$results"
            echo "revalidate-$label $c $r $(run_wrk "$c" "$url/v1/track/$token" "$work/revalidate.lua")" >>"$results"
        done
        bench_stop_server
    done
    for c in 32 128; do
        echo "nginx $c $r $(run_wrk "$c" "http://127.0.0.1:$nport" "$work/nginx.lua")" >>"$results"
        echo "nginxtrack $c $r $(run_wrk "$c" "http://127.0.0.1:$nport/v1/track/$token")" >>"$results"
    done
done

# ---- the table: medians over the runs ----
out="$here/bench/results/http-ingest.md"
{
echo "$start_header"; echo
python3 - "$results" "$secs" "$runs" "$baseline" <<'PY'
import sys, statistics
path, secs, runs, baseline = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rows = {}
durable_ok, lost = True, []
for line in open(path):
    f = line.split()
    kind, conns = f[0], int(f[1])
    rps, p99, answered, non2xx = float(f[3]), float(f[4]), int(f[5]), int(f[6])
    rows.setdefault((kind, conns), []).append((rps, p99, non2xx))
    if kind.startswith("ingest"):
        before, after = int(f[7]), int(f[8])
        if non2xx or after - before < answered:
            durable_ok = False
            lost.append((kind, conns, answered, after - before, non2xx))
med = lambda k, i: statistics.median(x[i] for x in rows[k])
print(f"Release build: wrk -t1 -d{secs}s, server (lastmile --threads 1, or nginx with 1 worker) "
      f"pinned to core 0 and wrk to core 1 with taskset; medians of {runs} runs.\n")
print("Ingest = OsmAnd GET on the OsmAnd port, each request a new position of one of 100 known "
      "devices, answered only after the group commit holding it is on disk (SQLite WAL, its "
      "fdatasync run behind the commit while the next batch is written). "
      "Tracking = `GET /v1/track/{token}` on the main port (per-address token bucket with a "
      "limit set out of the way; the reply from the tracking snapshot when nothing changed, "
      "api/track_cache.c); revalidated = the same poll sending the last ETag (If-None-Match), "
      "answered 304 without a body. nginx answers `return 200 \"\"` to the same request line. "
      "The server writes its access log (level info) to a file."
      + (f" \"before\" is the build in `{baseline}`, in the same runs." if baseline else "") + "\n")
print("| workload | build | conns | lastmile req/s | p99 ms | nginx req/s | nginx p99 ms | ratio | non-2xx |")
print("|---|---|---|---|---|---|---|---|---|")
for kind, ref, name in (("ingest", "nginx", "OsmAnd ingest (durable)"),
                        ("track", "nginxtrack", "tracking poll"),
                        ("revalidate", "nginxtrack", "tracking poll, If-None-Match (304)")):
    for c in (32, 128):
        for label in ("before", "after"):
            k = (f"{kind}-{label}", c)
            if k not in rows or (ref, c) not in rows: continue
            a, b = med(k, 0), med((ref, c), 0)
            print(f"| {name} | {label} | {c} | {a:,.0f} | {med(k, 1):.2f} | {b:,.0f} | "
                  f"{med((ref, c), 1):.2f} | {a / b:.0%} | {sum(x[2] for x in rows[k])} |")
print()
print("Every answered position durable: " + ("yes: after each ingest run the positions table "
      "grew by at least the number of answers wrk counted, and no answer was non-2xx."
      if durable_ok else f"NO: {lost} (run, conns, answered, stored, non-2xx)"))
print("\nTargets (issue 17): positions >= 75 % of nginx at 128 connections, p99 <= 5 ms; "
      "tracking polls >= 75 % at 32 and 128.")
PY
bench_footer
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
