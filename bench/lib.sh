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
