#!/usr/bin/env bash
# HTTP load on the orders API: orders created per second (each reply sent after the durable
# commit holding its order: SQLite WAL, synchronous=FULL, orders group-committed) and
# GET /v1/orders/{id} per second, measured with wrk on 127.0.0.1 with a bounded duration, for
# each server thread count in THREADS_LIST. Writes bench/results/http-orders.md.
# Usage: [THREADS_LIST="2 16"] bench/http/orders.sh BUILD_DIR [SECONDS] [CONNECTIONS]
set -euo pipefail
build="${1:?build dir (a Release build)}"
secs="${2:-10}"
conns="${3:-32}"
threads_list="${THREADS_LIST:-2 16}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
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
field() { awk -v k="$2" '$1 == k {print $2}' "$1"; }
rps() { awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1"; }
errs() { awk '/Non-2xx/ {n = $NF} END {print n + 0}' "$1"; }
rows=""
notes=""

for threads in $threads_list; do
    rm -f "$work"/b.db*
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    key=$("$bin" keys create --role admin --db "$work/b.db" | tail -1)
    "${pin_server[@]}" "$bin" serve --port "$port" --db "$work/b.db" --threads "$threads" \
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
    stop_server
    integrity=$(python3 - "$work/b.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("PRAGMA integrity_check").fetchone()[0],
      c.execute("SELECT count(*) FROM orders").fetchone()[0])
PY
)
    p=$work/post.txt; g=$work/get.txt
    rows+="| POST /v1/orders (durable create) | $threads | $(rps "$p") | $(field "$p" 50%) | $(field "$p" 90%) | $(field "$p" 99%) | $(errs "$p") |"$'\n'
    rows+="| GET /v1/orders/{id} | $threads | $(rps "$g") | $(field "$g" 50%) | $(field "$g" 90%) | $(field "$g" 99%) | $(errs "$g") |"$'\n'
    notes+="- \`--threads $threads\`: $created orders created; after stopping the server, integrity_check and order rows: $integrity."$'\n'
done

out="$here/bench/results/http-orders.md"
{
    echo "## HTTP orders load ($(date -u +%Y-%m-%d), $(nproc) cores, load before the run $(cut -d' ' -f1 /proc/loadavg))"
    echo
    echo "Command: \`THREADS_LIST=\"$threads_list\" bench/http/orders.sh $build $secs $conns\` (Release build;"
    echo "server pinned to core 0, \`wrk -t1 -c$conns -d${secs}s --latency\` pinned to core 1, 127.0.0.1)."
    echo "Each POST creates an order (2 lines, audit, nearest of 2 depots, stock reservation, events)"
    echo "and is answered after the commit that holds it (WAL, synchronous=FULL). Concurrent creations"
    echo "are group-committed (one transaction, one fsync, one set of prepared statements per batch,"
    echo "a savepoint per order), so the batch size, and the rate, grow with the worker threads that"
    echo "can wait in the handler at once. GETs read random orders among those created."
    echo
    echo "| workload | server threads | requests/s | p50 | p90 | p99 | non-2xx |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s' "$rows"
    echo
    printf '%s' "$notes"
    echo
} >"$out"
cat "$out"
