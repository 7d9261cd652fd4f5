#!/usr/bin/env bash
# `make run`: the server with the demo day, planned and committed, and the simulator driving it,
# so that a newcomer sees a live fleet at once (dashboard on http://127.0.0.1:PORT/).
# Usage: scripts/demo-run.sh BIN PORT DB     (SIM=0 skips the simulator; SPEEDUP=10 by default)
set -euo pipefail
bin="${1:?lastmile binary}"
port="${2:-8080}"
db="${3:-var/lastmile.db}"
url="http://127.0.0.1:$port"
mkdir -p "$(dirname "$db")"

server_pid=""
sim_pid=""
stop() {
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
}
trap stop EXIT INT TERM

# The simulator drives SPEEDUP times faster than real time while stamping positions with the real
# clock, so its vans look far faster than any van: the speed filter is off for the demo.
"$bin" serve --port "$port" --db "$db" --demo --position-max-speed-kmh 0 &
server_pid=$!
for _ in $(seq 150); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$url/healthz" >/dev/null || { echo "demo-run: the server did not start" >&2; exit 1; }

# a key for this script (the store is shared safely between processes: SQLite WAL)
key=$("$bin" keys create --role admin --db "$db" | tail -1)
api() { curl -fsS -H "Authorization: Bearer $key" -X "$1" "$url$2" ${3:+-d "$3"}; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

committed=$(api GET /v1/plans | json 'sum(1 for p in d.get("plans", []) if p["status"] == "committed")')
if [ "$committed" = 0 ]; then
    echo "demo-run: the warehouse marks the allocated orders ready ..."
    ids=$(api GET "/v1/orders?status=allocated&limit=1000" | json '" ".join(str(o["id"]) for o in d["orders"])')
    n=0
    for id in $ids; do
        api POST "/v1/orders/$id/picking" >/dev/null &&
            api POST "/v1/orders/$id/ready" '{"weight_g":3000,"volume_cm3":4000,"parcels":1}' >/dev/null &&
            n=$((n + 1))
    done
    echo "demo-run: $n packages ready; planning the day ..."
    plan=$(api POST /v1/plans '{"time_limit_ms":5000}' | json 'd["id"]')
    for _ in $(seq 120); do
        status=$(api GET "/v1/plans/$plan" | json 'd["status"]')
        [ "$status" != solving ] && break
        sleep 0.5
    done
    if [ "$status" = proposed ]; then
        api POST "/v1/plans/$plan/commit" >/dev/null
        echo "demo-run: plan $plan committed"
    else
        echo "demo-run: plan $plan ended $status; the server runs without a committed plan" >&2
    fi
fi

if [ "${SIM:-1}" != 0 ]; then
    "$bin" simulate --server "$url" --key "$key" --speed-up "${SPEEDUP:-10}" --seed 1 \
        --duration 86400 &
    sim_pid=$!
    echo "demo-run: the simulator drives the routes (dashboard: $url/ ; Ctrl-C stops both)"
fi
wait "$server_pid"
