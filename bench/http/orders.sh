#!/usr/bin/env bash
# Durable order intake against nginx: POST /v1/orders (audit, nearest depot, stock reservation,
# events; each reply sent once the commit holding its order is synced: SQLite WAL, fdatasync,
# concurrent creations group-committed) against nginx answering `return 200 ""` to the same POST,
# GET /v1/orders/{id} and GET /v1/whoami (the key check alone) beside them. wrk on 127.0.0.1,
# bounded duration, server and wrk pinned to separate cores, a fresh database per run, RUNS runs
# (medians). With BASELINE=DIR, each run also measures that build's lastmile first (before/after
# in the same run, alternating). After every POST run the store must hold at least as many orders
# as /metrics counted (integrity_check ok), and no product may be oversold.
# Writes bench/results/http-orders.md.
# Usage: [THREADS_LIST="1"] [RUNS=3] [BASELINE=DIR] bench/http/orders.sh BUILD_DIR [SECONDS] [CONNECTIONS]
set -euo pipefail
build="${1:?build dir (a Release build)}"
secs="${2:-10}"
conns="${3:-32}"
threads_list="${THREADS_LIST:-1}"
runs="${RUNS:-3}"
baseline="${BASELINE:-}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
start_header=$(bench_header "HTTP orders load against nginx" \
    "THREADS_LIST=\"$threads_list\" RUNS=$runs${baseline:+ BASELINE=$baseline} bench/http/orders.sh $build $secs $conns" "$runs")
command -v wrk >/dev/null || { echo "orders.sh: wrk is not installed" >&2; exit 69; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx_bin" ] || { echo "orders.sh: nginx is not installed" >&2; exit 69; }
for b in "$build" $baseline; do
    [ -x "$b/cli/lastmile" ] || { echo "orders.sh: $b/cli/lastmile not found" >&2; exit 66; }
done

work="$(mktemp -d /tmp/lm_bench_orders_XXXXXX)"
server_pid=""
nginx_pid=""
trap 'bench_stop_server; [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$work"' EXIT

bench_pin_cores
summary() { python3 "$here/bench/http/wrk_summary.py" "$1"; }
results="$work/results.txt"
: >"$results"

# ---- nginx answering a constant to the same POST (the yardstick) ----
bench_nginx_start "$work"

post_lua() { # KEY -> $work/post.lua: one distinct customer and Idempotency-Key per request
    cat >"$work/post.lua" <<LUA
local n = 0
local counter = 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $1"
wrk.headers["Content-Type"] = "application/json"
request = function()
    n = n + 1
    local id = (tid or 1) * 100000000 + n
    wrk.headers["Idempotency-Key"] = "bench-" .. id
    local body = string.format('{"external_ref":"B%d","channel":"web","customer":{"name":"C%d",' ..
        '"phone":"+33%09d","address":"%d rue du Banc, Lyon","location":[4.83,45.74]},' ..
        '"lines":[{"sku":"tea","qty":2},{"sku":"cup","qty":1}],' ..
        '"time_windows":[["2026-11-23T09:00:00Z","2026-11-23T12:00:00Z"]]}', id, id, id % 1000000000, id)
    return wrk.format(nil, "/v1/orders", nil, body)
end
LUA
}

# one_build LABEL BUILD THREADS RUN: a fresh database, the POST, GET and whoami runs
one_build() {
    local label="$1" bin="$2/cli/lastmile" threads="$3" run="$4"
    rm -f "$work"/b.db*
    local port; port=$(bench_free_port)
    local key; key=$("$bin" keys create --role admin --db "$work/b.db" | tail -1)
    "${pin_server[@]}" "$bin" serve --port "$port" --db "$work/b.db" --threads "$threads" --max-conns-per-ip 0 \
        >"$work/server.log" 2>&1 &
    server_pid=$!
    local url="http://127.0.0.1:$port"
    bench_wait_healthy "$url" || true
    bench_catalog "$url" "$key"
    post_lua "$key"
    "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/post.lua" "$url" \
        >"$work/post.txt" 2>&1
    local created; created=$(curl -fsS "$url/metrics" | awk '/^lastmile_orders\{/ {s += $2} END {print s+0}')
    cat >"$work/get.lua" <<LUA
-- GET one of the orders created above, spread over all of them
wrk.headers["Authorization"] = "Bearer $key"
local max = $created
math.randomseed(7)
request = function()
    return wrk.format("GET", "/v1/orders/" .. math.random(1, max))
end
LUA
    "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/get.lua" "$url" \
        >"$work/get.txt" 2>&1
    "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency \
        -H "Authorization: Bearer $key" "$url/v1/whoami" >"$work/whoami.txt" 2>&1
    bench_stop_server
    # integrity, order rows (must cover what /metrics counted) and oversold stock rows
    local check; check=$(python3 - "$work/b.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in c.execute("PRAGMA table_info(stock)")]
over = c.execute("SELECT count(*) FROM stock WHERE reserved > on_hand").fetchone()[0] \
    if "reserved" in cols and "on_hand" in cols else -1
print(c.execute("PRAGMA integrity_check").fetchone()[0],
      c.execute("SELECT count(*) FROM orders").fetchone()[0], over)
PY
)
    for kind in post get whoami; do
        echo "$label $kind $threads $run $(summary "$work/$kind.txt") $created $check" >>"$results"
    done
}

for run in $(seq "$runs"); do
    for threads in $threads_list; do
        [ -n "$baseline" ] && one_build before "$baseline" "$threads" "$run"
        one_build after "$build" "$threads" "$run"
        post_lua none
        "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/post.lua" \
            "http://127.0.0.1:$nport" >"$work/nginx.txt" 2>&1
        echo "nginx post $threads $run $(summary "$work/nginx.txt") 0 ok 0 0" >>"$results"
    done
done

out="$here/bench/results/http-orders.md"
{
    echo "$start_header"; echo
    echo "Release build; server (\`lastmile serve --threads N\`, or nginx with 1 worker) pinned to"
    echo "core 0, \`wrk -t1 -c$conns -d${secs}s --latency\` pinned to core 1, 127.0.0.1; a fresh"
    echo "database per run. Each POST creates an order (2 lines, audit, nearest of 2 depots, stock"
    echo "reservation, events) and is answered once the commit that holds it is synced (WAL,"
    echo "fdatasync). nginx answers \`return 200 \"\"\` to the same POST (body read and"
    echo "dropped). GETs read random orders among those created; \`GET /v1/whoami\` (the key check"
    echo "alone) is the yardstick for a read. The server logs every request (level info) to a file."
    [ -n "$baseline" ] && echo "\"before\" is the build in \`$baseline\`, measured in the same runs, just before \"after\"."
    echo
    python3 - "$results" <<'PY'
import statistics, sys
rows, checks = {}, []
for line in open(sys.argv[1]):
    f = line.split()
    label, kind, threads, run = f[0], f[1], int(f[2]), int(f[3])
    rps, p50, p99, non = float(f[4]), float(f[5]), float(f[6]), int(f[8])
    rows.setdefault((label, kind, threads), []).append((rps, p50, p99, non))
    if kind == "post" and label != "nginx":
        checks.append((label, threads, run, int(f[9]), f[10], int(f[11]), int(f[12])))
names = {"post": "POST /v1/orders (durable create)", "get": "GET /v1/orders/{id}",
         "whoami": "GET /v1/whoami"}
med = lambda v, i: statistics.median(x[i] for x in v)
print("| workload | build | server threads | runs | median req/s | min .. max req/s | median p50 ms "
      "| median p99 ms | non-2xx (all runs) | vs nginx POST |")
print("|---|---|---|---|---|---|---|---|---|---|")
for threads in sorted({k[2] for k in rows}):
    ng = rows.get(("nginx", "post", threads))
    for kind in ("post", "get", "whoami"):
        for label in ("before", "after"):
            v = rows.get((label, kind, threads))
            if not v: continue
            ratio = f"{med(v, 0) / med(ng, 0):.1%}" if ng and kind == "post" else ""
            print(f"| {names[kind]} | {label} | {threads} | {len(v)} | {med(v, 0):,.0f} | "
                  f"{min(x[0] for x in v):,.0f} .. {max(x[0] for x in v):,.0f} | {med(v, 1):.2f} | "
                  f"{med(v, 2):.2f} | {sum(x[3] for x in v)} | {ratio} |")
    if ng:
        print(f"| nginx POST (constant) | nginx | 1 worker | {len(ng)} | {med(ng, 0):,.0f} | "
              f"{min(x[0] for x in ng):,.0f} .. {max(x[0] for x in ng):,.0f} | {med(ng, 1):.2f} | "
              f"{med(ng, 2):.2f} | {sum(x[3] for x in ng)} | 100% |")
print()
for label, threads, run, created, ok, stored, over in checks:
    good = ok == "ok" and stored >= created and over == 0
    print(f"- {label}, `--threads {threads}`, run {run}: {created} orders counted by /metrics; after "
          f"stopping the server, integrity_check {ok}, {stored} order rows, {over} stock rows "
          f"reserved beyond on hand{'' if good else ' -- CHECK FAILED'}.")
PY
    bench_footer
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
