/* tests/dispatch/test_replan_regress.c: the re-planning defects a dispatcher met, each as the
 * exact scenario: a driver's reported delay ignored by the proposal, breaks missing from plans and
 * routes (and scheduled again once taken), an urgent order left for the end of the day, plan
 * totals stale after a hand move, a re-plan's cost_before of -1, and a cross-depot move refused
 * with a sentence about skills. */
#include "tests/dispatch/fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Gives vehicle vid a break: start between from_h and to_h, lasting len_s. */
static void give_break(fixture *f, const char *vid, int64_t from_h, int64_t to_h, int64_t len_s) {
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_vehicle v;
    lm_errinfo err = {0};
    OKE(dispatch_vehicle_get(r, vid, &v, &err), err);
    store_read_end(r);
    v.breaks[0] = (dispatch_break){from_h * 3600, to_h * 3600, len_s};
    v.n_breaks = 1;
    store_tx *tx = NULL;
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_vehicle_put(tx, &v, &err), err);
    OK(store_tx_commit(tx));
}

static void report(fixture *f, const char *driver, dispatch_exception_kind k, int64_t delay_s) {
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_driver_exception(f->d, tx, driver, k, delay_s, "", fake_now_ms, &err), err);
    OK(store_tx_commit(tx));
}

static int64_t replan_now(fixture *f) {
    lm_errinfo err = {0};
    OKE(dispatch_replan_request(f->d, DISPATCH_TRIGGER_MANUAL, NULL, NULL, &err), err);
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    return rp;
}

/* Breaks of route rt (kind break) counted, and each one's ETA inside its window. */
static size_t breaks_in(const dispatch_stop *stops, size_t n, int64_t win_from, int64_t win_to) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (stops[i].kind != DISPATCH_STOP_BREAK) continue;
        k++;
        if (stops[i].eta_s < win_from || stops[i].eta_s > win_to)
            for (size_t j = 0; j < n; j++)
                fprintf(stderr, "stop %lld %s eta %lld tw [%lld, %lld] service %lld\n",
                        (long long)stops[j].id,
                        dispatch_stop_kind_name((dispatch_stop_kind)stops[j].kind),
                        (long long)stops[j].eta_s, (long long)stops[j].tw_start_s,
                        (long long)stops[j].tw_end_s, (long long)stops[j].service_s);
        assert_int_equal(stops[i].order_id, 0);
        assert_in_range(stops[i].eta_s, win_from, win_to);
        assert_true(stops[i].service_s > 0);
    }
    return k;
}

/* A driver 400 minutes late: the proposal starts his van at now + 400 min, so none of its stops
 * keeps a morning time, and every window it cannot meet any more is counted late. */
static void test_delay_is_honoured(void **state) {
    fixture *f = *state;
    scenario(f, 4, 9, 12, 1, 20);
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    report(f, "D1", DISPATCH_EXC_DELAY, 400 * 60);
    dispatch_wait_idle(f->d); /* the delay made stops late: a re-plan was queued */
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    dispatch_plan p = get_plan(f, rp);
    int64_t free_at = fake_now_ms / 1000 + 400 * 60;
    size_t deliveries = 0;
    for (size_t r = 0; r < p.n_routes; r++)
        for (size_t k = 0; k < p.routes[r].n_stops; k++) {
            const dispatch_stop *s = &p.routes[r].stops[k];
            if (s->eta_s < free_at)
                fail_msg("stop %lld (order %lld) planned at %lld, before the van is free at %lld",
                         (long long)s->id, (long long)s->order_id, (long long)s->eta_s,
                         (long long)free_at);
            deliveries += s->kind == DISPATCH_STOP_DELIVERY;
        }
    assert_int_equal(deliveries + p.n_unassigned, 4);
    /* windows end at 12:00; the van is free at 15:40: all four are late, and said so */
    assert_int_equal(p.effect.late_after, 4);
    assert_true(p.effect.late_before >= 1);
    assert_true(p.effect.cost_before > 0);
    dispatch_plan_clear(&p);
}

/* A lunch break appears in the plan and in the driver's route inside its window, is kept by a
 * re-plan, and once taken is not scheduled again. */
static void test_breaks_shown_and_honoured(void **state) {
    fixture *f = *state;
    scenario(f, 8, 9, 17, 1, 20);
    give_break(f, "V1", 12, 13, 1800);
    int64_t id = plan_now(f);
    dispatch_plan p = get_plan(f, id);
    assert_int_equal(p.n_routes, 1);
    int64_t b_from = DAY + 12 * 3600, b_to = DAY + 13 * 3600;
    assert_int_equal(breaks_in(p.routes[0].stops, p.routes[0].n_stops, b_from, b_to), 1);
    for (size_t k = 1; k < p.routes[0].n_stops; k++)
        assert_true(p.routes[0].stops[k].eta_s >= p.routes[0].stops[k - 1].eta_s);
    dispatch_plan_clear(&p);
    lm_errinfo err = {0};
    OKE(dispatch_plan_commit(f->d, id, &err), err);
    dispatch_driver_route rt = route_of(f, "D1");
    dispatch_stop stops[40];
    size_t n = 0;
    for (size_t i = 0; i < rt.n_stops && n < 40; i++)
        stops[n++] = rt.stops[i].stop;
    dispatch_driver_route_clear(&rt);
    assert_int_equal(breaks_in(stops, n, b_from, b_to), 1);
    /* a re-plan in the morning keeps the break inside its window, and costs the routes as they
     * are (the break where its stop is) */
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    int64_t rp = replan_now(f);
    p = get_plan(f, rp);
    assert_int_equal(p.n_routes, 1);
    assert_int_equal(breaks_in(p.routes[0].stops, p.routes[0].n_stops, b_from, b_to), 1);
    assert_true(p.effect.cost_before > 0);
    dispatch_plan_clear(&p);
    OKE(dispatch_replan_apply(f->d, rp, &err), err);
    /* the driver takes the break (marks it done): the next re-plan has none left to place */
    rt = route_of(f, "D1");
    int64_t brk = 0;
    for (size_t i = 0; i < rt.n_stops && !brk; i++)
        if (rt.stops[i].stop.kind == DISPATCH_STOP_BREAK &&
            rt.stops[i].stop.status == DISPATCH_STOP_PLANNED)
            brk = rt.stops[i].stop.id;
    dispatch_driver_route_clear(&rt);
    assert_true(brk > 0);
    fake_now_ms = (DAY + 12 * 3600 + 600) * 1000;
    store_tx *tx = NULL;
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_stop_arrived(f->d, tx, "D1", brk, fake_now_ms, &err), err);
    OK(store_tx_commit(tx));
    /* a re-plan during the break starts the van when the break ends */
    rp = replan_now(f);
    p = get_plan(f, rp);
    for (size_t r = 0; r < p.n_routes; r++) {
        assert_int_equal(breaks_in(p.routes[r].stops, p.routes[r].n_stops, 0, INT64_MAX), 0);
        for (size_t k = 0; k < p.routes[r].n_stops; k++)
            assert_true(p.routes[r].stops[k].eta_s >= fake_now_ms / 1000 + 1800 - 600);
    }
    dispatch_plan_clear(&p);
    fake_now_ms += 1200 * 1000;
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_stop_delivered(f->d, tx, "D1", brk, "", fake_now_ms, &err), err);
    OK(store_tx_commit(tx));
    assert_int_equal(tmp_db_count_events(f->s, "stop.break_taken"), 1);
    rp = replan_now(f);
    p = get_plan(f, rp);
    for (size_t r = 0; r < p.n_routes; r++)
        assert_int_equal(breaks_in(p.routes[r].stops, p.routes[r].n_stops, 0, INT64_MAX), 0);
    dispatch_plan_clear(&p);
}

/* Eight stops spread over the day (one window per hour); an urgent order arrives at 09:00 right
 * beside the last stop of the day. It is fitted in within urgent_within_s, not at 16:00. */
static void test_urgent_order_is_early(void **state) {
    fixture *f = *state;
    scenario(f, 0, 9, 17, 1, 20);
    double last_lat = 0, last_lon = 0;
    for (int h = 0; h < 8; h++) {
        double ang = (double)h * 0.8;
        last_lat = DEPOT_LAT + 0.03 * __builtin_sin(ang);
        last_lon = DEPOT_LON + 0.04 * __builtin_cos(ang);
        add_order(f, last_lat, last_lon, DAY + (9 + h) * 3600, DAY + (10 + h) * 3600, 0);
    }
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    int64_t uid = add_order(f, last_lat + 0.001, last_lon, DAY + 9 * 3600, DAY + 18 * 3600, 90);
    lm_errinfo err = {0};
    OK(dispatch_tick(f->d, fake_now_ms, &err));
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    dispatch_plan p = get_plan(f, rp);
    assert_string_equal(p.effect.trigger, "urgent");
    int64_t eta = 0;
    for (size_t r = 0; r < p.n_routes; r++)
        for (size_t k = 0; k < p.routes[r].n_stops; k++)
            if (p.routes[r].stops[k].order_id == uid &&
                p.routes[r].stops[k].kind == DISPATCH_STOP_DELIVERY)
                eta = p.routes[r].stops[k].eta_s;
    dispatch_plan_clear(&p);
    assert_true(eta > 0);
    if (eta > fake_now_ms / 1000 + 7200)
        fail_msg("the urgent order is planned at %lld, %lld s after the re-plan", (long long)eta,
                 (long long)(eta - fake_now_ms / 1000));
}

static int64_t routes_sum(const dispatch_plan *p, int what) {
    int64_t s = 0;
    for (size_t r = 0; r < p->n_routes; r++)
        s += what == 0   ? p->routes[r].cost
             : what == 1 ? p->routes[r].distance_m
                         : p->routes[r].duration_s;
    return s;
}

/* After a hand move the plan's cost, distance and duration are its routes' sums again. */
static void test_totals_after_move(void **state) {
    fixture *f = *state;
    scenario(f, 8, 9, 17, 2, 5);
    int64_t id = plan_now(f);
    dispatch_plan p = get_plan(f, id);
    assert_int_equal(p.n_routes, 2);
    assert_int_equal(p.distance_m, routes_sum(&p, 1));
    int64_t moving = p.routes[0].stops[0].id, dist0 = p.distance_m;
    char to[DISPATCH_ID_MAX + 1];
    lm_strlcpy(to, p.routes[1].vehicle_id, sizeof to);
    dispatch_plan_clear(&p);
    dispatch_violation viol[4];
    size_t nv = 0;
    lm_errinfo err = {0};
    OKE(dispatch_plan_move(f->d, id, moving, to, 0, viol, 4, &nv, &err), err);
    p = get_plan(f, id);
    assert_int_equal(p.cost, routes_sum(&p, 0));
    assert_int_equal(p.distance_m, routes_sum(&p, 1));
    assert_int_equal(p.duration_s, routes_sum(&p, 2));
    assert_int_not_equal(p.distance_m, dist0);
    dispatch_plan_clear(&p);
}

/* A stop of a depot-A order moved to a van of depot B: refused, and the sentence says depot. */
static void test_cross_depot_move_message(void **state) {
    fixture *f = *state;
    scenario(f, 4, 9, 17, 1, 20);
    lm_errinfo err = {0};
    orders_depot dep = {.lon = DEPOT_LON + 0.2, .lat = DEPOT_LAT, .open_s = 0, .close_s = 86400};
    lm_strlcpy(dep.id, "DEP2", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot 2", sizeof dep.name);
    OKE(orders_depot_put(f->o, &dep, &err), err);
    store_tx *tx = NULL;
    OK(store_tx_begin(f->s, &tx));
    dispatch_vehicle v;
    dispatch_vehicle_init(&v);
    lm_strlcpy(v.id, "W1", sizeof v.id);
    lm_strlcpy(v.start_depot, "DEP2", sizeof v.start_depot);
    OKE(dispatch_vehicle_put(tx, &v, &err), err);
    dispatch_driver dr = {0};
    lm_strlcpy(dr.id, "E1", sizeof dr.id);
    lm_strlcpy(dr.name, "Driver E1", sizeof dr.name);
    lm_strlcpy(dr.vehicle_id, "W1", sizeof dr.vehicle_id);
    OKE(dispatch_driver_save(tx, &dr, NULL, &err), err);
    OK(store_tx_commit(tx));
    int64_t id = plan_now(f);
    dispatch_plan p = get_plan(f, id);
    assert_int_equal(p.n_routes, 1);
    int64_t moving = p.routes[0].stops[0].id;
    dispatch_plan_clear(&p);
    dispatch_violation viol[4];
    size_t nv = 0;
    assert_int_equal(dispatch_plan_move(f->d, id, moving, "W1", 0, viol, 4, &nv, &err),
                     LM_CONFLICT);
    if (!strstr(err.message, "depot") || strstr(err.message, "skill"))
        fail_msg("cross-depot move refused with: %s", err.message);
    assert_string_equal(err.field, "to_vehicle");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delay_is_honoured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breaks_shown_and_honoured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_urgent_order_is_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_totals_after_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_depot_move_message, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
