#!/usr/bin/env bash
# The request log of the real binary never holds a tracking token, a device id or a key in full
# (docs/security.md): requests carrying each are made, then the log is searched for them.
set -u
bin="$1"
dir=$(mktemp -d /tmp/lm_redact.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
fail=0
note() { echo "FAIL: $*"; fail=1; }

"$bin" serve --port 0 --db "$dir/db" >"$dir/out" 2>"$dir/err" &
pid=$!
port=""
for _ in $(seq 300); do # timing-ok: a bounded poll for the server's first line (15 s)
    port=$(grep -o '127\.0\.0\.1:[0-9]*' "$dir/out" 2>/dev/null | cut -d: -f2)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05 # timing-ok: poll, deadline above
done
[ -n "$port" ] || { echo "FAIL: server did not start"; cat "$dir/err"; exit 1; }

token="TRKsecretTOKEN0123456789abcdef"
device="DEVsecretDEVICE0123456789"
key="lm_0123456789abcdef_$(printf 'f%.0s' $(seq 64))"
curl -s -o /dev/null "http://127.0.0.1:$port/v1/track/$token"
curl -s -o /dev/null "http://127.0.0.1:$port/track/$token"
curl -s -o /dev/null "http://127.0.0.1:$port/v1/osmand?id=$device&lat=45.7&lon=4.8"
curl -s -o /dev/null "http://127.0.0.1:$port/v1/whoami?key=$key"
kill -TERM "$pid"
wait "$pid"
pid=""

lines=$(grep -c '"path"' "$dir/err")
[ "$lines" -ge 4 ] || note "expected at least 4 request log lines, found $lines"
for secret in "$token" "$device" "$key"; do
    if grep -qF -- "$secret" "$dir/err" "$dir/out"; then note "the log holds '$secret' in full"; fi
done
# positive control: the requests are in the log, only their secrets are hidden
grep -q '/v1/track/' "$dir/err" || note "no /v1/track/ line in the log"
[ $fail -eq 0 ] && echo "ok: $lines request lines logged, no token, device id or key in full"
exit $fail
