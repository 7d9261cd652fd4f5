#!/usr/bin/env bash
# bench/quality.sh: the solver's quality targets alone (issue 17, target 5), quicker than the full
# `bench/run.sh BUILD solver` (all five sets at two limits and without set partitioning):
# CVRPLIB X (n101-n393) and Solomon at LIMIT ms, side by side (one per core), RUNS seeds each,
# per instance the median run; then the six Gehring & Homberger 1,000-customer instances of
# datasets/homberger at GH_LIMIT ms, one after another, each with its max RSS.
# Usage: bench/quality.sh BUILD_DIR   (RUNS=3 LIMIT=10000 GH_LIMIT=60000 by default; XS=0 skips
# X and Solomon, GH=0 the Gehring & Homberger instances; CPU=1 makes LIMIT / GH_LIMIT the solve's
# CPU time instead of wall time: on a loaded machine every solve then does the same work)
# Writes bench/results/solver-quality-LIMIT.md and bench/results/homberger-GH_LIMIT.md.
set -euo pipefail
build="${1:?build dir}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. bench/lib.sh
out=bench/results
mkdir -p "$out" bench/work
runs="${RUNS:-3}"
limit="${LIMIT:-10000}"
gh_limit="${GH_LIMIT:-60000}"
cpu=() tag="" of=""
if [ "${CPU:-0}" = 1 ]; then
    cpu=(--cpu-time) tag="cpu-" of=" of CPU"
fi

one_set() { # one_set NAME DIR BKS [VEH_BKS]
    local args=(--dir "$2" --bks "$3" --time-limit-ms "$limit" --title "$1" --runs "$runs" "${cpu[@]}"
                --csv "bench/work/q-$1-$limit.csv" --md "bench/work/q-$1-$limit.md")
    [ -n "${4:-}" ] && args+=(--vehicles-bks "$4")
    rm -f "bench/work/q-$1-$limit.md" # bench_solver appends to its --md file
    "$build/bench/bench_solver" "${args[@]}" > "bench/work/q-$1-$limit.log" 2>&1
}

f="$out/solver-quality-$tag$limit.md"
[ "${XS:-1}" = 1 ] && {
    bench_header "Solver quality at $limit ms$of: CVRPLIB X and Solomon" \
        "RUNS=$runs LIMIT=$limit GH=0 CPU=${CPU:-0} bench/quality.sh $build" "$runs"
    echo "Release build, one thread per solve, set partitioning on; X and Solomon side by side (one"
    echo "per core); each instance solved $runs times (seeds 1..$runs), its median run by cost"
    echo "kept; gaps against datasets/ (conventions in datasets/README.md). Targets (issue 17):"
    echo "X mean gap <= 0.45 %, Solomon <= 0.2 %."
    if [ -n "$tag" ]; then
        echo "CPU=1: each solve's limit counts its own thread's CPU time (solver_opts.cpu_time), so"
        echo "the table does not depend on the machine's load; GLPK's share (set partitioning) keeps"
        echo "wall-clock limits. \"mean time s\" is wall time."
    fi
} > "$f.tmp"
[ "${XS:-1}" = 1 ] && one_set CVRPLIB-X datasets/cvrplib/X datasets/cvrplib/X/bks.csv &
[ "${XS:-1}" = 1 ] && one_set Solomon datasets/solomon datasets/solomon/bks_distance_real.csv datasets/solomon/bks.csv &
wait
[ "${XS:-1}" = 1 ] && {
    cat "bench/work/q-CVRPLIB-X-$limit.md" "bench/work/q-Solomon-$limit.md"
    bench_footer
} >> "$f.tmp" && mv "$f.tmp" "$f" && echo "bench/quality.sh: wrote $f"

[ "${GH:-1}" = 1 ] || exit 0
g="$out/homberger-$tag$gh_limit.md"
{
    bench_header "Gehring & Homberger 1,000 customers at $gh_limit ms$of" \
        "RUNS=$runs GH_LIMIT=$gh_limit XS=0 CPU=${CPU:-0} bench/quality.sh $build" "$runs"
    echo "One instance per class (datasets/homberger, provenance in its README), one thread, set"
    echo "partitioning on, $runs seeds per instance and the median run by cost kept, instances one"
    echo "after another. Gap against the distance-only DIMACS BKS (arcs truncated to one decimal,"
    echo "so slightly pessimistic for a real-distance cost); vehicles against the hierarchical BKS"
    echo "(vehicles first: our objective is distance). Max RSS: \`/usr/bin/time -f %M\` over the"
    echo "instance's $runs solves."
    echo
    echo "| instance | cost | BKS (distance) | gap % | vehicles | BKS vehicles (hierarchical) | max RSS MB |"
    echo "|---|---|---|---|---|---|---|"
} > "$g.tmp"
for inst in c1_10_1 c2_10_1 r1_10_1 r2_10_1 rc1_10_1 rc2_10_1; do
    csv="bench/work/gh-$inst-$gh_limit.csv"
    /usr/bin/time -o "bench/work/gh-$inst.rss" -f %M "$build/bench/bench_solver" \
        --dir datasets/homberger --bks datasets/homberger/bks_distance_dimacs.csv \
        --vehicles-bks datasets/homberger/bks.csv --only "$inst" --runs "$runs" \
        --time-limit-ms "$gh_limit" "${cpu[@]}" --csv "$csv" > "bench/work/gh-$inst.log" 2>&1
    rss=$(tail -n 1 "bench/work/gh-$inst.rss")
    # instance,group,cost,bks,gap_pct,routes,bks_routes,unassigned,ms,cpu_ms,iterations
    awk -F, -v rss="$rss" 'NR == 2 {printf "| %s | %.2f | %.1f | %.2f | %s | %s | %d |\n",
        $1, $3, $4, $5, $6, $7, rss / 1024}' "$csv" >> "$g.tmp"
done
awk -F'|' 'NR > 0 && $5 ~ /[0-9]/ {s += $5; n++} END {if (n) printf "| mean | | | %.2f | | | |\n", s / n}' \
    <(grep '^| [cr]' "$g.tmp") >> "$g.tmp"
bench_footer >> "$g.tmp"
mv "$g.tmp" "$g"
echo "bench/quality.sh: wrote $g"
