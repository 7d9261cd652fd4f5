#!/usr/bin/env bash
# `lastmile report` and `lastmile analytics rebuild` on a fresh database: the rebuild folds the
# log (key.created), a report prints the JSON of GET /v1/reports/{family} (no rows yet) or its
# CSV header, a forecast needs DEPOT and SKU, bad options exit 64 naming the field.
set -u
bin="$1"
fail=0
dir=$(mktemp -d /tmp/lm_report.XXXXXX)
db="$dir/t.db"
check() { # check DESCRIPTION EXPECTED_STATUS PATTERN COMMAND...: exit status and output
    local what="$1" want="$2" pat="$3"; shift 3
    "$@" >"$dir/out" 2>&1; local got=$?
    if [ "$got" -ne "$want" ] || ! grep -qE -- "$pat" "$dir/out"; then
        echo "FAIL: $what: exit $got (want $want), output:"; cat "$dir/out"; fail=1
    fi
}
check "keys create" 0 "created key" "$bin" keys create --role admin --db "$db"
check "rebuild" 0 "rollups rebuilt from the event log up to seq [1-9]" "$bin" analytics rebuild --db "$db"
check "report JSON" 0 '^\{"family":"deliveries","period":"week","group":"depot","from":"2026-03-01","to":"2026-03-29","rows":\[\]\}$' \
    "$bin" report deliveries --from 2026-03-01 --to 2026-03-29 --period week --group depot --db "$db"
check "report CSV" 0 '^period_start,routes,route_stops,route_s,planned_m,cost,cost_per_stop,cost_per_km' \
    "$bin" report costs --csv --db "$db"
check "bad period" 64 "period: period must be day, week or month" "$bin" report eta --period year --db "$db"
check "bad date" 64 "from: from must be a date" "$bin" report eta --from 2026-02-30 --db "$db"
check "unknown family" 64 "family" "$bin" report revenue --db "$db"
check "forecast without SKU" 64 "forecast needs DEPOT and SKU" "$bin" report forecast d1 --db "$db"
check "rebuild usage" 64 "usage: lastmile analytics rebuild" "$bin" analytics frobnicate
rm -rf "$dir"
[ $fail -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
