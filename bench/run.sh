#!/usr/bin/env bash
# make bench: the long-running measurements. Every table the README cites is written under
# bench/results/ by this script or by bench/http/*.sh (which it runs), each with the command that
# reproduces it, the date, the machine's load (start and end) and the number of runs its medians
# are of (bench/lib.sh). Nothing in bench/results/ is edited by hand; notes on older runs live in
# bench/NOTES.md.
# Usage: bench/run.sh BUILD_DIR [all|solver|geo|scale|replan|http|analytics|forecast|hfvrp|hfvrp-vroom]
# (hfvrp-vroom needs VROOM_BIN: bench/NOTES.md, "VROOM as a comparator")
#   RUNS=N          runs per measurement, medians reported (default 3; geo 11, it is quick)
#   LIMITS="1000 10000"  solver time limits in ms; SP_COMPARE=0 skips the pass without GLPK
#   HTTP_SECONDS=S  duration of each wrk run (default 10)
# Solver runs are one thread per instance; the Solomon and CVRPLIB halves run side by side, one
# per core, so a full pass at 1 s + 10 s takes about 20 minutes per run on 2 cores (an hour at
# the default 3 runs).
set -euo pipefail
build="${1:?build dir}"
what="${2:-all}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. bench/lib.sh
out=bench/results
mkdir -p "$out" bench/work
limits="${LIMITS:-1000 10000}"
runs="${RUNS:-3}"

# finish FILE: the table was written to FILE.tmp; replace FILE only when it is complete.
finish() { mv "$1.tmp" "$1"; echo "bench/run.sh: wrote $1"; }

solver_set() { # solver_set LIMIT_MS NAME DIR BKS [VEH_BKS] [extra args]
    local limit="$1" name="$2" dir="$3" bks="$4" vbks="${5:-}"
    shift 5 || shift $#
    local args=(--dir "$dir" --bks "$bks" --time-limit-ms "$limit" --title "$name" --runs "$runs"
                --csv "bench/work/$name-$tag.csv" --md "bench/work/$name-$tag.md")
    [ -n "$vbks" ] && args+=(--vehicles-bks "$vbks")
    "$build/bench/bench_solver" "${args[@]}" "$@" > "bench/work/$name-$tag.log" 2>&1
}

# run_limit LIMIT_MS [SUFFIX extra bench_solver args...]: both halves side by side, one per core
# (Solomon + A + B, then P + X: about the same instance-seconds each), then one table file.
run_limit() {
    local limit="$1" suffix="${2:-}"
    shift 2 || shift $#
    tag="$limit$suffix" # file-name key, read by solver_set
    rm -f bench/work/*-"$tag".md
    {
        bench_header "Solver at ${limit} ms per instance${suffix:+ ($suffix)}" \
            "RUNS=$runs LIMITS=$limit bench/run.sh $build solver" "$runs"
        [ -n "$suffix" ] && echo "This is the pass without set partitioning that the command runs after its first limit." && echo
        true
    } > "$out/solver-${tag}.md.tmp"
    ( solver_set "$limit" Solomon datasets/solomon datasets/solomon/bks_distance_real.csv \
          datasets/solomon/bks.csv "$@"
      for set in A B; do
          solver_set "$limit" "CVRPLIB-$set" "datasets/cvrplib/$set" "datasets/cvrplib/$set/bks.csv" "" "$@"
      done ) &
    ( for set in P X; do
          solver_set "$limit" "CVRPLIB-$set" "datasets/cvrplib/$set" "datasets/cvrplib/$set/bks.csv" "" "$@"
      done ) &
    wait
    {
        echo "Release build; two instances solved at a time, one per core; each instance solved"
        echo "$runs times (seeds 1..$runs) and its median run by cost kept; gaps against the"
        echo "best-known costs in datasets/ (conventions in datasets/README.md)."
        for name in Solomon CVRPLIB-A CVRPLIB-B CVRPLIB-P CVRPLIB-X; do
            cat "bench/work/$name-$tag.md" 2>/dev/null || true
        done
        bench_footer
    } >> "$out/solver-${tag}.md.tmp"
    finish "$out/solver-${tag}.md"
    cp bench/work/*-"$tag".csv "$out/" 2>/dev/null || true
}

run_solver() {
    for limit in $limits; do run_limit "$limit" ""; done
    # What GLPK's set partitioning adds: the same runs at the shortest limit without it.
    if [ "${SP_COMPARE:-1}" = 1 ]; then
        first="${limits%% *}"
        run_limit "$first" "ms-no-sp" --no-sp
    fi
}

run_geo() {
    local n="${RUNS:-11}" f="$out/geo.md"
    {
        bench_header "geo: geodesic travel-matrix build time" "RUNS=$n bench/run.sh $build geo" "$n"
        cat <<'TXT'
What is timed: `geo_matrix_compute` with the default (geodesic) provider: validate the points,
choose a transverse Mercator centred on their centroid, project them in one `proj_trans_generic`
pass, then fill the n x n int32 durations and distances (Euclidean metres x detour 1.3 / 8.33 m/s,
each symmetric pair computed once), including allocating the two arrays. One thread. Points are
drawn uniformly (fixed seed) in a 15 km disc around Lyon's centre. The last row forces the
long-distance path (per-pair `geod_inverse`) on the same 1,000 points for comparison; its checksum
equal to the projected one means the projection changes none of the sampled rounded durations.
Target (README, Travel times): 1,000^2 under 50 ms on one core.

TXT
        "$build/bench/bench_geo" --runs "$n"
        bench_footer
    } > "$f.tmp"
    finish "$f"
}

run_scale() {
    local f="$out/scale.md"
    {
        bench_header "Scale: a 1,000-job / 50-vehicle VRPTW" \
            "RUNS=$runs bench/run.sh $build scale" "$runs"
        echo "That is: \`$build/bench/bench_scale --runs $runs 1000 30000\`."
        echo
        echo "Generated (seed 42): 1,000 jobs in a 30 x 30 km city, depot in the middle, 10 m/s,"
        echo "3 min service, windows of 1-3 h, 50 vans of capacity 40 (total demand about 1,500)"
        echo "over a 10 h shift; demands 1-2. Release build, one thread per solve."
        echo
        "$build/bench/bench_scale" --runs "$runs" 1000 30000
        bench_footer
    } > "$f.tmp"
    finish "$f"
}

run_replan() {
    local f="$out/replan.md" n="$runs"
    [ "$n" -lt 3 ] && n=3 # min, median and max need a few runs
    {
        bench_header "Re-planning after a breakdown" \
            "RUNS=$n bench/run.sh $build replan" "$n"
        echo "That is: \`nice -n -5 $build/bench/bench_replan $n\` (500 stops) and"
        echo "\`nice -n -5 $build/bench/bench_replan $n 2000 100 800 1500\` (2,000 stops)."
        echo
        cat <<'TXT'
A generated day (fixed seed) of 500 stops around one depot with 3-hour windows, 30 vans of 25
parcels (or 2,000 stops and 100 vans), planned with a 10 s solve and committed; stops are then
served in time order until 200 (800) are done (positions and deliveries through dispatch/'s API on
a real SQLite file), and van V01 breaks down. Each run queues a re-plan on the dispatch worker and
waits for the proposal to be stored: the time covers reading the live day from SQLite, the
geodesic matrix, the solve(s), the checker, and writing the proposal. The feasible row is the
minimal-change pass alone, a repair of the live routes: every stop kept on its van in its order,
V01's parcels (transfers picked up at its position) and orders without a van inserted at their
cheapest feasible place, what fits nowhere left unassigned with its reason; the polished row adds
the free pass, which searches the given time from the repaired answer with a penalty per moved
stop, and keeps the better of the two; the reference
row is one re-plan whose free pass searches 10 s, and "vs 10 s re-plan" is each row's cost above
it. CPU ms is the process's CPU time over the re-plan: on a machine shared with other work it is
what the re-plan costs, while the wall time also counts the waits for a core. Targets (issue 17):
feasible <= 50 ms and polished <= 500 ms within 0.5 % of the 10 s re-plan (500 stops); <= 200 ms
and <= 2 s (2,000 stops). Cost before = the remaining routes without V01's stops, evaluated as
they are. The day differs slightly between invocations (the base plan's solve is time-limited);
BENCH_REPLAN_DAY=FILE keeps one day to re-plan with several builds (bench/bench_replan.c).

TXT
        echo "### 500 stops, 30 vans"
        echo
        nice -n -5 "$build/bench/bench_replan" "$n"
        echo
        echo "### 2,000 stops, 100 vans"
        echo
        nice -n -5 "$build/bench/bench_replan" "$n" 2000 100 800 1500
        bench_footer
    } > "$f.tmp"
    finish "$f"
}

run_http() { RUNS="$runs" bench/http/run.sh "$build"; }

# ANALYTICS_DAYS / ANALYTICS_PER: the generated history (default a year of 2,000 orders a day).
# BEFORE=path/to/another/bench_analytics: after this build's timings, that binary (say, built from
# an older commit) times the same reports on the same history, so a change is measured within one
# run. KEEP_DB=1 leaves bench/work/analytics.db for profiling (bench_analytics ... --reports).
run_analytics() {
    local f="$out/analytics.md" n="$runs" days="${ANALYTICS_DAYS:-365}" per="${ANALYTICS_PER:-2000}"
    [ "$n" -lt 5 ] && n=5 # reports are quick: min, median and max of at least 5
    rm -f bench/work/analytics.db bench/work/analytics.db-wal bench/work/analytics.db-shm
    {
        bench_header "Analytics reports on a year of events" \
            "RUNS=$n${BEFORE:+ BEFORE=$BEFORE} bench/run.sh $build analytics" "$n"
        echo "That is: \`LASTMILE_UNSAFE_SYNC_OFF=1 $build/bench/bench_analytics bench/work/analytics.db $days $per $n --rebuild\`"
        echo "(synchronous=OFF only to write the history faster; the reports only read)."
        echo
        echo "Each report is the query on the rollups (\`analytics_rollup_report\`) plus the JSON"
        echo "\`GET /v1/reports/{family}\` would send, over the whole span unless said; target"
        echo "under 200 ms each (docs/analytics.md). The last column is the query alone (reading"
        echo "and summing the rollup rows); the rest of a report's time is its JSON."
        echo
        LASTMILE_UNSAFE_SYNC_OFF=1 "$build/bench/bench_analytics" bench/work/analytics.db "$days" "$per" "$n" --rebuild
        if [ -n "${BEFORE:-}" ]; then
            echo
            echo "### The same reports by \`$BEFORE\`, on the same history, right after"
            echo
            echo "That is: \`$BEFORE bench/work/analytics.db $days $per $n --reports\`."
            echo
            "$BEFORE" bench/work/analytics.db "$days" "$per" "$n" --reports
        fi
        [ -f bench/analytics-profile.md ] && echo && cat bench/analytics-profile.md
        bench_footer
    } > "$f.tmp"
    [ "${KEEP_DB:-0}" = 1 ] || rm -f bench/work/analytics.db bench/work/analytics.db-wal bench/work/analytics.db-shm
    finish "$f"
}

run_forecast() {
    local f="$out/forecast.md"
    {
        bench_header "Forecast backtest: rolling origin against seasonal-naive" \
            "bench/run.sh $build forecast" 1
        echo "That is: \`$build/bench/bench_forecast\` (deterministic: the same figures on every"
        echo "run; the benchmark history and the protocol are documented at the top of"
        echo "bench/bench_forecast.c and in docs/analytics.md)."
        echo
        "$build/bench/bench_forecast"
        bench_footer
    } > "$f.tmp"
    finish "$f"
}

case "$what" in
solver) run_solver ;;
geo) run_geo ;;
scale) run_scale ;;
replan) run_replan ;;
http) run_http ;;
analytics) run_analytics ;;
forecast) run_forecast ;;
hfvrp) bench/hfvrp.sh "$build" ;;
hfvrp-vroom) bench/hfvrp_vroom.sh "$build" ;;
all)
    run_geo
    run_solver
    run_scale
    run_replan
    run_http
    run_analytics
    run_forecast
    ;;
*) echo "usage: bench/run.sh BUILD_DIR [all|solver|geo|scale|replan|http|analytics|forecast]" >&2; exit 64 ;;
esac
