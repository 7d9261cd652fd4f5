/* What dispatch/ writes for analytics: an applied re-plan gives every stop it keeps a
 * stop.eta_set (so ETA accuracy covers re-planned stops), an arrival carries the leg as driven
 * (from the accepted position fixes since the previous stop, or since the route left the depot
 * for the first stop) beside the planned one, and the van's return to its end depot after the
 * last stop appends route.returned with the drive back, planned and driven. */
#include "geo/geo.h"
#include "store/store_positions.h"
#include "tests/dispatch/fixture.h"

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The payload of the newest event of type (copied into out), false when none. */
static bool last_payload(store *s, const char *type, char *out, size_t cap) {
    store_read *r = NULL;
    OK(store_read_begin(s, &r));
    bool found = false;
    int64_t after = 0;
    for (int page = 0; page < 100; page++) {
        store_event *ev = NULL;
        size_t n = 0;
        OK(store_events_since(r, after, 1000, &ev, &n));
        for (size_t i = 0; i < n; i++)
            if (!strcmp(ev[i].type, type)) {
                lm_strlcpy(out, ev[i].payload_json, cap);
                found = true;
            }
        if (n) after = ev[n - 1].seq;
        store_events_free(ev, n);
        if (n < 1000) break;
    }
    store_read_end(r);
    return found;
}

static int64_t field_i64(const char *json, const char *key) {
    char pat[48];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p) fail_msg("no %s in %s", key, json);
    return strtoll(p + strlen(pat), NULL, 10);
}

static void test_replan_sets_etas(void **state) {
    fixture *f = *state;
    scenario(f, 8, 9, 18, 2, 5);
    commit_plan(f);
    int64_t at_commit = tmp_db_count_events(f->s, "stop.eta_set");
    assert_true(at_commit >= 8); /* one per stop of the committed plan */
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    start_vehicle(f, "D2");
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_driver_exception(f->d, tx, "D1", DISPATCH_EXC_BREAKDOWN, 0, "engine", fake_now_ms,
                                  &err),
        err);
    OK(store_tx_commit(tx));
    dispatch_wait_idle(f->d);
    int64_t rp = latest_replan(f);
    assert_true(rp > 0);
    OKE(dispatch_replan_apply(f->d, rp, &err), err);
    char p[1024];
    assert_true(last_payload(f->s, "plan.replanned", p, sizeof p));
    int64_t kept = field_i64(p, "stops");
    assert_true(kept > 0);
    /* every stop the re-plan kept got its new ETA, stamped with the re-plan's time */
    assert_int_equal(tmp_db_count_events(f->s, "stop.eta_set"), at_commit + kept);
    assert_true(last_payload(f->s, "stop.eta_set", p, sizeof p));
    assert_int_equal(field_i64(p, "t_ms"), fake_now_ms);
}

static void position(fixture *f, const char *driver, double lat, double lon, int64_t t_ms) {
    store_position pos = {.time_ms = t_ms, .recv_ms = t_ms, .lat = lat, .lon = lon};
    lm_strlcpy(pos.device_id, "dev-D1-0123456789abcdef", sizeof pos.device_id);
    lm_strlcpy(pos.driver_id, driver, sizeof pos.driver_id);
    pos.speed_mps = pos.heading_deg = pos.altitude_m = pos.accuracy_m = pos.battery_pct = NAN;
    pos.charging = -1;
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    OKE(store_positions_insert(tx, &pos, 1, NULL, &err), err);
    OK(store_tx_commit(tx));
}

static void test_arrival_carries_driven_leg(void **state) {
    fixture *f = *state;
    scenario(f, 6, 9, 17, 1, 20);
    commit_plan(f);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    dispatch_driver_route rt = route_of(f, "D1");
    dispatch_stop first = rt.stops[0].stop, second = rt.stops[1].stop;
    dispatch_driver_route_clear(&rt);
    /* the first leg, from the fix that started the route by way of a detour point: the driven
     * distance of the fixes since the route left the depot */
    int64_t started = fake_now_ms;
    geo_point s0 = {DEPOT_LAT + 0.003, DEPOT_LON + 0.003}, s1 = {first.lat, first.lon + 0.01},
              s2 = {first.lat, first.lon};
    position(f, "D1", s0.lat, s0.lon, started);
    position(f, "D1", s1.lat, s1.lon, started + 300000);
    position(f, "D1", s2.lat, s2.lon, started + 600000);
    fake_now_ms = started + 600000;
    observe(f, "D1", first.lat, first.lon, 0.2);
    fake_now_ms += 20000;
    observe(f, "D1", first.lat, first.lon, 0.2);
    char p[1024];
    assert_true(last_payload(f->s, "stop.arrived", p, sizeof p));
    double want_first = geo_distance_m(s0, s1) + geo_distance_m(s1, s2);
    assert_int_equal(field_i64(p, "driven_m"), (int64_t)llround(want_first));
    assert_int_equal(field_i64(p, "leg_m"), first.leg_m);
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_stop_delivered(f->d, tx, "D1", first.id, "", fake_now_ms, &err), err);
    OK(store_tx_commit(tx));
    /* the drive to the second stop by way of a detour point: three fixes */
    int64_t left = fake_now_ms;
    geo_point a = {first.lat, first.lon}, mid = {first.lat + 0.01, first.lon},
              b = {second.lat, second.lon};
    position(f, "D1", a.lat, a.lon, left + 1000);
    position(f, "D1", mid.lat, mid.lon, left + 300000);
    position(f, "D1", b.lat, b.lon, left + 600000);
    fake_now_ms = left + 600000;
    observe(f, "D1", second.lat, second.lon, 0);
    fake_now_ms += 20000;
    dispatch_obs_result res = observe(f, "D1", second.lat, second.lon, 0);
    assert_int_equal(res.arrived_stop, second.id);
    assert_true(last_payload(f->s, "stop.arrived", p, sizeof p));
    double want = geo_distance_m(a, mid) + geo_distance_m(mid, b);
    assert_int_equal(field_i64(p, "driven_m"), (int64_t)llround(want));
    assert_int_equal(field_i64(p, "leg_m"), second.leg_m);
}

/* One stop, delivered; the van drives back by way of a detour point and stops at its depot: the
 * drive back is a leg, planned (the route's distance less the leg to the stop) and driven. */
static void test_return_to_depot_is_a_leg(void **state) {
    fixture *f = *state;
    scenario(f, 1, 9, 17, 1, 20);
    int64_t plan_id = plan_now(f);
    lm_errinfo err = {0};
    OKE(dispatch_plan_commit(f->d, plan_id, &err), err);
    dispatch_plan plan = get_plan(f, plan_id);
    assert_int_equal(plan.n_routes, 1);
    assert_int_equal(plan.routes[0].n_stops, 1);
    int64_t planned_back = plan.routes[0].distance_m - plan.routes[0].stops[0].leg_m;
    dispatch_plan_clear(&plan);
    assert_true(planned_back > 0);
    fake_now_ms = (DAY + 9 * 3600) * 1000;
    start_vehicle(f, "D1");
    dispatch_stop st = {0};
    /* at the depot before the stop is served: not a return */
    observe(f, "D1", DEPOT_LAT, DEPOT_LON, 0);
    assert_false(last_payload(f->s, "route.returned", (char[8]){0}, 8));
    fake_now_ms += 1200000;
    deliver_first(f, "D1", &st);
    int64_t left = fake_now_ms;
    geo_point a = {st.lat, st.lon}, mid = {st.lat + 0.01, st.lon}, b = {DEPOT_LAT, DEPOT_LON};
    position(f, "D1", a.lat, a.lon, left + 1000);
    position(f, "D1", mid.lat, mid.lon, left + 300000);
    position(f, "D1", b.lat, b.lon, left + 600000);
    /* passing near the depot at speed is not the return; stopping there is */
    fake_now_ms = left + 590000;
    observe(f, "D1", DEPOT_LAT, DEPOT_LON, 12);
    assert_false(last_payload(f->s, "route.returned", (char[8]){0}, 8));
    fake_now_ms = left + 600000;
    observe(f, "D1", DEPOT_LAT, DEPOT_LON, 0);
    char p[1024];
    assert_true(last_payload(f->s, "route.returned", p, sizeof p));
    assert_int_equal(field_i64(p, "t_ms"), fake_now_ms);
    assert_int_equal(field_i64(p, "leg_m"), planned_back);
    double want = geo_distance_m(a, mid) + geo_distance_m(mid, b);
    assert_int_equal(field_i64(p, "driven_m"), (int64_t)llround(want));
    /* once back, later fixes at the depot append nothing more */
    int64_t n = tmp_db_count_events(f->s, "route.returned");
    fake_now_ms += 60000;
    observe(f, "D1", DEPOT_LAT, DEPOT_LON, 0);
    assert_int_equal(tmp_db_count_events(f->s, "route.returned"), n);
    assert_int_equal(n, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replan_sets_etas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrival_carries_driven_leg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_return_to_depot_is_a_leg, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
