/* tests/dispatch/test_dispatch.c: dispatch/ on a real SQLite file with orders made through
 * orders/: plan lifecycle, hand moves accepted or refused by the checker, positions (start,
 * arrival, pace-scaled ETAs, lateness), stop actions, silence, and every re-plan trigger keeping
 * done stops done and parcels on their van (except a breakdown). Small instances, short solves. */
#include "tests/dispatch/fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- Plans ---- */

static void test_plan_lifecycle(void **state) {
    fixture *f = *state;
    scenario(f, 10, 9, 17, 2, 20);
    int64_t id = plan_now(f);
    dispatch_plan p = get_plan(f, id);
    assert_int_equal(p.status, DISPATCH_PLAN_PROPOSED);
    size_t stops = 0;
    for (size_t i = 0; i < p.n_routes; i++) {
        for (size_t k = 0; k < p.routes[i].n_stops; k++) {
            const dispatch_stop *s = &p.routes[i].stops[k];
            assert_true(s->eta_s >= s->tw_start_s && s->eta_s <= s->tw_end_s);
            assert_false(s->live);
            if (k) assert_true(s->eta_s >= p.routes[i].stops[k - 1].eta_s);
        }
        stops += p.routes[i].n_stops;
    }
    assert_int_equal(stops + p.n_unassigned, 10);
    assert_int_equal(p.n_unassigned, 0);
    assert_true(p.cost > 0);
    assert_true(tmp_db_count_events(f->s, "plan.proposed") == 1);
    dispatch_plan_clear(&p);
    assert_string_equal(order_status(f, f->order_ids[0]), "ready");
    lm_errinfo err = {0};
    OKE(dispatch_plan_commit(f->d, id, &err), err);
    for (size_t o = 0; o < f->n_orders; o++)
        assert_string_equal(order_status(f, f->order_ids[o]), "planned");
    assert_int_equal(dispatch_plan_commit(f->d, id, &err), LM_CONFLICT);
    assert_int_equal(dispatch_plan_discard(f->d, id, &err), LM_CONFLICT);
    dispatch_driver_route r1 = route_of(f, "D1"), r2 = route_of(f, "D2");
    assert_int_equal(r1.n_stops + r2.n_stops, 10);
    if (r1.n_stops) assert_string_equal(r1.stops[0].customer_name[0] ? "x" : "", "x");
    dispatch_driver_route_clear(&r1);
    dispatch_driver_route_clear(&r2);
    /* a second plan finds nothing ready; discarding it works */
    int64_t id2 = plan_now(f);
    dispatch_plan p2 = get_plan(f, id2);
    assert_int_equal(p2.n_routes, 0);
    dispatch_plan_clear(&p2);
    OKE(dispatch_plan_discard(f->d, id2, &err), err);
}

static void test_plan_move(void **state) {
    fixture *f = *state;
    scenario(f, 8, 9, 17, 2, 4); /* 4 parcels per van: both vans full */
    int64_t id = plan_now(f);
    dispatch_plan p = get_plan(f, id);
    assert_int_equal(p.n_routes, 2);
    assert_int_equal(p.routes[0].n_stops, 4);
    int64_t from_v1 = p.routes[0].stops[0].id, cost0 = p.cost;
    char v2[DISPATCH_ID_MAX + 1];
    lm_strlcpy(v2, p.routes[1].vehicle_id, sizeof v2);
    char v1[DISPATCH_ID_MAX + 1];
    lm_strlcpy(v1, p.routes[0].vehicle_id, sizeof v1);
    dispatch_plan_clear(&p);
    dispatch_violation viol[4];
    size_t nv = 0;
    lm_errinfo err = {0};
    /* a fifth parcel on a 4-parcel van is refused, with the reason, and nothing changes */
    assert_int_equal(dispatch_plan_move(f->d, id, from_v1, v2, 0, viol, 4, &nv, &err), LM_CONFLICT);
    assert_true(nv >= 1);
    assert_true(strlen(viol[0].message) > 0);
    p = get_plan(f, id);
    assert_int_equal(p.cost, cost0);
    assert_string_equal(p.routes[0].stops[0].vehicle_id, v1);
    dispatch_plan_clear(&p);
    /* reordering inside the route is accepted and re-timed */
    OKE(dispatch_plan_move(f->d, id, from_v1, v1, 3, viol, 4, &nv, &err), err);
    p = get_plan(f, id);
    assert_int_equal(p.routes[0].n_stops, 4);
    assert_int_equal(p.routes[0].stops[3].id, from_v1);
    for (size_t k = 1; k < 4; k++)
        assert_true(p.routes[0].stops[k].eta_s >= p.routes[0].stops[k - 1].eta_s);
    dispatch_plan_clear(&p);
    assert_int_equal(tmp_db_count_events(f->s, "plan.edited"), 1);
}

/* ---- Live ---- */

static void test_positions_eta_arrival_late(void **state) {
    fixture *f = *state;
    scenario(f, 6, 9, 17, 1, 20);
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    /* at the depot, standing: not started */
    dispatch_obs_result res = observe(f, "D1", DEPOT_LAT, DEPOT_LON, 0);
    assert_true(res.known);
    assert_false(res.started);
    /* moving away: the route starts, orders go out for delivery */
    fake_now_ms += 60000;
    res = observe(f, "D1", DEPOT_LAT + 0.002, DEPOT_LON, 8);
    assert_true(res.started);
    assert_int_equal(tmp_db_count_events(f->s, "route.started"), 1);
    for (size_t o = 0; o < f->n_orders; o++)
        assert_string_equal(order_status(f, f->order_ids[o]), "out_for_delivery");
    /* the goods left the depot: off on_hand, no longer reserved (orders/' rule) */
    orders_stock *stk = NULL;
    size_t n_stk = 0;
    lm_errinfo serr = {0};
    OKE(orders_stock_list(f->o, false, &stk, &n_stk, &serr), serr);
    assert_int_equal(n_stk, 1);
    assert_int_equal(stk[0].on_hand, 1000 - (int64_t)f->n_orders);
    assert_int_equal(stk[0].reserved, 0);
    lm_free(stk);
    dispatch_driver_route rt = route_of(f, "D1");
    dispatch_stop first = rt.stops[0].stop, second = rt.stops[1].stop;
    dispatch_driver_route_clear(&rt);
    /* standing at the first stop: arrived only after the dwell time */
    fake_now_ms += 600000;
    res = observe(f, "D1", first.lat, first.lon, 0.5);
    assert_int_equal(res.arrived_stop, 0);
    fake_now_ms += 20000;
    res = observe(f, "D1", first.lat, first.lon, 0.2);
    assert_int_equal(res.arrived_stop, first.id);
    assert_int_equal(tmp_db_count_events(f->s, "stop.arrived"), 1);
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_stop_delivered(f->d, tx, "D1", first.id, "signed by A. B.", fake_now_ms, &err),
        err);
    OK(store_tx_commit(tx));
    assert_string_equal(order_status(f, first.order_id), "delivered");
    /* a driver does not act on another driver's stop (none here: an unknown one is refused) */
    OK(store_tx_begin(f->s, &tx));
    assert_int_equal(dispatch_stop_delivered(f->d, tx, "D1", first.id, "", fake_now_ms, &err),
                     LM_CONFLICT);
    store_tx_rollback(tx);
    /* slow driving: reaching the second stop three times slower than planned raises the pace */
    int64_t leg_ms = second.leg_s * 1000 * 3;
    fake_now_ms += leg_ms;
    res = observe(f, "D1", second.lat, second.lon, 0);
    fake_now_ms += 20000;
    res = observe(f, "D1", second.lat, second.lon, 0);
    assert_int_equal(res.arrived_stop, second.id);
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_vehicle_state *vs = NULL;
    size_t nvs = 0;
    OK(dispatch_vehicle_states(r, &vs, &nvs, NULL));
    store_read_end(r);
    assert_int_equal(nvs, 1);
    if (second.leg_s >= 60) assert_true(vs[0].pace > 1.2);
    lm_free(vs);
    /* hours later, still there: the rest of the day is late, re-planning is queued */
    fake_now_ms = (DAY + 17 * 3600) * 1000;
    res = observe(f, "D1", second.lat, second.lon, 0);
    assert_true(res.etas_changed > 0);
    assert_true(res.late > 0);
    assert_true(res.replan_requested);
    assert_true(tmp_db_count_events(f->s, "stop.late") > 0);
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    dispatch_plan p = get_plan(f, rp);
    assert_string_equal(p.effect.trigger, "late");
    assert_true(p.effect.late_before > 0);
    dispatch_plan_clear(&p);
    /* silence: no position for 10 minutes */
    OK(dispatch_tick(f->d, fake_now_ms + 11 * 60000, NULL));
    assert_int_equal(tmp_db_count_events(f->s, "vehicle.silent"), 1);
    OK(dispatch_tick(f->d, fake_now_ms + 12 * 60000, NULL));
    assert_int_equal(tmp_db_count_events(f->s, "vehicle.silent"), 1);
}

static void test_breakdown_replan(void **state) {
    fixture *f = *state;
    scenario(f, 10, 9, 18, 2, 6); /* both vans needed */
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    start_vehicle(f, "D2");
    dispatch_stop done1;
    deliver_first(f, "D1", &done1);
    dispatch_driver_route before = route_of(f, "D1");
    size_t v1_pending = pending_of(&before);
    dispatch_driver_route_clear(&before);
    assert_true(v1_pending > 0);
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    /* the driver API cannot touch another driver's stops */
    dispatch_driver_route r2 = route_of(f, "D2");
    OK(store_tx_begin(f->s, &tx));
    assert_int_equal(dispatch_stop_arrived(f->d, tx, "D1", r2.stops[0].stop.id, fake_now_ms, &err),
                     LM_FORBIDDEN);
    store_tx_rollback(tx);
    dispatch_driver_route_clear(&r2);
    fake_now_ms += 60000;
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_driver_exception(f->d, tx, "D1", DISPATCH_EXC_BREAKDOWN, 0, "engine", fake_now_ms,
                                  &err),
        err);
    OK(store_tx_commit(tx));
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    dispatch_plan p = get_plan(f, rp);
    assert_string_equal(p.effect.trigger, "breakdown");
    /* nothing on the broken van; its parcels are transfers (pickups at its position) on V2 */
    size_t transfers = 0;
    for (size_t i = 0; i < p.n_routes; i++) {
        assert_string_not_equal(p.routes[i].vehicle_id, "V1");
        for (size_t k = 0; k < p.routes[i].n_stops; k++)
            transfers += p.routes[i].stops[k].kind == DISPATCH_STOP_PICKUP &&
                         p.routes[i].stops[k].transfer_from != 0;
    }
    assert_int_equal(transfers, v1_pending);
    assert_int_equal(p.n_unassigned, 0);
    dispatch_plan_clear(&p);
    OKE(dispatch_replan_apply(f->d, rp, &err), err);
    assert_int_equal(dispatch_replan_apply(f->d, rp, &err), LM_CONFLICT);
    dispatch_driver_route r1 = route_of(f, "D1");
    assert_int_equal(pending_of(&r1), 0);
    bool still_done = false;
    for (size_t i = 0; i < r1.n_stops; i++)
        if (r1.stops[i].stop.id == done1.id)
            still_done = r1.stops[i].stop.status == DISPATCH_STOP_DONE;
    assert_true(still_done);
    dispatch_driver_route_clear(&r1);
    assert_string_equal(order_status(f, done1.order_id), "delivered");
    const char *drivers[] = {"D1", "D2"};
    check_live_consistent(f, drivers, 2);
    assert_int_equal(tmp_db_count_events(f->s, "plan.replanned"), 1);
}

static void test_failed_retry_keeps_parcels(void **state) {
    fixture *f = *state;
    scenario(f, 8, 9, 18, 2, 5);
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    start_vehicle(f, "D2");
    dispatch_driver_route rt = route_of(f, "D1");
    dispatch_stop s = rt.stops[0].stop;
    size_t v1_orders = rt.n_stops;
    int64_t v1_order_ids[32];
    for (size_t i = 0; i < rt.n_stops; i++)
        v1_order_ids[i] = rt.stops[i].stop.order_id;
    dispatch_driver_route_clear(&rt);
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    assert_int_equal(dispatch_stop_failed(f->d, tx, "D1", s.id, "because", "", fake_now_ms, &err),
                     LM_INVALID);
    OKE(dispatch_stop_failed(f->d, tx, "D1", s.id, "not_home", "bell broken", fake_now_ms, &err),
        err);
    OK(store_tx_commit(tx));
    /* window until 18:00: retried later, the parcel stays on board */
    assert_string_equal(order_status(f, s.order_id), "out_for_delivery");
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    OKE(dispatch_replan_apply(f->d, rp, &err), err);
    rt = route_of(f, "D1");
    size_t found = 0;
    for (size_t i = 0; i < rt.n_stops; i++) {
        const dispatch_stop *x = &rt.stops[i].stop;
        if (x->status != DISPATCH_STOP_PLANNED) continue;
        for (size_t k = 0; k < v1_orders; k++)
            found += x->order_id == v1_order_ids[k];
        if (x->order_id == s.order_id) assert_true(x->eta_s >= fake_now_ms / 1000 + 1800);
    }
    dispatch_driver_route_clear(&rt);
    assert_int_equal(found, v1_orders); /* every parcel on V1 is still V1's, the retry included */
    const char *drivers[] = {"D1", "D2"};
    check_live_consistent(f, drivers, 2);
    /* a refusal is final: the order fails and goes back to the depot */
    rt = route_of(f, "D1");
    dispatch_stop t = {0};
    for (size_t i = 0; i < rt.n_stops && !t.id; i++)
        if (rt.stops[i].stop.status == DISPATCH_STOP_PLANNED) t = rt.stops[i].stop;
    dispatch_driver_route_clear(&rt);
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_stop_failed(f->d, tx, NULL, t.id, "refused", "", fake_now_ms, &err), err);
    OK(store_tx_commit(tx));
    assert_string_equal(order_status(f, t.order_id), "failed");
}

static void test_cancel_and_urgent(void **state) {
    fixture *f = *state;
    scenario(f, 6, 9, 18, 2, 3); /* 3 parcels per van: both vans get a route, by construction */
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    /* V2 has not left: its orders are still only planned and can be cancelled */
    dispatch_driver_route rt = route_of(f, "D2");
    assert_int_equal(rt.n_stops, 3);
    int64_t cancel_id = rt.stops[0].stop.order_id, cancel_stop = rt.stops[0].stop.id;
    dispatch_driver_route_clear(&rt);
    assert_string_equal(order_status(f, cancel_id), "planned");
    lm_errinfo err = {0};
    OKE(orders_order_cancel(f->o, cancel_id, NULL, &err), err);
    OK(dispatch_tick(f->d, fake_now_ms, &err));
    assert_int_equal(tmp_db_count_events(f->s, "stop.cancelled"), 1);
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    OKE(dispatch_replan_apply(f->d, rp, &err), err);
    /* the cancelled order is on no route any more, its stop stays cancelled */
    rt = route_of(f, "D2");
    for (size_t i = 0; i < rt.n_stops; i++) {
        const dispatch_stop *s = &rt.stops[i].stop;
        if (s->id == cancel_stop)
            assert_int_equal(s->status, DISPATCH_STOP_CANCELLED);
        else if (s->order_id == cancel_id)
            fail_msg("cancelled order %lld is back on V2 as stop %lld", (long long)cancel_id,
                     (long long)s->id);
    }
    dispatch_driver_route_clear(&rt);
    const char *drivers2[] = {"D1", "D2"};
    check_live_consistent(f, drivers2, 2);
    /* an urgent order while routes run: it is fitted in as a depot pickup */
    size_t before = f->n_orders;
    orders_line l = {.qty = 1};
    lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
    orders_order in = {0};
    lm_strlcpy(in.customer_name, "Urgent", sizeof in.customer_name);
    lm_strlcpy(in.customer_phone, "+33699999999", sizeof in.customer_phone);
    lm_strlcpy(in.customer_address, "1 place Urgente", sizeof in.customer_address);
    in.has_location = true;
    in.lat = DEPOT_LAT + 0.01;
    in.lon = DEPOT_LON - 0.01;
    in.lines = &l;
    in.n_lines = 1;
    in.priority = 90;
    in.windows[0] = (store_window){DAY + 10 * 3600, DAY + 18 * 3600};
    in.n_windows = 1;
    orders_order out = {0};
    bool replayed = false;
    OKE(orders_order_create(f->o, &in, NULL, &out, &replayed, &err), err);
    int64_t uid = out.id;
    orders_order_clear(&out);
    OKE(orders_order_picking(f->o, uid, NULL, &err), err);
    OKE(orders_order_ready(f->o, uid, 1000, 1000, 1, NULL, &err), err);
    f->order_ids[f->n_orders++] = uid;
    OK(dispatch_tick(f->d, fake_now_ms, &err));
    dispatch_wait_idle(f->d);
    rp = latest_replan(f);
    assert_true(rp > 0);
    dispatch_plan p = get_plan(f, rp);
    assert_string_equal(p.effect.trigger, "urgent");
    dispatch_plan_clear(&p);
    OKE(dispatch_replan_apply(f->d, rp, &err), err);
    assert_string_equal(order_status(f, uid), "planned");
    assert_true(f->n_orders == before + 1);
    check_live_consistent(f, drivers2, 2);
    /* tracking: the urgent order is on a route with an ETA window around its ETA */
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_tracking tr;
    OK(dispatch_tracking_get(r, uid, &tr, NULL));
    store_read_end(r);
    assert_true(tr.on_route);
    assert_true(tr.eta_from_s <= tr.eta_s && tr.eta_s <= tr.eta_to_s);
}

/* The pending stops of a driver's live route, as (id, status) pairs, for before/after checks. */
static size_t pending_ids(fixture *f, const char *driver, int64_t *ids, size_t cap) {
    dispatch_driver_route rt = route_of(f, driver);
    size_t n = 0;
    for (size_t i = 0; i < rt.n_stops; i++) {
        const dispatch_stop *s = &rt.stops[i].stop;
        if ((s->status == DISPATCH_STOP_PLANNED || s->status == DISPATCH_STOP_ARRIVED) && n < cap)
            ids[n++] = s->id;
    }
    dispatch_driver_route_clear(&rt);
    return n;
}

/* A re-plan computed against live version N is refused once the live routes moved on to N+1:
 * applying it would overwrite a change it never saw. */
static void test_replan_superseded_apply(void **state) {
    fixture *f = *state;
    scenario(f, 6, 9, 18, 2, 3);
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    dispatch_driver_route rt = route_of(f, "D1");
    assert_true(rt.n_stops > 0);
    int64_t failed = rt.stops[0].stop.id;
    dispatch_driver_route_clear(&rt);
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_stop_failed(f->d, tx, "D1", failed, "not_home", "", fake_now_ms, &err), err);
    OK(store_tx_commit(tx));
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    dispatch_plan p = get_plan(f, rp);
    assert_int_equal(p.status, DISPATCH_PLAN_PROPOSED);
    dispatch_plan_clear(&p);
    /* the live routes change after the proposal. Every live change bumps the live version; here
     * it is bumped on its own, so no newer re-plan is queued that would supersede rp by status
     * first: only the version check stands between rp and the live routes */
    int64_t v1[32], v2[32];
    size_t n1 = pending_ids(f, "D1", v1, 32), n2 = pending_ids(f, "D2", v2, 32);
    OK(store_tx_begin(f->s, &tx));
    OK(store_live_version_bump(tx, &err));
    OK(store_tx_commit(tx));
    lm_errinfo aerr = {0};
    assert_int_equal(dispatch_replan_apply(f->d, rp, &aerr), LM_CONFLICT); /* HTTP 409 */
    if (!strstr(aerr.message, "superseded")) fail_msg("apply refused with '%s'", aerr.message);
    assert_string_equal(aerr.field, "status");
    p = get_plan(f, rp);
    assert_int_equal(p.status, DISPATCH_PLAN_SUPERSEDED);
    dispatch_plan_clear(&p);
    /* nothing of rp reached the live routes */
    int64_t w1[32], w2[32];
    assert_int_equal(pending_ids(f, "D1", w1, 32), n1);
    assert_int_equal(pending_ids(f, "D2", w2, 32), n2);
    assert_memory_equal(v1, w1, n1 * sizeof *v1);
    assert_memory_equal(v2, w2, n2 * sizeof *v2);
    assert_int_equal(tmp_db_count_events(f->s, "plan.replanned"), 0);
    /* and once refused it stays refused; a fresh re-plan against the new version applies */
    assert_int_equal(dispatch_replan_apply(f->d, rp, &aerr), LM_CONFLICT);
    OK(dispatch_replan_request(f->d, DISPATCH_TRIGGER_MANUAL, NULL, NULL, &err));
    dispatch_wait_idle(f->d);
    int64_t rp2 = latest_replan(f);
    assert_true(rp2 > rp);
    OKE(dispatch_replan_apply(f->d, rp2, &err), err);
    assert_int_equal(tmp_db_count_events(f->s, "plan.replanned"), 1);
    const char *drivers[] = {"D1", "D2"};
    check_live_consistent(f, drivers, 2);
}

/* A re-plan that cannot place every order drops none silently: orders still at the depot
 * (planned) go back to ready for the next plan, parcels stranded on a broken van get an open
 * "unrouted" exception and an order.unrouted event. V1's driver reports the van full (no new
 * work), then V2 breaks down: no van can take V2's orders. */
static void breakdown_with_full_fleet(fixture *f, bool v2_started, int64_t *orders, size_t *n) {
    scenario(f, 6, 9, 18, 2, 3);
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    if (v2_started) start_vehicle(f, "D2");
    dispatch_driver_route rt = route_of(f, "D2");
    assert_int_equal(rt.n_stops, 3);
    *n = 0;
    for (size_t i = 0; i < rt.n_stops; i++)
        orders[(*n)++] = rt.stops[i].stop.order_id;
    dispatch_driver_route_clear(&rt);
    assert_string_equal(order_status(f, orders[0]), v2_started ? "out_for_delivery" : "planned");
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    fake_now_ms += 60000;
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_driver_exception(f->d, tx, "D1", DISPATCH_EXC_VEHICLE_FULL, 0, "full", fake_now_ms,
                                  &err),
        err);
    OKE(dispatch_driver_exception(f->d, tx, "D2", DISPATCH_EXC_BREAKDOWN, 0, "engine", fake_now_ms,
                                  &err),
        err);
    OK(store_tx_commit(tx));
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    dispatch_plan p = get_plan(f, rp);
    assert_int_equal(p.n_unassigned, 3); /* V1 takes no new work: one re-plan covers both */
    dispatch_plan_clear(&p);
    OKE(dispatch_replan_apply(f->d, rp, &err), err);
}

static size_t open_unrouted(fixture *f, int64_t order) {
    orders_exception *ex = NULL;
    size_t n = 0, found = 0;
    lm_errinfo err = {0};
    OKE(orders_exception_list(f->o, true, order, &ex, &n, &err), err);
    for (size_t k = 0; k < n; k++)
        found += !strcmp(ex[k].rule, "unrouted") && strstr(ex[k].message, "V2") != NULL;
    lm_free(ex);
    return found;
}

static void test_replan_drops_nothing_silently(void **state) {
    fixture *f = *state;
    int64_t orders[8];
    size_t n = 0;
    /* V2 broke down at the depot: its orders were never loaded */
    breakdown_with_full_fleet(f, false, orders, &n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(order_status(f, orders[i]), "ready");
        assert_int_equal(open_unrouted(f, orders[i]), 0);
    }
    assert_int_equal(tmp_db_count_events(f->s, "order.unrouted"), 0);
    const char *drivers[] = {"D1", "D2"};
    check_live_consistent(f, drivers, 2);
}

static void test_replan_reports_stranded_parcels(void **state) {
    fixture *f = *state;
    int64_t orders[8];
    size_t n = 0;
    /* V2 broke down on the road with its 3 parcels */
    breakdown_with_full_fleet(f, true, orders, &n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(order_status(f, orders[i]), "out_for_delivery");
        assert_int_equal(open_unrouted(f, orders[i]), 1);
    }
    assert_int_equal(tmp_db_count_events(f->s, "order.unrouted"), 3);
    /* the broken van keeps no pending stop; the stranded parcels are on no route, reported */
    dispatch_driver_route r2 = route_of(f, "D2");
    assert_int_equal(pending_of(&r2), 0);
    dispatch_driver_route_clear(&r2);
}

static void test_fleet_validation(void **state) {
    fixture *f = *state;
    scenario(f, 0, 9, 18, 1, 0);
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    dispatch_vehicle v;
    dispatch_vehicle_init(&v);
    lm_strlcpy(v.id, "bad id!", sizeof v.id);
    assert_int_equal(dispatch_vehicle_put(tx, &v, &err), LM_INVALID);
    assert_string_equal(err.field, "id");
    lm_strlcpy(v.id, "V9", sizeof v.id);
    lm_strlcpy(v.start_depot, "NOPE", sizeof v.start_depot);
    assert_int_equal(dispatch_vehicle_put(tx, &v, &err), LM_INVALID);
    assert_string_equal(err.field, "start_depot");
    dispatch_driver dr = {0};
    lm_strlcpy(dr.id, "D9", sizeof dr.id);
    lm_strlcpy(dr.name, "Nine", sizeof dr.name);
    lm_strlcpy(dr.device_id, "dev1", sizeof dr.device_id); /* D1's */
    dr.allow_short_device_id = true;
    assert_int_equal(dispatch_driver_save(tx, &dr, NULL, &err), LM_CONFLICT);
    store_tx_rollback(tx);
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_driver got;
    OK(dispatch_driver_by_device(r, "dev1", &got, NULL));
    assert_string_equal(got.id, "D1");
    assert_int_equal(dispatch_driver_by_device(r, "nobody", &got, NULL), LM_NOT_FOUND);
    store_read_end(r);
}

/* ---- Learned speeds ---- */

/* Legs inside one zone driven at twice their planned time between 09:00 and 10:00 teach that
 * zone's 9 o'clock factor; the next stop's ETA is its planned leg x that factor x the driver's
 * pace; the same zone at 13:00 keeps factor 1. */
static int setup_learning(void **state) {
    fixture_learn_speeds = true;
    int rc = setup(state);
    fixture_learn_speeds = false;
    return rc;
}

static void test_learned_speeds_eta(void **state) {
    fixture *f = *state;
    scenario(f, 0, 9, 17, 1, 20);
    /* 300 m - 900 m around the depot: one 0.02-degree zone */
    for (size_t i = 0; i < 10; i++) {
        double ang = (double)i * 2.39996, rad = 0.003 + 0.006 * (double)(i % 5) / 4.0;
        add_order(f, DEPOT_LAT + rad * 0.7 * __builtin_sin(ang),
                  DEPOT_LON + rad * __builtin_cos(ang), DAY + 9 * 3600, DAY + 17 * 3600, 0);
    }
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    dispatch_driver_route rt = route_of(f, "D1");
    size_t n = rt.n_stops, learned = 0;
    assert_true(n == 10);
    dispatch_stop *stops = calloc(n, sizeof *stops);
    for (size_t i = 0; i < n; i++)
        stops[i] = rt.stops[i].stop;
    dispatch_driver_route_clear(&rt);
    size_t k = 0;
    for (; k + 1 < n; k++) {
        /* twice the planned leg, then 20 s standing at the door: arrived, then delivered */
        fake_now_ms += (k ? stops[k].leg_s : 60) * 2000;
        observe(f, "D1", stops[k].lat, stops[k].lon, 0);
        fake_now_ms += 20000;
        dispatch_obs_result res = observe(f, "D1", stops[k].lat, stops[k].lon, 0);
        assert_int_equal(res.arrived_stop, stops[k].id);
        learned += k > 0 && stops[k].leg_s >= 60;
        if (learned >= 4 && k >= 2) break;
        store_tx *tx = NULL;
        lm_errinfo err = {0};
        OK(store_tx_begin(f->s, &tx));
        OKE(dispatch_stop_delivered(f->d, tx, "D1", stops[k].id, "", fake_now_ms, &err), err);
        OK(store_tx_commit(tx));
    }
    assert_true(learned >= 3);
    assert_true(fake_now_ms < (DAY + 10 * 3600) * 1000); /* all of it in the 9 o'clock hour */
    geo_point at = {stops[k].lat, stops[k].lon}, next = {stops[k + 1].lat, stops[k + 1].lon};
    int64_t now_s = fake_now_ms / 1000;
    double fct = dispatch_speed_factor(f->d, at, next, now_s);
    assert_true(fct > 1.05 && fct <= 2.0);
    assert_true(dispatch_speed_factor(f->d, at, next, now_s + 4 * 3600) == 1.0);
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_vehicle_state *vs = NULL;
    size_t nvs = 0;
    OK(dispatch_vehicle_states(r, &vs, &nvs, NULL));
    store_read_end(r);
    double pace = vs[0].pace;
    lm_free(vs);
    rt = route_of(f, "D1");
    int64_t eta_next = 0, arrived_s = 0, service = 0;
    for (size_t i = 0; i < rt.n_stops; i++) {
        if (rt.stops[i].stop.id == stops[k + 1].id) eta_next = rt.stops[i].stop.eta_s;
        if (rt.stops[i].stop.id == stops[k].id) {
            arrived_s = rt.stops[i].stop.arrived_ms / 1000;
            service = rt.stops[i].stop.service_s;
        }
    }
    dispatch_driver_route_clear(&rt);
    int64_t t = arrived_s + service > now_s ? arrived_s + service : now_s;
    int64_t want = t + (int64_t)__builtin_llround((double)stops[k + 1].leg_s * fct * pace);
    if (__builtin_llabs(eta_next - want) > 1)
        fail_msg("ETA %lld, want %lld (leg %lld s x factor %.3f x pace %.3f)", (long long)eta_next,
                 (long long)want, (long long)stops[k + 1].leg_s, fct, pace);
    free(stops);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_learned_speeds_eta, setup_learning, teardown),
        cmocka_unit_test_setup_teardown(test_replan_drops_nothing_silently, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replan_reports_stranded_parcels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fleet_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_positions_eta_arrival_late, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breakdown_replan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_retry_keeps_parcels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_urgent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replan_superseded_apply, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
