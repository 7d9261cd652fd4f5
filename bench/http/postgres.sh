#!/usr/bin/env bash
# One node on SQLite against one node on PostgreSQL, same machine, same run: orders created per
# second (POST /v1/orders, each answered after the commit holding it) and OsmAnd positions
# ingested per second (GET on the OsmAnd port, each answered after its group commit), wrk on
# 127.0.0.1 for SECONDS, RUNS times per backend on a fresh database, medians reported.
# PostgreSQL is a local cluster from scripts/pg-cluster.sh with fsync ON (durable commits, as
# SQLite's synchronous=FULL), default settings otherwise. Afterwards every backend's rows must
# cover what wrk counted as answered.
# Writes bench/results/postgres.md.   Usage: bench/http/postgres.sh BUILD_DIR [SECONDS] [RUNS]
set -euo pipefail
build="${1:?build dir (a Release build)}"
secs="${2:-10}"
runs="${3:-3}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
start_header=$(bench_header "One node: SQLite against PostgreSQL" \
    "bench/http/postgres.sh $build $secs $runs" "$runs")
bin="$(cd "$build" && pwd)/cli/lastmile"
command -v wrk >/dev/null || { echo "postgres.sh: wrk is not installed" >&2; exit 69; }
command -v psql >/dev/null || { echo "postgres.sh: psql is not installed" >&2; exit 69; }
[ -x "$bin" ] || { echo "postgres.sh: $bin not found" >&2; exit 66; }

work="$(mktemp -d /tmp/lm_bench_pg_XXXXXX)"
chmod 755 "$work"
server_pid=""
trap 'bench_stop_server; "$here/scripts/pg-cluster.sh" stop "$work/pg"; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
bench_pin_cores
pg_server=$("$here/scripts/pg-cluster.sh" start "$work/pg" "$(free_port)")
pg_base=${pg_server%/*}
devices=100
results="$work/results.txt"
: >"$results"

# sql DB STATEMENT: one statement on the run's database (either backend), one value back
sql() {
    if [ "$backend" = pg ]; then psql -qAt "$db" -c "$1"; else
        python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$1"
    fi
}

for run in $(seq "$runs"); do
for backend in sqlite pg; do
    if [ "$backend" = pg ]; then
        psql -qAt "$pg_server" -c "CREATE DATABASE bench_$run"
        db="$pg_base/bench_$run"
    else
        db="$work/b$run.db"
    fi
    key=$("$bin" keys create --role admin --db "$db" | tail -1)
    sql "SELECT count(*) FROM drivers" >/dev/null
    for i in $(seq 0 $((devices - 1))); do
        echo "INSERT INTO drivers(id, name, phone, device_id) VALUES ('bench-$i', 'Bench $i', '', 'phone-$i');"
    done >"$work/drivers.sql"
    if [ "$backend" = pg ]; then psql -qAt "$db" -f "$work/drivers.sql"; else
        python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()' "$db" "$work/drivers.sql"
    fi
    port=$(free_port); oport=$(free_port)
    (cd "$work" && exec "${pin_server[@]}" "$bin" serve --port "$port" --osmand-port "$oport" --db "$db" \
        --threads 16 --max-conns-per-ip 0 --osmand-max-conns-per-ip 0 \
        --positions-retention-days 0 >"$work/server.log" 2>&1) &
    server_pid=$!
    url="http://127.0.0.1:$port"
    bench_wait_healthy "$url" 150 || true
    curl -fs "$url/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }
    api() { curl -fsS -o /dev/null -H "Authorization: Bearer $key" -X "$1" "$url$2" -d "$3"; }
    api POST /v1/depots '{"id":"d1","name":"Depot 1","location":[4.85,45.75]}'
    api POST /v1/depots '{"id":"d2","name":"Depot 2","location":[4.80,45.70]}'
    api POST /v1/products '{"sku":"tea","name":"Tea","weight_g":250,"volume_cm3":400}'
    api POST /v1/products '{"sku":"cup","name":"Cup","weight_g":300,"volume_cm3":900}'
    for d in d1 d2; do for s in tea cup; do
        api PUT "/v1/stock/$d/$s" '{"on_hand":100000000,"reorder_point":10}'
    done; done
    # one distinct customer and Idempotency-Key per request: every request creates an order
    bench_order_lua "$work/post.lua" "$key" "bench-$run"
    # positions dated now (so they land in today's partition on PostgreSQL), 1 ms apart
    bench_osmand_lua "$work/ingest.lua" "$devices" "$(date +%s%3N)"
    "${pin_wrk[@]}" wrk -t1 -c32 -d"${secs}s" --latency -s "$work/post.lua" "$url" >"$work/post.txt" 2>&1
    "${pin_wrk[@]}" wrk -t1 -c64 -d"${secs}s" --latency -s "$work/ingest.lua" \
        "http://127.0.0.1:$oport" >"$work/ingest.txt" 2>&1
    bench_stop_server
    orders=$(sql "SELECT count(*) FROM orders")
    positions=$(sql "SELECT count(*) FROM positions")
    for kind in post ingest; do
        rows=$([ $kind = post ] && echo "$orders" || echo "$positions")
        echo "$kind $backend $run $(python3 "$here/bench/http/wrk_summary.py" "$work/$kind.txt") $rows" >>"$results"
    done
done
done

out="$here/bench/results/postgres.md"
{
    echo "$start_header"; echo
    echo "Release build; server pinned to core 0 (\`--threads 16\`), wrk \`-t1\` pinned to core 1,"
    echo "127.0.0.1, a fresh database per run and backend; PostgreSQL $(psql -qAt "$pg_server" -c 'SHOW server_version') on the same"
    echo "machine (scripts/pg-cluster.sh: fsync on, shared_buffers 64MB), so it shares core 0/1"
    echo "with the server and wrk. POST /v1/orders: 32 connections, each order (2 lines, stock"
    echo "reservation, audit, events) answered after its commit. Ingest: 64 connections on the"
    echo "OsmAnd port, 100 known devices, each position answered after its group commit (PostgreSQL:"
    echo "multi-row INSERT into the day partition)."
    echo
    python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault((f[0], f[1]), []).append((float(f[3]), float(f[4]), float(f[5]), int(f[6]),
                                              int(f[7]), int(f[8])))
names = {"post": "POST /v1/orders (durable create)", "ingest": "OsmAnd position ingest"}
print("| workload | backend | runs | median req/s | min .. max req/s | median p50 ms | median p99 ms "
      "| non-2xx (all runs) | rows stored >= answered |")
print("|---|---|---|---|---|---|---|---|---|")
for kind in ("post", "ingest"):
    for be in ("sqlite", "pg"):
        v = rows.get((kind, be))
        if not v: continue
        med = lambda i: statistics.median(x[i] for x in v)
        ok = all(x[5] >= x[3] - x[4] for x in v)
        print(f"| {names[kind]} | {'SQLite' if be == 'sqlite' else 'PostgreSQL'} | {len(v)} | "
              f"{med(0):,.0f} | {min(x[0] for x in v):,.0f} .. {max(x[0] for x in v):,.0f} | "
              f"{med(1):.2f} | {med(2):.2f} | {sum(x[4] for x in v)} | {'yes' if ok else 'NO'} |")
print()
for kind in ("post", "ingest"):
    s, p = rows.get((kind, "sqlite")), rows.get((kind, "pg"))
    if s and p:
        print(f"- {names[kind]}: PostgreSQL / SQLite = "
              f"{statistics.median(x[0] for x in p) / statistics.median(x[0] for x in s):.2f}")
PY
    bench_footer
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
