/* tests/dispatch/test_hand.c: hand dispatch on live routes: assign at the cheapest position or
 * at an index, a started van fetching the parcel at its depot first, capacity refusals that
 * change nothing, dry runs, reorders, moves between routes (refused for parcels on board), stop
 * and route locks that a re-plan keeps, unassign back to ready. After every change each stored
 * route is re-evaluated from its live state (dispatch's evaluator + solver_check) by a dry-run
 * reorder that keeps its order. */
#include "tests/dispatch/fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static size_t live_ids(fixture *f, const char *vid, int64_t *ids, size_t cap) {
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_live_route rt;
    lm_errinfo err = {0};
    OKE(dispatch_live_route_get(r, vid, &rt, &err), err);
    store_read_end(r);
    size_t n = 0;
    for (size_t i = 0; i < rt.n_stops && n < cap; i++)
        ids[n++] = rt.stops[i].id;
    dispatch_live_route_clear(&rt);
    return n;
}

/* The stored route of vid, as it is, passes the evaluator and the solver's checker. */
static void check_route(fixture *f, const char *vid) {
    int64_t ids[64];
    size_t n = live_ids(f, vid, ids, 64);
    dispatch_hand_req q = {.kind = DISPATCH_HAND_REORDER,
                           .vehicle_id = vid,
                           .stop_ids = ids,
                           .n_stop_ids = n,
                           .dry_run = true};
    dispatch_hand_result res;
    lm_errinfo err = {0};
    OKE(dispatch_hand_edit(f->d, &q, &res, &err), err);
    assert_true(res.feasible);
    assert_int_equal(res.routes[0].n_stops, n);
    dispatch_hand_result_clear(&res);
}

static int64_t new_ready_order(fixture *f, double dlat, double dlon) {
    return add_order(f, DEPOT_LAT + dlat, DEPOT_LON + dlon, DAY + 9 * 3600, DAY + 18 * 3600, 0);
}

static lm_status edit(fixture *f, dispatch_hand_req q, dispatch_hand_result *res, lm_errinfo *err) {
    memset(res, 0, sizeof *res);
    return dispatch_hand_edit(f->d, &q, res, err);
}

static void test_assign_capacity_dry_run(void **state) {
    fixture *f = *state;
    scenario(f, 6, 9, 18, 2, 4);
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    int64_t v2[16];
    size_t n2 = live_ids(f, "V2", v2, 16);
    assert_true(n2 >= 1 && n2 <= 3);
    int64_t o1 = new_ready_order(f, 0.01, 0.01);
    dispatch_hand_result res;
    lm_errinfo err = {0};
    int64_t events = tmp_db_count_events(f->s, "route.changed");
    /* a dry run answers the verdict and the new ETAs, and changes nothing */
    OKE(edit(f, (dispatch_hand_req){DISPATCH_HAND_ASSIGN, "V2", o1, 0, -1, NULL, 0, true}, &res,
             &err),
        err);
    assert_true(res.feasible);
    assert_int_equal(res.routes[0].n_stops, n2 + 1);
    assert_true(res.cost_after >= res.cost_before && res.cost_before > 0);
    dispatch_hand_result_clear(&res);
    assert_string_equal(order_status(f, o1), "ready");
    assert_int_equal(tmp_db_count_events(f->s, "route.changed"), events);
    /* then for real: the order is planned, the driver's route has it */
    OKE(edit(f, (dispatch_hand_req){DISPATCH_HAND_ASSIGN, "V2", o1, 0, -1, NULL, 0, false}, &res,
             &err),
        err);
    int64_t s1 = res.stop_id;
    assert_true(s1 > 0);
    dispatch_hand_result_clear(&res);
    assert_string_equal(order_status(f, o1), "planned");
    assert_int_equal(tmp_db_count_events(f->s, "route.changed"), events + 1);
    dispatch_driver_route rt = route_of(f, "D2");
    bool found = false;
    for (size_t i = 0; i < rt.n_stops; i++)
        found |= rt.stops[i].stop.id == s1 && rt.stops[i].stop.order_id == o1;
    dispatch_driver_route_clear(&rt);
    assert_true(found);
    check_route(f, "V2");
    /* V2 holds 4 parcels: one more is refused with the reason, and nothing changes */
    size_t full = live_ids(f, "V2", v2, 16);
    for (size_t k = full; k < 4; k++) {
        int64_t ox = new_ready_order(f, 0.005 * (double)k, -0.01);
        OKE(edit(f, (dispatch_hand_req){DISPATCH_HAND_ASSIGN, "V2", ox, 0, -1, NULL, 0, false},
                 &res, &err),
            err);
        dispatch_hand_result_clear(&res);
    }
    n2 = live_ids(f, "V2", v2, 16);
    assert_int_equal(n2, 4);
    int64_t o2 = new_ready_order(f, -0.01, 0.01);
    assert_int_equal(edit(f,
                          (dispatch_hand_req){DISPATCH_HAND_ASSIGN, "V2", o2, 0, 1, NULL, 0, false},
                          &res, &err),
                     LM_CONFLICT);
    assert_false(res.feasible);
    assert_true(res.n_violations >= 1);
    dispatch_hand_result_clear(&res);
    int64_t after[16];
    assert_int_equal(live_ids(f, "V2", after, 16), n2);
    assert_memory_equal(after, v2, n2 * sizeof *v2);
    assert_string_equal(order_status(f, o2), "ready");
    /* an index out of range names the field */
    assert_int_equal(
        edit(f, (dispatch_hand_req){DISPATCH_HAND_ASSIGN, "V1", o2, 0, 99, NULL, 0, false}, &res,
             &err),
        LM_INVALID);
    assert_string_equal(err.field, "position");
    /* the started V1 fetches the parcel at its depot, then delivers it */
    OKE(edit(f, (dispatch_hand_req){DISPATCH_HAND_ASSIGN, "V1", o2, 0, -1, NULL, 0, false}, &res,
             &err),
        err);
    dispatch_hand_result_clear(&res);
    rt = route_of(f, "D1");
    size_t pick = 0, del = 0;
    for (size_t i = 0; i < rt.n_stops; i++) {
        if (rt.stops[i].stop.order_id != o2) continue;
        if (rt.stops[i].stop.kind == DISPATCH_STOP_PICKUP) pick = i + 1;
        if (rt.stops[i].stop.kind == DISPATCH_STOP_DELIVERY) del = i + 1;
    }
    dispatch_driver_route_clear(&rt);
    assert_true(pick > 0 && del > pick);
    check_route(f, "V1");
    const char *drivers[] = {"D1", "D2"};
    check_live_consistent(f, drivers, 2);
}

static void test_reorder_move_unassign(void **state) {
    fixture *f = *state;
    scenario(f, 6, 9, 18, 2, 3); /* both vans needed */
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    int64_t v1[16], v2[16];
    size_t n1 = live_ids(f, "V1", v1, 16), n2 = live_ids(f, "V2", v2, 16);
    assert_true(n1 >= 1 && n2 >= 2);
    dispatch_hand_result res;
    lm_errinfo err = {0};
    /* reverse V2 */
    int64_t rev[16];
    for (size_t i = 0; i < n2; i++)
        rev[i] = v2[n2 - 1 - i];
    OKE(edit(f, (dispatch_hand_req){DISPATCH_HAND_REORDER, "V2", 0, 0, 0, rev, n2, false}, &res,
             &err),
        err);
    dispatch_hand_result_clear(&res);
    int64_t now2[16];
    assert_int_equal(live_ids(f, "V2", now2, 16), n2);
    assert_memory_equal(now2, rev, n2 * sizeof *rev);
    check_route(f, "V2");
    /* a stop listed twice or missing is refused, naming the index */
    rev[1] = rev[0];
    assert_int_equal(edit(f,
                          (dispatch_hand_req){DISPATCH_HAND_REORDER, "V2", 0, 0, 0, rev, n2, false},
                          &res, &err),
                     LM_INVALID);
    assert_string_equal(err.field, "stop_ids[1]");
    /* a parcel on board the started V1 cannot move to V2 */
    assert_int_equal(
        edit(f, (dispatch_hand_req){DISPATCH_HAND_MOVE, "V2", 0, v1[0], -1, NULL, 0, false}, &res,
             &err),
        LM_CONFLICT);
    assert_string_equal(err.field, "stop_id");
    /* V2 has not left: its stop moves to the started V1, which fetches the parcel at the depot
     * first; both routes are re-timed */
    int64_t moving = now2[0];
    OKE(edit(f, (dispatch_hand_req){DISPATCH_HAND_MOVE, "V1", 0, moving, -1, NULL, 0, false}, &res,
             &err),
        err);
    assert_int_equal(res.n_routes, 2);
    dispatch_hand_result_clear(&res);
    assert_int_equal(live_ids(f, "V2", now2, 16), n2 - 1);
    check_route(f, "V1");
    check_route(f, "V2");
    /* it cannot simply move back: V1 still has to fetch it (unassign, then assign instead) */
    assert_int_equal(
        edit(f, (dispatch_hand_req){DISPATCH_HAND_MOVE, "V2", 0, moving, 0, NULL, 0, false}, &res,
             &err),
        LM_CONFLICT);
    assert_string_equal(err.field, "stop_id");
    OKE(edit(f, (dispatch_hand_req){DISPATCH_HAND_UNASSIGN, NULL, 0, moving, 0, NULL, 0, false},
             &res, &err),
        err);
    dispatch_hand_result_clear(&res);
    int64_t moved_order = 0;
    for (size_t o = 0; o < f->n_orders; o++)
        if (!strcmp(order_status(f, f->order_ids[o]), "ready")) moved_order = f->order_ids[o];
    assert_true(moved_order > 0);
    assert_int_equal(live_ids(f, "V2", now2, 16), n2 - 1);
    check_route(f, "V2");
    /* assign it to V2 at index 0 */
    OKE(edit(f, (dispatch_hand_req){DISPATCH_HAND_ASSIGN, "V2", moved_order, 0, 0, NULL, 0, false},
             &res, &err),
        err);
    assert_int_equal(res.position, 0);
    dispatch_hand_result_clear(&res);
    assert_string_equal(order_status(f, moved_order), "planned");
    const char *drivers[] = {"D1", "D2"};
    check_live_consistent(f, drivers, 2);
}

static void test_locks_survive_replan(void **state) {
    fixture *f = *state;
    scenario(f, 8, 9, 18, 2, 4); /* both vans needed */
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    start_vehicle(f, "D2");
    int64_t v1[16], v2[16];
    size_t n1 = live_ids(f, "V1", v1, 16), n2 = live_ids(f, "V2", v2, 16);
    assert_true(n1 >= 1 && n2 >= 2);
    lm_errinfo err = {0};
    store_read *r = NULL;
    OKE(dispatch_route_lock(f->d, "V1", true, &err), err);
    OKE(dispatch_stop_lock(f->d, v2[n2 - 1], true, &err), err);
    assert_int_equal(dispatch_stop_lock(f->d, 999999, true, &err), LM_NOT_FOUND);
    assert_string_equal(err.field, "stop_id");
    OK(store_read_begin(f->s, &r));
    dispatch_live_route lr;
    OKE(dispatch_live_route_get(r, "V1", &lr, &err), err);
    store_read_end(r);
    assert_true(lr.locked);
    dispatch_live_route_clear(&lr);
    /* a re-plan leaves V1's locked route exactly as it is */
    OKE(dispatch_replan_request(f->d, DISPATCH_TRIGGER_MANUAL, NULL, NULL, &err), err);
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    OKE(dispatch_replan_apply(f->d, rp, &err), err);
    int64_t w1[16];
    assert_int_equal(live_ids(f, "V1", w1, 16), n1);
    assert_memory_equal(w1, v1, n1 * sizeof *v1);
    /* the locked stop of V2 is still V2's, and still locked */
    OK(store_read_begin(f->s, &r));
    OKE(dispatch_live_route_get(r, "V2", &lr, &err), err);
    store_read_end(r);
    int64_t locked_order = 0;
    dispatch_stop st;
    OK(store_read_begin(f->s, &r));
    OK(dispatch_stop_get(r, v2[n2 - 1], &st, &err));
    store_read_end(r);
    bool kept = false;
    for (size_t i = 0; i < lr.n_stops; i++)
        if (lr.stops[i].order_id == st.order_id) {
            kept = lr.stops[i].locked;
            locked_order = st.order_id;
        }
    dispatch_live_route_clear(&lr);
    assert_true(locked_order > 0);
    assert_true(kept);
    assert_int_equal(tmp_db_count_events(f->s, "route.locked"), 1);
    assert_int_equal(tmp_db_count_events(f->s, "stop.locked"), 1);
    check_route(f, "V1");
    check_route(f, "V2");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_assign_capacity_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reorder_move_unassign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locks_survive_replan, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
