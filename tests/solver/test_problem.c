/* Tests for the problem builder: every bad input is refused with the field named. */
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

static solver_problem *make_problem(void) {
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    o.n_dims = 2;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    int32_t m[9] = {0, 5, 7, 5, 0, 3, 7, 3, 0};
    assert_int_equal(solver_problem_set_matrix(p, 3, m, m, NULL, NULL), LM_OK);
    return p;
}

static void test_valid_problem(void **state) {
    (void)state;
    solver_problem *p = make_problem();
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 0;
    v.capacity[0] = 10;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    solver_job j;
    solver_job_init(&j);
    j.id = 7;
    j.location = 2;
    j.delivery[0] = 3;
    solver_tw tws[2] = {{100, 200}, {0, 50}}; /* unsorted on purpose */
    j.tws = tws;
    j.n_tws = 2;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    assert_int_equal(solver_problem_n_jobs(p), 1);
    assert_int_equal(solver_problem_n_vehicles(p), 1);
    assert_int_equal(solver_problem_n_dims(p), 2);
    solver_problem_destroy(p);
}

static void test_bad_inputs(void **state) {
    (void)state;
    solver_problem *p = make_problem();
    lm_errinfo e;
    solver_job j;
    solver_job_init(&j);
    j.id = 1;
    j.location = 3; /* outside 3x3 */
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_INVALID);
    assert_string_equal(e.field, "location_index");

    j.location = 1;
    solver_tw bad = {200, 100};
    j.tws = &bad;
    j.n_tws = 1;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_INVALID);
    assert_string_equal(e.field, "time_windows");
    j.n_tws = 0;

    j.delivery[0] = -1;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_INVALID);
    assert_string_equal(e.field, "delivery");
    j.delivery[0] = 0;
    j.pickup[3] = 1; /* beyond the problem's 2 dimensions */
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_INVALID);
    j.pickup[3] = 0;

    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_INVALID); /* duplicate id */
    assert_string_equal(e.field, "id");

    solver_vehicle v;
    solver_vehicle_init(&v);
    assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_INVALID); /* no start nor end */
    v.start = 0;
    v.speed_factor = 0;
    assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_INVALID);
    assert_string_equal(e.field, "speed_factor");
    assert_int_equal(solver_problem_n_jobs(p), 1);
    assert_int_equal(solver_problem_n_vehicles(p), 0);

    int32_t neg[4] = {0, -1, 1, 0};
    solver_problem *q = NULL;
    assert_int_equal(solver_problem_create(NULL, &q), LM_OK);
    assert_int_equal(solver_problem_set_matrix(q, 2, neg, NULL, NULL, &e), LM_INVALID);
    assert_string_equal(e.field, "matrices.durations");
    solver_problem_destroy(q);
    solver_problem_destroy(p);
}

/* A parcel on board: the vehicle's fixed steps name a job added after it, and that job names the
 * vehicle in only_vehicle. Cross references are checked by solver_problem_validate. */
static void test_cross_references(void **state) {
    (void)state;
    solver_problem *p = make_problem();
    lm_errinfo e;
    solver_task_ref fixed = {SOLVER_STEP_JOB, 0};
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = 0;
    v.fixed_steps = &fixed;
    v.n_fixed_steps = 1;
    assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_OK);
    assert_int_equal(solver_problem_validate(p, &e), LM_INVALID); /* job 0 does not exist yet */
    assert_string_equal(e.field, "vehicles[0].steps[0]");
    solver_job j;
    solver_job_init(&j);
    j.id = 10;
    j.location = 1;
    j.only_vehicle = 0;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    assert_int_equal(solver_problem_validate(p, &e), LM_OK);
    j.id = 11;
    j.only_vehicle = 5; /* no such vehicle */
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    assert_int_equal(solver_problem_validate(p, &e), LM_INVALID);
    assert_string_equal(e.field, "jobs[1].only_vehicle");
    solver_problem_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_problem),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_cross_references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
