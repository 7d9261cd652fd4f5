/* bench/solver_bench.h: the solver benchmark core (lm_bench), used by bench/bench_solver and
 * `lastmile bench`.
 *
 * Reads every .txt / .vrp file of a directory (sorted by name, at most 256) with
 * fmt_instance_read_file, solves those with a row in the best-known table (one thread, the given
 * time limit and seed; with runs > 1, that many seeds, keeping the median run by cost), verifies
 * each solution with solver_check, re-costs it with fmt_instance_cost and prints one line per
 * instance to out, then a markdown table per group (Solomon "RC2", CVRPLIB "A") and overall.
 * Infeasible, failed or partly unassigned solutions are printed but left out of the table.
 * Diagnostics go to stderr. Table files are CSV with a header, then instance,vehicles,cost[,...].
 */
#ifndef LASTMILE_BENCH_SOLVER_BENCH_H
#define LASTMILE_BENCH_SOLVER_BENCH_H

#include "common/common.h"

#include <stdio.h>

typedef struct bench_solver_opts {
    const char *dir;               /* instance directory (required) */
    const char *bks_path;          /* best-known costs and vehicles (required) */
    const char *vehicles_bks_path; /* NULL, or a table whose vehicles column wins */
    int64_t time_limit_ms;         /* per instance, >= 1 (default 1000) */
    uint64_t seed;                 /* default 1 */
    bool use_set_partitioning;     /* GLPK set partitioning in the solver (default on) */
    size_t max_customers;          /* skip larger instances (default 100000) */
    const char *only;              /* NULL, or the one instance name to run */
    const char *csv_path;          /* NULL, or a file to write one row per instance to */
    const char *md_path;           /* NULL: the table goes to out; else appended to this file */
    const char *title;             /* the table's heading (default "results") */
    unsigned
        runs; /* solves per instance, seeds seed.. seed+runs-1; the median one counts (1..32) */
    uint64_t
        iterations; /* 0: time-limited; else solver_opts.iterations (a reproducible run whose
                       wall time measures the solver's speed; time_limit_ms is a safety stop) */
    bool cpu_time;  /* solver_opts.cpu_time: the limit counts the solving thread's CPU time */
} bench_solver_opts;

void bench_solver_opts_init(bench_solver_opts *o);
/* Runs the benchmark described by o. LM_INVALID (err->field "bks", "dir", "time_limit_ms" or
 * "runs") for
 * missing options or a table without rows, LM_IO (field "dir", "bks" or "csv") for an unreadable
 * directory or table or an unwritable CSV,
 * LM_NOT_FOUND when o->only names no instance of the directory with a best-known row. Instance
 * lines already printed stay printed when a later step fails. */
LM_MUST_USE lm_status bench_solver_run(const bench_solver_opts *o, FILE *out, lm_errinfo *err);

#endif
