#!/usr/bin/env bash
# Order and position throughput of one node on SQLite, one node on PostgreSQL and two nodes on
# PostgreSQL behind HAProxy, in one run (so the ratios compare like with like): wrk on 127.0.0.1
# for SECONDS per workload, RUNS times on a fresh database each, medians reported.
#   orders:    POST /v1/orders, each with its own Idempotency-Key (answered after its commit)
#   positions: GET /v1/osmand?id=..&timestamp=.. over 20 devices, each with a new device time
# Every answered request must be stored: after each run the rows are counted against wrk's count.
# Writes bench/results/multinode.md.
# Usage: [RUNS=3] bench/http/multinode.sh BUILD_DIR [SECONDS] [CONNECTIONS]
set -euo pipefail
build="${1:?build dir (a Release build)}"
secs="${2:-5}"
conns="${3:-32}"
runs="${RUNS:-3}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
start_header=$(bench_header "Several nodes: orders and positions on SQLite, PostgreSQL, 2 nodes" \
    "RUNS=$runs bench/http/multinode.sh $build $secs $conns" "$runs")
bin="$build/cli/lastmile"
for t in wrk haproxy psql; do
    command -v "$t" >/dev/null || { echo "multinode.sh: $t is not installed" >&2; exit 69; }
done
[ -x "$bin" ] || { echo "multinode.sh: $bin not found" >&2; exit 66; }

work="$(mktemp -d /tmp/lm_bench_multinode_XXXXXX)"
chmod 755 "$work" # the cluster runs as the postgres user when we are root
pids=()
stop_all() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    pids=()
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgport=$(free_port)
trap 'stop_all; "$here/scripts/pg-cluster.sh" stop "$work/pg"; rm -rf "$work"' EXIT
# fsync stays on: acknowledged means durable, as on SQLite (synchronous=FULL)
"$here/scripts/pg-cluster.sh" start "$work/pg" "$pgport" >/dev/null
pgadmin="postgresql://lastmile@127.0.0.1:$pgport/postgres"
summary() { python3 "$here/bench/http/wrk_summary.py" "$1"; }
results="$work/results.txt"
: >"$results"

# start_node DB PORT: a node in the background; waits for /healthz
start_node() {
    "$bin" serve --db "$1" --port "$2" --osmand-port 0 --threads 8 --max-conns-per-ip 0 \
        --data-dir "$work/data" >>"$work/node-$2.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 300); do curl -fs "http://127.0.0.1:$2/healthz" >/dev/null && return 0; sleep 0.1; done
    echo "multinode.sh: node on port $2 did not start" >&2; exit 1
}

# seed URL KEY: depot, product, stock, 20 drivers; prints their device ids
seed() {
    api() { curl -fsS -H "Authorization: Bearer $2" -X "$3" "$1$4" -d "$5"; }
    api "$1" "$2" POST /v1/depots '{"id":"d1","name":"Depot 1","location":[4.85,45.75]}' >/dev/null
    api "$1" "$2" POST /v1/products '{"sku":"tea","name":"Tea","weight_g":250,"volume_cm3":400}' >/dev/null
    api "$1" "$2" PUT /v1/stock/d1/tea '{"on_hand":100000000,"reorder_point":10}' >/dev/null
    for i in $(seq 20); do
        api "$1" "$2" POST /v1/vehicles "{\"id\":\"V$i\",\"start_depot\":\"d1\"}" >/dev/null
        api "$1" "$2" POST /v1/drivers "{\"id\":\"D$i\",\"name\":\"D$i\",\"vehicle_id\":\"V$i\"}" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["device_id"])'
    done
}

lua_scripts() { # KEY DEVICES...
    local key=$1; shift
    # wrk's threads each run the script: a thread id keeps their keys and device times apart
    cat >"$work/post.lua" <<LUA
local counter = 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
local n = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $key"
wrk.headers["Content-Type"] = "application/json"
request = function()
    n = n + 1
    local id = (tid or 1) * 100000000 + n
    wrk.headers["Idempotency-Key"] = "bench-" .. id
    local body = string.format('{"external_ref":"B%d","channel":"web","customer":{"name":"C%d",' ..
        '"address":"%d rue du Banc, Lyon","location":[4.83,45.74]},"lines":[{"sku":"tea","qty":1}]}',
        id, id, id)
    return wrk.format(nil, "/v1/orders", nil, body)
end
LUA
    local devs
    devs=$(printf '"%s",' "$@")
    cat >"$work/pos.lua" <<LUA
local counter = 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
local devs = {${devs%,}}
local n = 0
local t0 = $(date +%s%3N) - 7200000
request = function()
    n = n + 1
    -- thread 1 the odd devices, thread 2 the even ones: each device's time only grows, one
    -- millisecond a request (an hour's worth at most), so every answered position is a new row
    local d = devs[2 * (n % (#devs / 2)) + (tid or 1)]
    local t = t0 + n
    return wrk.format("GET", string.format("/v1/osmand?id=%s&lat=45.75&lon=4.85&timestamp=%d", d, t))
end
LUA
}

for run in $(seq "$runs"); do
for setup in sqlite pg1 pg2; do
    stop_all
    rm -rf "$work/data" "$work"/b.db*
    mkdir -p "$work/data"
    if [ "$setup" = sqlite ]; then
        db="$work/b.db"
    else
        psql "$pgadmin" -qc "DROP DATABASE IF EXISTS bench WITH (FORCE)" -c "CREATE DATABASE bench" >/dev/null
        db="postgresql://lastmile@127.0.0.1:$pgport/bench"
    fi
    key=$("$bin" keys create --role admin --db "$db" | tail -1)
    p1=$(free_port)
    start_node "$db" "$p1"
    target=$p1
    if [ "$setup" = pg2 ]; then
        p2=$(free_port)
        start_node "$db" "$p2"
        target=$(free_port)
        cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend api
  bind 127.0.0.1:$target
  default_backend nodes
backend nodes
  balance roundrobin
  http-reuse always
  server a 127.0.0.1:$p1 check
  server b 127.0.0.1:$p2 check
CFG
        haproxy -f "$work/haproxy.cfg" -db >/dev/null 2>&1 &
        pids+=($!)
        bench_wait_healthy "http://127.0.0.1:$target" || true
    fi
    url="http://127.0.0.1:$target"
    mapfile -t devices < <(seed "$url" "$key")
    lua_scripts "$key" "${devices[@]}"
    wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$work/post.lua" "$url" >"$work/post.txt" 2>&1
    wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$work/pos.lua" "$url" >"$work/pos.txt" 2>&1
    load=$(cut -d' ' -f1 /proc/loadavg)
    stop_all
    if [ "$setup" = sqlite ]; then
        count() { sqlite3 "$work/b.db" "$1"; }
    else
        count() { psql "$db" -tAc "$1"; }
    fi
    orders=$(count "SELECT count(*) FROM orders")
    positions=$(count "SELECT count(*) FROM positions")
    echo "post $setup $run $(summary "$work/post.txt") $orders $load" >>"$results"
    echo "pos $setup $run $(summary "$work/pos.txt") $positions $load" >>"$results"
done
done

out="$here/bench/results/multinode.md"
{
    echo "$start_header"; echo
    echo "Release build; \`wrk -t2 -c$conns -d${secs}s --latency\`, 127.0.0.1, everything on the"
    echo "same 2 cores (no pinning: three servers and HAProxy share them with wrk, so the 2-node"
    echo "figures measure the coordination cost, not added hardware). \`--threads 8\` per node. A"
    echo "fresh database per run; PostgreSQL 15 in a throwaway cluster with fsync and"
    echo "synchronous_commit on (scripts/pg-cluster.sh); SQLite in WAL with synchronous=FULL."
    echo "Orders: POST /v1/orders, one Idempotency-Key each. Positions: OsmAnd GET over 20"
    echo "devices, a new device time each. Every request answered 2xx must be a stored row: the"
    echo "last columns compare them (rows >= answered 2xx, since a write may commit and lose its"
    echo "reply when wrk stops)."
    echo
    python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    kind, setup = f[0], f[1]
    rps, p50, p99, requests, non = float(f[3]), float(f[4]), float(f[5]), int(f[6]), int(f[7])
    stored, load = int(f[8]), float(f[9])
    rows.setdefault((kind, setup), []).append((rps, p50, p99, requests - non, non, stored, load))
names = {"sqlite": "1 node, SQLite", "pg1": "1 node, PostgreSQL", "pg2": "2 nodes, PostgreSQL, HAProxy"}
print("| workload | setup | runs | median req/s | vs SQLite | min .. max req/s | median p99 ms "
      "| non-2xx | all 2xx stored | load (1 min) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for kind, title in (("post", "POST /v1/orders"), ("pos", "OsmAnd position")):
    base = statistics.median(r[0] for r in rows.get((kind, "sqlite"), [(0,)]))
    for setup in ("sqlite", "pg1", "pg2"):
        rs = rows.get((kind, setup))
        if not rs:
            continue
        med = statistics.median(r[0] for r in rs)
        ratio = "%.0f%%" % (100 * med / base) if base else "-"
        print("| %s | %s | %d | %s | %s | %s .. %s | %.2f | %d | %s | %s |" % (
            title, names[setup], len(rs), format(round(med), ","), ratio,
            format(round(min(r[0] for r in rs)), ","), format(round(max(r[0] for r in rs)), ","),
            statistics.median(r[2] for r in rs), sum(r[4] for r in rs),
            "yes" if all(r[5] >= r[3] for r in rs) else "NO",
            " / ".join("%.1f" % r[6] for r in rs)))
PY
    bench_footer
} >"$out"
cat "$out"
