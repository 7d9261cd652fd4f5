/* Tests for the per-iteration shortcuts of round 5 (perf-solver.md): after a ruin and recreate
 * the search updates the totals from the routes it touched and the units it moved
 * (solver__sol_totals_from) instead of summing the whole fleet, and adds to the route pool only
 * the routes that changed since a solution whose routes all went in (solver__pool_add_touched).
 * Both must leave exactly what the full computation leaves. */
#include "solver/route.h"
#include "solver/route_pool.h"
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define N  24 /* depot + 23 customers */
#define NV 4

static uint64_t rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* A CVRP of N - 1 jobs; with a small capacity some jobs stay unserved (four vehicles only). */
static solver_problem *cvrp(int64_t cap, uint64_t seed) {
    static int32_t dur[N * N];
    int32_t x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = (int32_t)(rnd(&seed) % 100);
        y[i] = (int32_t)(rnd(&seed) % 100);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            dur[i * N + j] = abs(x[i] - x[j]) + abs(y[i] - y[j]);
    solver_problem_opts po;
    solver_problem_opts_init(&po);
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&po, &p), LM_OK);
    lm_errinfo e = {0};
    assert_int_equal(solver_problem_set_matrix(p, N, dur, dur, NULL, &e), LM_OK);
    for (uint32_t k = 0; k < NV; k++) {
        solver_vehicle v;
        solver_vehicle_init(&v);
        v.id = k + 1;
        v.start = v.end = 0;
        v.capacity[0] = cap;
        assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_OK);
    }
    for (uint32_t i = 1; i < N; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.delivery[0] = 1 + (int64_t)(rnd(&seed) % 5);
        j.priority = (uint32_t)(rnd(&seed) % 3);
        assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    }
    return p;
}

/* tmp = cur with `want` random served units removed, plus every unit cur leaves out, listed in
 * units[0..*n) as the search lists them. */
static void ruin_some(const solver__model *m, const solver__sol *cur, solver__sol *tmp,
                      uint64_t *seed, uint32_t want, uint32_t *units, size_t *n) {
    assert_int_equal(solver__sol_copy(tmp, cur), LM_OK);
    uint8_t drop[N] = {0};
    for (uint32_t k = 0; k < want; k++)
        drop[rnd(seed) % m->n_units] = 1;
    for (uint32_t r = 0; r < tmp->n_routes; r++) {
        uint32_t keep[N], nk = 0;
        const solver__route *rt = &tmp->routes[r];
        bool any = false;
        for (uint32_t i = 0; i < rt->n; i++) {
            uint32_t u = m->nodes[rt->nodes[i]].unit;
            if (drop[u]) {
                any = true;
                tmp->assigned[u] = 0;
            } else {
                keep[nk++] = rt->nodes[i];
            }
        }
        if (any) assert_true(solver__sol_set_route(m, tmp, r, keep, nk));
    }
    *n = 0;
    for (uint32_t u = 0; u < m->n_units; u++)
        if (!tmp->assigned[u]) units[(*n)++] = u;
}

/* The pools hold the same routes in the same order. */
static void pools_equal(const solver__pool *a, const solver__pool *b) {
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->seqs[i].n_tasks, b->seqs[i].n_tasks);
        assert_int_equal(a->seqs[i].vehicle, b->seqs[i].vehicle);
        assert_memory_equal(a->seqs[i].tasks, b->seqs[i].tasks,
                            a->seqs[i].n_tasks * sizeof *a->seqs[i].tasks);
    }
}

static void run(int64_t cap, uint64_t seed, int *n_unserved) {
    solver_problem *p = cvrp(cap, seed);
    solver__model *m = NULL;
    assert_int_equal(solver__model_create(p, &m), LM_OK);
    solver__sol cur, tmp, ref;
    assert_int_equal(solver__sol_init(m, &cur), LM_OK);
    assert_int_equal(solver__sol_init(m, &tmp), LM_OK);
    assert_int_equal(solver__sol_init(m, &ref), LM_OK);
    assert_int_equal(solver__construct_insertion(m, &cur, false), LM_OK);
    solver__pool full, part;
    assert_int_equal(solver__pool_init(&full, NV), LM_OK);
    assert_int_equal(solver__pool_init(&part, NV), LM_OK);
    assert_true(solver__pool_add_sol(m, &full, &cur, false));
    assert_true(solver__pool_add_sol(m, &part, &cur, false));
    solver__rng rng = {seed | 1};
    uint32_t scratch[N + 8], units[N];
    for (int it = 0; it < 100; it++) {
        size_t n;
        ruin_some(m, &cur, &tmp, &seed, 1 + (uint32_t)(rnd(&seed) % 8), units, &n);
        assert_int_equal(solver__recreate_raw(m, &tmp, units, n, 0.1, &rng, scratch), LM_OK);
        solver__sol_totals_from(m, &tmp, &cur, units, n);
        assert_int_equal(solver__sol_copy(&ref, &tmp), LM_OK);
        solver__sol_totals(m, &ref);
        assert_int_equal(tmp.cost, ref.cost);
        assert_int_equal(tmp.unserved_priority, ref.unserved_priority);
        assert_int_equal(tmp.unserved_weight, ref.unserved_weight);
        *n_unserved += tmp.unserved_weight > 0;
        /* A stale clears count (every fourth time) falls back to the full call. */
        uint64_t clears = part.clears + (it % 4 == 3);
        assert_true(solver__pool_add_touched(m, &part, &tmp, clears, scratch, N + 8));
        assert_true(solver__pool_add_sol(m, &full, &tmp, false));
        pools_equal(&part, &full);
        assert_int_equal(solver__sol_sync(&cur, &tmp, &tmp), LM_OK);
    }
    solver__pool_free(&full);
    solver__pool_free(&part);
    solver__sol_free(&cur);
    solver__sol_free(&tmp);
    solver__sol_free(&ref);
    solver__model_destroy(m);
    solver_problem_destroy(p);
}

static void test_delta_totals_and_pool_match_full(void **state) {
    (void)state;
    int n_unserved = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        run(1000, seed, &n_unserved); /* everything fits */
        run(12, seed, &n_unserved);   /* four vehicles of 12 for ~70 units: some left out */
    }
    assert_true(n_unserved > 0); /* the unserved bookkeeping was exercised */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_totals_and_pool_match_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
