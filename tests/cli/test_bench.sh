#!/usr/bin/env bash
# `lastmile bench`: one CVRPLIB instance end to end (its line and the summary table), the
# --only miss, and usage errors (unknown set, a directory without --bks) exiting 64.
# usage: test_bench.sh LASTMILE_BINARY SOURCE_DIR
set -u
bin="$1"
src="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# run WANT_STATUS ARGS...: runs lastmile bench, stdout in $tmp/out, stderr in $tmp/err.
run() {
    local want="$1"
    shift
    "$bin" bench "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        bad "bench $*: exit $got, want $want"
        cat "$tmp/out" "$tmp/err"
        return 1
    fi
    return 0
}

if run 0 A --only A-n32-k5 --time-limit 0.5 --datasets "$src/datasets"; then
    # The instance line: a cost, the BKS of A-n32-k5 (784) and a gap, and no INFEASIBLE mark.
    if grep -Eq '^A-n32-k5 +cost +[0-9]+\.[0-9]{2} +bks +784\.00 +gap +-?[0-9]+\.[0-9]{2}%' "$tmp/out" &&
        ! grep -q INFEASIBLE "$tmp/out"; then ok; else bad "no A-n32-k5 line"; cat "$tmp/out"; fi
    if grep -q '^### CVRPLIB-A (time limit 500 ms' "$tmp/out" &&
        grep -q '^| group | instances | mean gap' "$tmp/out" &&
        grep -Eq '^\| A \| 1 \| ' "$tmp/out" && grep -Eq '^\| \*\*all\*\* \| 1 \| ' "$tmp/out"; then
        ok
    else
        bad "no summary table"
        cat "$tmp/out"
    fi
    [ "$(grep -c ' cost ' "$tmp/out")" -eq 1 ] && ok || bad "--only ran more than one instance"
fi

# A directory SET with its own table; --csv gets the row.
if run 0 "$src/datasets/cvrplib/A" --bks "$src/datasets/cvrplib/A/bks.csv" --only A-n32-k5 \
    --time-limit 0.2 --csv "$tmp/r.csv"; then
    grep -q '^A-n32-k5,A,' "$tmp/r.csv" && ok || bad "no CSV row"
fi

if run 64 nosuchset; then
    grep -q "unknown set 'nosuchset'" "$tmp/err" && ok || bad "unclear message: $(cat "$tmp/err")"
fi
run 64 "$src/datasets/cvrplib/A" && ok
run 64 && ok
run 64 A --time-limit 0 && ok
if run 1 A --only no-such-instance --time-limit 0.1 --datasets "$src/datasets"; then
    grep -q "no instance named no-such-instance" "$tmp/err" && ok || bad "unclear --only miss"
fi
run 1 A --datasets "$tmp/nowhere" && ok

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
