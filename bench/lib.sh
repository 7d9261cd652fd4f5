# bench/lib.sh: sourced by every benchmark script. Each table under bench/results/ starts with
# the command that reproduces it, the date, the machine and its load when the run began, and says
# how many runs its medians are of; bench_footer adds the load when it ended. Figures are medians
# (min and max beside them where a table has room), never the best run: on a machine shared with
# other work the best run says how fast it can go once, the median what to expect.

# bench_header TITLE COMMAND RUNS
bench_header() {
    local cpu
    cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
    echo "# $1"
    echo
    echo "Command: \`$2\`"
    echo
    local runs="Figures are medians of $3 runs, not the best run."
    [ "$3" = 1 ] && runs="One run per figure (RUNS=1): no median, and no best-of either."
    echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores${cpu:+ ($cpu)}; load average" \
        "$(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start. $runs"
    echo
}

# bench_footer: the load average when the table was finished.
bench_footer() {
    echo
    echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)."
}

# bench_free_port: a loopback port free right now.
bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_catalog URL KEY: what the HTTP benchmarks order from: depots d1 and d2, products tea and
# cup, 100,000,000 of each in stock at both (so that no run ever runs out).
bench_catalog() {
    local url="$1" key="$2" d s
    _bench_api() { curl -fsS -o /dev/null -H "Authorization: Bearer $key" -X "$1" "$url$2" -d "$3"; }
    _bench_api POST /v1/depots '{"id":"d1","name":"Depot 1","location":[4.85,45.75]}'
    _bench_api POST /v1/depots '{"id":"d2","name":"Depot 2","location":[4.80,45.70]}'
    _bench_api POST /v1/products '{"sku":"tea","name":"Tea","weight_g":250,"volume_cm3":400}'
    _bench_api POST /v1/products '{"sku":"cup","name":"Cup","weight_g":300,"volume_cm3":900}'
    for d in d1 d2; do for s in tea cup; do
        _bench_api PUT "/v1/stock/$d/$s" '{"on_hand":100000000,"reorder_point":10}'
    done; done
}

# bench_track_token URL KEY: creates an order of one tea and prints its tracking token.
bench_track_token() {
    curl -fsS -H "Authorization: Bearer $2" -X POST "$1/v1/orders" -d '{"customer":{"name":"Bench",
        "address":"1 rue du Banc, Lyon","location":[4.83,45.74]},"lines":[{"sku":"tea","qty":1}]}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["tracking_token"])'
}

# bench_order_lua FILE KEY PREFIX: a wrk script (FILE) whose every request is a durable POST
# /v1/orders of a distinct customer (2 lines, tea and cup, a time window) under an
# Idempotency-Key PREFIX-n, with the admin key KEY.
bench_order_lua() {
    cat >"$1" <<LUA
local n = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $2"
wrk.headers["Content-Type"] = "application/json"
request = function()
    n = n + 1
    wrk.headers["Idempotency-Key"] = "$3-" .. n
    local body = string.format('{"external_ref":"B%d","channel":"web","customer":{"name":"C%d",' ..
        '"phone":"+33%09d","address":"%d rue du Banc, Lyon","location":[4.83,45.74]},' ..
        '"lines":[{"sku":"tea","qty":2},{"sku":"cup","qty":1}],' ..
        '"time_windows":[["2026-11-23T09:00:00Z","2026-11-23T12:00:00Z"]]}', n, n, n, n)
    return wrk.format(nil, "/v1/orders", nil, body)
end
LUA
}

# bench_drivers DB N: N drivers bench-0.. whose phones phone-0.. are known devices, straight into
# dispatch's table (the CLI has no fleet command).
bench_drivers() {
    python3 - "$1" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executemany("INSERT INTO drivers(id, name, phone, device_id, vehicle_id) VALUES (?,?,?,?,NULL)",
               [(f"bench-{i}", f"Bench {i}", "", f"phone-{i}") for i in range(int(sys.argv[2]))])
db.commit()
PY
}

# ---- The load loop the HTTP benchmarks share (bench/http/*.sh) ----

# bench_pin_cores: the server on core 0 and the load generator on core 1 when there are two cores
# and taskset: sets the arrays pin_server and pin_wrk (empty otherwise), prefixes of commands.
bench_pin_cores() {
    pin_server=(); pin_wrk=()
    if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
        pin_server=(taskset -c 0); pin_wrk=(taskset -c 1)
    fi
}

# bench_wait_healthy URL [TRIES]: waits until URL/healthz answers, polling every 0.1 s up to
# TRIES times (default 100); returns non-zero when it never did.
bench_wait_healthy() {
    local i
    for i in $(seq "${2:-100}"); do
        curl -fs "$1/healthz" >/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# bench_serve_pinned BIN WORK [SERVE_ARG...]: a fresh WORK/b.db with an admin key (sets key) and
# 100 drivers, then BIN serve on two free loopback ports (sets port, oport) with one server thread,
# no per-address caps and no retention, pinned to core 0, its access log in WORK/access.log; sets
# pid and waits until it answers.
bench_serve_pinned() {
    local bin="$1" work="$2"
    shift 2
    port=$(bench_free_port)
    oport=$(bench_free_port)
    key=$("$bin" keys create --role admin --db "$work/b.db" | tail -1)
    bench_drivers "$work/b.db" 100
    taskset -c 0 "$bin" serve --port "$port" --osmand-port "$oport" --db "$work/b.db" --threads 1 \
        --max-conns-per-ip 0 --osmand-max-conns-per-ip 0 --positions-retention-days 0 "$@" \
        >/dev/null 2>"$work/access.log" &
    pid=$!
    bench_wait_healthy "http://127.0.0.1:$port" || true
}

# bench_stop_server: stops the server whose pid is in server_pid (if any) and clears it.
bench_stop_server() {
    if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    server_pid=""
}

# bench_nginx_start DIR: the yardstick, nginx with one worker answering `return 200 ""` to any
# request on a free loopback port, pinned like the server (bench_pin_cores first), its files under
# DIR/nginx. Sets nport and nginx_pid (the caller kills it).
bench_nginx_start() {
    local nginx_bin
    nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
    nport=$(bench_free_port)
    mkdir -p "$1/nginx"
    cat >"$1/nginx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $1/nginx/nginx.pid;
error_log $1/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $1/nginx; proxy_temp_path $1/nginx;
    fastcgi_temp_path $1/nginx; uwsgi_temp_path $1/nginx; scgi_temp_path $1/nginx;
    server { listen 127.0.0.1:$nport; location / { return 200 ""; } }
}
NGX
    "${pin_server[@]}" "$nginx_bin" -p "$1/nginx" -c "$1/nginx/nginx.conf" &
    nginx_pid=$!
}

# bench_osmand_lua OUT DEVICES BASE_MS: a wrk script in OUT whose every request is a new OsmAnd
# position (GET /?id=phone-K&lat=..&lon=..&timestamp=..) of device n % DEVICES at device time
# BASE_MS + n. Each device drives a plausible track (0.11 m north per fix, its own longitude) so
# that the position filters (docs/devices.md) accept every fix and a run measures storing, not
# refusing; BASE_MS must lie in the past (the filters refuse fixes from the future).
bench_osmand_lua() {
    cat >"$1" <<LUA
local n = 0
request = function()
    n = n + 1
    local dev = n % $2
    return wrk.format("GET", string.format(
        "/?id=phone-%d&lat=45.%06d&lon=4.%06d&timestamp=%d&speed=12.5&bearing=90&batt=80",
        dev, math.floor(n / $2) % 1000000, (dev * 7919) % 1000000, $3 + n))
end
LUA
}
