/* bench_hfvrp: heterogeneous-fleet costs (fixed and per-distance cost by vehicle type) on the
 * HFVRP instances of PyVRP's public set (Pessoa et al. 2018, on Uchoa's X), against their
 * best-known solutions. Run by bench/hfvrp.sh, which writes bench/results/hfvrp.md.
 *
 * Each instance becomes the solver's problem as a VROOM client would state it: one vehicle per
 * listed vehicle (the instance's fleet: limited for HVRP/HD, a generous 100 or so per type for the
 * FSM variants), `costs` {fixed, per_hour 0, per_km = the type's distance cost}, distances in
 * "metres" = 1000 x the Euclidean distance, so per_km x km = cost x distance unrounded. The
 * solution is then re-costed with exact Euclidean distances, the BKS convention (PyVRP scales
 * costs by 100: the table divides by 100 again).
 *
 * --write-json DIR writes each instance as that VROOM problem (DIR/NAME.json) instead of solving:
 * bench/hfvrp_vroom.sh runs lastmile and VROOM itself on the same files. */
#include "solver/solver.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HF_MAX_FILES 64

typedef struct hf {
    size_t n, nv; /* locations (depot first), vehicles */
    double *x, *y;
    int64_t *demand, *cap, *fixed, *unit;
} hf;

static void hf_free(hf *h) {
    free(h->x);
    free(h->y);
    free(h->demand);
    free(h->cap);
    free(h->fixed);
    free(h->unit);
    memset(h, 0, sizeof *h);
}

/* Reads "index value [value]" rows of the section being read into the arrays it names. */
static bool hf_row(hf *h, const char *sec, const char *line) {
    long idx;
    double a, b = 0;
    int k = sscanf(line, "%ld %lf %lf", &idx, &a, &b);
    if (k < 2 || idx < 1) return false;
    size_t i = (size_t)idx - 1;
    if (!strcmp(sec, "NODE_COORD_SECTION") && k == 3 && i < h->n) {
        h->x[i] = a;
        h->y[i] = b;
    } else if (!strcmp(sec, "DEMAND_SECTION") && i < h->n) {
        h->demand[i] = (int64_t)a;
    } else if (!strcmp(sec, "CAPACITY_SECTION") && i < h->nv) {
        h->cap[i] = (int64_t)a;
    } else if (!strcmp(sec, "VEHICLES_FIXED_COST_SECTION") && i < h->nv) {
        h->fixed[i] = (int64_t)a;
    } else if (!strcmp(sec, "VEHICLES_UNIT_DISTANCE_COST_SECTION") && i < h->nv) {
        h->unit[i] = (int64_t)a;
    }
    return true;
}

/* PyVRP's VRPLIB dialect: DIMENSION and VEHICLES first, then the sections. Missing cost sections
 * mean 0 fixed cost and unit cost 1 (none of the files lacks the distance section). */
static bool hf_read(const char *path, hf *h) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char line[512], sec[512] = "";
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        long v;
        if (sscanf(line, "DIMENSION : %ld", &v) == 1 || sscanf(line, "DIMENSION: %ld", &v) == 1) {
            h->n = (size_t)v;
        } else if (sscanf(line, "VEHICLES : %ld", &v) == 1 ||
                   sscanf(line, "VEHICLES: %ld", &v) == 1) {
            h->nv = (size_t)v;
        } else if (strstr(line, "SECTION")) {
            snprintf(sec, sizeof sec, "%s", line);
            if (!h->x && h->n && h->nv) {
                h->x = calloc(h->n, sizeof *h->x);
                h->y = calloc(h->n, sizeof *h->y);
                h->demand = calloc(h->n, sizeof *h->demand);
                h->cap = calloc(h->nv, sizeof *h->cap);
                h->fixed = calloc(h->nv, sizeof *h->fixed);
                h->unit = calloc(h->nv, sizeof *h->unit);
                ok = h->x && h->y && h->demand && h->cap && h->fixed && h->unit;
                for (size_t i = 0; ok && i < h->nv; i++)
                    h->unit[i] = 1;
            }
            ok = ok && h->x;
        } else if (sec[0] && strcmp(sec, "DEPOT_SECTION") && line[0] && strcmp(line, "EOF")) {
            ok = hf_row(h, sec, line);
        }
    }
    fclose(f);
    if (!ok || !h->x) hf_free(h);
    return ok && h->x;
}

static double hf_dist(const hf *h, size_t a, size_t b) {
    return hypot(h->x[a] - h->x[b], h->y[a] - h->y[b]);
}

/* Metres between locations a and b: the matrix both the solver and the JSON use. */
static int32_t hf_metres(const hf *h, size_t a, size_t b) {
    return (int32_t)lround(1000.0 * hf_dist(h, a, b));
}

static void hf_json_matrix(const hf *h, FILE *f) {
    for (size_t i = 0; i < h->n; i++) {
        fputs(i ? ",[" : "[", f);
        for (size_t j = 0; j < h->n; j++)
            fprintf(f, j ? ",%ld" : "%ld", (long)hf_metres(h, i, j));
        fputc(']', f);
    }
}

/* The instance as the VROOM problem hf_problem builds: durations = distances (unused: per_hour 0,
 * no windows). Returns false if the file could not be written. */
static bool hf_write_json(const hf *h, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs("{\"vehicles\":[", f);
    for (size_t k = 0; k < h->nv; k++)
        fprintf(f,
                "%s{\"id\":%zu,\"start_index\":0,\"end_index\":0,\"capacity\":[%lld],"
                "\"costs\":{\"fixed\":%lld,\"per_hour\":0,\"per_km\":%lld}}",
                k ? "," : "", k + 1, (long long)h->cap[k], (long long)h->fixed[k],
                (long long)h->unit[k]);
    fputs("],\"jobs\":[", f);
    for (size_t i = 1; i < h->n; i++)
        fprintf(f, "%s{\"id\":%zu,\"location_index\":%zu,\"delivery\":[%lld]}", i > 1 ? "," : "", i,
                i, (long long)h->demand[i]);
    fputs("],\"matrices\":{\"car\":{\"durations\":[", f);
    hf_json_matrix(h, f);
    fputs("],\"distances\":[", f);
    hf_json_matrix(h, f);
    fputs("]}}}\n", f);
    return fclose(f) == 0;
}

static lm_status hf_problem(const hf *h, solver_problem **out, lm_errinfo *err) {
    solver_problem *p = NULL;
    lm_status st = solver_problem_create(NULL, &p);
    if (st != LM_OK) return st;
    size_t n = h->n;
    int32_t *m = malloc(n * n * sizeof *m);
    if (!m) {
        solver_problem_destroy(p);
        return LM_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            m[i * n + j] = hf_metres(h, i, j);
    st = solver_problem_set_matrix(p, n, m, m, NULL, err);
    free(m);
    for (size_t i = 1; st == LM_OK && i < n; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = (uint32_t)i;
        j.delivery[0] = h->demand[i];
        st = solver_problem_add_job(p, &j, err);
    }
    for (size_t k = 0; st == LM_OK && k < h->nv; k++) {
        solver_vehicle v;
        solver_vehicle_init(&v);
        v.id = k + 1;
        v.start = v.end = 0;
        v.capacity[0] = h->cap[k];
        v.cost_fixed = h->fixed[k];
        v.cost_per_hour = 0;
        v.cost_per_km = h->unit[k];
        st = solver_problem_add_vehicle(p, &v, err);
    }
    if (st != LM_OK) {
        solver_problem_destroy(p);
        return st;
    }
    *out = p;
    return LM_OK;
}

/* The solution's cost with exact Euclidean legs, in the BKS's units. */
static double hf_recost(const hf *h, const solver_solution *s) {
    double c = 0;
    for (size_t r = 0; r < s->n_routes; r++) {
        const solver_route *rt = &s->routes[r];
        size_t k = rt->vehicle;
        double d = 0;
        for (size_t i = 1; i < rt->n_steps; i++)
            d += hf_dist(h, rt->steps[i - 1].location, rt->steps[i].location);
        c += (double)h->fixed[k] + (double)h->unit[k] * d;
    }
    return c / 100.0;
}

static double hf_bks(const char *bks_path, const char *name) {
    FILE *f = fopen(bks_path, "r");
    if (!f) return 0;
    char line[512];
    double v = 0;
    size_t len = strlen(name);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, name, len) && line[len] == ',') {
            const char *c = strchr(line + len + 1, ',');
            if (c) v = strtod(c + 1, NULL);
        }
    fclose(f);
    return v;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct hf_args {
    const char *dir, *only, *json_dir;
    int64_t limit_ms;
    size_t max_n;
    uint64_t iterations; /* 0: time-limited; else a reproducible budget (for tuning) */
} hf_args;

/* Solves one file; prints its table row; adds its gap to *sum (false if it could not run). */
static bool hf_run_one(const hf_args *a, const char *file, double *gap_out) {
    char path[1024], name[128], bks_path[1024];
    snprintf(path, sizeof path, "%s/%s", a->dir, file);
    snprintf(bks_path, sizeof bks_path, "%s/bks.csv", a->dir);
    snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 4), file);
    hf h = {0};
    if (!hf_read(path, &h)) {
        fprintf(stderr, "bench_hfvrp: cannot read %s\n", path);
        return false;
    }
    double bks = hf_bks(bks_path, name);
    bool ok = false;
    if (a->json_dir) {
        char out[1200];
        snprintf(out, sizeof out, "%s/%s.json", a->json_dir, name);
        ok = h.n - 1 > a->max_n || hf_write_json(&h, out);
        if (!ok) fprintf(stderr, "bench_hfvrp: cannot write %s\n", out);
        hf_free(&h);
        return ok;
    }
    solver_problem *p = NULL;
    solver_solution *s = NULL;
    lm_errinfo err = {0};
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = a->limit_ms;
    o.iterations = a->iterations;
    if (bks > 0 && h.n - 1 <= a->max_n && hf_problem(&h, &p, &err) == LM_OK &&
        solver_solve(p, &o, &s, &err) == LM_OK) {
        solver_check_report rep;
        bool feasible = solver_check(p, s, &rep) == LM_OK && s->n_unassigned == 0;
        double cost = hf_recost(&h, s), gap = 100.0 * (cost - bks) / bks;
        if (!feasible)
            fprintf(stderr, "bench_hfvrp: %s: %zu unassigned; checker: %s\n", name, s->n_unassigned,
                    rep.n_violations ? rep.first : "ok");
        const char *type = strchr(name, '-') ? strchr(name, '-') + 1 : "";
        printf("| %s | %s | %zu | %zu | %zu | %.2f | %.2f | %.2f | %lld | %s |\n", name, type,
               h.n - 1, h.nv, s->n_routes, cost, bks, gap, (long long)s->computing_ms,
               feasible ? solver_stop_text(s->stop) : "INFEASIBLE");
        fflush(stdout);
        *gap_out = gap;
        ok = feasible;
    } else if (err.message[0]) {
        fprintf(stderr, "bench_hfvrp: %s: %s: %s\n", name, err.field, err.message);
    }
    solver_solution_destroy(s);
    solver_problem_destroy(p);
    hf_free(&h);
    return ok;
}

int main(int argc, char **argv) {
    hf_args a = {"datasets/hfvrp", NULL, NULL, 10000, 100000, 0};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--dir"))
            a.dir = argv[i + 1];
        else if (!strcmp(argv[i], "--write-json"))
            a.json_dir = argv[i + 1];
        else if (!strcmp(argv[i], "--only"))
            a.only = argv[i + 1];
        else if (!strcmp(argv[i], "--time-limit-ms"))
            a.limit_ms = strtoll(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--iterations"))
            a.iterations = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--max-n"))
            a.max_n = (size_t)strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_hfvrp [--dir DIR] [--time-limit-ms N] [--max-n N] "
                            "[--iterations N] [--only NAME] [--write-json DIR]\n");
            return 64;
        }
    }
    DIR *d = opendir(a.dir);
    if (!d || a.limit_ms <= 0) {
        fprintf(stderr, "bench_hfvrp: cannot open %s (or bad time limit)\n", a.dir);
        if (d) closedir(d);
        return 1;
    }
    char *files[HF_MAX_FILES];
    size_t nf = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nf < HF_MAX_FILES) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".vrp")) files[nf++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(files, nf, sizeof *files, cmp_str);
    if (!a.json_dir) {
        printf("| instance | type | n | fleet | routes | cost | BKS | gap %% | ms | stop |\n");
        printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    }
    double sum = 0, worst = 0;
    size_t count = 0, failed = 0;
    for (size_t i = 0; i < nf; i++) {
        double gap = 0;
        if (a.only && strncmp(files[i], a.only, strlen(a.only))) {
            free(files[i]);
            continue;
        }
        if (hf_run_one(&a, files[i], &gap)) {
            sum += gap;
            worst = gap > worst ? gap : worst;
            count++;
        } else {
            failed++;
        }
        free(files[i]);
    }
    if (a.json_dir)
        printf("bench_hfvrp: wrote %zu problems to %s (%zu failed)\n", count, a.json_dir, failed);
    else
        printf(
            "\nInstances: %zu solved feasibly, %zu not. Mean gap to BKS: %.2f %%, worst %.2f %%.\n",
            count, failed, count ? sum / (double)count : 0.0, worst);
    return failed ? 2 : 0;
}
