#!/usr/bin/env bash
# The binary's command skeleton: help, version, no command and unknown commands.
set -u
bin="$1"
fail=0
check() { # check DESCRIPTION EXPECTED_STATUS COMMAND...
    local what="$1" want="$2"; shift 2
    "$@" >/tmp/lm_cli_out.$$ 2>&1; local got=$?
    if [ "$got" -ne "$want" ]; then echo "FAIL: $what: exit $got, want $want"; cat /tmp/lm_cli_out.$$; fail=1; fi
}
check "help" 0 "$bin" --help
check "version" 0 "$bin" version
"$bin" version | grep -q "GLPK" || { echo "FAIL: version lacks GLPK"; fail=1; }
"$bin" version | grep -q "SQLite" || { echo "FAIL: version lacks SQLite"; fail=1; }
check "no command" 64 "$bin"
check "unknown command" 64 "$bin" frobnicate
rm -f /tmp/lm_cli_out.$$
[ $fail -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
