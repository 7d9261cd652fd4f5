/* tests/solver/search_fixture.c: the instances and the checked solve of the solver search suite
 * (tests/solver/search_fixture.h). */
#include "search_fixture.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* A problem over points (index 0 is the depot) with Euclidean travel times and distances. */
solver_problem *make_problem(const pts *pt, uint32_t dims) {
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

void add_vehicle(solver_problem *p, uint64_t id, uint32_t start, uint32_t end, int64_t cap) {
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = id;
    v.start = start;
    v.end = end;
    v.capacity[0] = cap;
    lm_errinfo e;
    assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_OK);
}

void add_job(solver_problem *p, uint64_t id, uint32_t loc, int64_t delivery) {
    solver_job j;
    solver_job_init(&j);
    j.id = id;
    j.location = loc;
    j.delivery[0] = delivery;
    lm_errinfo e;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
}

solver_solution *solve(const solver_problem *p, int64_t ms, uint64_t iters) {
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = ms;
    o.use_set_partitioning = false;
    o.iterations = iters;
    solver_solution *s = NULL;
    lm_errinfo e;
    memset(&e, 0, sizeof e);
    lm_status st = solver_solve(p, &o, &s, &e);
    if (st != LM_OK) fail_msg("solve failed: %s (%s: %s)", lm_strerror(st), e.field, e.message);
    solver_check_report rep;
    memset(&rep, 0, sizeof rep);
    if (solver_check(p, s, &rep) != LM_OK) fail_msg("checker: %s", rep.first);
    assert_int_equal(rep.recomputed_cost, s->cost);
    return s;
}

/* Route of the vehicle with index v, or NULL. */
const solver_route *route_of(const solver_solution *s, uint32_t v) {
    for (size_t i = 0; i < s->n_routes; i++)
        if (s->routes[i].vehicle == v) return &s->routes[i];
    return NULL;
}

uint64_t lcg(uint64_t *st) {
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return *st >> 33;
}

void random_points(pts *pt, size_t n, uint64_t seed) {
    pt->n = n;
    pt->x[0] = pt->y[0] = 50;
    for (size_t i = 1; i < n; i++) {
        pt->x[i] = (double)(lcg(&seed) % 1000) / 10.0;
        pt->y[i] = (double)(lcg(&seed) % 1000) / 10.0;
    }
}

/* A line: depot at 0, points at x = 10, 20, ... */
solver_problem *line_problem(size_t n, uint32_t dims) {
    pts pt;
    pt.n = n;
    for (size_t i = 0; i < n; i++) {
        pt.x[i] = 10.0 * (double)i;
        pt.y[i] = 0;
    }
    return make_problem(&pt, dims);
}

solver_problem *random_vrptw(size_t n, uint64_t seed, size_t n_veh) {
    pts pt;
    random_points(&pt, n + 1, seed);
    solver_problem *p = make_problem(&pt, 1);
    for (size_t v = 0; v < n_veh; v++) {
        solver_vehicle veh;
        solver_vehicle_init(&veh);
        veh.id = v + 1;
        veh.start = veh.end = 0;
        veh.capacity[0] = 100;
        veh.shift.start_s = 0;
        veh.shift.end_s = 1000;
        assert_int_equal(solver_problem_add_vehicle(p, &veh, NULL), LM_OK);
    }
    for (uint32_t i = 1; i <= n; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.delivery[0] = 1 + (int64_t)(lcg(&seed) % 20);
        j.service_s = 10;
        int64_t a = (int64_t)(lcg(&seed) % 800);
        solver_tw w = {a, a + 100 + (int64_t)(lcg(&seed) % 200)};
        j.tws = &w;
        j.n_tws = 1;
        assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    }
    return p;
}
