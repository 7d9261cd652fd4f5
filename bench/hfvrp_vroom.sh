#!/usr/bin/env bash
# lastmile and VROOM side by side on PyVRP's 34 HFVRP instances (n <= 256): writes
# bench/results/hfvrp-vs-vroom.md. Usage:
#   VROOM_BIN=/path/to/vroom [VROOM_COMMIT=sha] [VROOM_BUILD='flags'] bench/hfvrp_vroom.sh BUILD_DIR [LIMIT_MS]
# (default 10000 ms). bench_hfvrp --write-json writes each instance once as a VROOM problem; both
# solvers read that same file, with one thread and the same time limit (lastmile: `solve -l S -t 1
# -s 1`; VROOM: `-l S -t 1 -x 5`, its default exploration level), one instance at a time, the two
# runs of an instance back to back (alternating which goes first) so that load hits both alike.
# bench/hfvrp_recost.py checks each answer and re-costs it with exact Euclidean distances.
# How to obtain and build VROOM: bench/NOTES.md, "VROOM as a comparator".
set -euo pipefail
build="${1:?build dir}"
limit="${2:-10000}"
vroom="${VROOM_BIN:?set VROOM_BIN to a VROOM executable (bench/NOTES.md says how to build one)}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. bench/lib.sh
out="bench/results/hfvrp-vs-vroom.md"
secs=$(awk -v ms="$limit" 'BEGIN { printf "%g", ms / 1000 }')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bench/bench_hfvrp" --dir datasets/hfvrp --write-json "$work" --max-n 256 ${ONLY:+--only "$ONLY"} >&2

# run_one WHO JSON ANSWER: solves JSON into ANSWER; prints the wall-clock milliseconds.
run_one() {
    local t0 t1
    t0=$(date +%s%N)
    if [ "$1" = lastmile ]; then
        "$build/cli/lastmile" solve "$2" -l "$secs" -t 1 -s 1 -q -o "$3" || true
    else
        "$vroom" -i "$2" -l "$secs" -t 1 -x 5 -o "$3" >/dev/null 2>&1 || true
    fi
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

{
    bench_header "lastmile and VROOM on heterogeneous fleets (PyVRP HFVRP, n <= 256), ${limit} ms each" \
        "VROOM_BIN=... bench/hfvrp_vroom.sh $build $limit" 1
    cat <<TXT
VROOM: commit ${VROOM_COMMIT:-unknown} of VROOM-Project/vroom, built ${VROOM_BUILD:-as bench/NOTES.md says}
(\`$("$vroom" --version 2>/dev/null | head -1 || echo "version unknown")\`). lastmile: this
tree, \`$build\`.

Both solvers read the same VROOM problem per instance (written by \`bench_hfvrp --write-json\`:
one vehicle per vehicle of the instance, \`costs\` {fixed, per_hour 0, per_km = the type's unit
distance cost}, distances and durations in "metres" = 1000 x Euclidean, rounded) and run one
thread with the same limit: lastmile \`solve -l ${secs} -t 1 -s 1\` (it may stop earlier when
converged), VROOM \`-l ${secs} -t 1 -x 5\` (its default exploration; it stops when its search is
done or at the limit). Each answer is checked (no customer twice, the unserved ones listed as unassigned,
capacities, one route per vehicle) and re-costed with exact Euclidean distances in the best-known solutions' units.
"ratio" is lastmile's cost / VROOM's: below 1 lastmile is cheaper; it is given only
when both serve the same number of customers (a fleet too tight for the solver to place every
customer leaves some unserved, as VROOM allows: more served always comes first). The two runs of an instance
are back to back, lastmile first on odd rows and VROOM first on even ones. "ms" is wall-clock
per run (process start to exit, loading included); "load" the 1-minute load average before the
instance.

| instance | type | n | fleet | lastmile | VROOM | ratio | lastmile routes | VROOM routes | lastmile ms | VROOM ms | load |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
TXT
    row=0
    for json in "$work"/*.json; do
        name=$(basename "$json" .json)
        vrp="datasets/hfvrp/$name.vrp"
        n=$(($(awk -F: '/^DIMENSION/ {print $2}' "$vrp") - 1))
        fleet=$(awk -F: '/^VEHICLES/ {print $2}' "$vrp" | tr -d ' ')
        load=$(cut -d' ' -f1 /proc/loadavg)
        row=$((row + 1))
        if [ $((row % 2)) = 1 ]; then
            ms_l=$(run_one lastmile "$json" "$work/l.json")
            ms_v=$(run_one vroom "$json" "$work/v.json")
        else
            ms_v=$(run_one vroom "$json" "$work/v.json")
            ms_l=$(run_one lastmile "$json" "$work/l.json")
        fi
        read -r c_l r_l u_l ok_l < <(python3 bench/hfvrp_recost.py "$vrp" "$work/l.json" 2>/dev/null ||
            echo "nan 0 0 error:unreadable")
        read -r c_v r_v u_v ok_v < <(python3 bench/hfvrp_recost.py "$vrp" "$work/v.json" 2>/dev/null ||
            echo "nan 0 0 error:unreadable")
        # A ratio only between answers that serve the same customers' count.
        ratio=$(awk -v a="$c_l" -v b="$c_v" -v oa="$ok_l" -v ob="$ok_v" -v ua="$u_l" -v ub="$u_v" \
            'BEGIN { if (oa == "OK" && ob == "OK" && ua == ub && b > 0) printf "%.4f", a / b; else print "-" }')
        [ "$u_l" = 0 ] || c_l="$c_l ($u_l unserved)"
        [ "$u_v" = 0 ] || c_v="$c_v ($u_v unserved)"
        [ "$ok_l" = OK ] || c_l="$c_l ($ok_l)"
        [ "$ok_v" = OK ] || c_v="$c_v ($ok_v)"
        echo "| $name | ${name#*-} | $n | $fleet | $c_l | $c_v | $ratio | $r_l | $r_v | $ms_l | $ms_v | $load |"
        rm -f "$work/l.json" "$work/v.json" "$json"
    done
} > "$out.tmp"
# The summary: mean and geometric mean of the ratios, wins and losses, the worst instance.
awk -F'|' '$8 ~ /^ [0-9.]+ $/ && $3 ~ /[A-Z]/ {
        r = $8 + 0; n++; s += r; g += log(r); if (r > w) { w = r; wn = $2 }
        if (r < 0.9995) win++; else if (r > 1.0005) lose++; else tie++
        if (r > 1.02) over++ }
    END { if (n) printf "\nInstances compared: %d. Mean ratio lastmile / VROOM: %.4f (geometric %.4f); lastmile cheaper on %d, dearer on %d, within 0.05 %% on %d; more than 2 %% dearer on %d; worst %.4f (%s).\n",
        n, s / n, exp(g / n), win, lose, tie, over, w, wn }' "$out.tmp" >> "$out.tmp.sum"
{
    cat "$out.tmp" "$out.tmp.sum"
    bench_footer
} > "$out"
rm -f "$out.tmp" "$out.tmp.sum"
echo "bench/hfvrp_vroom.sh: wrote $out"
