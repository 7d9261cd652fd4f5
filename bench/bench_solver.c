/* bench_solver: solver quality on Solomon and CVRPLIB at a fixed time limit per instance.
 * Every solution is verified with solver_check and re-costed in the literature's convention
 * (api_instance_cost); gaps are against the best-known tables in datasets/. Writes one CSV row
 * per instance and a markdown summary per group. */
#include "api/api.h"
#include "solver/solver.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INSTANCES 256

typedef struct result {
    char name[64];
    char group[8];
    double cost, bks, gap_pct;
    size_t routes, bks_routes, unassigned;
    int64_t ms;
    bool feasible;
} result;

typedef struct bks_row {
    char name[64];
    double cost;
    size_t vehicles;
} bks_row;

static size_t read_bks(const char *path, bks_row *rows, size_t max) {
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

static const bks_row *find_bks(const bks_row *rows, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].name, name)) return &rows[i];
    return NULL;
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Solomon group: the letters and the first digit ("RC204" -> "RC2"); CVRPLIB: the set letter. */
static void group_of(const char *name, bool solomon, char *out, size_t size) {
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

static void usage(void) {
    fprintf(stderr, "usage: bench_solver --dir DIR --bks FILE [--vehicles-bks FILE] "
                    "[--time-limit-ms N] [--seed K] [--no-sp] [--max-n N] [--only NAME] "
                    "[--csv OUT] [--md OUT] [--title TEXT]\n");
}

int main(int argc, char **argv) {
    const char *dir = NULL, *bks_path = NULL, *veh_bks_path = NULL, *only = NULL;
    const char *csv_path = NULL, *md_path = NULL, *title = "results";
    int64_t limit_ms = 1000, seed = 1, max_n = 100000;
    bool use_sp = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-sp")) {
            use_sp = false;
            continue;
        }
        if (!v) {
            usage();
            return 64;
        }
        i++;
        if (!strcmp(a, "--dir"))
            dir = v;
        else if (!strcmp(a, "--bks"))
            bks_path = v;
        else if (!strcmp(a, "--vehicles-bks"))
            veh_bks_path = v;
        else if (!strcmp(a, "--only"))
            only = v;
        else if (!strcmp(a, "--csv"))
            csv_path = v;
        else if (!strcmp(a, "--md"))
            md_path = v;
        else if (!strcmp(a, "--title"))
            title = v;
        else if (!strcmp(a, "--time-limit-ms") && lm_parse_i64(v, 1, 3600000, &limit_ms))
            continue;
        else if (!strcmp(a, "--seed") && lm_parse_i64(v, 0, INT64_MAX, &seed))
            continue;
        else if (!strcmp(a, "--max-n") && lm_parse_i64(v, 1, 100000, &max_n))
            continue;
        else {
            usage();
            return 64;
        }
    }
    if (!dir || !bks_path) {
        usage();
        return 64;
    }
    static bks_row bks[MAX_INSTANCES], vbks[MAX_INSTANCES];
    size_t n_bks = read_bks(bks_path, bks, MAX_INSTANCES);
    size_t n_vbks = veh_bks_path ? read_bks(veh_bks_path, vbks, MAX_INSTANCES) : 0;
    if (n_bks == 0) {
        fprintf(stderr, "bench_solver: no rows in %s\n", bks_path);
        return 65;
    }

    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench_solver: cannot open %s\n", dir);
        return 66;
    }
    char *files[MAX_INSTANCES];
    size_t n_files = 0;
    for (struct dirent *e; (e = readdir(d)) && n_files < MAX_INSTANCES;) {
        size_t len = strlen(e->d_name);
        bool vrp = len > 4 && !strcmp(e->d_name + len - 4, ".vrp");
        bool txt = len > 4 && !strcmp(e->d_name + len - 4, ".txt");
        if (vrp || txt) files[n_files++] = lm_strdup(e->d_name);
    }
    closedir(d);
    qsort(files, n_files, sizeof files[0], cmp_name);

    static result res[MAX_INSTANCES];
    size_t n_res = 0;
    FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
    if (csv) fprintf(csv, "instance,group,cost,bks,gap_pct,routes,bks_routes,unassigned,ms\n");
    for (size_t i = 0; i < n_files; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        api_instance *inst = NULL;
        lm_errinfo err;
        if (api_instance_read_file(path, API_INSTANCE_AUTO, &inst, &err) != LM_OK) {
            fprintf(stderr, "%s: %s\n", path, err.message);
            continue;
        }
        const bks_row *b = find_bks(bks, n_bks, inst->name);
        if (!b || (only && strcmp(only, inst->name)) || (int64_t)inst->n_customers > max_n) {
            api_instance_destroy(inst);
            continue;
        }
        solver_opts o;
        solver_opts_init(&o);
        o.time_limit_ms = limit_ms;
        o.threads = 1;
        o.seed = (uint64_t)seed;
        o.use_set_partitioning = use_sp;
        solver_solution *s = NULL;
        int64_t t0 = lm_mono_ns();
        lm_status st = solver_solve(inst->problem, &o, &s, &err);
        int64_t ms = (lm_mono_ns() - t0) / 1000000;
        result *r = &res[n_res];
        memset(r, 0, sizeof *r);
        lm_strlcpy(r->name, inst->name, sizeof r->name);
        group_of(inst->name, inst->format == API_INSTANCE_SOLOMON, r->group, sizeof r->group);
        r->bks = b->cost;
        const bks_row *vb = find_bks(vbks, n_vbks, inst->name);
        r->bks_routes = vb ? vb->vehicles : b->vehicles;
        r->ms = ms;
        if (st == LM_OK) {
            solver_check_report rep;
            r->feasible = solver_check(inst->problem, s, &rep) == LM_OK;
            if (!r->feasible) fprintf(stderr, "%s: INFEASIBLE: %s\n", inst->name, rep.first);
            r->cost = api_instance_cost(inst, s);
            r->routes = s->n_routes;
            r->unassigned = s->n_unassigned;
            r->gap_pct = 100.0 * (r->cost - r->bks) / r->bks;
        } else {
            fprintf(stderr, "%s: solve failed: %s\n", inst->name, err.message);
        }
        printf("%-12s cost %10.2f  bks %10.2f  gap %6.2f%%  routes %3zu (bks %3zu)  unassigned %zu"
               "  %lld ms%s\n",
               r->name, r->cost, r->bks, r->gap_pct, r->routes, r->bks_routes, r->unassigned,
               (long long)ms, r->feasible ? "" : "  INFEASIBLE");
        fflush(stdout);
        if (csv)
            fprintf(csv, "%s,%s,%.4f,%.4f,%.4f,%zu,%zu,%zu,%lld\n", r->name, r->group, r->cost,
                    r->bks, r->gap_pct, r->routes, r->bks_routes, r->unassigned, (long long)ms);
        if (st == LM_OK && r->feasible && r->unassigned == 0)
            n_res++;
        else
            fprintf(stderr, "%s: excluded from the summary (failed, infeasible or unassigned)\n",
                    inst->name);
        solver_solution_destroy(s);
        api_instance_destroy(inst);
    }
    if (csv) fclose(csv);
    for (size_t i = 0; i < n_files; i++)
        lm_free(files[i]);

    /* Summary per group, then overall. */
    FILE *md = md_path ? fopen(md_path, "a") : stdout;
    if (!md) md = stdout;
    fprintf(md, "\n### %s (time limit %lld ms, 1 thread, seed %lld, set partitioning %s)\n\n",
            title, (long long)limit_ms, (long long)seed, use_sp ? "on" : "off");
    fprintf(md, "| group | instances | mean gap %% | median gap %% | max gap %% | at BKS | "
                "routes (mean) | BKS routes (mean) | mean time s |\n");
    fprintf(md, "|---|---|---|---|---|---|---|---|---|\n");
    char groups[32][8];
    size_t n_groups = 0;
    for (size_t i = 0; i < n_res; i++) {
        size_t g = 0;
        while (g < n_groups && strcmp(groups[g], res[i].group))
            g++;
        if (g == n_groups && n_groups < 32) lm_strlcpy(groups[n_groups++], res[i].group, 8);
    }
    for (size_t g = 0; g <= n_groups; g++) {
        double gaps[MAX_INSTANCES], sum = 0, max = -1e9, routes = 0, broutes = 0, secs = 0;
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
        qsort(gaps, k, sizeof gaps[0], cmp_double);
        double median = k % 2 ? gaps[k / 2] : (gaps[k / 2 - 1] + gaps[k / 2]) / 2;
        fprintf(md, "| %s | %zu | %.2f | %.2f | %.2f | %zu | %.1f | %.1f | %.2f |\n",
                g < n_groups ? groups[g] : "**all**", k, sum / (double)k, median, max, at,
                routes / (double)k, broutes / (double)k, secs / (double)k);
    }
    if (md != stdout) fclose(md);
    return 0;
}
