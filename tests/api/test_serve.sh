#!/usr/bin/env bash
# The real binary as an operator runs it: `keys create`, `serve` settings from file/env/flags,
# --demo's first admin key, and a graceful SIGTERM while requests are in flight (exit 0, every
# acknowledged write in the database, integrity_check ok). Needs curl and sqlite3 (CLI tools).
set -u
bin="$1"
dir=$(mktemp -d /tmp/lm_serve.XXXXXX)
pid=""
fail=0
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
note() { echo "FAIL: $*"; fail=1; }

start_server() { # start_server ARGS... -> sets pid, port
    # the redirections happen in the child: clear the files first so no old port is read
    rm -f "$dir/out" "$dir/err"
    : >"$dir/out"
    : >"$dir/err"
    "$bin" serve --port 0 "$@" >>"$dir/out" 2>>"$dir/err" &
    pid=$!
    port=""
    for _ in $(seq 200); do
        port=$(grep -o '127\.0\.0\.1:[0-9]*' "$dir/out" 2>/dev/null | cut -d: -f2)
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05 # timing-ok: poll, 10 s deadline
    done
    note "server did not start ($*)"
    cat "$dir/err"
    return 1
}
stop_server() { # stop_server -> the exit status
    kill -TERM "$pid"
    wait "$pid"
    local rc=$?
    pid=""
    return $rc
}
wait_acked() { # wait_acked PREFIX N: until N requests logged in PREFIX.* got 201 (30 s deadline)
    for _ in $(seq 600); do
        [ "$(cat "$1".* 2>/dev/null | grep -c '^201 0$')" -ge "$2" ] && return 0
        sleep 0.05 # timing-ok: poll, 30 s deadline
    done
    note "fewer than $2 requests acknowledged within 30 s"
    return 1
}
whoami() { # whoami KEY -> prints the HTTP status and body
    curl -s -w ' %{http_code}' -H "Authorization: Bearer $1" "http://127.0.0.1:$port/v1/whoami"
}

# ---- keys create ----
out=$("$bin" keys create --role dispatcher --db "$dir/k.db") || note "keys create failed"
key=$(printf '%s\n' "$out" | tail -1)
[[ $key =~ ^lm_[0-9a-f]{16}_[0-9a-f]{64}$ ]] || note "last line is not a key: '$key'"
"$bin" keys create --role root --db "$dir/k.db" >/dev/null 2>&1
[ $? -eq 64 ] || note "unknown role should exit 64"
"$bin" keys create --role driver --db "$dir/k.db" >/dev/null 2>&1
[ $? -eq 64 ] || note "driver key without --driver should exit 64"
dkey=$("$bin" keys create --role driver --driver van-3 --db "$dir/k.db" | tail -1)
secret=${key##*_}
sqlite3 "$dir/k.db" .dump | grep -q "$secret" && note "a key secret is stored in the database"
[ "$(sqlite3 "$dir/k.db" 'SELECT count(*) FROM api_keys')" = 2 ] || note "expected 2 keys"

# ---- serve: the database from the environment, keys work ----
LASTMILE_DB="$dir/k.db" start_server && {
    r=$(whoami "$key")
    [[ $r == *'"role":"dispatcher"'*' 200' ]] || note "dispatcher whoami: $r"
    r=$(whoami "$dkey")
    [[ $r == *'"driver_id":"van-3"'*' 200' ]] || note "driver whoami: $r"
    r=$(whoami "lm_0000000000000000_$secret")
    [[ $r == *' 401' ]] || note "forged key id should be 401: $r"
    stop_server || note "serve exit status $?"
}

# ---- settings: file < environment < command line ----
printf '# test config\nthreads = 3\ndb = %s\n' "$dir/k.db" >"$dir/lastmile.conf"
start_server --config "$dir/lastmile.conf" && {
    grep -q '3 threads' "$dir/out" || note "config file threads not used: $(cat "$dir/out")"
    stop_server
}
LASTMILE_THREADS=4 start_server --config "$dir/lastmile.conf" && {
    grep -q '4 threads' "$dir/out" || note "environment should beat the file: $(cat "$dir/out")"
    stop_server
}
LASTMILE_THREADS=4 start_server --config "$dir/lastmile.conf" --threads 1 && {
    grep -q '1 threads' "$dir/out" || note "flag should beat the environment: $(cat "$dir/out")"
    stop_server
}
"$bin" serve --port 0 --db "$dir/k.db" --bogus 1 >/dev/null 2>&1
[ $? -eq 64 ] || note "unknown option should exit 64"

# ---- --demo: an admin key on an empty database, once ----
start_server --db "$dir/demo.db" --demo && {
    akey=$(grep -E '^lm_[0-9a-f]{16}_[0-9a-f]{64}$' "$dir/out" | tail -1)
    [ -n "$akey" ] || note "--demo printed no admin key: $(cat "$dir/out")"
    r=$(whoami "$akey")
    [[ $r == *'"role":"admin"'*' 200' ]] || note "demo admin whoami: $r"
    stop_server
}
start_server --db "$dir/demo.db" --demo && {
    grep -qE '^lm_' "$dir/out" && note "--demo made a second admin key"
    stop_server
}

# ---- graceful shutdown under load ----
admin=$("$bin" keys create --role admin --db "$dir/g.db" | tail -1)
start_server --db "$dir/g.db" --threads 2 && {
    for w in 1 2 3 4; do
        (
            for i in $(seq 60); do
                curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $admin" \
                    -d '{"role":"warehouse"}' "http://127.0.0.1:$port/v1/keys"
                echo $?
            done >"$dir/load.$w"
        ) &
    done
    wait_acked "$dir/load" 10 # then stop while the rest is in flight
    stop_server
    rc=$?
    wait
    [ $rc -eq 0 ] || note "SIGTERM under load: exit status $rc, want 0"
    grep -q 'stopped cleanly' "$dir/err" || note "no clean stop message: $(tail -3 "$dir/err")"
    acked=$(cat "$dir"/load.* | grep -c '^201 0$')
    odd=$(cat "$dir"/load.* | grep -vE '^201 0$|^000 (7|52|56)$' | sort | uniq -c)
    [ -z "$odd" ] || note "unexpected client outcomes (status, curl exit): $odd"
    [ "$acked" -gt 0 ] || note "no request succeeded before the stop"
    keys=$(sqlite3 "$dir/g.db" 'SELECT count(*) FROM api_keys')
    [ "$keys" -eq $((acked + 1)) ] || note "$acked keys acknowledged but $((keys - 1)) stored"
    [ "$(sqlite3 "$dir/g.db" 'PRAGMA integrity_check')" = ok ] || note "integrity_check failed"
    echo "graceful stop: $acked requests acknowledged before SIGTERM, all stored"
}

# ---- SIGKILL under load: every acknowledged write survives, the file is intact ----
start_server --db "$dir/g.db" --threads 2 && {
    for w in 1 2 3; do
        (
            for i in $(seq 60); do
                curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $admin" \
                    -d '{"role":"dispatcher"}' "http://127.0.0.1:$port/v1/keys"
                echo $?
            done >"$dir/kill.$w"
        ) &
    done
    wait_acked "$dir/kill" 10 # then kill while the rest is in flight
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    pid=""
    wait
    acked=$(cat "$dir"/kill.* | grep -c '^201 0$')
    [ "$acked" -gt 0 ] || note "no request succeeded before SIGKILL"
    before=$(sqlite3 "$dir/g.db" "SELECT count(*) FROM api_keys WHERE role='dispatcher'")
    [ "$before" -ge "$acked" ] || note "SIGKILL lost writes: $acked acknowledged, $before stored"
    [ "$(sqlite3 "$dir/g.db" 'PRAGMA integrity_check')" = ok ] || note "integrity after SIGKILL"
    start_server --db "$dir/g.db" && {
        r=$(whoami "$admin")
        [[ $r == *' 200' ]] || note "server does not come back after SIGKILL: $r"
        stop_server || note "restart after SIGKILL: exit status $?"
    }
    echo "SIGKILL: $acked acknowledged, $before stored (a write may commit and lose its reply)"
}

[ $fail -eq 0 ] && echo "test_serve: all checks passed" || echo "test_serve: FAILED"
exit $fail
