/* Tests for solver_solve: every constraint on a small instance where ignoring it would be cheaper,
 * the checker accepting every solution, reasons for unassigned tasks, threads and progress; the
 * random instances and determinism for a seed are in search_random.c. */
#include "search_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static void test_basic_cvrp(void **state) {
    (void)state;
    pts pt;
    random_points(&pt, 41, 7);
    solver_problem *p = make_problem(&pt, 1);
    for (int v = 0; v < 8; v++)
        add_vehicle(p, (uint64_t)v + 1, 0, 0, 50);
    for (uint32_t i = 1; i < 41; i++)
        add_job(p, i, i, 5 + i % 7);
    solver_solution *s = solve(p, 300, 0);
    assert_int_equal(s->n_unassigned, 0);
    for (size_t r = 0; r < s->n_routes; r++)
        for (size_t k = 0; k < s->routes[r].n_steps; k++)
            assert_true(s->routes[r].steps[k].load[0] <= 50);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_multi_dim_capacity(void **state) {
    (void)state;
    /* Dimension 1 is roomy, dimension 2 fits only two jobs per vehicle. */
    solver_problem *p = line_problem(5, 2);
    for (int v = 0; v < 2; v++) {
        solver_vehicle veh;
        solver_vehicle_init(&veh);
        veh.id = (uint64_t)v + 1;
        veh.start = veh.end = 0;
        veh.capacity[0] = 100;
        veh.capacity[1] = 2;
        assert_int_equal(solver_problem_add_vehicle(p, &veh, NULL), LM_OK);
    }
    for (uint32_t i = 1; i <= 4; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = i;
        j.delivery[0] = 1;
        j.delivery[1] = 1;
        assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    }
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    assert_int_equal(s->n_routes, 2); /* one vehicle would be cheaper without dimension 2 */
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_pickup_and_delivery_jobs(void **state) {
    (void)state;
    /* Far job delivers 8, near job picks up 8, capacity 10: the delivery must come first. */
    solver_problem *p = line_problem(3, 1);
    add_vehicle(p, 1, 0, 0, 10);
    solver_job j;
    solver_job_init(&j);
    j.id = 1;
    j.location = 1;
    j.pickup[0] = 8;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    j.id = 2;
    j.location = 2;
    j.pickup[0] = 0;
    j.delivery[0] = 8;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    const solver_route *r = route_of(s, 0);
    assert_non_null(r);
    assert_int_equal(r->steps[1].index, 1); /* job 2 (index 1) before job 1 */
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_shipment_order(void **state) {
    (void)state;
    /* Pickup far away, delivery next to the depot: visiting the delivery first would be
     * shorter but is not allowed. */
    solver_problem *p = line_problem(4, 1);
    add_vehicle(p, 1, 0, SOLVER_NONE, 10);
    add_vehicle(p, 2, 0, SOLVER_NONE, 10);
    solver_shipment sh;
    solver_shipment_init(&sh);
    sh.pickup.id = 1;
    sh.pickup.location = 3;
    sh.delivery.id = 2;
    sh.delivery.location = 1;
    sh.amount[0] = 5;
    assert_int_equal(solver_problem_add_shipment(p, &sh, NULL), LM_OK);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    assert_int_equal(s->n_routes, 1);
    const solver_route *r = &s->routes[0];
    assert_int_equal(r->steps[1].type, SOLVER_STEP_PICKUP);
    assert_int_equal(r->steps[2].type, SOLVER_STEP_DELIVERY);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_multiple_time_windows(void **state) {
    (void)state;
    /* Job 1 (x=10) open [0,5] or [100,110]; job 2 (x=20) open [0,30]. The short tour visits 1
     * then 2, but job 1 cannot be reached by 5 so the route waits for its second window after 2. */
    solver_problem *p = line_problem(3, 1);
    add_vehicle(p, 1, 0, 0, 10);
    solver_tw w1[2] = {{0, 5}, {100, 110}};
    solver_tw w2[1] = {{0, 30}};
    solver_job j;
    solver_job_init(&j);
    j.id = 1;
    j.location = 1;
    j.tws = w1;
    j.n_tws = 2;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    j.id = 2;
    j.location = 2;
    j.tws = w2;
    j.n_tws = 1;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    const solver_route *r = route_of(s, 0);
    assert_non_null(r);
    for (size_t k = 0; k < r->n_steps; k++)
        if (r->steps[k].type == SOLVER_STEP_JOB && r->steps[k].index == 0)
            assert_true(r->steps[k].arrival_s + r->steps[k].waiting_s >= 100);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_setup_service_and_shift(void **state) {
    (void)state;
    /* Shift ends at 60: with service 15 each, only two of the three jobs fit. */
    solver_problem *p = line_problem(4, 1);
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 0;
    v.capacity[0] = 10;
    v.shift.start_s = 0;
    v.shift.end_s = 75;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    for (uint32_t i = 1; i <= 3; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i;
        j.location = 1; /* same place: setup paid once */
        j.setup_s = 20;
        j.service_s = 10;
        assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    }
    /* 10 + 20 + 3*10 + 10 = 70 <= 75 only because setup is paid once. */
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    assert_int_equal(s->setup_s, 20);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_skills_and_only_vehicle(void **state) {
    (void)state;
    /* Vehicle 0 sits next to the jobs; only vehicle 1 (far) has skill 7, and job 2 is bound to
     * vehicle 1 too. */
    solver_problem *p = line_problem(6, 1);
    uint32_t sk[1] = {7};
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 1;
    v.capacity[0] = 10;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    v.id = 2;
    v.start = v.end = 5;
    v.skills = sk;
    v.n_skills = 1;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    solver_job j;
    solver_job_init(&j);
    j.id = 1;
    j.location = 2;
    j.skills = sk;
    j.n_skills = 1;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    solver_job_init(&j);
    j.id = 2;
    j.location = 2;
    j.only_vehicle = 1;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    solver_job_init(&j);
    j.id = 3;
    j.location = 2;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    const solver_route *r1 = route_of(s, 1);
    assert_non_null(r1);
    int seen = 0;
    for (size_t k = 0; k < r1->n_steps; k++)
        if (r1->steps[k].type == SOLVER_STEP_JOB) seen |= 1 << r1->steps[k].index;
    assert_int_equal(seen & 3, 3);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_priority_and_reasons(void **state) {
    (void)state;
    /* One vehicle with max_tasks 1: the far job with priority 50 wins over the near one. A job
     * nobody has skills for, and one bigger than any vehicle, get those reasons. */
    solver_problem *p = line_problem(4, 1);
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 0;
    v.capacity[0] = 10;
    v.max_tasks = 1;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    solver_job j;
    solver_job_init(&j);
    j.id = 1;
    j.location = 1;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    j.id = 2;
    j.location = 3;
    j.priority = 50;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    uint32_t sk[1] = {9};
    solver_job_init(&j);
    j.id = 3;
    j.location = 1;
    j.skills = sk;
    j.n_skills = 1;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    solver_job_init(&j);
    j.id = 4;
    j.location = 1;
    j.delivery[0] = 11;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 3);
    assert_int_equal(s->priority, 50);
    for (size_t i = 0; i < s->n_unassigned; i++) {
        const solver_unassigned *u = &s->unassigned[i];
        if (u->index == 0) assert_int_equal(u->reason, SOLVER_REASON_NO_ROOM);
        if (u->index == 2) assert_int_equal(u->reason, SOLVER_REASON_SKILLS);
        if (u->index == 3) assert_int_equal(u->reason, SOLVER_REASON_CAPACITY);
        assert_int_not_equal(u->index, 1);
    }
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_open_routes_and_fixed_cost(void **state) {
    (void)state;
    /* Vehicle 0 has no end (open route); vehicle 1 costs 1000 to use and returns home. */
    solver_problem *p = line_problem(4, 1);
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = 0;
    v.capacity[0] = 10;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    v.id = 2;
    v.start = v.end = 0;
    v.cost_fixed = 1000;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    for (uint32_t i = 1; i <= 3; i++)
        add_job(p, i, i, 1);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    assert_int_equal(s->n_routes, 1);
    const solver_route *r = &s->routes[0];
    assert_int_equal(r->vehicle, 0);
    assert_int_equal(r->steps[r->n_steps - 1].type, SOLVER_STEP_JOB); /* no end step */
    assert_int_equal(s->cost, 30);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_end_only_vehicle(void **state) {
    (void)state;
    /* No start: the route begins at its first task with no travel before it, so the far job is
     * the natural first stop. */
    solver_problem *p = line_problem(4, 1);
    add_vehicle(p, 1, SOLVER_NONE, 0, 10);
    add_job(p, 1, 3, 1);
    add_job(p, 2, 1, 1);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    const solver_route *r = &s->routes[0];
    assert_int_equal(r->steps[0].type, SOLVER_STEP_JOB);
    assert_int_equal(r->steps[0].index, 0);
    assert_int_equal(s->cost, 30);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_breaks(void **state) {
    (void)state;
    /* A 30 s break that must start in [25, 40] on a route of 60 s of driving. */
    solver_problem *p = line_problem(4, 1);
    solver_tw bw[1] = {{25, 40}};
    solver_break b;
    memset(&b, 0, sizeof b);
    b.id = 1;
    b.tws = bw;
    b.n_tws = 1;
    b.service_s = 30;
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 0;
    v.capacity[0] = 10;
    v.breaks = &b;
    v.n_breaks = 1;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    for (uint32_t i = 1; i <= 3; i++)
        add_job(p, i, i, 1);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    const solver_route *r = &s->routes[0];
    int found = 0;
    for (size_t k = 0; k < r->n_steps; k++)
        if (r->steps[k].type == SOLVER_STEP_BREAK) {
            found++;
            assert_true(r->steps[k].arrival_s >= 25 && r->steps[k].arrival_s <= 40);
        }
    assert_int_equal(found, 1);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_route_limits(void **state) {
    (void)state;
    /* Depot at x=10, jobs at x=0, 20, 30: one route takes 60, two take 20 and 40; each limit
     * alone forces the second vehicle. */
    for (int which = 0; which < 3; which++) {
        solver_problem *p = line_problem(4, 1);
        for (int k = 0; k < 3; k++) {
            solver_vehicle v;
            solver_vehicle_init(&v);
            v.id = (uint64_t)k + 1;
            v.start = v.end = 1;
            v.capacity[0] = 10;
            if (which == 0) v.max_tasks = 2;
            if (which == 1) v.max_travel_time_s = 40;
            if (which == 2) v.max_distance_m = 40;
            assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
        }
        add_job(p, 1, 0, 1);
        add_job(p, 2, 2, 1);
        add_job(p, 3, 3, 1);
        solver_solution *s = solve(p, 200, 0);
        assert_int_equal(s->n_unassigned, 0);
        assert_true(s->n_routes >= 2);
        solver_solution_destroy(s);
        solver_problem_destroy(p);
    }
}

static void test_costs_matrix_and_per_km(void **state) {
    (void)state;
    /* A costs matrix that makes the long way round cheaper than the short one. */
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    int32_t d[9] = {0, 10, 20, 10, 0, 10, 20, 10, 0};
    int32_t c[9] = {0, 1, 100, 100, 0, 1, 1, 100, 0};
    assert_int_equal(solver_problem_set_matrix(p, 3, d, d, c, NULL), LM_OK);
    add_vehicle(p, 1, 0, 0, 10);
    add_job(p, 1, 1, 1);
    add_job(p, 2, 2, 1);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->cost, 3); /* 0 -> 1 -> 2 -> 0 */
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_initial_load_and_fixed_steps(void **state) {
    (void)state;
    /* Vehicle 0 carries 8 for job 3 (only_vehicle 0) and is already driving to job 2 (x=20)
     * though job 1 (x=10) is on the way; vehicle 1 could take job 3 more cheaply but may not. */
    solver_problem *p = line_problem(5, 1);
    solver_task_ref fixed[1] = {{SOLVER_STEP_JOB, 1}};
    add_job(p, 1, 1, 0);
    add_job(p, 2, 2, 0);
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 0;
    v.capacity[0] = 10;
    v.initial_load[0] = 8;
    v.fixed_steps = fixed;
    v.n_fixed_steps = 1;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    add_vehicle(p, 2, 4, 4, 10);
    solver_job j;
    solver_job_init(&j);
    j.id = 3;
    j.location = 4;
    j.pickup[0] = 0;
    j.only_vehicle = 0;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    solver_solution *s = solve(p, 200, 0);
    assert_int_equal(s->n_unassigned, 0);
    const solver_route *r = route_of(s, 0);
    assert_non_null(r);
    assert_int_equal(r->steps[1].type, SOLVER_STEP_JOB);
    assert_int_equal(r->steps[1].index, 1);
    assert_int_equal(r->steps[0].load[0], 8);
    bool has3 = false;
    for (size_t k = 0; k < r->n_steps; k++)
        if (r->steps[k].type == SOLVER_STEP_JOB && r->steps[k].index == 2) has3 = true;
    assert_true(has3);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_fixed_break_and_half_fixed_shipment(void **state) {
    (void)state;
    /* The vehicle is already driving to a shipment's pickup (x=10) and has its break fixed right
     * after it; the delivery (x=30) is not fixed but must follow on the same vehicle, although
     * the second vehicle sits on the delivery point. A break with max_load 0 on vehicle 2 must
     * be taken while it is empty. */
    solver_problem *p = line_problem(5, 1);
    solver_shipment sh;
    solver_shipment_init(&sh);
    sh.pickup.id = 1;
    sh.pickup.location = 1;
    sh.delivery.id = 2;
    sh.delivery.location = 3;
    sh.amount[0] = 4;
    assert_int_equal(solver_problem_add_shipment(p, &sh, NULL), LM_OK);
    solver_break b;
    memset(&b, 0, sizeof b);
    b.id = 9;
    b.service_s = 5;
    solver_task_ref fixed[2] = {{SOLVER_STEP_PICKUP, 0}, {SOLVER_STEP_BREAK, 0}};
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 0;
    v.capacity[0] = 10;
    v.breaks = &b;
    v.n_breaks = 1;
    v.fixed_steps = fixed;
    v.n_fixed_steps = 2;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    solver_break b2;
    memset(&b2, 0, sizeof b2);
    b2.id = 10;
    b2.service_s = 5;
    b2.has_max_load = true;
    b2.max_load[0] = 0;
    solver_vehicle_init(&v);
    v.id = 2;
    v.start = v.end = 3;
    v.capacity[0] = 10;
    v.breaks = &b2;
    v.n_breaks = 1;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    /* A delivery only vehicle 2 may take: its break (max_load 0) must wait until the parcel is
     * off the van. (The mirror case, a pickup job with the break before it, is not found by the
     * greedy break placement of solver/route.c: it leaves the job unassigned, "no room".) */
    solver_job j;
    solver_job_init(&j);
    j.id = 5;
    j.location = 4;
    j.delivery[0] = 3;
    j.only_vehicle = 1;
    assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    solver_solution *s = solve(p, 300, 0);
    assert_int_equal(s->n_unassigned, 0);
    const solver_route *r = route_of(s, 0);
    assert_non_null(r);
    assert_int_equal(r->steps[1].type, SOLVER_STEP_PICKUP);
    assert_int_equal(r->steps[2].type, SOLVER_STEP_BREAK);
    bool delivered = false;
    for (size_t k = 3; k < r->n_steps; k++)
        if (r->steps[k].type == SOLVER_STEP_DELIVERY) delivered = true;
    assert_true(delivered);
    const solver_route *r2 = route_of(s, 1);
    assert_non_null(r2);
    size_t brk = r2->n_steps, job = r2->n_steps;
    for (size_t k = 0; k < r2->n_steps; k++) {
        if (r2->steps[k].type == SOLVER_STEP_BREAK) brk = k;
        if (r2->steps[k].type == SOLVER_STEP_JOB) job = k;
    }
    assert_true(job < brk && brk < r2->n_steps);
    assert_int_equal(r2->steps[0].load[0], 3);
    assert_int_equal(r2->steps[brk].load[0], 0);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

static void test_pdp_windows(void **state) {
    (void)state;
    /* Shipments with windows at both ends and tight capacity: the fast pair insertion (no
     * breaks, no setup) must only ever produce routes the checker accepts. */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        uint64_t st = seed * 31337;
        pts pt;
        random_points(&pt, 61, seed + 500);
        solver_problem *p = make_problem(&pt, 1);
        for (int k = 0; k < 4; k++) {
            solver_vehicle v;
            solver_vehicle_init(&v);
            v.id = (uint64_t)k + 1;
            v.start = 0;
            v.end = k == 3 ? SOLVER_NONE : 0;
            v.capacity[0] = 12;
            v.shift.end_s = 900;
            v.max_distance_m = k == 2 ? 500 : 0;
            assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
        }
        for (uint32_t i = 0; i < 30; i++) {
            solver_shipment sh;
            solver_shipment_init(&sh);
            sh.pickup.id = i + 1;
            sh.delivery.id = i + 1;
            sh.pickup.location = 1 + 2 * i;
            sh.delivery.location = 2 + 2 * i;
            sh.pickup.service_s = 3;
            sh.delivery.service_s = 3;
            sh.amount[0] = 1 + (int64_t)(lcg(&st) % 6);
            int64_t a = (int64_t)(lcg(&st) % 500);
            solver_tw pw = {a, a + 150}, dw = {a + 50, a + 350};
            sh.pickup.tws = &pw;
            sh.pickup.n_tws = 1;
            sh.delivery.tws = &dw;
            sh.delivery.n_tws = 1;
            assert_int_equal(solver_problem_add_shipment(p, &sh, NULL), LM_OK);
        }
        solver_solution *s = solve(p, 300, 0);
        assert_true(s->n_unassigned < 15);
        solver_solution_destroy(s);
        solver_problem_destroy(p);
    }
}

typedef struct progress_log {
    int calls;
    solver_progress last;
} progress_log;

/* Reports move forward: time and iterations never go back, the best cost never gets worse
 * while the number of unassigned tasks stays the same. */
static void on_progress(const solver_progress *pr, void *ud) {
    progress_log *log = ud;
    if (log->calls++) {
        assert_true(pr->elapsed_ms >= log->last.elapsed_ms); /* timing-ok: order, no bound */
        assert_true(pr->iterations >= log->last.iterations);
        assert_true(pr->unassigned <= log->last.unassigned);
        if (pr->unassigned == log->last.unassigned)
            assert_true(pr->best_cost <= log->last.best_cost);
    }
    log->last = *pr;
}

static void test_threads_progress_and_set_partitioning(void **state) {
    (void)state;
    /* Two threads, GLPK recombination on, progress reported; the answer still passes the
     * checker and serves everything. */
    solver_problem *p = random_vrptw(80, 3, 20);
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = 700;
    o.threads = 2;
    o.use_set_partitioning = true;
    progress_log calls = {0};
    o.on_progress = on_progress;
    o.progress_ud = &calls;
    solver_solution *s = NULL;
    lm_errinfo e;
    assert_int_equal(solver_solve(p, &o, &s, &e), LM_OK);
    solver_check_report rep;
    if (solver_check(p, s, &rep) != LM_OK) fail_msg("checker: %s", rep.first);
    assert_int_equal(s->n_unassigned, 0);
    assert_true(calls.calls >= 3);
    assert_true(calls.last.iterations > 0);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

typedef struct report_count {
    atomic_int reports;
    atomic_bool cancel;
} report_count;

/* Counts progress reports; a second one cancels the search. */
static void count_report(const solver_progress *pr, void *ud) {
    (void)pr;
    report_count *c = ud;
    if (atomic_fetch_add(&c->reports, 1) >= 1) atomic_store(&c->cancel, true);
}

static void test_no_vehicles_and_bad_options(void **state) {
    (void)state;
    solver_problem *p = line_problem(3, 1);
    add_job(p, 1, 1, 1);
    solver_solution *s = solve(p, 100, 0);
    assert_int_equal(s->n_routes, 0);
    assert_int_equal(s->n_unassigned, 1);
    solver_solution_destroy(s);
    /* Vehicles but nothing to do: empty routes, at once (no search: no iteration, and nothing
     * the clock could change). "At once" without a clock: the limit is 10 minutes, and a search
     * that kept running would send a progress report every ~100 ms; the second report cancels
     * it (so a regression fails fast) and fails the count. */
    solver_problem *q = line_problem(3, 1);
    add_vehicle(q, 1, 0, 0, 5);
    report_count rc = {0};
    solver_opts qo;
    solver_opts_init(&qo);
    qo.time_limit_ms = 600000;
    qo.on_progress = count_report;
    qo.progress_ud = &rc;
    qo.cancel = &rc.cancel;
    s = NULL;
    assert_int_equal(solver_solve(q, &qo, &s, NULL), LM_OK);
    assert_int_equal(s->n_routes, 0);
    assert_in_range(atomic_load(&rc.reports), 0, 1);
    assert_int_equal(s->iterations, 0);
    assert_true(s->reproducible);
    assert_true(s->searched);
    solver_solution_destroy(s);
    solver_problem_destroy(q);
    solver_opts o;
    solver_opts_init(&o);
    o.time_limit_ms = 0;
    lm_errinfo e;
    s = NULL;
    assert_int_equal(solver_solve(p, &o, &s, &e), LM_INVALID);
    assert_null(s);
    assert_string_equal(e.field, "time_limit");
    solver_problem_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_cvrp),
        cmocka_unit_test(test_multi_dim_capacity),
        cmocka_unit_test(test_pickup_and_delivery_jobs),
        cmocka_unit_test(test_shipment_order),
        cmocka_unit_test(test_multiple_time_windows),
        cmocka_unit_test(test_setup_service_and_shift),
        cmocka_unit_test(test_skills_and_only_vehicle),
        cmocka_unit_test(test_priority_and_reasons),
        cmocka_unit_test(test_open_routes_and_fixed_cost),
        cmocka_unit_test(test_breaks),
        cmocka_unit_test(test_end_only_vehicle),
        cmocka_unit_test(test_route_limits),
        cmocka_unit_test(test_costs_matrix_and_per_km),
        cmocka_unit_test(test_initial_load_and_fixed_steps),
        cmocka_unit_test(test_random_vrptw_200),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_reproducible_flag),
        cmocka_unit_test(test_det_math),
        cmocka_unit_test(test_threads_progress_and_set_partitioning),
        cmocka_unit_test(test_no_vehicles_and_bad_options),
        cmocka_unit_test(test_fixed_break_and_half_fixed_shipment),
        cmocka_unit_test(test_many_identical_vehicles),
        cmocka_unit_test(test_random_mixed_stress),
        cmocka_unit_test(test_pdp_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
