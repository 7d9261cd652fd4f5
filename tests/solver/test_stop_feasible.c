/* Tests for solver_opts.stop_at_feasible, the re-plan's first-answer mode: the solve returns the
 * constructed start, checked feasible, without a search iteration, also when a task is left out
 * (one nobody can serve, with its reason). */
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define N 41 /* depot + 40 customers on a line */

/* Vehicles of capacity 10 from location 0; jobs of 1 at 1..N-1; travel |i - j| * 60 s. */
static solver_problem *line_problem(size_t n_vehicles) {
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    o.n_dims = 1;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    static int32_t m[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            m[i * N + j] = (i > j ? i - j : j - i) * 60;
    assert_int_equal(solver_problem_set_matrix(p, N, m, m, NULL, NULL), LM_OK);
    lm_errinfo e;
    for (size_t v = 0; v < n_vehicles; v++) {
        solver_vehicle veh;
        solver_vehicle_init(&veh);
        veh.id = v + 1;
        veh.start = veh.end = 0;
        veh.capacity[0] = 10;
        assert_int_equal(solver_problem_add_vehicle(p, &veh, &e), LM_OK);
    }
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

static solver_solution *solve_first(const solver_problem *p) {
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = 600000; /* only a cap: the answer must come long before */
    o.stop_at_feasible = true;
    solver_solution *s = NULL;
    lm_errinfo e;
    memset(&e, 0, sizeof e);
    assert_int_equal(solver_solve(p, &o, &s, &e), LM_OK);
    solver_check_report rep;
    memset(&rep, 0, sizeof rep);
    if (solver_check(p, s, &rep) != LM_OK) fail_msg("checker: %s", rep.first);
    assert_int_equal(rep.recomputed_cost, s->cost);
    return s;
}

/* Everything fits: the constructed start is the answer, no search iteration runs. */
static void test_start_is_the_answer(void **state) {
    (void)state;
    solver_problem *p = line_problem(4);
    solver_solution *s = solve_first(p);
    assert_int_equal(s->n_unassigned, 0);
    assert_int_equal(s->iterations, 0);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

/* A job too big for any vehicle is left out with its reason, and still no search runs. */
static void test_unservable_does_not_keep_searching(void **state) {
    (void)state;
    solver_problem *p = line_problem(5);
    solver_job j;
    solver_job_init(&j);
    j.id = 1000;
    j.location = 7;
    j.delivery[0] = 11;
    lm_errinfo e;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    solver_solution *s = solve_first(p);
    assert_int_equal(s->n_unassigned, 1);
    assert_int_equal(s->unassigned[0].reason, SOLVER_REASON_CAPACITY);
    assert_int_equal(s->iterations, 0);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_is_the_answer),
        cmocka_unit_test(test_unservable_does_not_keep_searching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
