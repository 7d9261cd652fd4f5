#!/usr/bin/env bash
# Round trips to PostgreSQL per request: a node's sendto system calls (strace -c; libpq sends
# each pipeline of statements with one, HTTP replies add one per request in every build alike)
# while 16 clients send ORDERS orders (POST /v1/orders, each its own Idempotency-Key) and then
# POSITIONS OsmAnd positions over 10 devices. Deterministic where throughput on a shared machine
# is not: it counts what a write costs, not how fast the machine was that minute. With a second
# build (e.g. one made from an older commit) both are counted in the same run, same database
# server. Writes bench/results/pg-roundtrips.md.
# Usage: [BASE_LABEL=text] bench/http/roundtrips.sh BUILD_DIR [BASE_BUILD_DIR] [ORDERS] [POSITIONS]
# (BASE_LABEL names the base build in the table, e.g. the commit it was built from)
set -euo pipefail
build="${1:?build dir}"
base="${2:-}"
orders="${3:-300}"
positions="${4:-1000}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
start_header=$(bench_header "Round trips to PostgreSQL per order and per position" \
    "${BASE_LABEL:+BASE_LABEL=\"$BASE_LABEL\" }bench/http/roundtrips.sh $build${base:+ $base} $orders $positions" 1)
command -v strace >/dev/null || { echo "roundtrips.sh: strace is not installed" >&2; exit 69; }
work="$(mktemp -d /tmp/lm_bench_rt_XXXXXX)"
chmod 755 "$work"
node=""
trap '[ -n "$node" ] && kill "$node" 2>/dev/null; "$here/scripts/pg-cluster.sh" stop "$work/pg"; rm -rf "$work"' EXIT
pgport=$(bench_free_port)
"$here/scripts/pg-cluster.sh" start "$work/pg" "$pgport" >/dev/null
admin="postgresql://lastmile@127.0.0.1:$pgport/postgres"
: >"$work/results.txt"

measure() { # NAME BIN
    local name=$1 bin=$2 port db key devs=() kind n st
    psql "$admin" -qc "DROP DATABASE IF EXISTS rt WITH (FORCE)" -c "CREATE DATABASE rt" >/dev/null 2>&1
    db="postgresql://lastmile@127.0.0.1:$pgport/rt"
    key=$("$bin" keys create --role admin --db "$db" | tail -1)
    port=$(bench_free_port)
    rm -rf "$work/data" && mkdir -p "$work/data"
    "$bin" serve --db "$db" --port "$port" --osmand-port 0 --threads 8 --max-conns-per-ip 0 \
        --data-dir "$work/data" >>"$work/node.log" 2>&1 &
    node=$!
    for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    api() { curl -fsS -H "Authorization: Bearer $key" -X "$1" "http://127.0.0.1:$port$2" -d "$3"; }
    api POST /v1/depots '{"id":"d1","name":"Depot 1","location":[4.85,45.75]}' >/dev/null
    api POST /v1/products '{"sku":"tea","name":"Tea","weight_g":250,"volume_cm3":400}' >/dev/null
    api PUT /v1/stock/d1/tea '{"on_hand":100000000,"reorder_point":10}' >/dev/null
    for i in $(seq 10); do
        api POST /v1/vehicles "{\"id\":\"V$i\",\"start_depot\":\"d1\"}" >/dev/null
        devs+=("$(api POST /v1/drivers "{\"id\":\"D$i\",\"name\":\"D$i\",\"vehicle_id\":\"V$i\"}" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["device_id"])')")
    done
    sleep 1
    for kind in orders positions; do
        n=$orders; [ "$kind" = positions ] && n=$positions
        strace -f -c -e trace=sendto -p "$node" -o "$work/$kind.strace" 2>/dev/null &
        st=$!
        sleep 1
        python3 "$here/bench/http/roundtrips_load.py" "$port" "$key" "$kind" "$n" "${devs[@]}"
        sleep 0.5
        kill -INT "$st"; wait "$st" 2>/dev/null || true
        echo "$name $kind $n $(awk '/sendto/ {print $4}' "$work/$kind.strace")" >>"$work/results.txt"
    done
    kill "$node"; wait "$node" 2>/dev/null || true
    node=""
}
[ -n "$base" ] && measure base "$base/cli/lastmile"
measure this "$build/cli/lastmile"
{
    echo "$start_header"
    echo
    echo "One node (\`--threads 8\`), PostgreSQL 15 in a throwaway cluster (scripts/pg-cluster.sh,"
    echo "fsync on), 16 client threads. sendto counts every send of the node: its statements to"
    echo "PostgreSQL (a pipeline of them is one send) and its HTTP replies (one per request, in"
    echo "both builds), so the difference between two builds is PostgreSQL round trips."
    echo
    echo "| build | workload | requests | sendto calls | per request |"
    echo "|---|---|---|---|---|"
    while read -r name kind n calls; do
        label="this build ($build)"; [ "$name" = base ] && label="${BASE_LABEL:-$base}"
        echo "| $label | $kind | $n | $calls | $(python3 -c "print('%.1f' % ($calls / $n))") |"
    done <"$work/results.txt"
    bench_footer
} >"$here/bench/results/pg-roundtrips.md"
cat "$here/bench/results/pg-roundtrips.md"
