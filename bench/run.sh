#!/usr/bin/env bash
# make bench: long-running measurements; each writes its table under bench/results/.
# Usage: bench/run.sh BUILD_DIR [solver|geo|all]   (LIMITS="1000 10000" picks the solver limits)
# Solver runs are one thread per instance; the Solomon and CVRPLIB halves run side by side,
# one per core, so a full pass at 1 s + 10 s takes about 20 minutes on 2 cores.
set -euo pipefail
build="${1:?build dir}"
what="${2:-all}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
out=bench/results
mkdir -p "$out"
limits="${LIMITS:-1000 10000}"

solver_set() { # solver_set LIMIT_MS NAME DIR BKS [VEH_BKS] [extra args]
    local limit="$1" name="$2" dir="$3" bks="$4" vbks="${5:-}"
    shift 5 || shift $#
    local args=(--dir "$dir" --bks "$bks" --time-limit-ms "$limit" --title "$name"
                --csv "bench/work/$name-$tag.csv" --md "bench/work/$name-$tag.md")
    [ -n "$vbks" ] && args+=(--vehicles-bks "$vbks")
    "$build/bench/bench_solver" "${args[@]}" "$@" > "bench/work/$name-$tag.log" 2>&1
}

# run_solver LIMIT_MS [SUFFIX extra bench_solver args...]: both halves side by side, one per core
# (Solomon + A + B, then P + X: about the same instance-seconds each), then one table file.
run_limit() {
    local limit="$1" suffix="${2:-}"
    shift 2 || shift $#
    tag="$limit$suffix" # file-name key, read by solver_set
    rm -f bench/work/*-"$tag".md
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
        echo "## Solver at ${limit} ms per instance${suffix:+ ($suffix)} ($(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
        echo
        echo "Command: \`LIMITS=$limit bench/run.sh $build solver\` (Release build; two instances solved at a time, one per core)."
        for name in Solomon CVRPLIB-A CVRPLIB-B CVRPLIB-P CVRPLIB-X; do
            cat "bench/work/$name-$tag.md" 2>/dev/null || true
        done
        echo
    } > "$out/solver-${tag}.md"
    cp bench/work/*-"$tag".csv "$out/" 2>/dev/null || true
}

run_solver() {
    mkdir -p bench/work
    for limit in $limits; do run_limit "$limit" ""; done
    # What GLPK's set partitioning adds: the same runs at the shortest limit without it.
    if [ "${SP_COMPARE:-1}" = 1 ]; then
        first="${limits%% *}"
        run_limit "$first" "ms-no-sp" --no-sp
    fi
}

case "$what" in
solver) run_solver ;;
geo) "$build/bench/bench_geo" ;;
all)
    "$build/bench/bench_geo"
    run_solver
    { echo "# Scale: a 1,000-job / 50-vehicle VRPTW"; echo
      echo "Command: \`$build/bench/bench_scale\` ($(date -u +%Y-%m-%d), load $(cut -d' ' -f1 /proc/loadavg))."
      echo; "$build/bench/bench_scale" 1000 30000; } > "$out/scale.md"
    [ -x "$build/bench/bench_replan" ] && "$build/bench/bench_replan" || true
    [ -x bench/http/run.sh ] && bench/http/run.sh "$build" || true
    ;;
*) echo "usage: bench/run.sh BUILD_DIR [solver|geo|all]" >&2; exit 64 ;;
esac
