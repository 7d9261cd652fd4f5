#!/usr/bin/env bash
# bench/run.sh's HTTP part: runs every bench/http/<name>.sh (each writes its own table under
# bench/results/) against BUILD_DIR's lastmile. Usage: bench/http/run.sh BUILD_DIR
set -euo pipefail
build="${1:?build dir}"
here="$(cd "$(dirname "$0")" && pwd)"
for s in "$here"/*.sh; do
    [ "$(basename "$s")" = run.sh ] && continue
    "$s" "$build"
done
