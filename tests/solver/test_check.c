/* Tests for the solution builder, the independent checker and plan-mode evaluation: every
 * constraint has a solution that breaks exactly it and is rejected; valid ones are accepted. */
#include "solver/internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- A small scenario whose every constraint can be tightened on its own ---- */

typedef struct spec {
    int64_t cap0[2];
    int64_t shift_end0;
    bool v0_break;
    bool break_has_max_load;
    int64_t break_max_load[2];
    uint32_t j0_skill; /* 0: none */
    uint32_t j0_only;
    int64_t j1_tw_end;
    uint32_t max_tasks0;
    int64_t max_travel0, max_dist0;
    solver_task_ref fixed0[2];
    size_t n_fixed0;
    solver_task_ref fixed1[1];
    size_t n_fixed1;
} spec;

static spec lenient(void) {
    spec s;
    memset(&s, 0, sizeof s);
    s.cap0[0] = s.cap0[1] = 10;
    s.shift_end0 = 100000;
    s.v0_break = true;
    s.j0_only = SOLVER_NONE;
    s.j1_tw_end = 1000;
    return s;
}

#define J(i)  ((solver_task_ref){SOLVER_STEP_JOB, (i)})
#define SP(i) ((solver_task_ref){SOLVER_STEP_PICKUP, (i)})
#define SD(i) ((solver_task_ref){SOLVER_STEP_DELIVERY, (i)})
#define BR(i) ((solver_task_ref){SOLVER_STEP_BREAK, (i)})

static void add_vehicles(solver_problem *p, const spec *sp);
static void add_tasks(solver_problem *p, const spec *sp);

static solver_problem *make(const spec *sp) {
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    o.n_dims = 2;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    int32_t dur[25], dist[25];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            dur[i * 5 + j] = 10 * abs(i - j) + (i != j ? 5 : 0);
            dist[i * 5 + j] = 100 * abs(i - j);
        }
    lm_errinfo e;
    assert_int_equal(solver_problem_set_matrix(p, 5, dur, dist, NULL, &e), LM_OK);
    /* problem.c checks fixed steps against the tasks already added and only_vehicle against
     * the vehicles already added, so the order depends on which one the spec uses. */
    bool fixed = sp->n_fixed0 || sp->n_fixed1;
    if (fixed) add_tasks(p, sp);
    add_vehicles(p, sp);
    if (!fixed) add_tasks(p, sp);
    return p;
}

static void add_vehicles(solver_problem *p, const spec *sp) {
    lm_errinfo e;
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 100;
    v.start = v.end = 0;
    v.capacity[0] = sp->cap0[0];
    v.capacity[1] = sp->cap0[1];
    v.shift.end_s = sp->shift_end0;
    uint32_t sk[2] = {1, 2};
    v.skills = sk;
    v.n_skills = 2;
    v.cost_fixed = 1000;
    solver_tw btw = {60, 300};
    solver_break b = {.id = 7, .tws = &btw, .n_tws = 1, .service_s = 15};
    b.has_max_load = sp->break_has_max_load;
    b.max_load[0] = sp->break_max_load[0];
    b.max_load[1] = sp->break_max_load[1];
    if (sp->v0_break) {
        v.breaks = &b;
        v.n_breaks = 1;
    }
    v.max_tasks = sp->max_tasks0;
    v.max_travel_time_s = sp->max_travel0;
    v.max_distance_m = sp->max_dist0;
    v.fixed_steps = sp->fixed0;
    v.n_fixed_steps = sp->n_fixed0;
    assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_OK);

    solver_vehicle_init(&v);
    v.id = 200;
    v.start = 1; /* open route: no end */
    v.capacity[0] = v.capacity[1] = 8;
    v.cost_per_km = 1000;
    v.fixed_steps = sp->fixed1;
    v.n_fixed_steps = sp->n_fixed1;
    assert_int_equal(solver_problem_add_vehicle(p, &v, &e), LM_OK);
}

static void add_tasks(solver_problem *p, const spec *sp) {
    lm_errinfo e;
    solver_job j;
    solver_job_init(&j);
    j.id = 1;
    j.location = 2;
    j.delivery[0] = 3;
    j.priority = 10;
    uint32_t need = sp->j0_skill;
    if (need) {
        j.skills = &need;
        j.n_skills = 1;
    }
    j.only_vehicle = sp->j0_only;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);

    solver_job_init(&j);
    j.id = 2;
    j.location = 3;
    j.pickup[1] = 2;
    j.setup_s = 5;
    j.service_s = 10;
    solver_tw tw1 = {0, sp->j1_tw_end};
    j.tws = &tw1;
    j.n_tws = 1;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);

    solver_job_init(&j);
    j.id = 3;
    j.location = 3;
    j.delivery[0] = 2;
    j.setup_s = 7;
    j.service_s = 3;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);

    solver_job_init(&j);
    j.id = 4;
    j.location = 4;
    solver_tw tw3[2] = {{0, 10}, {200, 400}};
    j.tws = tw3;
    j.n_tws = 2;
    j.service_s = 20;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);

    solver_job_init(&j);
    j.id = 5;
    j.location = 1;
    assert_int_equal(solver_problem_add_job(p, &j, &e), LM_OK);

    solver_shipment s;
    solver_shipment_init(&s);
    s.pickup.id = 50;
    s.pickup.location = 1;
    s.pickup.service_s = 4;
    s.delivery.id = 51;
    s.delivery.location = 4;
    s.delivery.service_s = 6;
    s.amount[0] = 2;
    s.amount[1] = 1;
    s.priority = 5;
    assert_int_equal(solver_problem_add_shipment(p, &s, &e), LM_OK);
}

/* Builds the scenario's solution on problem p; with_break chooses whether v0 takes its break. */
static solver_solution *build(const solver_problem *p, bool with_break, bool with_v1) {
    solver_task_ref r0b[] = {J(0), BR(0), J(1), J(2), SP(0), SD(0)};
    solver_task_ref r0[] = {J(0), J(1), J(2), SP(0), SD(0)};
    solver_task_ref r1[] = {J(3)};
    solver__seq seqs[2] = {{0, with_break ? r0b : r0, with_break ? 6u : 5u, 0}, {1, r1, 1, 0}};
    solver_solution *s = NULL;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    lm_status st = solver__solution_build(p, seqs, with_v1 ? 2 : 1, &s, &e);
    if (st != LM_OK) fail_msg("build failed: %s: %s", e.field, e.message);
    return s;
}

/* ---- The builder's numbers, worked out by hand ---- */

static void test_builder_numbers(void **state) {
    (void)state;
    spec sp = lenient();
    solver_problem *p = make(&sp);
    solver_solution *s = build(p, true, true);
    assert_int_equal(s->n_routes, 2);
    const solver_route *r = &s->routes[0];
    assert_int_equal(r->n_steps, 8); /* start, j0, break, j1, j2, pickup, delivery, end */
    /* start: load = the two delivery jobs' goods */
    assert_int_equal(r->steps[0].type, SOLVER_STEP_START);
    assert_int_equal(r->steps[0].load[0], 5);
    /* j0 at 0 -> 2: 25 s */
    assert_int_equal(r->steps[1].arrival_s, 25);
    assert_int_equal(r->steps[1].load[0], 2);
    /* the break waits for its window at 60 (driving 15 s before it, 20 s idle), then j1 */
    assert_int_equal(r->steps[2].type, SOLVER_STEP_BREAK);
    assert_int_equal(r->steps[2].arrival_s, 60);
    assert_int_equal(r->steps[2].waiting_s, 20);
    assert_int_equal(r->steps[2].duration_s, 25);
    assert_int_equal(r->steps[3].arrival_s, 75);
    assert_int_equal(r->steps[3].setup_s, 5);
    assert_int_equal(r->steps[3].duration_s, 40);
    assert_int_equal(r->steps[3].load[1], 2);
    /* j2 at the same place: no setup */
    assert_int_equal(r->steps[4].arrival_s, 90);
    assert_int_equal(r->steps[4].setup_s, 0);
    assert_int_equal(r->steps[5].arrival_s, 118);
    assert_int_equal(r->steps[5].load[0], 2);
    assert_int_equal(r->steps[5].load[1], 3);
    assert_int_equal(r->steps[6].arrival_s, 157);
    assert_int_equal(r->steps[7].type, SOLVER_STEP_END);
    assert_int_equal(r->steps[7].arrival_s, 208);
    assert_int_equal(r->duration_s, 145);
    assert_int_equal(r->distance_m, 1200);
    assert_int_equal(r->cost, 1145);
    assert_int_equal(r->waiting_s, 20);
    assert_int_equal(r->service_s, 15 + 10 + 3 + 4 + 6);
    assert_int_equal(r->setup_s, 5);
    assert_int_equal(r->priority, 15);
    /* v1: open route, waits for the second window; 35 s + 0.3 km at 1000/km */
    const solver_route *r1 = &s->routes[1];
    assert_int_equal(r1->n_steps, 2);
    assert_int_equal(r1->steps[1].arrival_s, 35);
    assert_int_equal(r1->steps[1].waiting_s, 165);
    assert_int_equal(r1->cost, 335);
    assert_int_equal(s->cost, 1480);
    assert_int_equal(s->n_unassigned, 1);
    assert_int_equal(s->unassigned[0].index, 4);
    assert_int_equal(s->unassigned[0].reason, SOLVER_REASON_NO_ROOM);

    solver_check_report rep;
    assert_int_equal(solver_check(p, s, &rep), LM_OK);
    assert_int_equal(rep.n_violations, 0);
    assert_int_equal(rep.recomputed_cost, 1480);
    solver_solution_destroy(s);
    solver_problem_destroy(p);
}

/* ---- Each constraint tightened on its own: the lenient solution must be rejected ---- */

static void expect_rejected(const spec *strict, bool with_break, bool with_v1, const char *word) {
    spec ls = lenient();
    ls.v0_break = with_break;
    solver_problem *lp = make(&ls);
    solver_problem *sp = make(strict);
    solver_solution *s = build(lp, with_break, with_v1);
    solver_check_report rep;
    assert_int_equal(solver_check(lp, s, &rep), LM_OK); /* valid as it was built */
    assert_int_equal(solver_check(sp, s, &rep), LM_INVALID);
    if (rep.n_violations != 1 || !strstr(rep.first, word))
        fail_msg("expected exactly one violation about '%s', got %zu: %s", word, rep.n_violations,
                 rep.first);
    solver_solution_destroy(s);
    solver_problem_destroy(lp);
    solver_problem_destroy(sp);
}

static void test_each_constraint(void **state) {
    (void)state;
    spec s;
    s = lenient(), s.cap0[0] = 4;
    expect_rejected(&s, true, true, "capacity at the start");
    s = lenient(), s.cap0[1] = 2;
    expect_rejected(&s, true, true, "capacity after a step");
    s = lenient(), s.break_has_max_load = true, s.break_max_load[0] = 1, s.break_max_load[1] = 10;
    expect_rejected(&s, true, true, "max_load");
    s = lenient(), s.j1_tw_end = 70;
    expect_rejected(&s, true, true, "time window");
    s = lenient(), s.shift_end0 = 207;
    expect_rejected(&s, true, true, "shift");
    s = lenient(), s.j0_skill = 3;
    expect_rejected(&s, true, true, "skills");
    s = lenient(), s.j0_only = 1;
    expect_rejected(&s, true, true, "only_vehicle");
    s = lenient(), s.max_tasks0 = 4;
    expect_rejected(&s, true, true, "max_tasks");
    s = lenient(), s.max_travel0 = 144;
    expect_rejected(&s, true, true, "max_travel_time");
    s = lenient(), s.max_dist0 = 1199;
    expect_rejected(&s, true, true, "max_distance");
    s = lenient(), s.fixed0[0] = J(1), s.n_fixed0 = 1;
    expect_rejected(&s, true, true, "fixed steps");
    s = lenient(), s.fixed1[0] = J(3), s.n_fixed1 = 1;
    expect_rejected(&s, true, false, "must have a route");
    s = lenient(); /* has the break; the solution was built without it */
    expect_rejected(&s, false, true, "exactly once");

    /* The limits at exactly the route's values are fine. */
    s = lenient(), s.max_tasks0 = 5, s.max_travel0 = 145, s.max_dist0 = 1200, s.shift_end0 = 208,
    s.cap0[0] = 5, s.cap0[1] = 3, s.j1_tw_end = 75, s.fixed0[0] = J(0), s.fixed0[1] = BR(0),
    s.n_fixed0 = 2;
    solver_problem *p = make(&s);
    solver_solution *sol = build(p, true, true);
    solver_check_report rep;
    assert_int_equal(solver_check(p, sol, &rep), LM_OK);
    solver_solution_destroy(sol);
    solver_problem_destroy(p);
}

/* ---- Structural edits of a valid solution ---- */

typedef void (*mutator)(solver_solution *s);

static void dup_task(solver_solution *s) { /* v1 serves j0 as well */
    s->routes[1].steps[1].index = 0;
    s->routes[1].steps[1].location = 2;
}
static void swap_shipment(solver_solution *s) {
    solver_step t = s->routes[0].steps[5];
    s->routes[0].steps[5] = s->routes[0].steps[6];
    s->routes[0].steps[6] = t;
}
static void split_shipment(solver_solution *s) { /* the delivery step becomes unassigned job 4 */
    s->routes[0].steps[6].type = SOLVER_STEP_JOB;
    s->routes[0].steps[6].index = 4;
    s->routes[0].steps[6].location = 1;
}
static void dup_break(solver_solution *s) {
    s->routes[0].steps[4] = s->routes[0].steps[2];
}
static void shift_arrival(solver_solution *s) {
    s->routes[0].steps[3].arrival_s += 1;
}
static void wrong_load(solver_solution *s) {
    s->routes[0].steps[5].load[1] -= 1;
}
static void wrong_duration(solver_solution *s) {
    s->routes[0].steps[6].duration_s += 10;
}
static void wrong_waiting(solver_solution *s) {
    s->routes[1].steps[1].waiting_s = 0;
}
static void wrong_location(solver_solution *s) {
    s->routes[0].steps[1].location = 4;
}
static void drop_unassigned(solver_solution *s) {
    s->n_unassigned = 0;
}
static void served_unassigned(solver_solution *s) {
    s->unassigned[0].index = 3;
}
static void no_reason(solver_solution *s) {
    s->unassigned[0].reason = SOLVER_REASON_NONE;
}
static void wrong_route_cost(solver_solution *s) {
    s->routes[1].cost += 1;
    s->cost += 1;
}
static void wrong_total_cost(solver_solution *s) {
    s->cost -= 1;
}
static void wrong_summary(solver_solution *s) {
    s->waiting_s += 1;
}
static void same_vehicle(solver_solution *s) {
    s->routes[1].vehicle = 0;
}
static void bad_index(solver_solution *s) {
    s->routes[1].steps[1].index = 99;
}
static void no_end(solver_solution *s) {
    s->routes[0].n_steps--;
}

static void test_structural_edits(void **state) {
    (void)state;
    const struct {
        mutator f;
        const char *word;
    } cases[] = {
        {dup_task, "more than once"},
        {swap_shipment, "delivered before it is picked up"},
        {split_shipment, "on one route"},
        {dup_break, "exactly once"},
        {shift_arrival, "arrival is 76 but recomputes to 75"},
        {wrong_load, "load[1] is 2 but recomputes to 3"},
        {wrong_duration, "duration is 110 but recomputes to 100"},
        {wrong_waiting, "waiting is 0 but recomputes to 165"},
        {wrong_location, "claims location 4"},
        {drop_unassigned, "neither served nor listed"},
        {served_unassigned, "listed as unassigned but a route serves it"},
        {no_reason, "without a reason"},
        {wrong_route_cost, "states cost 336, but it recomputes to 335"},
        {wrong_total_cost, "total cost of 1479"},
        {wrong_summary, "summary totals"},
        {same_vehicle, "two routes"},
        {bad_index, "invalid index 99"},
        {no_end, "end step"},
    };
    spec ls = lenient();
    solver_problem *p = make(&ls);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        solver_solution *s = build(p, true, true);
        cases[i].f(s);
        solver_check_report rep;
        assert_int_equal(solver_check(p, s, &rep), LM_INVALID);
        if (!strstr(rep.first, cases[i].word))
            fail_msg("case %zu: expected '%s', got: %s", i, cases[i].word, rep.first);
        if (cases[i].f == no_end) s->routes[0].n_steps++;
        solver_solution_destroy(s);
    }
    solver_problem_destroy(p);
}

/* ---- The builder refuses what breaks a constraint, naming vehicle and step ---- */

static void test_builder_refuses(void **state) {
    (void)state;
    spec s = lenient();
    s.j1_tw_end = 70;
    solver_problem *p = make(&s);
    solver_task_ref r0[] = {J(0), BR(0), J(1), J(2), SP(0), SD(0)};
    solver__seq q = {0, r0, 6, 0};
    solver_solution *out = NULL;
    lm_errinfo e;
    assert_int_equal(solver__solution_build(p, &q, 1, &out, &e), LM_INVALID);
    assert_null(out);
    assert_string_equal(e.field, "routes[0].steps[3]");
    assert_non_null(strstr(e.message, "vehicle 100"));
    assert_non_null(strstr(e.message, "time window"));

    solver_problem_destroy(p);
    s = lenient();
    p = make(&s);
    solver_task_ref bad1[] = {J(0), BR(0), SD(0), SP(0)};
    q = (solver__seq){0, bad1, 4, 0};
    assert_int_equal(solver__solution_build(p, &q, 1, &out, &e), LM_INVALID);
    assert_non_null(strstr(e.message, "before its pickup"));
    solver_task_ref bad2[] = {J(0), J(1)}; /* break missing */
    q = (solver__seq){0, bad2, 2, 0};
    assert_int_equal(solver__solution_build(p, &q, 1, &out, &e), LM_INVALID);
    assert_non_null(strstr(e.message, "break 7 is missing"));
    solver_task_ref bad3[] = {J(3), J(3)};
    q = (solver__seq){1, bad3, 2, 0};
    assert_int_equal(solver__solution_build(p, &q, 1, &out, &e), LM_INVALID);
    assert_non_null(strstr(e.message, "served twice"));
    solver__seq two[2] = {{1, bad3, 1, 0}, {1, bad3, 1, 0}};
    assert_int_equal(solver__solution_build(p, two, 2, &out, &e), LM_INVALID);
    assert_non_null(strstr(e.message, "more than one route"));
    solver_problem_destroy(p);
}

/* ---- Unassigned reasons ---- */

static void test_unassigned_reasons(void **state) {
    (void)state;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(NULL, &p), LM_OK);
    int32_t m[4] = {0, 100, 100, 0};
    assert_int_equal(solver_problem_set_matrix(p, 2, m, m, NULL, NULL), LM_OK);
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = 1;
    v.start = v.end = 0;
    v.capacity[0] = 10;
    v.shift.end_s = 1000;
    v.max_distance_m = 150;
    uint32_t sk = 1;
    v.skills = &sk;
    v.n_skills = 1;
    assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    solver_job j;
    uint32_t need = 2;
    solver_tw late = {2000, 3000};
    for (int i = 0; i < 5; i++) {
        solver_job_init(&j);
        j.id = (uint64_t)i + 1;
        j.location = i == 4 ? 0 : 1;
        if (i == 0) j.skills = &need, j.n_skills = 1;
        if (i == 1) j.delivery[0] = 11;
        if (i == 2) j.tws = &late, j.n_tws = 1;
        assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    }
    assert_int_equal(solver__unassigned_reason(p, SOLVER_STEP_JOB, 0), SOLVER_REASON_SKILLS);
    assert_int_equal(solver__unassigned_reason(p, SOLVER_STEP_JOB, 1), SOLVER_REASON_CAPACITY);
    assert_int_equal(solver__unassigned_reason(p, SOLVER_STEP_JOB, 2), SOLVER_REASON_TIME_WINDOW);
    assert_int_equal(solver__unassigned_reason(p, SOLVER_STEP_JOB, 3), SOLVER_REASON_ROUTE_LIMIT);
    assert_int_equal(solver__unassigned_reason(p, SOLVER_STEP_JOB, 4), SOLVER_REASON_NO_ROOM);
    solver_problem_destroy(p);
}

/* ---- Builder output always passes the checker (random problems and sequences) ---- */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static solver_problem *random_problem(size_t *n_jobs, size_t *n_ships, size_t *n_veh) {
    solver_problem_opts o;
    solver_problem_opts_init(&o);
    o.n_dims = 2;
    solver_problem *p = NULL;
    assert_int_equal(solver_problem_create(&o, &p), LM_OK);
    enum { N = 8 };
    int32_t dur[N * N], dist[N * N], x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = (int32_t)rnd(100), y[i] = (int32_t)rnd(100);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            dur[i * N + j] = abs(x[i] - x[j]) + abs(y[i] - y[j]);
            dist[i * N + j] = dur[i * N + j] * 13;
        }
    assert_int_equal(solver_problem_set_matrix(p, N, dur, dist, NULL, NULL), LM_OK);
    *n_veh = 1 + rnd(3);
    for (size_t k = 0; k < *n_veh; k++) {
        solver_vehicle v;
        solver_vehicle_init(&v);
        v.id = k + 1;
        uint32_t kind = rnd(3);
        v.start = kind == 2 ? SOLVER_NONE : rnd(N);
        v.end = kind == 1 ? SOLVER_NONE : rnd(N);
        v.capacity[0] = 5 + rnd(20);
        v.capacity[1] = 5 + rnd(20);
        v.initial_load[1] = rnd(3);
        v.shift.start_s = rnd(50);
        v.shift.end_s = 300 + rnd(800);
        v.cost_fixed = rnd(100);
        v.cost_per_km = rnd(2) ? 500 : 0;
        v.speed_factor = rnd(2) ? 1.0 : 1.5;
        solver_tw btw[2] = {{(int64_t)rnd(100), 0}, {0, 0}};
        btw[0].end_s = btw[0].start_s + rnd(200);
        btw[1].start_s = btw[0].end_s + 50;
        btw[1].end_s = btw[1].start_s + 100;
        solver_break b[2] = {{.id = 1, .tws = btw, .n_tws = 2, .service_s = rnd(30)},
                             {.id = 2, .tws = btw + 1, .n_tws = 1, .service_s = rnd(30)}};
        if (rnd(2)) b[0].has_max_load = true, b[0].max_load[0] = 30, b[0].max_load[1] = 30;
        v.breaks = b;
        v.n_breaks = rnd(3);
        assert_int_equal(solver_problem_add_vehicle(p, &v, NULL), LM_OK);
    }
    *n_jobs = 3 + rnd(5);
    for (size_t i = 0; i < *n_jobs; i++) {
        solver_job j;
        solver_job_init(&j);
        j.id = i + 1;
        j.location = rnd(N);
        j.delivery[0] = rnd(5);
        j.pickup[1] = rnd(4);
        j.setup_s = rnd(10);
        j.service_s = rnd(20);
        j.priority = rnd(10);
        solver_tw tw[2] = {{(int64_t)rnd(300), 0}, {0, 0}};
        tw[0].end_s = tw[0].start_s + 50 + rnd(300);
        tw[1].start_s = tw[0].end_s + 1 + rnd(100);
        tw[1].end_s = tw[1].start_s + rnd(400);
        j.tws = tw;
        j.n_tws = rnd(3);
        assert_int_equal(solver_problem_add_job(p, &j, NULL), LM_OK);
    }
    *n_ships = rnd(3);
    for (size_t i = 0; i < *n_ships; i++) {
        solver_shipment s;
        solver_shipment_init(&s);
        s.pickup.id = 100 + i;
        s.delivery.id = 200 + i;
        s.pickup.location = rnd(N);
        s.delivery.location = rnd(N);
        s.pickup.service_s = rnd(10);
        s.delivery.setup_s = rnd(10);
        s.amount[0] = rnd(4);
        s.amount[1] = rnd(4);
        assert_int_equal(solver_problem_add_shipment(p, &s, NULL), LM_OK);
    }
    return p;
}

static void test_builder_always_passes_checker(void **state) {
    (void)state;
    rng_state = 0x9E3779B97F4A7C15u;
    size_t built = 0, refused = 0;
    for (int iter = 0; iter < 3000; iter++) {
        size_t nj, ns, nv;
        solver_problem *p = random_problem(&nj, &ns, &nv);
        /* Random assignment: each task to a vehicle or none; breaks anywhere. */
        solver_task_ref tasks[3][32];
        size_t len[3] = {0};
        for (size_t i = 0; i < nj; i++) {
            uint32_t k = rnd((uint32_t)nv + 1);
            if (k < nv) tasks[k][len[k]++] = J((uint32_t)i);
        }
        for (size_t i = 0; i < ns; i++) {
            uint32_t k = rnd((uint32_t)nv + 1);
            if (k < nv) {
                tasks[k][len[k]++] = SP((uint32_t)i);
                tasks[k][len[k]++] = SD((uint32_t)i);
            }
        }
        for (size_t k = 0; k < nv; k++) {
            /* shuffle, then repair shipment order, then drop the breaks in */
            for (size_t i = len[k]; i > 1; i--) {
                size_t a = rnd((uint32_t)i);
                solver_task_ref t = tasks[k][a];
                tasks[k][a] = tasks[k][i - 1];
                tasks[k][i - 1] = t;
            }
            for (size_t i = 0; i < len[k]; i++)
                for (size_t m = i + 1; m < len[k]; m++)
                    if (tasks[k][i].type == SOLVER_STEP_DELIVERY &&
                        tasks[k][m].type == SOLVER_STEP_PICKUP &&
                        tasks[k][m].index == tasks[k][i].index) {
                        tasks[k][i].type = SOLVER_STEP_PICKUP;
                        tasks[k][m].type = SOLVER_STEP_DELIVERY;
                    }
            size_t nb = p->vehicles[k].pub.n_breaks;
            if (len[k] == 0) continue;
            for (size_t b = 0; b < nb; b++) {
                size_t at = rnd((uint32_t)len[k] + 1);
                memmove(&tasks[k][at + 1], &tasks[k][at], (len[k] - at) * sizeof tasks[k][0]);
                tasks[k][at] = BR((uint32_t)b);
                len[k]++;
            }
        }
        solver__seq seqs[3];
        for (size_t k = 0; k < nv; k++)
            seqs[k] = (solver__seq){(uint32_t)k, tasks[k], len[k], 0};
        solver_solution *s = NULL;
        lm_errinfo e;
        lm_status st = solver__solution_build(p, seqs, nv, &s, &e);
        if (st == LM_OK) {
            solver_check_report rep;
            if (solver_check(p, s, &rep) != LM_OK)
                fail_msg("iteration %d: checker rejects builder output: %s", iter, rep.first);
            assert_int_equal(rep.recomputed_cost, s->cost);
            built++;
            solver_solution_destroy(s);
        } else {
            assert_int_equal(st, LM_INVALID);
            assert_true(strncmp(e.field, "routes", 6) == 0);
            refused++;
        }
        solver_problem_destroy(p);
    }
    /* The generator must exercise both paths a fair amount for this test to mean anything. */
    assert_true(built > 300);
    assert_true(refused > 300);
}

/* ---- Plan mode ---- */

static void test_evaluate(void **state) {
    (void)state;
    spec s = lenient();
    solver_problem *p = make(&s);
    const solver_task_ref r0[] = {J(0), BR(0), J(1), J(2), SP(0), SD(0)};
    const solver_task_ref r1[] = {J(3)};
    const solver_task_ref *routes[2] = {r0, r1};
    size_t lens[2] = {6, 1};
    uint32_t veh[2] = {0, 1};
    solver_solution *out = NULL;
    lm_errinfo e;
    assert_int_equal(solver_evaluate(p, routes, lens, veh, 2, &out, &e), LM_OK);
    assert_int_equal(out->cost, 1480);
    solver_check_report rep;
    assert_int_equal(solver_check(p, out, &rep), LM_OK);
    solver_solution_destroy(out);
    out = NULL;

    /* The dispatcher drags j3 (the one with a 200..400 window) to the front of vehicle 100:
     * arriving at 45 waits until 200, and everything after slides; the break's window ends at
     * 300 so it still fits, but j1's own window (..1000) is fine too; give j1 a tight one. */
    solver_problem_destroy(p);
    s.j1_tw_end = 250;
    p = make(&s);
    const solver_task_ref moved[] = {J(3), J(0), BR(0), J(1), J(2), SP(0), SD(0)};
    const solver_task_ref *routes2[1] = {moved};
    size_t lens2[1] = {7};
    assert_int_equal(solver_evaluate(p, routes2, lens2, veh, 1, &out, &e), LM_INVALID);
    assert_null(out);
    assert_string_equal(e.field, "routes[0].steps[4]");
    assert_non_null(strstr(e.message, "job 2"));
    assert_non_null(strstr(e.message, "after its last time window"));

    uint32_t bad_veh[1] = {7};
    assert_int_equal(solver_evaluate(p, routes2, lens2, bad_veh, 1, &out, &e), LM_INVALID);
    assert_non_null(strstr(e.message, "vehicle index 7"));
    solver_problem_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builder_numbers),
        cmocka_unit_test(test_each_constraint),
        cmocka_unit_test(test_structural_edits),
        cmocka_unit_test(test_builder_refuses),
        cmocka_unit_test(test_unassigned_reasons),
        cmocka_unit_test(test_builder_always_passes_checker),
        cmocka_unit_test(test_evaluate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
