/* Tests for solver_problem_share_matrix: the borrowed matrix is validated like a copied one, two
 * problems can share one matrix and each solves as with a copy, and destroying a problem leaves
 * the caller's arrays alone (ASan reports a double free or a use after free otherwise). */
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define N 6

static int32_t mat[N * N];

static void fill(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            mat[i * N + j] = (i > j ? i - j : j - i) * 100;
}

static solver_problem *problem(bool share) {
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    o.n_dims = 1;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    lm_errinfo e;
    lm_status st = share ? solver_problem_share_matrix(p, N, mat, mat, NULL, &e)
                         : solver_problem_set_matrix(p, N, mat, mat, NULL, &e);
    assert_int_equal(st, LM_OK);
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 0;
    v.capacity[0] = 10;
    assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_OK);
    for (uint32_t i = 1; i < N; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.delivery[0] = 1;
        assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    }
    return p;
}

static int64_t cost_of(const solver_problem *p) {
    solver_opts o;
    solver_opts_init(&o);
    o.iterations = 200;
    o.time_limit_ms = 60000;
    solver_solution *s = NULL;
    lm_errinfo e;
    assert_int_equal(solver_solve(p, &o, &s, &e), LM_OK);
    assert_int_equal(s->n_unassigned, 0);
    int64_t c = s->cost;
    solver_solution_destroy(s);
    return c;
}

static void test_shared_solves_like_copied(void **state) {
    (void)state;
    fill();
    solver_problem *a = problem(true), *b = problem(true), *c = problem(false);
    int64_t ca = cost_of(a);
    solver_problem_destroy(a); /* b still reads mat */
    assert_int_equal(cost_of(b), ca);
    assert_int_equal(cost_of(c), ca);
    assert_int_equal(ca, 1000); /* out to 5 and back */
    solver_problem_destroy(b);
    solver_problem_destroy(c);
    assert_int_equal(mat[1], 100); /* the caller's array is intact */
}

static void test_shared_matrix_is_validated(void **state) {
    (void)state;
    fill();
    mat[2 * N + 3] = -1;
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    lm_errinfo e;
    memset(&e, 0, sizeof e);
    assert_int_equal(solver_problem_share_matrix(p, N, mat, NULL, NULL, &e), LM_INVALID);
    assert_string_equal(e.field, "matrices.durations");
    solver_problem_destroy(p);
    fill();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_solves_like_copied),
        cmocka_unit_test(test_shared_matrix_is_validated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
