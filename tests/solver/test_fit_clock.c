/* Tests for the search's shortcuts of round 3 (perf-solver.md): solver__all_units_fit, which lets
 * the recreate skip solver__unit_fits, must say false whenever some unit does not fit some
 * vehicle; and solver_opts.cpu_time, the benchmark's CPU-time limit, must still give a checked
 * solution that stops by its limit. */
#include "solver/route.h"
#include "solver/solver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define N 21 /* depot + 20 customers on a line */

typedef struct tweak {
    int64_t small_cap;     /* capacity of the second vehicle */
    bool skill;            /* job 3 needs skill 7 (vehicle 1 has it) */
    bool only;             /* job 4 may only go on vehicle 0 */
    bool no_tasks;         /* the second vehicle serves nothing */
    int64_t job5_delivery; /* amount of job 5 */
} tweak;

/* Two vehicles from location 0 (capacities 10 and t->small_cap); jobs of 1 at 1..N-1. */
static solver_problem *line_problem(const tweak *t) {
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(NULL, &p), LM_OK);
    static int32_t m[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            m[i * N + j] = (i > j ? i - j : j - i) * 60;
    lm_errinfo e = {0};
    assert_int_equal(solver_problem_set_matrix(p, N, m, m, NULL, &e), LM_OK);
    static const uint32_t skills[] = {7};
    for (size_t v = 0; v < 2; v++) {
        solver_vehicle veh;
        solver_vehicle_init(&veh);
        veh.id = v + 1;
        veh.start = veh.end = 0;
        veh.capacity[0] = v == 0 ? 10 : t->small_cap;
        veh.no_tasks = v == 1 && t->no_tasks;
        if (v == 1) {
            veh.skills = skills;
            veh.n_skills = 1;
        }
        assert_int_equal(solver_problem_add_vehicle(p, &veh, &e), LM_OK);
    }
    for (uint32_t i = 1; i < N; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.delivery[0] = i == 5 ? t->job5_delivery : 1;
        if (i == 3 && t->skill) {
            j.skills = skills;
            j.n_skills = 1;
        }
        if (i == 4 && t->only) j.only_vehicle = 0;
        assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);
    }
    return p;
}

static bool all_fit(const tweak *t) {
    solver_problem *p = line_problem(t);
    solver__model *m = NULL;
    assert_int_equal(solver__model_create(p, &m), LM_OK);
    bool fit = m->all_fit;
    assert_int_equal(fit, solver__all_units_fit(m));
    /* The shortcut may only be taken when the full check agrees for every pair. */
    if (fit)
        for (uint32_t u = 0; u < m->n_units; u++)
            for (uint32_t v = 0; v < 2; v++)
                assert_true(solver__unit_fits(m, u, v));
    solver__model_destroy(m);
    solver_problem_destroy(p);
    return fit;
}

static void test_all_units_fit(void **state) {
    (void)state;
    tweak base = {.small_cap = 10, .job5_delivery = 1};
    assert_true(all_fit(&base));
    tweak t = base;
    t.skill = true;
    assert_false(all_fit(&t));
    t = base;
    t.only = true;
    assert_false(all_fit(&t));
    t = base;
    t.no_tasks = true;
    assert_false(all_fit(&t));
    t = base; /* job 5 (4) fits the first vehicle (10) but not the second (3) */
    t.small_cap = 3;
    t.job5_delivery = 4;
    assert_false(all_fit(&t));
    t.job5_delivery = 3; /* exactly the smaller room: fits both */
    assert_true(all_fit(&t));
}

/* p solved under o; the answer passes the independent checker. */
static solver_solution *solve_checked(const solver_problem *p, const solver_opts *o) {
    solver_solution *s = NULL;
    lm_errinfo e = {0};
    assert_int_equal(solver_solve(p, o, &s, &e), LM_OK);
    solver_check_report rep;
    memset(&rep, 0, sizeof rep);
    if (solver_check(p, s, &rep) != LM_OK) fail_msg("checker: %s", rep.first);
    return s;
}

/* With a skill only vehicle 2 has, the search (which now skips unit_fits only when all fit)
 * must still put job 3 on vehicle 2. */
static void test_skill_kept_by_search(void **state) {
    (void)state;
    tweak t = {.small_cap = 10, .job5_delivery = 1, .skill = true};
    solver_problem *p = line_problem(&t);
    solver_opts o;
    solver_opts_init(&o);
    o.iterations = 3000;
    o.time_limit_ms = 600000;
    solver_solution *s = solve_checked(p, &o);
    assert_int_equal(s->n_unassigned, 0);
    bool found = false;
    for (size_t r = 0; r < s->n_routes; r++)
        for (size_t k = 0; k < s->routes[r].n_steps; k++) {
            const solver_step *st = &s->routes[r].steps[k];
            if (st->type == SOLVER_STEP_JOB && st->index == 2) { /* job id 3 */
                assert_int_equal(s->routes[r].vehicle, 1);       /* vehicle id 2 */
                found = true;
            }
        }
    assert_true(found);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

/* cpu_time: a time-limited search on the thread's CPU clock ends by its limit (the answer
 * checked); with two threads the option is ignored and the wall clock applies. */
static void test_cpu_time_limit(void **state) {
    (void)state;
    tweak t = {.small_cap = 10, .job5_delivery = 1};
    solver_problem *p = line_problem(&t);
    for (unsigned threads = 1; threads <= 2; threads++) {
        solver_opts o;
        solver_opts_init(&o);
        o.time_limit_ms = 200;
        o.cpu_time = true;
        o.threads = threads;
        o.stop_when_converged = false;
        solver_solution *s = solve_checked(p, &o);
        assert_int_equal(s->stop, SOLVER_STOP_TIME_LIMIT);
        assert_false(s->reproducible);
        assert_int_equal(s->n_unassigned, 0);
        solver_solution_destroy(s);
    }
    solver_problem_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_units_fit),
        cmocka_unit_test(test_skill_kept_by_search),
        cmocka_unit_test(test_cpu_time_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
