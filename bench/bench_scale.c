/* bench_scale: a generated 1,000-job / 50-vehicle VRPTW (seeded), solved at several time limits;
 * reports served jobs, cost, feasibility (solver_check), wall time and peak memory. The issue's
 * yardstick: a feasible solution within 1 s, a polished one within 30 s, memory O(n*k) beyond the
 * matrix. Usage: bench_scale [--runs N] [LIMIT_MS...] (default 3 runs of 1000 and 30000 ms): each
 * row gives medians over the runs (seeds 1..N), never the best run. */
#include "solver/solver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define N_JOBS     1000
#define N_VEHICLES 50

static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s) {
    return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

/* A city of 30 x 30 km, depot in the middle, travel at 10 m/s, windows of 1-3 h in an 8 h day. */
static lm_status make_problem(uint64_t seed, solver_problem **out) {
    size_t n = N_JOBS + 1;
    double *x = lm_calloc(n, sizeof *x), *y = lm_calloc(n, sizeof *y);
    int32_t *dur = lm_calloc(n * n, sizeof *dur), *dist = lm_calloc(n * n, sizeof *dist);
    solver_problem *p = NULL;
    lm_status st = (x && y && dur && dist) ? LM_OK : LM_NOMEM;
    if (st == LM_OK) st = solver_problem_create(NULL, &p);
    if (st != LM_OK) goto done;
    x[0] = y[0] = 15000;
    for (size_t i = 1; i < n; i++) {
        x[i] = rng_unit(&seed) * 30000;
        y[i] = rng_unit(&seed) * 30000;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double d = hypot(x[i] - x[j], y[i] - y[j]) * 1.3;
            dist[i * n + j] = (int32_t)lround(d);
            dur[i * n + j] = (int32_t)lround(d / 10.0);
        }
    if ((st = solver_problem_set_matrix(p, n, dur, dist, NULL, NULL)) != LM_OK) goto done;
    for (uint64_t v = 0; v < N_VEHICLES; v++) {
        solver_vehicle veh;
        solver_vehicle_init(&veh);
        veh.id = v + 1;
        veh.start = veh.end = 0;
        veh.capacity[0] = 40;
        veh.shift.start_s = 0;
        veh.shift.end_s = 10 * 3600;
        if ((st = solver_problem_add_vehicle(p, &veh, NULL)) != LM_OK) goto done;
    }
    for (uint32_t i = 1; i <= N_JOBS; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.service_s = 180;
        j.delivery[0] = 1 + (int64_t)(rng_next(&seed) % 2);
        double len = 3600 * (1 + 2 * rng_unit(&seed));
        double start = (8 * 3600 - len) * rng_unit(&seed) + 3600;
        solver_tw tw = {(int64_t)start, (int64_t)(start + len)};
        j.tws = &tw;
        j.n_tws = 1;
        if ((st = solver_problem_add_job(p, &j, NULL)) != LM_OK) goto done;
    }
done:
    lm_free(x);
    lm_free(y);
    lm_free(dur);
    lm_free(dist);
    if (st == LM_OK)
        *out = p;
    else
        solver_problem_destroy(p);
    return st;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v); the mean of the middle two for an even n. */
static int64_t median_i64(int64_t *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_i64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One time limit, runs times (seeds 1..runs): one table row of medians, with min and max. */
static void bench_limit(const solver_problem *p, int64_t limit_ms, int runs) {
    int64_t cost[32], ms[32], served[32], routes[32];
    int n = 0, infeasible = 0;
    char why[256] = "";
    for (int r = 0; r < runs; r++) {
        solver_opts o;
        solver_opts_init(&o);
        o.time_limit_ms = limit_ms;
        o.threads = 1;
        o.seed = (uint64_t)r + 1;
        solver_solution *s = NULL;
        lm_errinfo err;
        int64_t t0 = lm_mono_ns();
        lm_status st = solver_solve(p, &o, &s, &err);
        int64_t wall = (lm_mono_ns() - t0) / 1000000;
        if (st != LM_OK) {
            lm_strlcpy(why, "solve failed: ", sizeof why);
            lm_strlcpy(why + strlen(why), err.message, sizeof why - strlen(why));
            infeasible++;
            continue;
        }
        solver_check_report rep;
        if (solver_check(p, s, &rep) != LM_OK) {
            lm_strlcpy(why, rep.first, sizeof why);
            infeasible++;
        }
        cost[n] = s->cost;
        ms[n] = wall;
        served[n] = N_JOBS - (int64_t)s->n_unassigned;
        routes[n] = (int64_t)s->n_routes;
        n++;
        solver_solution_destroy(s);
    }
    if (n == 0) {
        printf("| %lld ms | %d | %s | | | | | |\n", (long long)limit_ms, runs, why);
        return;
    }
    int64_t c_med = median_i64(cost, (size_t)n);
    printf("| %lld ms | %d | %lld / %d | %lld | %lld | %lld .. %lld | %s | %lld |\n",
           (long long)limit_ms, n, (long long)median_i64(served, (size_t)n), N_JOBS,
           (long long)median_i64(routes, (size_t)n), (long long)c_med, (long long)cost[0],
           (long long)cost[n - 1], infeasible ? why : "feasible (every run)",
           (long long)median_i64(ms, (size_t)n));
    fflush(stdout);
}

int main(int argc, char **argv) {
    int64_t limits[8] = {1000, 30000};
    size_t n_limits = 2;
    int64_t runs = 3;
    int a = 1;
    bool bad = false;
    if (a + 1 < argc && strcmp(argv[a], "--runs") == 0) {
        bad = !lm_parse_i64(argv[a + 1], 1, 32, &runs);
        a += 2;
    }
    if (!bad && a < argc) {
        n_limits = 0;
        for (; a < argc && !bad; a++)
            bad = n_limits == 8 || !lm_parse_i64(argv[a], 1, 3600000, &limits[n_limits++]);
    }
    if (bad) {
        fprintf(stderr, "usage: bench_scale [--runs 1..32] [LIMIT_MS...]\n");
        return 64;
    }
    solver_problem *p = NULL;
    if (make_problem(42, &p) != LM_OK) {
        fprintf(stderr, "bench_scale: could not build the problem\n");
        return 1;
    }
    printf("Each time limit solved %lld times (seeds 1..%lld, one thread); medians over the runs, "
           "the cost's min .. max beside its median.\n\n",
           (long long)runs, (long long)runs);
    printf(
        "| time limit | runs | served jobs | routes | median cost (s of travel) | cost min .. max "
        "| checker | median wall ms |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < n_limits; k++)
        bench_limit(p, limits[k], (int)runs);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\nPeak resident memory: %.1f MiB (the two 1001 x 1001 int32 matrices are %.1f MiB).\n",
           (double)ru.ru_maxrss / 1024.0, 2.0 * 1001 * 1001 * 4 / 1048576.0);
    solver_problem_destroy(p);
    return 0;
}
