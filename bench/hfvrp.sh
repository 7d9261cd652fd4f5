#!/usr/bin/env bash
# Heterogeneous-fleet costs against PyVRP's HFVRP best-known solutions: writes
# bench/results/hfvrp-LIMITms.md. Usage: bench/hfvrp.sh BUILD_DIR [LIMIT_MS] (default 10000 ms).
# One instance at a time, one search thread each, seed 1, the solver's defaults (early stop on).
set -euo pipefail
build="${1:?build dir}"
limit="${2:-10000}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
. bench/lib.sh
out="bench/results/hfvrp-${limit}ms.md"
{
    bench_header "Heterogeneous fleets (PyVRP HFVRP, n <= 256) at ${limit} ms per instance" \
        "bench/hfvrp.sh $build $limit" 1
    cat <<'TXT'
Instances: the 34 HFVRP instances of PyVRP/Instances with at most 256 customers (datasets/hfvrp,
Pessoa et al. 2018 on Uchoa's X set): HVRP (limited fleet, fixed + distance costs), HD (limited,
distance costs), FSMFD (unlimited, fixed + distance), FSMF (unlimited, fixed), FSMD (unlimited,
distance). Each is solved as a VROOM client would state it (vehicle `costs` {fixed, per_km}) and
re-costed with exact Euclidean distances, the BKS convention. "gap %" is to the best-known
solution. VROOM itself, run side by side on the same problems, is in
bench/results/hfvrp-vs-vroom.md (bench/hfvrp_vroom.sh). "stop" says whether the search converged (no better solution for solver_patience
iterations) or ran to the limit.

TXT
    "$build/bench/bench_hfvrp" --dir datasets/hfvrp --time-limit-ms "$limit" || true
    bench_footer
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "bench/hfvrp.sh: wrote $out"
