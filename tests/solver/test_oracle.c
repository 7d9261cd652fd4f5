/* The tiny-instance oracle: on random CVRP and VRPTW instances (5-9 jobs, 2-3 vehicles) the
 * heuristic solver_solve must reach the optimum that the exact GLPK solver proves, and both
 * solutions must pass the independent checker. Misses are listed by seed. */
#include "solver/route.h"
#include "solver/solver.h"
#include "tiny_gen.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 20,000 search iterations per instance; ORACLE_ITERS overrides it when investigating misses. */
static uint64_t heuristic_iters(void) {
    int64_t n = 20000;
    const char *env = getenv("ORACLE_ITERS");
    if (env && !lm_parse_i64(env, 1, 100000000, &n)) n = 20000;
    return (uint64_t)n;
}

typedef struct outcome {
    int64_t priority, tasks, cost;
} outcome;

static outcome outcome_of(const solver_problem *p, const solver_solution *s) {
    return (outcome){s->priority, (int64_t)(solver_problem_n_jobs(p) - s->n_unassigned), s->cost};
}

/* Runs one instance; returns false (and describes the miss in msg) if the heuristic is worse
 * than the proven optimum. Constraint violations fail the test at once. */
static bool run_instance(uint64_t seed, const tiny_spec *ts, char *msg, size_t msg_size) {
    solver_problem *p = tiny_instance(seed, ts);
    assert_non_null(p);
    solver_opts o;
    solver_opts_init(&o);
    /* The exact solver must prove optimality, which has no work budget: the limit is only a
     * safety net, generous because two loaded cores under ASan once took more than 20 s. */
    o.time_limit_ms = 300000;
    solver_solution *exact = NULL;
    lm_errinfo e;
    lm_status st = solver_solve_exact(p, &o, &exact, &e);
    if (st != LM_OK)
        fail_msg("seed %llu: exact solver: %s (%s)", (unsigned long long)seed, lm_strerror(st),
                 e.message);
    solver_check_report rep;
    if (solver_check(p, exact, &rep) != LM_OK)
        fail_msg("seed %llu: exact solution rejected: %s", (unsigned long long)seed, rep.first);

    /* An iteration budget, not a time limit: the outcome must not depend on how busy the
     * machine is (the time limit is only a safety net). */
    solver_opts_init(&o);
    o.time_limit_ms = 60000;
    o.threads = 1;
    o.seed = 12345;
    o.iterations = heuristic_iters();
    solver_solution *heur = NULL;
    st = solver_solve(p, &o, &heur, &e);
    if (st != LM_OK)
        fail_msg("seed %llu: solver_solve: %s (%s)", (unsigned long long)seed, lm_strerror(st),
                 e.message);
    if (solver_check(p, heur, &rep) != LM_OK)
        fail_msg("seed %llu: heuristic solution rejected: %s", (unsigned long long)seed, rep.first);
    outcome a = outcome_of(p, exact), b = outcome_of(p, heur);
    bool ok = a.priority == b.priority && a.tasks == b.tasks && a.cost == b.cost;
    /* The heuristic can never beat a proven optimum: that would be a bug in one of them. */
    bool beats = b.priority > a.priority || (b.priority == a.priority && b.tasks > a.tasks) ||
                 (b.priority == a.priority && b.tasks == a.tasks && b.cost < a.cost);
    if (beats)
        fail_msg("seed %llu: heuristic (prio %lld, tasks %lld, cost %lld) beats the 'optimum' "
                 "(prio %lld, tasks %lld, cost %lld)",
                 (unsigned long long)seed, (long long)b.priority, (long long)b.tasks,
                 (long long)b.cost, (long long)a.priority, (long long)a.tasks, (long long)a.cost);
    if (!ok)
        snprintf(msg, msg_size,
                 "seed %llu (%zu jobs, %zu vehicles): heuristic prio %lld tasks %lld cost %lld, "
                 "optimum prio %lld tasks %lld cost %lld",
                 (unsigned long long)seed, solver_problem_n_jobs(p), solver_problem_n_vehicles(p),
                 (long long)b.priority, (long long)b.tasks, (long long)b.cost,
                 (long long)a.priority, (long long)a.tasks, (long long)a.cost);
    solver_solution_destroy(exact);
    solver_solution_destroy(heur);
    solver_problem_destroy(p);
    return ok;
}

static void run_family(const char *name, const tiny_spec *ts, uint64_t first, uint64_t count) {
    size_t misses = 0;
    char msg[256];
    for (uint64_t seed = first; seed < first + count; seed++) {
        if (run_instance(seed, ts, msg, sizeof msg)) continue;
        misses++;
        print_message("[ MISS     ] %s %s\n", name, msg);
    }
    if (misses)
        fail_msg("%s: the heuristic missed the proven optimum on %zu of %llu instances", name,
                 misses, (unsigned long long)count);
}

static void test_oracle_cvrp(void **state) {
    (void)state;
    tiny_spec ts = {5, 9, 2, 3, false, false, false};
    run_family("cvrp", &ts, 1, 40);
}

static void test_oracle_cvrp_heterogeneous(void **state) {
    (void)state;
    tiny_spec ts = {5, 9, 2, 3, false, false, true};
    run_family("cvrp-het", &ts, 1001, 15);
}

static void test_oracle_vrptw(void **state) {
    (void)state;
    tiny_spec ts = {5, 9, 2, 3, true, false, false};
    run_family("vrptw", &ts, 2001, 40);
}

static void test_oracle_vrptw_heterogeneous(void **state) {
    (void)state;
    tiny_spec ts = {5, 9, 2, 3, true, false, true};
    run_family("vrptw-het", &ts, 3001, 15);
}

/* Priorities, pickups, skills, a break and open routes on top of windows and capacity. */
static void test_oracle_extras(void **state) {
    (void)state;
    tiny_spec ts = {5, 9, 2, 3, true, true, true};
    run_family("extras", &ts, 4001, 20);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oracle_cvrp),   cmocka_unit_test(test_oracle_cvrp_heterogeneous),
        cmocka_unit_test(test_oracle_vrptw),  cmocka_unit_test(test_oracle_vrptw_heterogeneous),
        cmocka_unit_test(test_oracle_extras),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
