#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/targets.cmake with clang (libFuzzer, ASan and UBSan with
# float-cast-overflow, every library instrumented) in build/fuzz through CMake, then runs each one
# in turn for FUZZ_SECONDS (default 60) in one process (no -jobs: libFuzzer would fork workers),
# so the machine's cores stay shared.
# usage: scripts/fuzz.sh [TARGET...]   (default: every target of fuzz/targets.cmake)
# Inputs: the committed corpus fuzz/corpus/<target>/ (read only) and fuzz/<target>.dict when there
# is one. New inputs go to build/fuzz/corpus/<target>/, crashers to build/fuzz/crashes/<target>/;
# once a finding is fixed, copy its crasher into fuzz/corpus/<target>/ so `make test` replays it.
# The last line per target gives the executions, coverage and findings (fuzz/README.md's table).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_BUILD_JOBS:-2}"
out=build/fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    IFS=';' read -r -a targets <<<"$(cmake -P fuzz/print_targets.cmake 2>&1)"
fi

scripts/install-deps.sh --fuzz
cmake -S . -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLASTMILE_FUZZ=ON -DLASTMILE_TESTS=OFF -DLASTMILE_WERROR=OFF >/dev/null
cmake --build "$out" -j "$jobs" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

status=0
for t in "${targets[@]}"; do
    bin="$out/fuzz/fuzz_$t"
    corpus="$out/corpus/$t"
    crashes="$out/crashes/$t"
    mkdir -p "$corpus" "$crashes"
    dict=()
    [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
    log="$out/fuzz_$t.log"
    echo "fuzz: $t for ${seconds}s"
    set +e
    "$bin" "$corpus" "fuzz/corpus/$t" "${dict[@]}" -max_total_time="$seconds" \
        -timeout=20 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$crashes/" >"$log" 2>&1
    rc=$?
    set -e
    runs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    found=$(find "$crashes" -type f | wc -l)
    echo "fuzz: $t: exit $rc, ${runs:-?} executions in ${seconds}s, coverage ${cov:-?} edges," \
        "corpus $(ls "$corpus" | wc -l) files, $found crasher(s) in $crashes"
    if [ "$rc" -ne 0 ]; then
        status=1
        grep -a -A30 -m1 'ERROR: \|runtime error\|deadly signal' "$log" || tail -30 "$log"
    fi
done
exit $status
