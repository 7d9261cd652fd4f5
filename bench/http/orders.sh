#!/usr/bin/env bash
# HTTP load on the orders API: orders created per second (each reply sent after its durable
# commit: SQLite WAL, synchronous=FULL) and GET /v1/orders/{id} per second, measured with wrk on
# 127.0.0.1 with a bounded duration. Writes bench/results/http-orders.md.
# Usage: bench/http/orders.sh BUILD_DIR [SECONDS] [CONNECTIONS]
set -euo pipefail
build="${1:?build dir (a Release build)}"
secs="${2:-10}"
conns="${3:-32}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$build/cli/lastmile"
command -v wrk >/dev/null || { echo "orders.sh: wrk is not installed" >&2; exit 69; }
[ -x "$bin" ] || { echo "orders.sh: $bin not found" >&2; exit 66; }

work="$(mktemp -d /tmp/lm_bench_orders_XXXXXX)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
key=$("$bin" keys create --role admin --db "$work/b.db" | tail -1)
# two cores: the server on one, wrk on the other
pin_server=(); pin_wrk=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_server=(taskset -c 0); pin_wrk=(taskset -c 1)
fi
"${pin_server[@]}" "$bin" serve --port "$port" --db "$work/b.db" --threads 2 >"$work/server.log" 2>&1 &
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

run_wrk() { # run_wrk SCRIPT OUT
    "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$1" "$url" >"$2" 2>&1
}
run_wrk "$work/post.lua" "$work/post.txt"
created=$(curl -fsS -H "Authorization: Bearer $key" "$url/metrics" |
          awk '/^lastmile_orders\{/ {s += $2} END {print s+0}')

cat >"$work/get.lua" <<LUA
-- GET one of the orders created above, spread over all of them
wrk.headers["Authorization"] = "Bearer $key"
local max = $created
math.randomseed(7)
request = function()
    return wrk.format("GET", "/v1/orders/" .. math.random(1, max))
end
LUA
run_wrk "$work/get.lua" "$work/get.txt"

field() { awk -v k="$2" '$1 == k {print $2}' "$1"; }
rps() { awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1"; }
errs() { awk '/Non-2xx/ {print $NF} END {}' "$1" | tail -1; }
integrity=$(python3 - "$work/b.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("PRAGMA integrity_check").fetchone()[0], c.execute("PRAGMA synchronous").fetchone()[0])
PY
)

out="$here/bench/results/http-orders.md"
{
    echo "## HTTP orders load ($(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
    echo
    echo "Command: \`bench/http/orders.sh $build $secs $conns\` (Release build; server \`--threads 2\`"
    echo "pinned to core 0, \`wrk -t1 -c$conns -d${secs}s --latency\` pinned to core 1, 127.0.0.1)."
    echo "Each POST creates an order (2 lines, audit, nearest-depot allocation, stock reservation,"
    echo "events) in one transaction and is answered after its commit (WAL, synchronous=FULL: an"
    echo "fsync per commit; no group commit for orders yet). GETs read random orders among those created."
    echo
    echo "| workload | requests/s | p50 | p90 | p99 | non-2xx |"
    echo "|---|---|---|---|---|---|"
    echo "| POST /v1/orders (durable create) | $(rps "$work/post.txt") | $(field "$work/post.txt" 50%) | $(field "$work/post.txt" 90%) | $(field "$work/post.txt" 99%) | $(errs "$work/post.txt" || true) |"
    echo "| GET /v1/orders/{id} | $(rps "$work/get.txt") | $(field "$work/get.txt" 50%) | $(field "$work/get.txt" 90%) | $(field "$work/get.txt" 99%) | $(errs "$work/get.txt" || true) |"
    echo
    echo "Orders in the database after the POST run: $created; integrity_check / synchronous: $integrity (2 = FULL)."
    echo
} >"$out"
cat "$out"
