#!/usr/bin/env bash
# Where the time goes: runs one workload against BUILD_DIR's lastmile (pinned to core 0, wrk -t1
# on core 1, 127.0.0.1, bounded) under `perf record --call-graph dwarf` and prints a text flame
# summary: the inclusive share of the frames that matter (of all samples of the server process,
# every thread), then the heaviest frames by self time. Workloads: orders (durable POST
# /v1/orders, 32 connections), track (GET /v1/track/{token}, 128), ingest (OsmAnd GET on its
# port, 128). Needs perf (linux-perf) and permission to profile (root or perf_event_paranoid
# <= 1). The bench/results/perf-*.md write-ups quote its output.
# With KEEP=FILE the recording is kept there (for perf report or bench/perf_fold.py); FREQ=Hz
# (default 499) and STACK=bytes of stack copied per sample (default 16384; 65528 unwinds the
# writer's deep SQLite stacks that 16384 cuts short).
# Usage: [KEEP=FILE] bench/http/profile.sh BUILD_DIR orders|track|ingest [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
build="${1:?build dir}"
what="${2:?orders, track or ingest}"
secs="${3:-8}"
bin="$build/cli/lastmile"
command -v perf >/dev/null || { echo "profile.sh: perf is not installed" >&2; exit 69; }
work="$(mktemp -d /tmp/lm_profile_XXXXXX)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
bench_serve_pinned "$bin" "$work" --track-rate 1000000000 --track-burst 1000000000
url="http://127.0.0.1:$port"
bench_catalog "$url" "$key"
token=$(bench_track_token "$url" "$key")
case "$what" in
orders)
    bench_order_lua "$work/load.lua" "$key" prof
    target=("$url"); conns=32 ;;
track) cat >"$work/load.lua" <<<'-- plain GET'; target=("$url/v1/track/$token"); conns=128 ;;
ingest)
    bench_osmand_lua "$work/load.lua" 100 $(( ($(date +%s) - 86400) * 1000 ))
    target=("http://127.0.0.1:$oport"); conns=128 ;;
*) echo "profile.sh: unknown workload $what" >&2; exit 64 ;;
esac
( sleep 1; perf record -F "${FREQ:-499}" --call-graph "dwarf,${STACK:-16384}" -p "$pid" -o "$work/perf.data" \
    -- sleep $((secs - 2)) >/dev/null 2>&1 ) &
perfjob=$!
taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/load.lua" "${target[0]}" >"$work/wrk.txt"
wait "$perfjob"
[ -n "${KEEP:-}" ] && cp "$work/perf.data" "$KEEP"
echo "## $what: $(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") req/s, p99 $(awk '$1=="99%" {print $2}' "$work/wrk.txt"), load $(cut -d' ' -f1-3 /proc/loadavg) ($(basename "$(cd "$build" && pwd)"))"
perf report -i "$work/perf.data" --children --sort sym --stdio -g none 2>/dev/null |
    awk '/%/ && !/^#/ {print}' >"$work/children.txt"
echo
echo "Inclusive share of the server's samples (every thread):"
echo
echo '```'
grep -E '\] (on_access|conn_new|route_find|route_match|authenticate|conn_run|defer_reply|queue_reply|on_completed|log_request|http_log_access|log_main|rec_format|write_all|api__track|track_build|api__track_allow|api__track_cache_get|handle_orders_create|orders_order_create_submit|writer_main|batch_run|create_in_tx|orders__allocate|store_order_insert|store_order_update|orders__event_order|store_tx_commit|analytics_rollup_catch_up|job_work|job_done|dispatch_ingest_submit|plain_access|__libc_sendmsg|__libc_recv|__GI___poll|__GI_fdatasync|__libc_pwrite64|sqlite3_step|cJSON_ParseWithLengthOpts|http_reply_json|__memset_avx512_unaligned_erms|__vfprintf_internal)( |$)' \
    "$work/children.txt" | awk '{printf "%8s  %s\n", $1, $4}' | head -40
echo '```'
echo
echo "Heaviest frames by self time:"
echo
echo '```'
perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
    awk '/%/ && !/^#/ {printf "%8s  %s %s\n", $1, $2, $4}' | head -15
echo '```'
