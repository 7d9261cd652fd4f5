#!/usr/bin/env bash
# bench/run.sh's HTTP part: runs every bench/http/<name>.sh table script (each writes its own under
# bench/results/) against BUILD_DIR's lastmile, each wrk run HTTP_SECONDS long (default 10), RUNS
# times (default 3; medians reported). Usage: [RUNS=N] [HTTP_SECONDS=S] bench/http/run.sh BUILD_DIR
set -euo pipefail
build="${1:?build dir}"
here="$(cd "$(dirname "$0")" && pwd)"
secs="${HTTP_SECONDS:-10}"
runs="${RUNS:-3}"
"$here/ingest.sh" "$build" "$secs" "$runs"
RUNS="$runs" "$here/orders.sh" "$build" "$secs" 32
RUNS="$runs" "$here/epoll.sh" "$build" "$secs"
RUNS="$runs" "$here/logging.sh" "$build" "$secs" 128
RUNS="$runs" ROWS=100000 "$here/import.sh" "$build"
