#!/usr/bin/env bash
# `solve` and `bench` link no HTTP code (README, Layout): the binary built from lm_cli_offline alone has
# no libmicrohttpd, SQLite, server, store or orders symbol, does not need libmicrohttpd, and
# still solves a problem.
set -euo pipefail
bin="$1"
src="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }

syms=$(nm -g "$bin")  # global symbols: a static helper named http_* in geo is not the server
for pat in ' MHD_' ' sqlite3_' ' api_' ' http_' ' store_' ' orders_' ' dispatch_'; do
    if grep -q -- "$pat" <<<"$syms"; then
        fail "offline binary contains symbols matching '$pat': $(grep -- "$pat" <<<"$syms" | head -3)"
    fi
done
# direct dependencies only (ldd would also list what libproj needs, SQLite among them)
if readelf -d "$bin" | grep NEEDED | grep -q libmicrohttpd; then
    fail "offline binary is linked against libmicrohttpd"
fi
# positive control: the same check finds the server in the full binary
full=$(nm -g "$3")
if ! grep -q " MHD_" <<<"$full"; then fail "the check finds no MHD_ symbol in the full lastmile binary"; fi

# the fuzz targets (their replay builds, same objects as the libFuzzer builds) link no HTTP either
shift 3
for fz in "$@"; do
    fsyms=$(nm -g "$fz")
    for pat in ' MHD_' ' api_' ' http_'; do
        if grep -q -- "$pat" <<<"$fsyms"; then fail "$(basename "$fz") contains symbols matching '$pat'"; fi
    done
done
echo "ok: $# fuzz targets link no HTTP code"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" solve "$src/datasets/solomon/R101.txt" --time-limit 0.3 --seed 1 -o "$out" 2>/dev/null # timing-ok: any routes
grep -q '"routes"' "$out" || fail "offline solve wrote no routes"
echo "ok: offline solve/bench link only codecs and the solver ($(wc -c <"$bin") bytes)"
