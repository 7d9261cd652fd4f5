#!/usr/bin/env bash
# What the request log costs at full load, measured so that a shared machine's noise cancels:
# two (or more) lastmile servers run side by side on core 0, one with --log-level off and one
# logging every request to a file (info); wrk (core 1, 128 connections) loads one of them at a
# time in short slices, alternating, ROUNDS times. A server idles while the other is loaded (its
# log thread wakes every 50 ms and finds nothing), so both see the same machine within seconds
# of each other; the whole-run alternation of logging.sh, a fresh server per run, let other
# sessions' builds come and go between an "off" run and an "info" run, and its CPU per request
# swung by +-15 % at load 5-10.
#
# Per slice: the server's CPU (every thread's schedstat, ns) from the start of its slice to the
# start of its next one (so a log thread's last batch, written after wrk stopped, is counted) over
# the requests wrk completed in the slice. Cost = median over rounds of (CPU per request logged /
# CPU per request off in the same round) - 1: a paired ratio, not a ratio of medians.
# With BASELINE=DIR a third server (that build, every request logged) joins the rotation. Extra
# variants: VARIANTS="label:BUILD_DIR:args..." (space-separated; args comma-separated), e.g.
# VARIANTS="null:build/release:--log-level,info,>null" sends that server's log to /dev/null, and
# ">pipe" through a pipe to cat (pinned with wrk) into a file, as a journal's pipe would.
# The log files must hold one complete JSON line per request once the servers have stopped.
# Writes bench/results/http-logging-ab.md.
# Usage: [ROUNDS=15] [SLICE=2] [BASELINE=DIR] bench/http/logging_ab.sh BUILD_DIR [CONNECTIONS]
set -euo pipefail
build="${1:?build dir (a Release build)}"
conns="${2:-128}"
rounds="${ROUNDS:-15}"
slice="${SLICE:-2}"
baseline="${BASELINE:-}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
start_header=$(bench_header "HTTP: the cost of the request log, servers side by side" \
    "ROUNDS=$rounds SLICE=$slice${baseline:+ BASELINE=$baseline}${VARIANTS:+ VARIANTS=\"$VARIANTS\"} bench/http/logging_ab.sh $build $conns" "$rounds")
command -v wrk >/dev/null || { echo "logging_ab.sh: wrk is not installed" >&2; exit 69; }

work="$(mktemp -d /tmp/lm_bench_logging_ab_XXXXXX)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
bench_pin_cores

# the servers: label build args (args comma-separated; ">null" sends the log to /dev/null)
specs=("off:$build:--log-level,off" "info:$build:--log-level,info")
[ -n "$baseline" ] && specs+=("before:$baseline:--log-level,info")
for v in ${VARIANTS:-}; do specs+=("$v"); done
labels=(); urls=()
for s in "${specs[@]}"; do
    IFS=: read -r label dir argstr <<<"$s"
    IFS=, read -r -a args <<<"$argstr"
    out="$work/$label.log"
    sink=file
    case "${args[-1]}" in
    ">null") unset 'args[-1]'; out=/dev/null ;;
    ">pipe") unset 'args[-1]'; sink=pipe ;; # through a pipe to cat (on core 1), as to a journal
    esac
    bin="$dir/cli/lastmile"
    mkdir -p "$work/$label"
    key=$("$bin" keys create --role admin --db "$work/$label/b.db" | tail -1)
    port=$(bench_free_port)
    if [ "$sink" = pipe ]; then
        "${pin_server[@]}" "$bin" serve --port "$port" --db "$work/$label/b.db" --threads 1 \
            --max-conns-per-ip 0 --track-rate 1000000000 --track-burst 1000000000 "${args[@]}" \
            >/dev/null 2> >("${pin_wrk[@]}" cat >"$out") &
    else
        "${pin_server[@]}" "$bin" serve --port "$port" --db "$work/$label/b.db" --threads 1 \
            --max-conns-per-ip 0 --track-rate 1000000000 --track-burst 1000000000 "${args[@]}" \
            >/dev/null 2>"$out" &
    fi
    pids+=($!)
    url="http://127.0.0.1:$port"
    bench_wait_healthy "$url" || true
    bench_catalog "$url" "$key"
    urls+=("$url/v1/track/$(bench_track_token "$url" "$key")")
    labels+=("$label")
done

cpu_ns() { # every thread of process $1 and its log thread (lm-log), ns: "all,log"
    local t all=0 log=0 v
    for t in /proc/"$1"/task/*; do
        v=$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null) || continue
        all=$((all + v))
        [ "$(cat "$t/comm" 2>/dev/null)" = lm-log ] && log=$v
    done
    echo "$all,$log"
}

n=${#labels[@]}
: >"$work/slices.txt"
# PERF=FILE: a cpu-clock profile of every server (pids in FILE.pids, one "label pid" a line)
perfpid=""
if [ -n "${PERF:-}" ]; then
    for i in $(seq 0 $((n - 1))); do echo "${labels[i]} ${pids[i]}"; done >"$PERF.pids"
    perf record -q -F "${FREQ:-999}" -g -o "$PERF" -p "$(IFS=,; echo "${pids[*]}")" >/dev/null 2>&1 &
    perfpid=$!
fi
declare -a last_cpu last_reqs
for i in $(seq 0 $((n - 1))); do last_cpu[i]=$(cpu_ns "${pids[i]}"); last_reqs[i]=0; done
for r in $(seq 0 "$rounds"); do
    for i in $(seq 0 $((n - 1))); do
        # the server's previous slice ends now: CPU since its start, over that slice's requests
        c=$(cpu_ns "${pids[i]}")
        [ "$r" -gt 0 ] && echo "$((r - 1)) ${labels[i]} $((${c%,*} - ${last_cpu[i]%,*})) ${last_reqs[i]} $((${c#*,} - ${last_cpu[i]#*,}))" >>"$work/slices.txt"
        last_cpu[i]=$c
        [ "$r" = "$rounds" ] && continue
        "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${slice}s" "${urls[i]}" >"$work/wrk.txt" 2>&1
        last_reqs[i]=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
        [ -n "${PERF:-}" ] && echo "${labels[i]} ${last_reqs[i]}" >>"$PERF.reqs"
    done
done
[ -n "$perfpid" ] && kill -INT "$perfpid" && wait "$perfpid" || true
for p in "${pids[@]}"; do kill "$p"; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()
lines=""
for l in "${labels[@]}"; do
    lines+="$l $(python3 - "$work/$l.log" <<'PY'
import json, os, sys
n = complete = 0
if os.path.exists(sys.argv[1]):
    for raw in open(sys.argv[1], errors="replace"):
        if '"path":"/v1/track/' not in raw: continue
        n += 1
        try:
            json.loads(raw); complete += raw.endswith("\n")
        except ValueError:
            pass
print(n, complete)
PY
);"
done

[ -n "${PERF:-}" ] && cp "$work/slices.txt" "$PERF.slices"
out="$here/bench/results/http-logging-ab.md"
{
    echo "$start_header"; echo
    echo "Release builds, each \`lastmile serve --threads 1\` pinned to core 0, all running at once;"
    echo "\`wrk -t1 -c$conns -d${slice}s\` pinned to core 1 loads one at a time, in turn, $rounds rounds,"
    echo "\`GET /v1/track/{token}\` (the cheapest route with a body). \"off\": \`--log-level off\`;"
    echo "\"info\": every request logged to a file (stderr redirected), one JSON line each."
    [ -n "$baseline" ] && echo "\"before\": the build in \`$baseline\`, every request logged (info)."
    for v in ${VARIANTS:-}; do
        IFS=: read -r label dir argstr <<<"$v"
        echo "\"$label\": \`$dir\` with \`${argstr//,/ }\`."
    done
    [ -n "${VARIANTS:-}" ] && echo "(\">null\": the log to /dev/null; \">pipe\": through a pipe to cat on core 1 into a file.)"
    echo
    python3 - "$work/slices.txt" "$lines" <<'PY'
import statistics, sys
per, rest, logt = {}, {}, {}
for line in open(sys.argv[1]):
    r, label, ns, reqs, log_ns = line.split()
    if int(reqs) and int(ns):
        per.setdefault(label, {})[int(r)] = int(ns) / int(reqs)
        rest.setdefault(label, {})[int(r)] = (int(ns) - int(log_ns)) / int(reqs)
        logt.setdefault(label, {})[int(r)] = int(log_ns) / int(reqs)
counts = dict((x.split()[0], x.split()[1:]) for x in sys.argv[2].split(";") if x.strip())
off = per["off"]
paired = lambda v, o: sorted(v[r] / o[r] - 1 for r in v if r in o)
print("| server | rounds | CPU per request, ns (median) | min .. max | cost vs off, paired per round (median) | middle half of the paired costs | log thread, ns per request (median) | log thread's share of off's CPU per request | other threads vs off, paired (median) | access lines / complete JSON |")
print("|---|---|---|---|---|---|---|---|---|---|")
for label, v in per.items():
    vals = list(v.values())
    if label == "off":
        cost = spread = ""
    else:
        pairs = paired(v, off)
        q = statistics.quantiles(pairs, n=4) if len(pairs) >= 4 else [pairs[0], 0, pairs[-1]]
        cost, spread = f"{statistics.median(pairs):+.1%}", f"{q[0]:+.1%} .. {q[2]:+.1%}"
    n, complete = counts.get(label, ["", ""])
    lt = statistics.median(logt[label].values())
    share = f"{statistics.median(logt[label][r] / off[r] for r in v if r in off):.1%}"
    others = "" if label == "off" else f"{statistics.median(paired(rest[label], rest['off'])):+.1%}"
    print(f"| {label} | {len(vals)} | {statistics.median(vals):,.0f} | {min(vals):,.0f} .. {max(vals):,.0f} | "
          f"{cost} | {spread} | {lt:,.0f} | {share} | {others} | {n} / {complete} |")
PY
    echo
    echo "CPU per request: the server's every thread (schedstat) from the start of its slice to the"
    echo "start of its next one, over wrk's completed requests in the slice; the paired cost compares"
    echo "each round's logged slice with the same round's off slice, seconds apart. The log thread"
    echo "(lm-log, schedstat) is the formatting and the write(2); \"other threads\" is the rest of the"
    echo "server (the request thread: the record copied into the ring, and whatever the log does to"
    echo "its caches) against off's. Target (issue 17): <= 3 %. Access lines include the set-up"
    echo "requests (a few per server). Off's log thread wakes every 50 ms with nothing to write: its"
    echo "ns per request is that idling spread over off's requests (the same in every server)."
    bench_footer
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
