#!/usr/bin/env bash
# HTTP load on the orders API: orders created per second (each reply sent after the durable
# commit holding its order: SQLite WAL, synchronous=FULL, orders group-committed),
# GET /v1/orders/{id} per second, and GET /v1/whoami (the key check alone) as the yardstick of a
# read, measured with wrk on 127.0.0.1 with a bounded duration, for each server thread count in
# THREADS_LIST, RUNS times on a fresh database each (medians reported).
# Writes bench/results/http-orders.md.
# Usage: [THREADS_LIST="2 16"] [RUNS=3] bench/http/orders.sh BUILD_DIR [SECONDS] [CONNECTIONS]
set -euo pipefail
build="${1:?build dir (a Release build)}"
secs="${2:-10}"
conns="${3:-32}"
threads_list="${THREADS_LIST:-2 16}"
runs="${RUNS:-3}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
start_header=$(bench_header "HTTP orders load" \
    "THREADS_LIST=\"$threads_list\" RUNS=$runs bench/http/orders.sh $build $secs $conns" "$runs")
bin="$build/cli/lastmile"
command -v wrk >/dev/null || { echo "orders.sh: wrk is not installed" >&2; exit 69; }
[ -x "$bin" ] || { echo "orders.sh: $bin not found" >&2; exit 66; }

work="$(mktemp -d /tmp/lm_bench_orders_XXXXXX)"
server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

# two cores: the server on one, wrk on the other
pin_server=(); pin_wrk=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_server=(taskset -c 0); pin_wrk=(taskset -c 1)
fi
summary() { python3 "$here/bench/http/wrk_summary.py" "$1"; }
results="$work/results.txt"
: >"$results"

for run in $(seq "$runs"); do
for threads in $threads_list; do
    rm -f "$work"/b.db*
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    key=$("$bin" keys create --role admin --db "$work/b.db" | tail -1)
    "${pin_server[@]}" "$bin" serve --port "$port" --db "$work/b.db" --threads "$threads" --max-conns-per-ip 0 \
        >"$work/server.log" 2>&1 &
    server_pid=$!
    url="http://127.0.0.1:$port"
    for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null && break; sleep 0.1; done
    api() { curl -fsS -o /dev/null -H "Authorization: Bearer $key" -X "$1" "$url$2" -d "$3"; }
    api POST /v1/depots '{"id":"d1","name":"Depot 1","location":[4.85,45.75]}'
    api POST /v1/depots '{"id":"d2","name":"Depot 2","location":[4.80,45.70]}'
    api POST /v1/products '{"sku":"tea","name":"Tea","weight_g":250,"volume_cm3":400}'
    api POST /v1/products '{"sku":"cup","name":"Cup","weight_g":300,"volume_cm3":900}'
    for d in d1 d2; do for s in tea cup; do
        api PUT "/v1/stock/$d/$s" '{"on_hand":100000000,"reorder_point":10}'
    done; done

    cat >"$work/post.lua" <<LUA
-- one distinct customer and Idempotency-Key per request: every request creates an order
local n = 0
local counter = 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $key"
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
    "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/post.lua" "$url" \
        >"$work/post.txt" 2>&1
    created=$(curl -fsS "$url/metrics" | awk '/^lastmile_orders\{/ {s += $2} END {print s+0}')

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
    stop_server
    integrity=$(python3 - "$work/b.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("PRAGMA integrity_check").fetchone()[0],
      c.execute("SELECT count(*) FROM orders").fetchone()[0])
PY
)
    # integrity_check's answer and the order rows, which must cover what /metrics counted
    read -r ok rows_n <<<"$integrity"
    for kind in post get whoami; do
        echo "$kind $threads $run $(summary "$work/$kind.txt") $created $ok $rows_n" >>"$results"
    done
done
done

out="$here/bench/results/http-orders.md"
{
    echo "$start_header"; echo
    echo "Release build; server pinned to core 0, \`wrk -t1 -c$conns -d${secs}s --latency\` pinned to"
    echo "core 1, 127.0.0.1; a fresh database per run. Each POST creates an order (2 lines, audit,"
    echo "nearest of 2 depots, stock reservation, events) and is answered after the commit that holds"
    echo "it (WAL, synchronous=FULL). Concurrent creations are group-committed (one transaction, one"
    echo "fsync, one set of prepared statements per batch, a savepoint per order), so the batch size,"
    echo "and the rate, grow with the worker threads that can wait in the handler at once. GETs read"
    echo "random orders among those created; \`GET /v1/whoami\` (the key check alone) is the"
    echo "yardstick for a read."
    echo
    python3 - "$results" <<'PY'
import statistics, sys
rows = {}
checks = []
for line in open(sys.argv[1]):
    f = line.split()
    kind, threads, run = f[0], int(f[1]), int(f[2])
    rps, p50, p99, non = float(f[3]), float(f[4]), float(f[5]), int(f[7])
    rows.setdefault((kind, threads), []).append((rps, p50, p99, non))
    if kind == "post":
        created, ok, stored = int(f[8]), f[9], int(f[10])
        checks.append((threads, run, created, ok, stored))
names = {"post": "POST /v1/orders (durable create)", "get": "GET /v1/orders/{id}",
         "whoami": "GET /v1/whoami"}
print("| workload | server threads | runs | median req/s | min .. max req/s | median p50 ms "
      "| median p99 ms | non-2xx (all runs) |")
print("|---|---|---|---|---|---|---|---|")
for threads in sorted({t for _, t in rows}):
    for kind in ("post", "get", "whoami"):
        v = rows.get((kind, threads))
        if not v: continue
        med = lambda i: statistics.median(x[i] for x in v)
        print(f"| {names[kind]} | {threads} | {len(v)} | {med(0):,.0f} | "
              f"{min(x[0] for x in v):,.0f} .. {max(x[0] for x in v):,.0f} | {med(1):.2f} | "
              f"{med(2):.2f} | {sum(x[3] for x in v)} |")
print()
for threads, run, created, ok, stored in checks:
    good = ok == "ok" and stored >= created
    print(f"- `--threads {threads}`, run {run}: {created} orders counted by /metrics; after "
          f"stopping the server, integrity_check {ok}, {stored} order rows"
          f"{'' if good else ' -- FEWER ROWS THAN COUNTED'}.")
PY
    bench_footer
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
