# tests/cli/lib.sh: sourced by the command-line suites that count their checks (test_bench.sh,
# test_solve.sh) after they set $bin: a temporary directory $tmp removed at exit, the counters
# with ok / bad, run_cmd, and the closing summary.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# run_cmd COMMAND WANT_STATUS ARGS...: runs "$bin" COMMAND ARGS..., stdout in $tmp/out, stderr in
# $tmp/err; another exit status than WANT_STATUS is a failure (both outputs shown) and returns 1.
run_cmd() {
    local cmd="$1" want="$2"
    shift 2
    "$bin" "$cmd" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$cmd $*: exit $got, want $want"
        cat "$tmp/out" "$tmp/err"
        return 1
    fi
    return 0
}

# summary: the count line; its status is the suite's (non-zero when a check failed).
summary() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
