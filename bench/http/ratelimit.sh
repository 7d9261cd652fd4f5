#!/usr/bin/env bash
# The cost of the rate limits shared by several nodes (store/ratelimit.c): one lm_rate_take per
# limited request on PostgreSQL, against the round trip every statement pays anyway (SELECT 1),
# measured with pgbench on a throwaway cluster (fsync on; the bucket table is UNLOGGED).
#   spread: each take from one of 10,000 client addresses (rows never contended)
#   one address: every take on the same bucket (its row lock serialises the takes)
# CLIENTS pgbench connections, SECONDS each, RUNS times; medians. Writes bench/results/ratelimit.md.
# Usage: [RUNS=3] bench/http/ratelimit.sh BUILD_DIR [SECONDS] [CLIENTS]
set -euo pipefail
build="${1:?build dir}"
secs="${2:-5}"
clients="${3:-8}"
runs="${RUNS:-3}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
start_header=$(bench_header "Shared rate limits on PostgreSQL: the cost of a take" \
    "RUNS=$runs bench/http/ratelimit.sh $build $secs $clients" "$runs")
bin="$build/cli/lastmile"
pgbench=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/pgbench
[ -x "$pgbench" ] || { echo "ratelimit.sh: pgbench not found (postgresql package)" >&2; exit 69; }
[ -x "$bin" ] || { echo "ratelimit.sh: $bin not found" >&2; exit 66; }
work="$(mktemp -d /tmp/lm_bench_ratelimit_XXXXXX)"
chmod 755 "$work"
trap '"$here/scripts/pg-cluster.sh" stop "$work/pg"; rm -rf "$work"' EXIT
port=$(bench_free_port)
"$here/scripts/pg-cluster.sh" start "$work/pg" "$port" >/dev/null
db="postgresql://lastmile@127.0.0.1:$port/postgres"
"$bin" keys create --role admin --db "$db" >/dev/null # applies the migrations: lm_rate_take
echo 'SELECT 1;' >"$work/rtt.sql"
cat >"$work/spread.sql" <<'SQL'
\set a random(1, 10000)
SELECT ok FROM lm_rate_take('bench', '10.0.' || :a, 1000000, 1000000,
  (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
SQL
cat >"$work/one.sql" <<'SQL'
SELECT ok FROM lm_rate_take('bench', '10.0.0.1', 1000000, 1000000,
  (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
SQL
: >"$work/results.txt"
for run in $(seq "$runs"); do
    for w in rtt spread one; do
        out=$("$pgbench" -n -M prepared -c "$clients" -j 2 -T "$secs" -f "$work/$w.sql" "$db" 2>&1)
        tps=$(echo "$out" | awk '/^tps/ {print $3; exit}')
        lat=$(echo "$out" | awk '/^latency average/ {print $4; exit}')
        echo "$w $run $tps $lat" >>"$work/results.txt"
    done
done
{
    echo "$start_header"
    echo
    echo "pgbench \`-M prepared -c $clients -j 2 -T $secs\` on 127.0.0.1, PostgreSQL in a throwaway"
    echo "cluster (scripts/pg-cluster.sh, fsync on) on the same 2 cores as pgbench. A take is the"
    echo "one statement a limited request adds on a PostgreSQL node (\`lm_rate_take\`: an UPSERT"
    echo "and an UPDATE of one row of an UNLOGGED table, in one function call)."
    echo
    python3 - "$work/results.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    w, _, tps, lat = line.split()
    rows.setdefault(w, []).append((float(tps), float(lat)))
names = {"rtt": "SELECT 1 (the round trip alone)", "spread": "take, 10,000 addresses",
         "one": "take, one address (one hot row)"}
print("| statement | runs | median statements/s | min .. max | median latency ms | vs SELECT 1 |")
print("|---|---|---|---|---|---|")
base = statistics.median(t for t, _ in rows["rtt"])
for w in ("rtt", "spread", "one"):
    r = rows[w]
    med = statistics.median(t for t, _ in r)
    print("| %s | %d | %s | %s .. %s | %.3f | %.0f%% |" % (
        names[w], len(r), format(round(med), ","), format(round(min(t for t, _ in r)), ","),
        format(round(max(t for t, _ in r)), ","), statistics.median(l for _, l in r),
        100 * med / base))
PY
    bench_footer
} >"$here/bench/results/ratelimit.md"
cat "$here/bench/results/ratelimit.md"
