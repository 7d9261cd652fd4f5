/* bench/solver_bench.c: solver quality on a directory of Solomon / CVRPLIB instances against a
 * best-known table; the core shared by bench/bench_solver and `lastmile bench`. */
#include "bench/solver_bench.h"

#include "api/formats/instance.h"
#include "solver/solver.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_INSTANCES 256 /* files read from one directory, rows read from one table */
#define BENCH_MAX_GROUPS    32
#define BENCH_MAX_RUNS      32 /* solves per instance */

typedef struct bench_result {
    char name[64];
    char group[8];
    double cost, bks, gap_pct;
    size_t routes, bks_routes, unassigned;
    int64_t ms, cpu_ms; /* wall and CPU time of the solve */
    uint64_t iterations;
    bool feasible;
} bench_result;

typedef struct bks_row {
    char name[64];
    double cost;
    size_t vehicles;
} bks_row;

/* Reads "instance,vehicles,cost[,...]" rows after a header line into rows[0..max); returns the
 * count (0 when the file cannot be read or has no usable row). Malformed rows are skipped so one
 * odd line in a hand-kept table does not stop a run. */
static size_t bench_read_bks(const char *path, bks_row *rows, size_t max) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[1024];
    size_t n = 0;
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        return 0;
    }
    while (n < max && fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ',');
        if (!c1) continue;
        char *c2 = strchr(c1 + 1, ',');
        if (!c2) continue;
        *c1 = *c2 = '\0';
        char *c3 = strchr(c2 + 1, ',');
        if (c3) *c3 = '\0';
        int64_t veh = 0;
        double cost = 0;
        if (!lm_parse_i64(c1 + 1, 0, 100000, &veh) || !lm_parse_double(c2 + 1, &cost)) continue;
        lm_strlcpy(rows[n].name, line, sizeof rows[n].name);
        rows[n].vehicles = (size_t)veh;
        rows[n].cost = cost;
        n++;
    }
    fclose(f);
    return n;
}

static const bks_row *bench_find_bks(const bks_row *rows, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].name, name)) return &rows[i];
    return NULL;
}

static int bench_cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Solomon group: the letters and the first digit ("RC204" -> "RC2"); CVRPLIB: the set letter. */
static void bench_group_of(const char *name, bool solomon, char *out, size_t size) {
    size_t i = 0;
    if (!solomon) {
        while (name[i] && name[i] != '-' && i + 1 < size) {
            out[i] = name[i];
            i++;
        }
        out[i] = '\0';
        return;
    }
    while (name[i] && (name[i] < '0' || name[i] > '9') && i + 2 < size) {
        out[i] = name[i];
        i++;
    }
    out[i] = name[i];
    out[i + 1] = '\0';
}

/* CPU time of this thread (the solve runs on it with one search thread). */
static int64_t bench_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One solve of inst with seed into *r (cost, routes, feasibility, wall ms); false if it failed. */
static bool bench_solve(const bench_solver_opts *o, const fmt_instance *inst, uint64_t seed,
                        bench_result *r) {
    solver_opts so;
    solver_opts_init(&so);
    so.time_limit_ms = o->time_limit_ms;
    so.threads = 1;
    so.seed = seed;
    so.use_set_partitioning = o->use_set_partitioning;
    so.iterations = o->iterations;
    so.cpu_time = o->cpu_time;
    solver_solution *s = NULL;
    lm_errinfo err;
    int64_t t0 = lm_mono_ns(), c0 = bench_cpu_ns();
    lm_status st = solver_solve(inst->problem, &so, &s, &err);
    r->ms = (lm_mono_ns() - t0) / 1000000;
    r->cpu_ms = (bench_cpu_ns() - c0) / 1000000;
    r->feasible = false;
    if (st != LM_OK) {
        fprintf(stderr, "%s: solve failed: %s\n", inst->name, err.message);
        return false;
    }
    solver_check_report rep;
    r->feasible = solver_check(inst->problem, s, &rep) == LM_OK;
    if (!r->feasible) fprintf(stderr, "%s: INFEASIBLE: %s\n", inst->name, rep.first);
    r->cost = fmt_instance_cost(inst, s);
    r->routes = s->n_routes;
    r->unassigned = s->n_unassigned;
    r->iterations = s->iterations;
    r->gap_pct = 100.0 * (r->cost - r->bks) / r->bks;
    solver_solution_destroy(s);
    return true;
}

static int bench_cmp_result(const void *a, const void *b) {
    const bench_result *x = a, *y = b;
    /* failed or infeasible runs sort last: they count as worse than any cost */
    bool gx = x->feasible && x->unassigned == 0, gy = y->feasible && y->unassigned == 0;
    if (gx != gy) return gx ? -1 : 1;
    return (x->cost > y->cost) - (x->cost < y->cost);
}

/* Solves one instance file o->runs times (seeds o->seed, o->seed + 1, ...) and fills *r with the
 * median run (by cost; the worse middle one for an even count, so that two runs never report the
 * better): a time-limited solve varies with
 * the machine's load, and the median, unlike the best, is what a user can expect. Prints its
 * line to out. Returns true when the result belongs in the summary (solved, feasible, nothing
 * unassigned); false also when the file is skipped (unreadable, no BKS row, filtered out), with
 * *counted false then. */
static bool bench_one(const bench_solver_opts *o, const char *path, const bks_row *bks,
                      size_t n_bks, const bks_row *vbks, size_t n_vbks, FILE *out, bench_result *r,
                      bool *counted) {
    *counted = false;
    fmt_instance *inst = NULL;
    lm_errinfo err;
    if (fmt_instance_read_file(path, FMT_INSTANCE_AUTO, &inst, &err) != LM_OK) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        return false;
    }
    const bks_row *b = bench_find_bks(bks, n_bks, inst->name);
    if (!b || (o->only && strcmp(o->only, inst->name)) || inst->n_customers > o->max_customers) {
        fmt_instance_destroy(inst);
        return false;
    }
    *counted = true;
    memset(r, 0, sizeof *r);
    lm_strlcpy(r->name, inst->name, sizeof r->name);
    bench_group_of(inst->name, inst->format == FMT_INSTANCE_SOLOMON, r->group, sizeof r->group);
    r->bks = b->cost;
    const bks_row *vb = bench_find_bks(vbks, n_vbks, inst->name);
    r->bks_routes = vb ? vb->vehicles : b->vehicles;
    unsigned runs = o->runs ? o->runs : 1;
    bench_result each[BENCH_MAX_RUNS];
    for (unsigned k = 0; k < runs && k < BENCH_MAX_RUNS; k++) {
        each[k] = *r;
        (void)bench_solve(o, inst, o->seed + k, &each[k]);
    }
    qsort(each, runs, sizeof each[0], bench_cmp_result);
    *r = each[runs / 2];
    fprintf(out,
            "%-12s cost %10.2f  bks %10.2f  gap %6.2f%%  routes %3zu (bks %3zu)  unassigned %zu"
            "  %lld ms (cpu %lld ms, %llu it)%s",
            r->name, r->cost, r->bks, r->gap_pct, r->routes, r->bks_routes, r->unassigned,
            (long long)r->ms, (long long)r->cpu_ms, (unsigned long long)r->iterations,
            r->feasible ? "" : "  INFEASIBLE");
    if (runs > 1)
        fprintf(out, "  (median of %u runs; costs %.2f .. %.2f)", runs, each[0].cost,
                each[runs - 1].cost);
    fputc('\n', out);
    fflush(out);
    bool keep = r->feasible && r->unassigned == 0;
    if (!keep)
        fprintf(stderr, "%s: excluded from the summary (failed, infeasible or unassigned)\n",
                inst->name);
    fmt_instance_destroy(inst);
    return keep;
}

/* The markdown table: one row per group in order of first appearance, then **all**. */
static void bench_summary(const bench_solver_opts *o, const bench_result *res, size_t n_res,
                          double *gaps, FILE *md) {
    unsigned runs = o->runs ? o->runs : 1;
    if (runs == 1)
        fprintf(md,
                "\n### %s (time limit %lld ms%s, 1 thread, seed %llu, one run per instance, "
                "set partitioning %s)\n\n",
                o->title, (long long)o->time_limit_ms, o->cpu_time ? " of CPU" : "",
                (unsigned long long)o->seed, o->use_set_partitioning ? "on" : "off");
    else
        fprintf(md,
                "\n### %s (time limit %lld ms%s, 1 thread, per instance the median of %u runs "
                "with seeds %llu..%llu, set partitioning %s)\n\n",
                o->title, (long long)o->time_limit_ms, o->cpu_time ? " of CPU" : "", runs,
                (unsigned long long)o->seed, (unsigned long long)(o->seed + runs - 1),
                o->use_set_partitioning ? "on" : "off");
    fprintf(md, "| group | instances | mean gap %% | median gap %% | max gap %% | at BKS | "
                "routes (mean) | BKS routes (mean) | mean time s |\n");
    fprintf(md, "|---|---|---|---|---|---|---|---|---|\n");
    char groups[BENCH_MAX_GROUPS][8];
    size_t n_groups = 0;
    for (size_t i = 0; i < n_res; i++) {
        size_t g = 0;
        while (g < n_groups && strcmp(groups[g], res[i].group))
            g++;
        if (g == n_groups && n_groups < BENCH_MAX_GROUPS)
            lm_strlcpy(groups[n_groups++], res[i].group, sizeof groups[0]);
    }
    for (size_t g = 0; g <= n_groups; g++) {
        double sum = 0, max = -1e9, routes = 0, broutes = 0, secs = 0;
        size_t k = 0, at = 0;
        for (size_t i = 0; i < n_res; i++) {
            if (g < n_groups && strcmp(groups[g], res[i].group)) continue;
            gaps[k++] = res[i].gap_pct;
            sum += res[i].gap_pct;
            if (res[i].gap_pct > max) max = res[i].gap_pct;
            if (res[i].cost <= res[i].bks + 0.005 + 1e-9) at++;
            routes += (double)res[i].routes;
            broutes += (double)res[i].bks_routes;
            secs += (double)res[i].ms / 1000.0;
        }
        if (k == 0) continue;
        qsort(gaps, k, sizeof gaps[0], bench_cmp_double);
        double median = k % 2 ? gaps[k / 2] : (gaps[k / 2 - 1] + gaps[k / 2]) / 2;
        fprintf(md, "| %s | %zu | %.2f | %.2f | %.2f | %zu | %.1f | %.1f | %.2f |\n",
                g < n_groups ? groups[g] : "**all**", k, sum / (double)k, median, max, at,
                routes / (double)k, broutes / (double)k, secs / (double)k);
    }
}

void bench_solver_opts_init(bench_solver_opts *o) {
    memset(o, 0, sizeof *o);
    o->time_limit_ms = 1000;
    o->seed = 1;
    o->use_set_partitioning = true;
    o->max_customers = 100000;
    o->title = "results";
    o->runs = 1;
}

lm_status bench_solver_run(const bench_solver_opts *o, FILE *out, lm_errinfo *err) {
    lm_status st = LM_OK;
    bks_row *bks = NULL, *vbks = NULL;
    char **files = NULL;
    size_t n_files = 0, n_res = 0, n_seen = 0;
    bench_result *res = NULL;
    double *gaps = NULL;
    FILE *csv = NULL, *md = NULL;
    DIR *d = NULL;

    if (!o->dir || !o->bks_path)
        return lm_errinfo_set(err, LM_INVALID, o->dir ? "bks" : "dir", "%s is required",
                              o->dir ? "a best-known table" : "an instance directory");
    if (o->time_limit_ms < 1)
        return lm_errinfo_set(err, LM_INVALID, "time_limit_ms", "must be at least 1 ms");
    if (o->runs > BENCH_MAX_RUNS)
        return lm_errinfo_set(err, LM_INVALID, "runs", "at most %d runs per instance",
                              BENCH_MAX_RUNS);
    bks = lm_calloc(BENCH_MAX_INSTANCES, sizeof *bks);
    vbks = lm_calloc(BENCH_MAX_INSTANCES, sizeof *vbks);
    files = lm_calloc(BENCH_MAX_INSTANCES, sizeof *files);
    res = lm_calloc(BENCH_MAX_INSTANCES, sizeof *res);
    gaps = lm_calloc(BENCH_MAX_INSTANCES, sizeof *gaps);
    if (!bks || !vbks || !files || !res || !gaps) {
        st = lm_errinfo_set(err, LM_NOMEM, "", "out of memory for the benchmark tables");
        goto fail;
    }
    /* The directory first: a wrong dataset root is the likelier mistake and says more. */
    d = opendir(o->dir);
    if (!d) {
        st = lm_errinfo_set(err, LM_IO, "dir", "cannot open the directory %s", o->dir);
        goto fail;
    }
    FILE *probe = fopen(o->bks_path, "r");
    if (!probe) {
        st = lm_errinfo_set(err, LM_IO, "bks", "cannot read %s", o->bks_path);
        goto fail;
    }
    fclose(probe);
    size_t n_bks = bench_read_bks(o->bks_path, bks, BENCH_MAX_INSTANCES);
    size_t n_vbks =
        o->vehicles_bks_path ? bench_read_bks(o->vehicles_bks_path, vbks, BENCH_MAX_INSTANCES) : 0;
    if (n_bks == 0) {
        st = lm_errinfo_set(err, LM_INVALID, "bks",
                            "no rows in %s (want a header, then instance,vehicles,cost lines)",
                            o->bks_path);
        goto fail;
    }
    for (struct dirent *e; (e = readdir(d)) && n_files < BENCH_MAX_INSTANCES;) {
        size_t len = strlen(e->d_name);
        bool vrp = len > 4 && !strcmp(e->d_name + len - 4, ".vrp");
        bool txt = len > 4 && !strcmp(e->d_name + len - 4, ".txt");
        if (!vrp && !txt) continue;
        if (!(files[n_files] = lm_strdup(e->d_name))) {
            st = lm_errinfo_set(err, LM_NOMEM, "", "out of memory listing %s", o->dir);
            goto fail;
        }
        n_files++;
    }
    closedir(d);
    d = NULL;
    qsort(files, n_files, sizeof files[0], bench_cmp_name);

    if (o->csv_path && !(csv = fopen(o->csv_path, "w"))) {
        st = lm_errinfo_set(err, LM_IO, "csv", "cannot write %s", o->csv_path);
        goto fail;
    }
    if (csv)
        fprintf(csv, "instance,group,cost,bks,gap_pct,routes,bks_routes,unassigned,ms,cpu_ms,"
                     "iterations\n");
    for (size_t i = 0; i < n_files; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", o->dir, files[i]);
        bench_result *r = &res[n_res];
        bool counted = false;
        bool keep = bench_one(o, path, bks, n_bks, vbks, n_vbks, out, r, &counted);
        if (!counted) continue;
        n_seen++;
        if (csv)
            fprintf(csv, "%s,%s,%.4f,%.4f,%.4f,%zu,%zu,%zu,%lld,%lld,%llu\n", r->name, r->group,
                    r->cost, r->bks, r->gap_pct, r->routes, r->bks_routes, r->unassigned,
                    (long long)r->ms, (long long)r->cpu_ms, (unsigned long long)r->iterations);
        if (keep) n_res++;
    }
    if (o->only && n_seen == 0) {
        st =
            lm_errinfo_set(err, LM_NOT_FOUND, "only", "no instance named %s in %s with a row in %s",
                           o->only, o->dir, o->bks_path);
        goto fail;
    }

    /* An unwritable md file falls back to out: the table is the point of the run. */
    md = o->md_path ? fopen(o->md_path, "a") : NULL;
    bench_summary(o, res, n_res, gaps, md ? md : out);

fail:
    if (d) closedir(d);
    if (csv) fclose(csv);
    if (md) fclose(md);
    for (size_t i = 0; i < n_files; i++)
        lm_free(files[i]);
    lm_free(files);
    lm_free(bks);
    lm_free(vbks);
    lm_free(res);
    lm_free(gaps);
    return st;
}
