#!/usr/bin/env bash
# Where the latency tail of durable order intake comes from: runs durable POST /v1/orders (as
# bench/http/orders.sh: server pinned to core 0, wrk -t1 on core 1, 127.0.0.1, a fresh database
# per run) and, around each wrk run, reads what the server itself measured: the COMMIT latency
# histogram and the commit and order counts from /metrics (so the batch size: orders per commit),
# and every server thread's CPU time and run-queue wait (/proc/PID/task/*/schedstat: time spent
# runnable but waiting for a core). A request's latency is the batch in progress, then its own
# batch (SQL + COMMIT with its fsync), plus HTTP; these say which of them the tail is.
# Alternates the builds given (RUNS times); prints one table per run and the medians.
# Usage: [RUNS=3] bench/http/intake_tail.sh SECONDS CONNECTIONS BUILD_DIR [BUILD_DIR...]
set -euo pipefail
secs="${1:?seconds}"
conns="${2:?connections}"
shift 2
[ $# -ge 1 ] || { echo "intake_tail.sh: at least one build dir" >&2; exit 64; }
runs="${RUNS:-3}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
. "$here/bench/lib.sh"
command -v wrk >/dev/null || { echo "intake_tail.sh: wrk is not installed" >&2; exit 69; }
work="$(mktemp -d /tmp/lm_bench_tail_XXXXXX)"
server_pid=""
trap 'bench_stop_server; rm -rf "$work"' EXIT
bench_pin_cores
# threads PID: "name run_ns wait_ns" per thread of PID, names made unique by their task id order
threads() {
    for t in /proc/"$1"/task/*; do
        printf '%s %s\n' "$(tr ' ' '_' <"$t/comm")" "$(cut -d' ' -f1-2 "$t/schedstat")"
    done
}
metrics() { curl -fsS "$1/metrics" | grep -E '^lastmile_(store_commit_duration_seconds|orders\{)'; }

: >"$work/rows.txt"
for run in $(seq "$runs"); do
    for build in "$@"; do
        bin="$build/cli/lastmile"
        rm -f "$work"/b.db*
        port=$(bench_free_port)
        key=$("$bin" keys create --role admin --db "$work/b.db" | tail -1)
        "${pin_server[@]}" "$bin" serve --port "$port" --db "$work/b.db" --threads 1 \
            --max-conns-per-ip 0 --osmand-port 0 >"$work/server.log" 2>&1 &
        server_pid=$!
        url="http://127.0.0.1:$port"
        bench_wait_healthy "$url" || true
        bench_catalog "$url" "$key"
        bench_order_lua "$work/post.lua" "$key" "tail-$run"
        metrics "$url" >"$work/m0.txt"
        threads "$server_pid" >"$work/t0.txt"
        t0=$(date +%s.%N)
        "${pin_wrk[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/post.lua" "$url" \
            >"$work/wrk.txt" 2>&1
        t1=$(date +%s.%N)
        threads "$server_pid" >"$work/t1.txt"
        metrics "$url" >"$work/m1.txt"
        bench_stop_server
        python3 - "$work" "$build" "$run" "$t0" "$t1" "$(cut -d' ' -f1 /proc/loadavg)" \
            >>"$work/rows.txt" <<'PY'
import json, re, sys
work, build, run, t0, t1, load = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
def metrics(path):
    buckets, count, total, orders = [], 0, 0.0, 0
    for line in open(path):
        m = re.match(r'lastmile_store_commit_duration_seconds_bucket\{le="([^"]+)"\} (\d+)', line)
        if m: buckets.append((float("inf") if m.group(1) == "+Inf" else float(m.group(1)), int(m.group(2))))
        elif line.startswith("lastmile_store_commit_duration_seconds_count"): count = int(line.split()[1])
        elif line.startswith("lastmile_store_commit_duration_seconds_sum"): total = float(line.split()[1])
        elif line.startswith("lastmile_orders{"): orders += int(float(line.split()[1]))
    return buckets, count, total, orders
def threads(path):
    out = {}
    for line in open(path):
        name, run_ns, wait_ns = line.split()
        k, i = name, 1
        while k in out: i += 1; k = f"{name}#{i}"
        out[k] = (int(run_ns), int(wait_ns))
    return out
b0, c0, s0, o0 = metrics(f"{work}/m0.txt")
b1, c1, s1, o1 = metrics(f"{work}/m1.txt")
commits, orders = c1 - c0, o1 - o0
hist = [(le, n1 - n0) for (le, n1), (_, n0) in zip(b1, b0)]  # cumulative, as Prometheus has them
def pct(q):  # upper bound of the bucket holding quantile q of the commits
    for le, n in hist:
        if commits and n >= q * commits: return le * 1000
    return float("nan")
wrk = {}
for line in open(f"{work}/wrk.txt", errors="replace"):
    f = line.split()
    if len(f) == 2 and f[0] in ("50%", "75%", "90%", "99%"):
        m = re.fullmatch(r"([0-9.]+)(us|ms|s)", f[1])
        wrk[f[0]] = float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)] if m else float("nan")
    elif f and f[0] == "Requests/sec:": wrk["rps"] = float(f[1])
th0, th1 = threads(f"{work}/t0.txt"), threads(f"{work}/t1.txt")
wall = t1 - t0
per = {k: ((v[0] - th0.get(k, (0, 0))[0]) / 1e9, (v[1] - th0.get(k, (0, 0))[1]) / 1e9) for k, v in th1.items()}
busy = {k: v for k, v in per.items() if v[0] > 0.01 * wall}
print(json.dumps({"build": build, "run": int(run), "load": float(load), "rps": wrk.get("rps", 0),
                  "p50": wrk.get("50%"), "p90": wrk.get("90%"), "p99": wrk.get("99%"),
                  "commits": commits, "orders": orders,
                  "commit_ms_mean": (s1 - s0) / commits * 1000 if commits else float("nan"),
                  "commit_ms_p50_le": pct(0.5), "commit_ms_p99_le": pct(0.99),
                  "commit_share_over_10ms": (commits - max((n for le, n in hist if le <= 0.01), default=0)) / commits if commits else 0,
                  "wall": wall, "threads": busy}))
PY
    done
done

echo "Command: \`RUNS=$runs bench/http/intake_tail.sh $secs $conns $*\`; $(date -u '+%Y-%m-%d %H:%M UTC')," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
echo
python3 - "$work/rows.txt" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| build | run | load | req/s | p50 ms | p90 ms | p99 ms | orders / commit | COMMIT mean ms "
      "| COMMIT p50 / p99 ms (bucket bound) | COMMITs > 10 ms | per thread: CPU s / run-queue wait s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    th = ", ".join(f"{k} {v[0]:.1f}/{v[1]:.1f}" for k, v in sorted(r["threads"].items(), key=lambda kv: -kv[1][0]))
    opc = r["orders"] / r["commits"] if r["commits"] else float("nan")
    print(f"| {r['build']} | {r['run']} | {r['load']:.1f} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p90']:.2f} | "
          f"{r['p99']:.2f} | {opc:.1f} | {r['commit_ms_mean']:.2f} | {r['commit_ms_p50_le']:g} / "
          f"{r['commit_ms_p99_le']:g} | {r['commit_share_over_10ms']:.1%} | {th} |")
print()
print("Medians per build (CPU per order: the thread's CPU time in the run / orders stored in it;")
print("writer = the intake's writer thread, the busiest lm-cq-writer; HTTP = the MHD threads):")
print()
print("| build | runs | req/s | p50 ms | p99 ms | orders / commit | COMMIT mean ms | server CPU s "
      "| server run-queue wait s | wall s | writer us/order | HTTP us/order | server us/order |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
def per_order(r, which):
    th, n = r["threads"], max(r["orders"], 1)
    if which == "writer":
        # the writer threads are named lm-cq-writer#N since the threads got names
        cpu = max((v[0] for k, v in th.items() if k.startswith(("lm-cq-writer", "lastmile"))),
                  default=0)
    elif which == "http":
        cpu = sum(v[0] for k, v in th.items() if k.startswith("MHD"))
    else:
        cpu = sum(v[0] for v in th.values())
    return cpu / n * 1e6
for b in dict.fromkeys(r["build"] for r in rows):
    v = [r for r in rows if r["build"] == b]
    m = lambda f: statistics.median(f(r) for r in v)
    print(f"| {b} | {len(v)} | {m(lambda r: r['rps']):,.0f} | {m(lambda r: r['p50']):.2f} | "
          f"{m(lambda r: r['p99']):.2f} | {m(lambda r: r['orders'] / max(r['commits'], 1)):.1f} | "
          f"{m(lambda r: r['commit_ms_mean']):.2f} | {m(lambda r: sum(t[0] for t in r['threads'].values())):.2f} | "
          f"{m(lambda r: sum(t[1] for t in r['threads'].values())):.2f} | {m(lambda r: r['wall']):.1f} | "
          f"{m(lambda r: per_order(r, 'writer')):.0f} | {m(lambda r: per_order(r, 'http')):.0f} | "
          f"{m(lambda r: per_order(r, 'all')):.0f} |")
PY
