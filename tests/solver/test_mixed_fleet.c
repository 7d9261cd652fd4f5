/* Tests for solver/mixed_fleet.c: which problems anneal cooler (a free choice of vehicle types,
 * capacity only) and which keep the single-type parameters (one type, a tight fleet, windows). */
#include "solver/route.h"
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

/* Four jobs of demand 5 on a 5-location line; vehicles of the given capacities and fixed costs,
 * per_km = their capacity when per_km_by_cap, else 1. */
static solver_problem *make_km(const int64_t *cap, const int64_t *fixed, size_t nv, bool window,
                               bool per_km_by_cap) {
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(NULL, &p), LM_OK);
    int32_t m[25];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            m[i * 5 + j] = 100 * (i > j ? i - j : j - i);
    lm_errinfo err = {0};
    assert_int_equal(solver_problem_set_matrix(p, 5, m, m, NULL, &err), LM_OK);
    for (uint32_t i = 1; i < 5; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.delivery[0] = 5;
        solver_tw tw = {0, 10000};
        if (window && i == 1) {
            j.tws = &tw;
            j.n_tws = 1;
        }
        assert_int_equal(solver_problem_add_job(p, &j, &err), LM_OK);
    }
    for (size_t k = 0; k < nv; k++) {
        solver_vehicle v;
        solver_vehicle_init(&v);
        v.id = k + 1;
        v.start = v.end = 0;
        v.capacity[0] = cap[k];
        v.cost_fixed = fixed[k];
        v.cost_per_km = per_km_by_cap ? cap[k] : 1;
        assert_int_equal(solver_problem_add_vehicle(p, &v, &err), LM_OK);
    }
    return p;
}

static solver_problem *make(const int64_t *cap, const int64_t *fixed, size_t nv, bool window) {
    return make_km(cap, fixed, nv, window, true);
}

/* The annealing start the search would use for p, relative to the mean cost per task. */
static double t0_of(const solver_problem *p, bool *mixed) {
    solver__model *m = NULL;
    assert_int_equal(solver__model_create(p, &m), LM_OK);
    solver__params prm;
    memset(&prm, 0, sizeof prm);
    solver__variant_params(m, &prm);
    *mixed = solver__mixed_fleet(m);
    solver__model_destroy(m);
    return prm.t0;
}

static void test_free_mix_anneals_cooler(void **state) {
    (void)state;
    int64_t cap[] = {10, 10, 20, 20}, fixed[] = {100, 100, 180, 180}; /* 60 for a demand of 20 */
    solver_problem *p = make(cap, fixed, 4, false);
    bool mixed;
    assert_true(t0_of(p, &mixed) < 1.0);
    assert_true(mixed);
    solver_problem_destroy(p);
    /* Types that differ in fixed cost and capacity only (FSMF) keep the hot start. */
    p = make_km(cap, fixed, 4, false, false);
    assert_true(t0_of(p, &mixed) >= 1.0);
    assert_true(mixed);
    solver_problem_destroy(p);
}

static void test_single_type_and_tight_fleet_keep_defaults(void **state) {
    (void)state;
    int64_t fixed[] = {100, 100, 100, 100}, same[] = {20, 20, 20, 20};
    bool mixed;
    solver_problem *p = make(same, fixed, 4, false); /* one type */
    assert_true(t0_of(p, &mixed) >= 1.0);
    assert_false(mixed);
    solver_problem_destroy(p);
    int64_t c2[] = {10, 20}, f2[] = {100, 180};
    p = make(c2, f2, 2, false); /* two types holding 30 for a demand of 20: tight */
    assert_true(t0_of(p, &mixed) >= 1.0);
    assert_true(mixed);
    solver_problem_destroy(p);
}

static void test_windows_keep_their_variant(void **state) {
    (void)state;
    int64_t cap[] = {10, 10, 20, 20}, fixed[] = {100, 100, 180, 180};
    bool mixed;
    solver_problem *p = make(cap, fixed, 4, true);
    assert_true(t0_of(p, &mixed) >= 1.0); /* VRPTW's own, not the mix's */
    assert_true(mixed);
    solver_problem_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_mix_anneals_cooler),
        cmocka_unit_test(test_single_type_and_tight_fleet_keep_defaults),
        cmocka_unit_test(test_windows_keep_their_variant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
