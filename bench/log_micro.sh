#!/usr/bin/env bash
# The request log's CPU per line on its own, before and after a change: bench/bench_log.c (one
# thread queues tracking-poll lines, the log thread formats, redacts and writes them to a file)
# built the same way for this tree and for REV (default main), with each side's own
# api/http/log*.c and common/redact.c, run alternately RUNS times pinned to one core (the
# server's setting: the log thread shares the request thread's core). Prints a table of
# medians: all threads, the request side (the producing thread's CPU) and the log thread (the
# rest), ns per line. Needs a Release build (BUILD_DIR) for the rest of lm_common.
# Usage: [RUNS=5] [LINES=500000] bench/log_micro.sh BUILD_DIR [REV]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
. "$here/bench/lib.sh"
build="$(cd "${1:?build dir (a Release build)}" && pwd)"
rev="${2:-main}"
runs="${RUNS:-5}"
lines="${LINES:-500000}"
work="$(mktemp -d /tmp/lm_bench_log_micro_XXXXXX)"
trap 'rm -rf "$work"' EXIT
bench_header "The request log on its own: CPU per line, $rev against this tree" \
    "RUNS=$runs LINES=$lines bench/log_micro.sh $1 $rev" "$runs"
cc=(cc -O3 -DNDEBUG -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -std=gnu11 -w)
mkdir -p "$work/before"
git -C "$here" archive "$rev" api/http common/redact.c | tar -x -C "$work/before"
# the bench's source is this tree's for both: it uses only the log's API as it was before
"${cc[@]}" -I"$work/before" -I"$here" -o "$work/bench_before" "$here/bench/bench_log.c" \
    "$work"/before/api/http/log*.c "$work/before/common/redact.c" \
    "$build/common/liblm_common.a" -lpthread -lm
"${cc[@]}" -I"$here" -o "$work/bench_after" "$here/bench/bench_log.c" "$here"/api/http/log*.c \
    "$here/common/redact.c" "$build/common/liblm_common.a" -lpthread -lm
: >"$work/results.txt"
for r in $(seq "$runs"); do
    for side in before after; do
        taskset -c 0 "$work/bench_$side" "$lines" "$work/out.log" |
            sed -E "s/^[0-9]+ lines, ([0-9]+) ns.*request side ([0-9]+), log thread ([0-9]+);.*/$side \1 \2 \3/" \
            >>"$work/results.txt"
    done
done
python3 - "$work/results.txt" "$rev" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append([float(x) for x in f[1:4]])
print("| build | runs | all threads, ns per line | request side | log thread | min .. max (all) |")
print("|---|---|---|---|---|---|")
for side in ("before", "after"):
    v = rows.get(side, [])
    if not v: continue
    m = [statistics.median(x[i] for x in v) for i in range(3)]
    name = f"{sys.argv[2]} (before)" if side == "before" else "this tree (after)"
    print(f"| {name} | {len(v)} | {m[0]:.0f} | {m[1]:.0f} | {m[2]:.0f} | "
          f"{min(x[0] for x in v):.0f} .. {max(x[0] for x in v):.0f} |")
PY
bench_footer
