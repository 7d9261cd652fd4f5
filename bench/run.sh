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
                --csv "bench/work/$name-$limit.csv" --md "bench/work/$name-$limit.md")
    [ -n "$vbks" ] && args+=(--vehicles-bks "$vbks")
    "$build/bench/bench_solver" "${args[@]}" "$@" > "bench/work/$name-$limit.log" 2>&1
}

run_solver() {
    mkdir -p bench/work
    for limit in $limits; do
        rm -f bench/work/*-"$limit".md
        ( solver_set "$limit" Solomon datasets/solomon datasets/solomon/bks_distance_real.csv \
              datasets/solomon/bks.csv ) &
        ( for set in A B P X; do
              solver_set "$limit" "CVRPLIB-$set" "datasets/cvrplib/$set" \
                  "datasets/cvrplib/$set/bks.csv" ""
          done ) &
        wait
        {
            echo "## Solver at ${limit} ms per instance ($(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
            echo
            echo "Command: \`LIMITS=$limit bench/run.sh $build solver\` (Release build)."
            cat bench/work/Solomon-"$limit".md
            for set in A B P X; do cat bench/work/CVRPLIB-"$set"-"$limit".md; done
            echo
        } > "$out/solver-${limit}ms.md"
        cp bench/work/*-"$limit".csv "$out/" 2>/dev/null || true
    done
}

case "$what" in
solver) run_solver ;;
geo) "$build/bench/bench_geo" ;;
all)
    "$build/bench/bench_geo"
    run_solver
    [ -x "$build/bench/bench_replan" ] && "$build/bench/bench_replan" || true
    [ -x bench/http/run.sh ] && bench/http/run.sh "$build" || true
    ;;
*) echo "usage: bench/run.sh BUILD_DIR [solver|geo|all]" >&2; exit 64 ;;
esac
