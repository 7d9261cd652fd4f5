/* Tests for solver_opts.stop_at_feasible, the re-plan's first-answer mode: the solve returns the
 * constructed start, checked feasible, without a search iteration, also when a task is left out
 * (one nobody can serve, with its reason); and for the re-plan's repair (seed_routes with
 * seed_lenient and start_unpolished): seeded routes keep their tasks in their order, the rest is
 * inserted, and a seed that is not a valid route is dropped and counted instead of failing. */
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

static solver_solution *solve_with(const solver_problem *p, const solver_opts *o);

static solver_solution *solve_first(const solver_problem *p) {
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = 600000; /* only a cap: the answer must come long before */
    o.stop_at_feasible = true;
    return solve_with(p, &o);
}

static solver_solution *solve_with(const solver_problem *p, const solver_opts *o) {
    solver_solution *s = NULL;
    lm_errinfo e;
    memset(&e, 0, sizeof e);
    assert_int_equal(solver_solve(p, o, &s, &e), LM_OK);
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

/* Where job (index) j is in vehicle v's route of s: its step number, or -1. */
static int step_of(const solver_solution *s, uint32_t v, uint32_t j) {
    for (size_t r = 0; r < s->n_routes; r++)
        if (s->routes[r].vehicle == v)
            for (size_t k = 0; k < s->routes[r].n_steps; k++)
                if (s->routes[r].steps[k].type == SOLVER_STEP_JOB &&
                    s->routes[r].steps[k].index == j)
                    return (int)k;
    return -1;
}

/* Vehicle 0 seeded with jobs at 5, 1, 9, 3 (a feasible but poor order); vehicle 1 with `bad`
 * jobs (more than its capacity of 10 when bad > 10). */
static void repair_opts(solver_opts *o, solver_task_ref *const *seeds, size_t *lens) {
    solver_opts_init(o);
    o->time_limit_ms = 600000;
    o->stop_at_feasible = true;
    o->start_unpolished = true;
    o->seed_routes = (const solver_task_ref *const *)seeds;
    o->seed_lens = lens;
}

/* The repair keeps each seeded task on its vehicle in its order (no local search reorders
 * them) and inserts every other task; the answer passes the checker (solve_with). */
static void test_repair_keeps_seeded_order(void **state) {
    (void)state;
    solver_problem *p = line_problem(4);
    solver_task_ref v0[] = {
        {SOLVER_STEP_JOB, 4}, {SOLVER_STEP_JOB, 0}, {SOLVER_STEP_JOB, 8}, {SOLVER_STEP_JOB, 2}};
    solver_task_ref *seeds[4] = {v0, NULL, NULL, NULL};
    size_t lens[4] = {4, 0, 0, 0};
    solver_opts o;
    repair_opts(&o, seeds, lens);
    solver_solution *s = solve_with(p, &o);
    assert_int_equal(s->n_unassigned, 0);
    assert_int_equal(s->seeds_dropped, 0);
    int prev = -1;
    for (size_t i = 0; i < 4; i++) {
        int at = step_of(s, 0, v0[i].index);
        assert_true(at > prev); /* on vehicle 0, after the seeded task before it */
        prev = at;
    }
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

/* A seed that is not a valid route (11 jobs for a capacity of 10) fails the solve, unless
 * seed_lenient: then that route is built by insertion, the others stay as seeded. */
static void test_repair_drops_invalid_seed(void **state) {
    (void)state;
    solver_problem *p = line_problem(4);
    solver_task_ref v0[] = {
        {SOLVER_STEP_JOB, 4}, {SOLVER_STEP_JOB, 0}, {SOLVER_STEP_JOB, 8}, {SOLVER_STEP_JOB, 2}};
    solver_task_ref v1[11];
    for (uint32_t i = 0; i < 11; i++)
        v1[i] = (solver_task_ref){SOLVER_STEP_JOB, 20 + i};
    solver_task_ref *seeds[4] = {v0, v1, NULL, NULL};
    size_t lens[4] = {4, 11, 0, 0};
    solver_opts o;
    repair_opts(&o, seeds, lens);
    solver_solution *s = NULL;
    lm_errinfo e;
    memset(&e, 0, sizeof e);
    assert_int_equal(solver_solve(p, &o, &s, &e), LM_INVALID);
    assert_string_equal(e.field, "vehicles.steps");
    o.seed_lenient = true;
    s = solve_with(p, &o);
    assert_int_equal(s->seeds_dropped, 1);
    assert_int_equal(s->n_unassigned, 0);
    int prev = -1;
    for (size_t i = 0; i < 4; i++) {
        int at = step_of(s, 0, v0[i].index);
        assert_true(at > prev);
        prev = at;
    }
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

/* 150 vehicles of capacity 5 from 0; 600 jobs, 15 at each of 1..40 (more task nodes than a
 * neighbour list holds); over a shared matrix with memo (NULL: none). */
static int32_t line_m[N * N];
static solver_problem *many_vans(solver_memo *memo) {
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    o.n_dims = 1;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            line_m[i * N + j] = (i > j ? i - j : j - i) * 60;
    lm_errinfo e;
    memset(&e, 0, sizeof e);
    assert_int_equal(memo ? solver_problem_share_matrix_memo(p, N, line_m, line_m, NULL, memo, &e)
                          : solver_problem_set_matrix(p, N, line_m, line_m, NULL, &e),
                     LM_OK);
    for (size_t v = 0; v < 150; v++) {
        solver_vehicle veh;
        solver_vehicle_init(&veh);
        veh.id = v + 1;
        veh.start = veh.end = 0;
        veh.capacity[0] = 5;
        assert_int_equal(solver_problem_add_vehicle(p, &veh, &e), LM_OK);
    }
    for (uint32_t i = 0; i < 600; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i + 1;
        j.location = 1 + i % 40;
        j.delivery[0] = 1;
        assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    }
    return p;
}

/* With many tasks to insert over more used routes than the granular limit, the repair's
 * insertion reads the neighbour rows of the tasks it inserts: built for those rows alone (no
 * memo) they give the same answer as the full lists (a memo that a plain solve filled). 50 vans
 * seeded with 4 jobs each, 400 jobs inserted. */
static void test_repair_neighbour_rows(void **state) {
    (void)state;
    static solver_task_ref seq[50][4];
    solver_task_ref *seeds[150] = {NULL};
    size_t lens[150] = {0};
    for (uint32_t v = 0; v < 50; v++) {
        for (uint32_t i = 0; i < 4; i++)
            seq[v][i] = (solver_task_ref){SOLVER_STEP_JOB, 4 * v + i};
        seeds[v] = seq[v];
        lens[v] = 4;
    }
    solver_opts o;
    repair_opts(&o, seeds, lens);
    solver_problem *alone = many_vans(NULL);
    solver_solution *a = solve_with(alone, &o);
    solver_memo *memo = NULL;
    assert_int_equal(solver_memo_create(&memo), LM_OK);
    solver_problem *full = many_vans(memo);
    solver_opts plain;
    solver_opts_init(&plain);
    plain.time_limit_ms = 200;
    plain.stop_at_feasible = true; /* builds the full lists into the memo */
    solver_solution_destroy(solve_with(full, &plain));
    solver_solution *b = solve_with(full, &o);
    assert_int_equal(a->n_unassigned, 0);
    assert_int_equal(a->cost, b->cost);
    assert_int_equal(a->n_routes, b->n_routes);
    for (size_t r = 0; r < a->n_routes; r++) {
        assert_int_equal(a->routes[r].vehicle, b->routes[r].vehicle);
        assert_int_equal(a->routes[r].n_steps, b->routes[r].n_steps);
        for (size_t k = 0; k < a->routes[r].n_steps; k++)
            assert_int_equal(a->routes[r].steps[k].index, b->routes[r].steps[k].index);
    }
    solver_solution_destroy(a);
    solver_solution_destroy(b);
    solver_problem_destroy(alone);
    solver_problem_destroy(full);
    solver_memo_destroy(memo);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_is_the_answer),
        cmocka_unit_test(test_unservable_does_not_keep_searching),
        cmocka_unit_test(test_repair_keeps_seeded_order),
        cmocka_unit_test(test_repair_drops_invalid_seed),
        cmocka_unit_test(test_repair_neighbour_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
