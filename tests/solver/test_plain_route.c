/* Tests for the plain-route shortcuts of round 4 (perf-solver.md): a plain vehicle's route
 * (no windows, breaks, setups or shipments) is simulated by a short path, and after a job
 * insertion its caches are updated in place (solver__sol_insert_update) instead of simulated.
 * Both must leave exactly what the full simulation of the same steps leaves; a costs matrix
 * holding the durations' values is read as the durations (one matrix in cache). */
#include "solver/route.h"
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define N 16 /* depot + 15 customers */

typedef struct config {
    uint32_t dims;
    int costs;          /* 0: none, 1: a copy of the durations, 2: different values */
    int64_t shift_end;  /* 0: unset */
    int64_t max_travel; /* 0: no limit */
    int64_t cap;
} config;

static uint64_t rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static solver_problem *plain_problem(const config *c, uint64_t seed) {
    static int32_t dur[N * N], cost[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            dur[i * N + j] = i == j ? 0 : (int32_t)(10 + rnd(&seed) % 90); /* asymmetric */
            cost[i * N + j] = c->costs == 1 ? dur[i * N + j] : (int32_t)(rnd(&seed) % 50);
        }
    solver_problem_opts po;
    solver_problem_opts_init(&po);
    po.n_dims = c->dims;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&po, &p), LM_OK);
    lm_errinfo e = {0};
    assert_int_equal(solver_problem_set_matrix(p, N, dur, dur, c->costs ? cost : NULL, &e), LM_OK);
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 0;
    for (uint32_t d = 0; d < c->dims; d++)
        v.capacity[d] = c->cap;
    if (c->shift_end) v.shift = (solver_tw){100, c->shift_end};
    v.max_travel_time_s = c->max_travel;
    assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_OK);
    for (uint32_t i = 1; i < N; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.service_s = (int64_t)(rnd(&seed) % 30);
        for (uint32_t d = 0; d < c->dims; d++) {
            j.delivery[d] = (int64_t)(rnd(&seed) % 4);
            j.pickup[d] = d == 1 ? (int64_t)(rnd(&seed) % 3) : 0;
        }
        assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    }
    return p;
}

/* Inserting node x at pos of route 0 (holding nodes[0..n)) by update must leave what setting
 * the resulting steps does: the same verdict and cost, and on a feasible route the same
 * caches and positions. */
static void insert_matches(const solver__model *m, const uint32_t *nodes, uint32_t n, uint32_t x,
                           uint32_t pos) {
    solver__sol a, b;
    assert_int_equal(solver__sol_init(m, &a), LM_OK);
    assert_int_equal(solver__sol_init(m, &b), LM_OK);
    bool was_ok = solver__sol_set_route(m, &a, 0, nodes, n);
    uint32_t after[N];
    memcpy(after, nodes, pos * sizeof *after);
    after[pos] = x;
    memcpy(after + pos + 1, nodes + pos, (n - pos) * sizeof *after);
    solver__route_insert_raw(&a.routes[0], pos, x);
    bool ok = solver__sol_insert_update(m, &a, 0, pos);
    bool ref = solver__sol_set_route(m, &b, 0, after, n + 1);
    const solver__route *ra = &a.routes[0], *rb = &b.routes[0];
    assert_int_equal(ok, ref);
    assert_int_equal(ra->feasible, rb->feasible);
    assert_int_equal(ra->cost, rb->cost);
    if (ref && was_ok) {
        size_t nl = (size_t)(n + 2) * m->dims;
        assert_int_equal(ra->travel_s, rb->travel_s);
        assert_int_equal(ra->n_tasks, rb->n_tasks);
        assert_memory_equal(ra->begin, rb->begin, (n + 1) * sizeof *ra->begin);
        assert_memory_equal(ra->dep, rb->dep, (n + 1) * sizeof *ra->dep);
        assert_memory_equal(ra->latest, rb->latest, (n + 1) * sizeof *ra->latest);
        assert_memory_equal(ra->load, rb->load, nl * sizeof *ra->load);
        assert_memory_equal(ra->fmax, rb->fmax, nl * sizeof *ra->fmax);
        assert_memory_equal(ra->bmax, rb->bmax, nl * sizeof *ra->bmax);
        for (uint32_t i = 0; i <= n; i++)
            assert_int_equal(a.at_pos[after[i]], i);
    }
    solver__sol_free(&a);
    solver__sol_free(&b);
}

static void run_config(const config *c, uint64_t seed, int *n_feasible, int *n_infeasible) {
    solver_problem *p = plain_problem(c, seed);
    solver__model *m = NULL;
    assert_int_equal(solver__model_create(p, &m), LM_OK);
    assert_true(solver__vehicle_plain(m, 0));
    /* A copy of the durations is read as the durations; other costs from their own matrix. */
    assert_int_equal(m->cost_mode[0], c->costs == 2 ? SOLVER__COST_MATRIX : SOLVER__COST_DURATION);
    for (int trial = 0; trial < 200; trial++) {
        uint32_t perm[N - 1];
        for (uint32_t i = 0; i < N - 1; i++)
            perm[i] = i;
        for (uint32_t i = N - 2; i > 0; i--) {
            uint32_t k = (uint32_t)(rnd(&seed) % (i + 1)), t = perm[i];
            perm[i] = perm[k];
            perm[k] = t;
        }
        uint32_t n = 1 + (uint32_t)(rnd(&seed) % (N - 2)); /* 1..N-2 steps, then one more */
        uint32_t pos = (uint32_t)(rnd(&seed) % (n + 1));
        insert_matches(m, perm, n, perm[n], pos);
        solver__sol s;
        assert_int_equal(solver__sol_init(m, &s), LM_OK);
        bool feasible = solver__sol_set_route(m, &s, 0, perm, n + 1);
        *(feasible ? n_feasible : n_infeasible) += 1;
        solver__sol_free(&s);
    }
    solver__model_destroy(m);
    solver_problem_destroy(p);
}

static void test_insert_update_matches_simulation(void **state) {
    (void)state;
    static const config configs[] = {
        {.dims = 1, .costs = 1, .cap = 1000},                 /* CVRPLIB-like */
        {.dims = 1, .costs = 0, .cap = 12},                   /* capacity binds */
        {.dims = 2, .costs = 2, .cap = 14, .shift_end = 900}, /* shift binds */
        {.dims = 1, .costs = 1, .cap = 1000, .shift_end = 100000, .max_travel = 500}, /* travel */
    };
    for (size_t k = 0; k < sizeof configs / sizeof *configs; k++) {
        int feasible = 0, infeasible = 0;
        run_config(&configs[k], 7 + k, &feasible, &infeasible);
        assert_true(feasible > 0);
        if (k > 0) assert_true(infeasible > 0); /* the fallbacks were taken too */
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_update_matches_simulation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
