#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (fuzzer + ASan + UBSan) and runs each one in
# turn for FUZZ_SECONDS (default 60), one at a time so the machine's cores stay shared.
# usage: scripts/fuzz.sh [TARGET...]   (targets: vroom instance osmand; default all)
# Crashers land in build/fuzz/crashes/<target>/; the corpus grows in fuzz/corpus-<target>/
# (git-ignored); the committed seeds are fuzz/seeds/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
out=build/fuzz
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(vroom instance osmand)

if ! command -v clang >/dev/null; then
    echo "fuzz: installing clang"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
scripts/install-deps.sh

# The codecs and everything they reach: common/, geo/, solver/ and api/formats/ (never api/*.c:
# the fuzzers link no HTTP code). Compiled directly (not through CMake) into one archive, so that
# a target pulls in only the objects it calls (the CSV codec's orders/ records stay out).
mkdir -p "$out/obj"
cflags=(-std=c11 -g -O1 -fno-omit-frame-pointer -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
    '-DLASTMILE_VERSION="fuzz"' -I. -Wall -Wno-unused-parameter
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
    $(pkg-config --cflags libcjson proj libcurl))
libs=($(pkg-config --libs libcjson proj libcurl) -lglpk -lm -lpthread)
sources=$(ls common/*.c geo/*.c api/formats/*.c; find solver -name '*.c' | sort)
objects=()
for src in $sources; do
    obj="$out/obj/$(echo "$src" | tr '/' '_').o"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find common geo solver api/formats orders store -name '*.h' -newer "$obj" | head -1)" ]; then
        clang "${cflags[@]}" -c "$src" -o "$obj"
    fi
    objects+=("$obj")
done
rm -f "$out/libfuzzcodecs.a"
ar rcs "$out/libfuzzcodecs.a" "${objects[@]}"

status=0
for t in "${targets[@]}"; do
    bin="$out/fuzz_$t"
    clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined "fuzz/fuzz_$t.c" "$out/libfuzzcodecs.a" \
        "${libs[@]}" -o "$bin"
    corpus="fuzz/corpus-$t"
    crashes="$out/crashes/$t"
    mkdir -p "$corpus" "$crashes"
    seeds=(fuzz/seeds/"$t")
    dict=()
    [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
    echo "fuzz: $t for ${seconds}s"
    log="$out/fuzz_$t.log"
    set +e
    "$bin" "$corpus" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" -timeout=20 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" 2>"$log"
    rc=$?
    set -e
    runs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    found=$(ls "$crashes" | wc -l)
    echo "fuzz: $t: exit $rc, $runs executions in ${seconds}s, coverage $cov edges, corpus $(ls "$corpus" | wc -l) files, $found crasher(s) in $crashes"
    if [ "$rc" -ne 0 ]; then
        status=1
        grep -a -A30 -m1 'ERROR: \|runtime error' "$log" || tail -30 "$log"
    fi
done
exit $status
