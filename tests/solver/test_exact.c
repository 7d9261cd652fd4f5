/* Tests for the exact MIP solver: on random tiny instances its answer passes the checker and
 * matches a brute force over every assignment and order (evaluated by the solution builder). */
#include "solver/internal.h"
#include "tiny_gen.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- Brute force ---- */

typedef struct objective {
    int64_t priority, tasks, cost;
} objective;

static bool obj_better(objective a, objective b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.tasks != b.tasks) return a.tasks > b.tasks;
    return a.cost < b.cost;
}

/* Cost of the cheapest feasible route of vehicle v over exactly the jobs in mask (every order,
 * every break placement), or INT64_MAX. */
static int64_t brute_route(const solver_problem *p, uint32_t v, uint32_t mask) {
    uint32_t jobs[8];
    size_t k = 0;
    for (uint32_t j = 0; j < p->n_jobs; j++)
        if (mask & (1u << j)) jobs[k++] = j;
    size_t nb = p->vehicles[v].pub.n_breaks;
    assert_true(nb <= 1);
    /* Heap's algorithm over the job order. */
    size_t c[8] = {0};
    int64_t best = INT64_MAX;
    for (;;) {
        for (size_t at = 0; at <= (nb ? k : 0); at++) {
            solver_task_ref seq[9];
            size_t n = 0;
            for (size_t i = 0; i < k; i++) {
                if (nb && i == at) seq[n++] = (solver_task_ref){SOLVER_STEP_BREAK, 0};
                seq[n++] = (solver_task_ref){SOLVER_STEP_JOB, jobs[i]};
            }
            if (nb && at == k) seq[n++] = (solver_task_ref){SOLVER_STEP_BREAK, 0};
            solver__seq q = {v, seq, n, 0};
            solver_solution *s = NULL;
            if (solver__solution_build(p, &q, 1, &s, NULL) == LM_OK) {
                if (s->cost < best) best = s->cost;
                solver_solution_destroy(s);
            }
        }
        size_t i = 0;
        while (i < k && c[i] >= i)
            c[i++] = 0;
        if (i >= k) break;
        size_t a = (i % 2) ? c[i] : 0;
        uint32_t t = jobs[a];
        jobs[a] = jobs[i];
        jobs[i] = t;
        c[i]++;
    }
    return best;
}

static objective brute_force(const solver_problem *p) {
    size_t nj = p->n_jobs, nv = p->n_vehicles;
    size_t n_masks = (size_t)1 << nj;
    int64_t *route = malloc(nv * n_masks * sizeof *route);
    assert_non_null(route);
    for (uint32_t v = 0; v < nv; v++) {
        route[v * n_masks] = 0; /* unused vehicle */
        for (uint32_t m = 1; m < n_masks; m++)
            route[v * n_masks + m] = brute_route(p, v, m);
    }
    /* Every assignment of jobs to a vehicle or to nobody. */
    objective best = {-1, -1, 0};
    size_t total = 1;
    for (size_t i = 0; i < nj; i++)
        total *= nv + 1;
    for (size_t code = 0; code < total; code++) {
        uint32_t masks[4] = {0};
        size_t x = code;
        objective o = {0, 0, 0};
        for (uint32_t j = 0; j < nj; j++, x /= nv + 1) {
            size_t a = x % (nv + 1);
            if (a == nv) continue;
            masks[a] |= 1u << j;
            o.priority += p->jobs[j].pub.priority;
            o.tasks++;
        }
        bool ok = true;
        for (size_t v = 0; v < nv && ok; v++) {
            int64_t c = route[v * n_masks + masks[v]];
            if (c == INT64_MAX)
                ok = false;
            else
                o.cost += c;
        }
        if (ok && obj_better(o, best)) best = o;
    }
    free(route);
    return best;
}

static void expect_exact_matches(const solver_problem *p, uint64_t seed) {
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = 20000;
    solver_solution *s = NULL;
    lm_errinfo e;
    lm_status st = solver_solve_exact(p, &o, &s, &e);
    if (st != LM_OK) fail_msg("seed %llu: exact failed: %s", (unsigned long long)seed, e.message);
    solver_check_report rep;
    if (solver_check(p, s, &rep) != LM_OK)
        fail_msg("seed %llu: exact solution rejected: %s", (unsigned long long)seed, rep.first);
    objective got = {s->priority, (int64_t)(p->n_jobs - s->n_unassigned), s->cost};
    objective want = brute_force(p);
    if (getenv("TINY_DEBUG"))
        printf("seed %llu jobs %zu veh %zu: prio %lld tasks %lld cost %lld\n",
               (unsigned long long)seed, p->n_jobs, p->n_vehicles, (long long)want.priority,
               (long long)want.tasks, (long long)want.cost);
    if (got.priority != want.priority || got.tasks != want.tasks || got.cost != want.cost)
        fail_msg("seed %llu: exact (prio %lld, tasks %lld, cost %lld) != brute force (prio %lld, "
                 "tasks %lld, cost %lld)",
                 (unsigned long long)seed, (long long)got.priority, (long long)got.tasks,
                 (long long)got.cost, (long long)want.priority, (long long)want.tasks,
                 (long long)want.cost);
    solver_solution_destroy(s);
}

static void test_matches_brute_force_cvrp(void **state) {
    (void)state;
    tiny_spec ts = {5, 7, 2, 3, false, false, false};
    for (uint64_t seed = 1; seed <= 20; seed++) {
        solver_problem *p = tiny_instance(seed, &ts);
        assert_non_null(p);
        expect_exact_matches(p, seed);
        solver_problem_destroy(p);
    }
}

static void test_matches_brute_force_vrptw(void **state) {
    (void)state;
    tiny_spec ts = {5, 7, 2, 3, true, false, true};
    for (uint64_t seed = 100; seed < 120; seed++) {
        solver_problem *p = tiny_instance(seed, &ts);
        assert_non_null(p);
        expect_exact_matches(p, seed);
        solver_problem_destroy(p);
    }
}

/* Priorities, pickups, skills, a break and open routes, with capacity and time windows. */
static void test_matches_brute_force_extras(void **state) {
    (void)state;
    tiny_spec ts = {4, 5, 2, 3, true, true, true};
    for (uint64_t seed = 200; seed < 216; seed++) {
        solver_problem *p = tiny_instance(seed, &ts);
        assert_non_null(p);
        expect_exact_matches(p, seed);
        solver_problem_destroy(p);
    }
}

/* A case worked out by hand: four jobs on a line, two vehicles of capacity 2, one job that no
 * vehicle can reach in time, and one whose priority outweighs the cheaper plan. */
static void test_hand_instance(void **state) {
    (void)state;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(NULL, &p), LM_OK);
    /* locations 0 (depot), 1..5 at x = 10, 20, 30, 40, 50 */
    int32_t m[36];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            m[i * 6 + j] = 10 * abs(i - j);
    assert_int_equal(solver_problem_set_matrix(p, 6, m, NULL, NULL, NULL), LM_OK);
    for (int k = 0; k < 2; k++) {
        solver_vehicle v;
        solver_vehicle_init(&v);
        v.id = (uint64_t)k + 1;
        v.start = v.end = 0;
        v.capacity[0] = 2;
        v.shift.end_s = 100;
        assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    }
    solver_tw never = {0, 5}; /* location 1 is 10 s away */
    for (int i = 0; i < 5; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = (uint64_t)i + 1;
        j.location = (uint32_t)i + 1;
        j.delivery[0] = 1;
        if (i == 0) j.tws = &never, j.n_tws = 1;
        if (i == 4) j.priority = 1; /* the far job at x = 50 */
        assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    }
    /* Capacity 2 x 2 vehicles: 4 of the 4 reachable jobs fit; both vehicles are needed and
     * routes 0-2-3-0 (60) + 0-4-5-0 (100) = 160 is optimal; shift 100 allows the far route. */
    solver_solution *s = NULL;
    assert_int_equal(solver_solve_exact(p, NULL, &s, NULL), LM_OK);
    assert_int_equal(s->n_unassigned, 1);
    assert_int_equal(s->unassigned[0].index, 0);
    assert_int_equal(s->unassigned[0].reason, SOLVER_REASON_TIME_WINDOW);
    assert_int_equal(s->cost, 160);
    assert_int_equal(s->priority, 1);
    solver_check_report rep;
    assert_int_equal(solver_check(p, s, &rep), LM_OK);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_too_big(void **state) {
    (void)state;
    tiny_spec ts = {11, 11, 2, 2, false, false, false};
    solver_problem *p = tiny_instance(1, &ts);
    assert_non_null(p);
    solver_solution *s = NULL;
    lm_errinfo e;
    assert_int_equal(solver_solve_exact(p, NULL, &s, &e), LM_TOO_BIG);
    assert_null(s);
    assert_string_equal(e.field, "jobs");
    solver_problem_destroy(p);

    assert_int_equal(solver_problem_create(NULL, &p), LM_OK);
    int32_t m[4] = {0, 1, 1, 0};
    assert_int_equal(solver_problem_set_matrix(p, 2, m, NULL, NULL, NULL), LM_OK);
    solver_shipment sh;
    solver_shipment_init(&sh);
    sh.pickup.location = 1;
    assert_int_equal(solver_problem_add_shipment(p, &sh, NULL), LM_OK);
    assert_int_equal(solver_solve_exact(p, NULL, &s, &e), LM_TOO_BIG);
    assert_string_equal(e.field, "shipments");
    solver_problem_destroy(p);
}

/* Ten jobs, three identical vehicles: the largest supported size finishes and is checked. */
static void test_largest_size(void **state) {
    (void)state;
    tiny_spec ts = {10, 10, 3, 3, true, false, false};
    solver_problem *p = tiny_instance(7, &ts);
    assert_non_null(p);
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = 30000;
    solver_solution *s = NULL;
    lm_errinfo e;
    lm_status st = solver_solve_exact(p, &o, &s, &e);
    if (st != LM_OK) fail_msg("exact failed: %s", e.message);
    solver_check_report rep;
    assert_int_equal(solver_check(p, s, &rep), LM_OK);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_instance),
        cmocka_unit_test(test_matches_brute_force_cvrp),
        cmocka_unit_test(test_matches_brute_force_vrptw),
        cmocka_unit_test(test_matches_brute_force_extras),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_largest_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
