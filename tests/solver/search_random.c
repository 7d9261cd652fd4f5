/* tests/solver/search_random.c: the solver search suite on random instances: a 200-job VRPTW,
 * the same answer for the same seed (also with other threads busy, and with `reproducible`),
 * the deterministic exp, a free fleet, and every constraint at once checked by the checker. */
#include "search_fixture.h"

#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

void test_random_vrptw_200(void **state) {
    (void)state;
    solver_problem *p = random_vrptw(200, 11, 40);
    solver_solution *s = solve(p, 1500, 0);
    assert_int_equal(s->n_unassigned, 0);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

/* Same routes, steps (type, task, arrival, load) and totals. */
static void assert_same_solution(const solver_solution *a, const solver_solution *b) {
    assert_int_equal(a->cost, b->cost);
    assert_int_equal(a->n_unassigned, b->n_unassigned);
    assert_int_equal(a->n_routes, b->n_routes);
    assert_int_equal(a->iterations, b->iterations);
    for (size_t r = 0; r < a->n_routes; r++) {
        const solver_route *x = &a->routes[r], *y = &b->routes[r];
        assert_int_equal(x->vehicle, y->vehicle);
        assert_int_equal(x->n_steps, y->n_steps);
        for (size_t k = 0; k < x->n_steps; k++) {
            assert_int_equal(x->steps[k].type, y->steps[k].type);
            assert_int_equal(x->steps[k].index, y->steps[k].index);
            assert_int_equal(x->steps[k].arrival_s, y->steps[k].arrival_s);
            assert_int_equal(x->steps[k].load[0], y->steps[k].load[0]);
        }
    }
}

/* An iteration budget reproduces the answer for a seed and thread count: three runs each on one
 * and on two threads, GLPK recombination on (its node budget, not its clock), with a third
 * thread busy spinning during the runs so that the two search threads are scheduled unevenly. */
static atomic_bool spin_stop;
static void *spin(void *arg) {
    (void)arg;
    volatile uint64_t x = 0;
    for (uint64_t i = 0; i < (UINT64_C(1) << 40) && !atomic_load(&spin_stop); i++)
        x += i;
    return NULL;
}

void test_determinism(void **state) {
    (void)state;
    solver_problem *p = random_vrptw(60, 5, 15);
    atomic_store(&spin_stop, false);
    pthread_t spinner;
    assert_int_equal(pthread_create(&spinner, NULL, spin, NULL), 0);
    for (unsigned threads = 1; threads <= 2; threads++) {
        solver_opts o;
        solver_opts_init(&o);
        o.time_limit_ms = 600000; /* a safety stop only: reproducible says it never fired */
        o.threads = threads;
        o.seed = 42;
        o.iterations = 3000; /* 15 epochs of 200: the threads meet 15 times, GLPK runs 4 times */
        solver_solution *first = NULL;
        for (int run = 0; run < 3; run++) {
            solver_solution *s = NULL;
            lm_errinfo e;
            lm_status st = solver_solve(p, &o, &s, &e);
            if (st != LM_OK) fail_msg("solve: %s: %s", e.field, e.message);
            assert_true(s->reproducible);
            assert_int_equal(s->iterations, 3000);
            solver_check_report rep;
            assert_int_equal(solver_check(p, s, &rep), LM_OK);
            if (first) {
                assert_same_solution(first, s);
                solver_solution_destroy(s);
            } else {
                first = s;
            }
        }
        solver_solution_destroy(first);
    }
    atomic_store(&spin_stop, true);
    pthread_join(spinner, NULL);
    solver_problem_destroy(p);
}

/* A time-limited solve says it is not reproducible; an iteration-budgeted one that the time
 * limit cuts short says so too, and reports fewer iterations than asked. */
void test_reproducible_flag(void **state) {
    (void)state;
    solver_problem *p = random_vrptw(60, 5, 15);
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = 50;
    o.use_set_partitioning = false;
    solver_solution *s = NULL;
    assert_int_equal(solver_solve(p, &o, &s, NULL), LM_OK);
    assert_true(s->searched);
    assert_false(s->reproducible); /* however many iterations the clock allowed, even none */
    solver_solution_destroy(s);
    /* 10^12 iterations cannot finish in 50 ms on any machine */
    o.iterations = UINT64_C(1000000000000);
    assert_int_equal(solver_solve(p, &o, &s, NULL), LM_OK);
    assert_false(s->reproducible);
    assert_true(s->iterations < o.iterations);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

/* The search's own exp and log (no libm in the annealing decisions) agree with libm's. */
void test_det_math(void **state) {
    (void)state;
    const double xs[] = {1e-300, 1e-12, 0.001, 0.1,  0.5, 0.7071, 0.9999,
                         1.0,    1.5,   2.0,   10.0, 1e6, 1e300};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double want = log(xs[i]), got = solver__det_log(xs[i]);
        if (fabs(got - want) > 1e-14 * (fabs(want) > 1 ? fabs(want) : 1))
            fail_msg("log(%g): %.17g, libm %.17g", xs[i], got, want);
    }
    assert_true(isinf(solver__det_log(0.0)) && solver__det_log(0.0) < 0);
    const double es[] = {-700, -50, -4.6, -1, -0.3, 0, 1e-9, 0.3, 1, 2.5, 30, 700};
    for (size_t i = 0; i < sizeof es / sizeof es[0]; i++) {
        double want = exp(es[i]), got = solver__det_exp(es[i]);
        if (fabs(got - want) > 1e-14 * want)
            fail_msg("exp(%g): %.17g, libm %.17g", es[i], got, want);
    }
    assert_true(solver__det_exp(-800) == 0.0);
    assert_true(isinf(solver__det_exp(800)));
}

void test_many_identical_vehicles(void **state) {
    (void)state;
    /* A free fleet (one vehicle per job) must not change the answer's quality or validity. */
    pts pt;
    random_points(&pt, 61, 21);
    solver_problem *p = make_problem(&pt, 1);
    for (int v = 0; v < 60; v++)
        add_vehicle(p, (uint64_t)v + 1, 0, 0, 40);
    for (uint32_t i = 1; i < 61; i++)
        add_job(p, i, i, 3 + i % 5);
    solver_solution *s = solve(p, 400, 0);
    assert_int_equal(s->n_unassigned, 0);
    assert_true(s->n_routes <= 12);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

/* Everything at once, on random instances: breaks (some with max_load), several windows, setup,
 * shipments, skills, open routes, speed factors, per-km costs, limits. Whatever the search does,
 * the checker must accept its answer. */
void test_random_mixed_stress(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        uint64_t st = seed * 7777;
        pts pt;
        random_points(&pt, 41, seed + 100);
        solver_problem *p = make_problem(&pt, 2);
        uint32_t sk = 3;
        for (int k = 0; k < 5; k++) {
            solver_tw bw[2] = {{100, 150}, {300, 400}};
            solver_break b;
            memset(&b, 0, sizeof b);
            b.id = 1;
            b.tws = bw;
            b.n_tws = 2;
            b.service_s = 15;
            b.has_max_load = k == 1;
            b.max_load[0] = 30;
            b.max_load[1] = 30;
            solver_vehicle v;
            solver_vehicle_init(&v);
            v.id = (uint64_t)k + 1;
            v.start = 0;
            v.end = k == 2 ? SOLVER_NONE : 0;
            v.capacity[0] = 35;
            v.capacity[1] = 20;
            v.shift.end_s = 450;
            v.speed_factor = k == 3 ? 1.5 : 1.0;
            v.cost_per_km = k == 4 ? 500 : 0;
            v.max_tasks = k == 0 ? 8 : 0;
            v.max_travel_time_s = k == 1 ? 400 : 0;
            if (k % 2 == 0) {
                v.breaks = &b;
                v.n_breaks = 1;
            }
            if (k == 3) {
                v.skills = &sk;
                v.n_skills = 1;
            }
            assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
        }
        for (uint32_t i = 1; i <= 24; i++) {
            solver_job j;
            solver_job_init(&j);
            j.id = i;
            j.location = i;
            j.setup_s = (int64_t)(lcg(&st) % 3) * 5;
            j.service_s = 5 + (int64_t)(lcg(&st) % 10);
            j.delivery[0] = (int64_t)(lcg(&st) % 8);
            j.pickup[1] = (int64_t)(lcg(&st) % 6);
            int64_t a = (int64_t)(lcg(&st) % 400);
            solver_tw w[2] = {{a, a + 60}, {a + 150, a + 250}};
            j.tws = w;
            j.n_tws = 1 + lcg(&st) % 2;
            j.priority = (uint32_t)(lcg(&st) % 3);
            if (i % 7 == 0) {
                j.skills = &sk;
                j.n_skills = 1;
            }
            assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
        }
        for (uint32_t i = 0; i < 8; i++) {
            solver_shipment sh;
            solver_shipment_init(&sh);
            sh.pickup.id = 100 + i;
            sh.delivery.id = 200 + i;
            sh.pickup.location = 25 + i;
            sh.delivery.location = 33 + i;
            sh.pickup.service_s = 5;
            sh.delivery.service_s = 5;
            sh.amount[0] = 1 + (int64_t)(lcg(&st) % 10);
            solver_tw dw = {200, 650};
            if (i % 2) {
                sh.delivery.tws = &dw;
                sh.delivery.n_tws = 1;
            }
            assert_int_equal(solver_problem_add_shipment(p, &sh, NULL), LM_OK);
        }
        solver_solution *s = solve(p, 250, 0);
        print_message("mixed seed %llu: %zu routes, %zu unassigned\n", (unsigned long long)seed,
                      s->n_routes, s->n_unassigned);
        assert_true(s->n_routes > 0);
        solver_solution_destroy(s);
        solver_problem_destroy(p);
    }
}
