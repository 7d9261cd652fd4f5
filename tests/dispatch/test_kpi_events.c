/* What dispatch/ writes for analytics: an applied re-plan gives every stop it keeps a
 * stop.eta_set (so ETA accuracy covers re-planned stops), and an arrival carries the leg as
 * driven (from the accepted position fixes since the previous stop) beside the planned one. */
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
    /* the first stop: reached (no previous stop: its leg is not measured), then delivered */
    fake_now_ms += 600000;
    observe(f, "D1", first.lat, first.lon, 0.2);
    fake_now_ms += 20000;
    observe(f, "D1", first.lat, first.lon, 0.2);
    char p[1024];
    assert_true(last_payload(f->s, "stop.arrived", p, sizeof p));
    assert_null(strstr(p, "driven_m"));
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replan_sets_etas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrival_carries_driven_leg, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
