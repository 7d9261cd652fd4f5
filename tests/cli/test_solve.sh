#!/usr/bin/env bash
# `lastmile solve`: the docs example against its golden output (iteration-bounded), reproducible
# solves, a Solomon and a CVRPLIB file,
# bad input (JSON error on stdout, exit 65), usage errors (64) and -o.
# usage: test_solve.sh LASTMILE_BINARY SOURCE_DIR
set -u
bin="$1"
src="$2"
. "$(dirname "$0")/lib.sh"

# run WANT_STATUS ARGS...: runs lastmile solve (tests/cli/lib.sh's run_cmd).
run() { run_cmd solve "$@"; }

# The golden example: same text as docs/vroom-example.out.json except computing_times. The
# document's "options": {"iterations": 1000} budgets the search (no time limit: reproducible).
strip_times() { grep -v -E '"(loading|solving|routing)":' "$1"; }
if run 0 "$src/docs/vroom-example.json" --threads 1 --seed 1 --pretty; then
    if diff <(strip_times "$tmp/out") <(strip_times "$src/docs/vroom-example.out.json") >"$tmp/diff"; then
        ok
    else
        bad "docs example differs from docs/vroom-example.out.json"
        head -40 "$tmp/diff"
    fi
fi

# -o writes the same JSON to a file and nothing to stdout (--iterations as the document says).
if run 0 "$src/docs/vroom-example.json" --iterations 1000 --threads 1 --seed 1 --pretty -o "$tmp/o.json"; then
    if [ -s "$tmp/out" ]; then bad "-o still wrote to stdout"; fi
    if diff <(strip_times "$tmp/o.json") <(strip_times "$src/docs/vroom-example.out.json") >/dev/null; then
        ok
    else
        bad "-o output differs from the golden file"
    fi
fi

# Reproducible solves: with --iterations the same seed and threads give the same routes and
# cost run after run, on one thread and on two (a 1 s time limit need not: R101 gave 16448152,
# 16448152 and 16428766). Only computing_times may differ; "reproducible" must be true.
no_times() { sed -E 's/"computing_times":\{[^}]*\}//' "$1"; }
for threads in 1 2; do
    for k in 1 2 3; do
        run 0 "$src/datasets/solomon/R101.txt" --iterations 3000 --threads "$threads" --seed 7 \
            -o "$tmp/r101-$threads-$k.json" || continue
        if ! grep -q '"search":{"iterations":3000,"reproducible":true,"stop":"iterations"}' "$tmp/r101-$threads-$k.json"; then
            bad "R101 --iterations 3000 --threads $threads: not a full reproducible run"
        elif [ "$k" -gt 1 ] && ! cmp -s <(no_times "$tmp/r101-$threads-1.json") <(no_times "$tmp/r101-$threads-$k.json"); then
            bad "R101 --iterations 3000 --threads $threads: run $k differs from run 1"
            grep -o '"cost":[0-9]*' "$tmp/r101-$threads-1.json" "$tmp/r101-$threads-$k.json" | head -4
        else
            ok
        fi
    done
done
# The routes are really compared: another seed gives another answer.
if run 0 "$src/datasets/solomon/R101.txt" --iterations 3000 --threads 1 --seed 8 -o "$tmp/r101-seed8.json"; then
    if cmp -s <(no_times "$tmp/r101-1-1.json") <(no_times "$tmp/r101-seed8.json"); then
        bad "seeds 7 and 8 gave byte-identical answers: the comparison proves nothing"
    else
        ok
    fi
fi
# options.iterations in the document: checked, and unknown options refused (exit 65).
printf '{"options":{"iterations":0},"vehicles":[{"id":1,"start_index":0}],"jobs":[{"id":1,"location_index":1}],"matrix":[[0,1],[1,0]]}' >"$tmp/opt0.json"
if run 65 "$tmp/opt0.json"; then
    if grep -q '"error":"options.iterations: ' "$tmp/out"; then ok; else bad "options.iterations 0: $(cat "$tmp/out")"; fi
fi
printf '{"options":{"exploration":5},"vehicles":[{"id":1,"start_index":0}],"jobs":[{"id":1,"location_index":1}],"matrix":[[0,1],[1,0]]}' >"$tmp/optx.json"
if run 65 "$tmp/optx.json"; then
    if grep -q '"error":"options.exploration: ' "$tmp/out"; then ok; else bad "unknown option: $(cat "$tmp/out")"; fi
fi
# A time limit that stops an iteration-budgeted search is reported, on stderr and in the JSON.
if run 0 "$src/datasets/solomon/R101.txt" --iterations 1000000000 --time-limit 0.2 --threads 1; then # timing-ok: cut short on purpose
    if grep -q '"reproducible":false' "$tmp/out" && grep -q 'may not repeat' "$tmp/err"; then ok; else bad "cut-short run not reported"; fi
fi

# A Solomon instance (format from the .txt extension) and a CVRPLIB one: every customer served.
if run 0 "$src/datasets/solomon/C101.txt" --time-limit 1 --threads 2; then # timing-ok: no bound
    if grep -q '^{"code":0,"summary":{"cost":[0-9]*,"routes":[0-9]*,"unassigned":0,' "$tmp/out" &&
        [ "$(grep -o '"type":"job"' "$tmp/out" | wc -l)" -eq 100 ]; then
        ok
    else
        bad "C101: not every customer served"
        head -c 400 "$tmp/out"
    fi
fi
if run 0 "$src/datasets/cvrplib/A/A-n32-k5.vrp" --time-limit 1 --threads 1 --seed 3; then # timing-ok: no bound
    if grep -q '"unassigned":0,' "$tmp/out" && [ "$(grep -o '"type":"job"' "$tmp/out" | wc -l)" -eq 31 ]; then
        ok
    else
        bad "A-n32-k5: not every customer served"
    fi
fi
# --format overrides the extension guess; content guessing without an extension.
cp "$src/datasets/solomon/C101.txt" "$tmp/instance"
if run 0 "$tmp/instance" --iterations 50 --threads 1; then ok; fi
if run 0 "$tmp/instance" --format solomon --iterations 50 --threads 1; then ok; fi

# "-" reads the problem from stdin (format from the content).
if "$bin" solve - --iterations 50 --threads 1 <"$src/docs/vroom-example.json" >"$tmp/out" 2>"$tmp/err" &&
    grep -q '^{"code":0,' "$tmp/out"; then ok; else bad "solve - (stdin)"; fi

# Bad input: VROOM error JSON on stdout naming the field, exit 65.
printf '{"vehicles":[{"id":1,"start_index":0}],"jobs":[{"id":1,"location_index":4}],"matrix":[[0,1],[1,0]]}' >"$tmp/bad.json"
if run 65 "$tmp/bad.json"; then
    if grep -q '^{"code":2,"error":"jobs\[0\].location_index: ' "$tmp/out"; then ok; else bad "bad input JSON: $(cat "$tmp/out")"; fi
fi
printf '{"vehicles":[' >"$tmp/trunc.json"
if run 65 "$tmp/trunc.json"; then
    if grep -q '"code":2' "$tmp/out"; then ok; else bad "truncated JSON: $(cat "$tmp/out")"; fi
fi
printf 'NAME : broken\nTYPE : CVRP\nDIMENSION : 3\n' >"$tmp/broken.vrp"
if run 65 "$tmp/broken.vrp"; then ok; fi
# A missing file is not an input error: code 1, exit 1.
if run 1 "$tmp/does-not-exist.json"; then
    if grep -q '"code":1' "$tmp/out"; then ok; else bad "missing file: $(cat "$tmp/out")"; fi
fi
# Usage errors.
if run 64; then ok; fi
if run 64 "$tmp/bad.json" --threads 0; then ok; fi
if run 64 "$tmp/bad.json" --time-limit -1; then ok; fi # timing-ok: a usage error
if run 64 "$tmp/bad.json" --iterations 0; then ok; fi
if run 64 "$tmp/bad.json" --format xml; then ok; fi
if run 64 "$tmp/bad.json" --frobnicate; then ok; fi
if run 0 --help; then ok; fi

# Early stop: VROOM's docs/example_2.json (two jobs, a matrix) under a one-hour limit ends once
# converged, i.e. once its anneal is cold (20 x solver_patience(2) = 40,800 iterations) and nothing
# better came for solver_patience(2) = 2,040 iterations, instead of running out the limit.
# Asserted on the reported reason and iteration count, not on time.
cat >"$tmp/example_2.json" <<'JSON'
{"vehicles":[{"id":0,"start_index":0,"end_index":3}],
 "jobs":[{"id":1414,"location_index":1},{"id":1515,"location_index":2}],
 "matrices":{"car":{"durations":[[0,2104,197,1299],[2103,0,2255,3152],[197,2256,0,1102],[1299,3153,1102,0]]}}}
JSON
if run 0 "$tmp/example_2.json" --time-limit 3600 --threads 1; then
    its=$(grep -o '"iterations":[0-9]*' "$tmp/out" | cut -d: -f2)
    if grep -q '"stop":"converged"' "$tmp/out" && [ "${its:-0}" -ge 40800 ] && [ "${its:-0}" -le 42840 ] &&
        grep -q '"cost":5461' "$tmp/out"; then
        ok
    else
        bad "example_2 did not stop converged with VROOM's cost 5461 (iterations ${its:-?})"
        head -c 600 "$tmp/out"
    fi
fi

summary
