#!/usr/bin/env bash
# `lastmile bench`: one CVRPLIB instance end to end (its line and the summary table), the
# --only miss, and usage errors (unknown set, a directory without --bks) exiting 64.
# usage: test_bench.sh LASTMILE_BINARY SOURCE_DIR
set -u
bin="$1"
src="$2"
. "$(dirname "$0")/lib.sh"

# run WANT_STATUS ARGS...: runs lastmile bench (tests/cli/lib.sh's run_cmd).
run() { run_cmd bench "$@"; }

# cost_ok COST GAP: the cost of a feasible A-n32-k5 solution (784 is its proven optimum, so no
# lower) and the gap that cost gives against the BKS, to the printed precision; whatever cost a
# time-limited run reaches, the numbers must agree with each other. (`lastmile bench` is
# time-limited by design; no quality is asserted, so the load cannot fail these checks.)
cost_ok() {
    awk -v c="$1" -v g="$2" 'BEGIN {
        want = (c - 784) / 784 * 100
        exit !(c >= 784 && c < 784 * 1.5 && (g - want) ^ 2 < 0.0001)
    }'
}

if run 0 A --only A-n32-k5 --time-limit 0.5 --datasets "$src/datasets"; then # timing-ok: see cost_ok
    # The instance line: a cost, the BKS of A-n32-k5 (784) and a gap, and no INFEASIBLE mark.
    line=$(grep -E '^A-n32-k5 +cost +[0-9]+\.[0-9]{2} +bks +784\.00 +gap +-?[0-9]+\.[0-9]{2}%' "$tmp/out")
    if [ -n "$line" ] && ! grep -q INFEASIBLE "$tmp/out"; then ok; else bad "no A-n32-k5 line"; cat "$tmp/out"; fi
    cost=$(echo "$line" | awk '{print $3}')
    gap=$(echo "$line" | awk '{print $7}' | tr -d %)
    cost_ok "$cost" "$gap" && ok || bad "A-n32-k5: cost '$cost' and gap '$gap' disagree (bks 784)"
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
    --time-limit 0.2 --csv "$tmp/r.csv"; then # timing-ok: see cost_ok
    row=$(grep '^A-n32-k5,A,' "$tmp/r.csv")
    [ -n "$row" ] && ok || bad "no CSV row"
    # instance,group,cost,bks,gap_pct,...: the row's own numbers agree
    IFS=, read -r _ _ cost bks gap _ <<<"$row"
    [ "$bks" = "784.0000" ] && cost_ok "$cost" "$gap" && ok ||
        bad "CSV row: cost '$cost', bks '$bks', gap '$gap' disagree"
fi

if run 64 nosuchset; then
    grep -q "unknown set 'nosuchset'" "$tmp/err" && ok || bad "unclear message: $(cat "$tmp/err")"
fi
run 64 "$src/datasets/cvrplib/A" && ok
run 64 && ok
run 64 A --time-limit 0 && ok # timing-ok: a usage error
if run 1 A --only no-such-instance --time-limit 0.1 --datasets "$src/datasets"; then # timing-ok: no solve
    grep -q "no instance named no-such-instance" "$tmp/err" && ok || bad "unclear --only miss"
fi
run 1 A --datasets "$tmp/nowhere" && ok

summary
