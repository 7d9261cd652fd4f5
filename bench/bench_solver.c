/* bench_solver: solver quality on Solomon and CVRPLIB at a fixed time limit per instance, for
 * bench/run.sh. A command-line front for bench_solver_run (bench/solver_bench.c), which verifies,
 * re-costs and compares every solution with the best-known tables in datasets/. */
#include "bench/solver_bench.h"

#include <stdio.h>
#include <string.h>

static void usage(void) {
    fprintf(stderr,
            "usage: bench_solver --dir DIR --bks FILE [--vehicles-bks FILE] "
            "[--time-limit-ms N] [--cpu-time] [--seed K] [--no-sp] [--max-n N] [--only NAME] "
            "[--runs N] [--iterations N] [--csv OUT] [--md OUT] [--title TEXT]\n");
}

int main(int argc, char **argv) {
    bench_solver_opts o;
    bench_solver_opts_init(&o);
    int64_t limit_ms = o.time_limit_ms, seed = (int64_t)o.seed, max_n = (int64_t)o.max_customers;
    int64_t runs = o.runs, iters = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-sp")) {
            o.use_set_partitioning = false;
            continue;
        }
        if (!strcmp(a, "--cpu-time")) { /* the limit counts the solve's CPU time, not wall */
            o.cpu_time = true;
            continue;
        }
        if (!v) {
            usage();
            return 64;
        }
        i++;
        if (!strcmp(a, "--dir"))
            o.dir = v;
        else if (!strcmp(a, "--bks"))
            o.bks_path = v;
        else if (!strcmp(a, "--vehicles-bks"))
            o.vehicles_bks_path = v;
        else if (!strcmp(a, "--only"))
            o.only = v;
        else if (!strcmp(a, "--csv"))
            o.csv_path = v;
        else if (!strcmp(a, "--md"))
            o.md_path = v;
        else if (!strcmp(a, "--title"))
            o.title = v;
        else if (!strcmp(a, "--time-limit-ms") && lm_parse_i64(v, 1, 3600000, &limit_ms))
            continue;
        else if (!strcmp(a, "--seed") && lm_parse_i64(v, 0, INT64_MAX, &seed))
            continue;
        else if (!strcmp(a, "--max-n") && lm_parse_i64(v, 1, 100000, &max_n))
            continue;
        else if (!strcmp(a, "--runs") && lm_parse_i64(v, 1, 32, &runs))
            continue;
        else if (!strcmp(a, "--iterations") && lm_parse_i64(v, 1, INT64_MAX, &iters))
            continue;
        else {
            usage();
            return 64;
        }
    }
    if (!o.dir || !o.bks_path) {
        usage();
        return 64;
    }
    o.time_limit_ms = limit_ms;
    o.seed = (uint64_t)seed;
    o.max_customers = (size_t)max_n;
    o.runs = (unsigned)runs;
    o.iterations = (uint64_t)iters;
    lm_errinfo err;
    lm_status st = bench_solver_run(&o, stdout, &err);
    if (st == LM_OK) return 0;
    fprintf(stderr, "bench_solver: %s\n", err.message);
    /* The exit codes bench/run.sh has always seen: 65 a bad table, 66 an unreadable directory. */
    if (st == LM_INVALID || (st == LM_IO && !strcmp(err.field, "bks"))) return 65;
    return st == LM_IO ? 66 : 1;
}
