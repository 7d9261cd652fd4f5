/* tests/dispatch/test_settings_effect.c: a setting saved while the server runs changes what
 * dispatch does at once (issue 13 item 3), shown with the late threshold: a van running 20-30
 * minutes behind a stop's window end is not late under a threshold of two hours, and the next
 * position after the threshold is lowered to one minute raises stop.late. (The geofence radius
 * is shown the same way over HTTP: tests/api/test_settings_http.c.) */
#include "tests/dispatch/fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Saves the global late threshold as the next settings version. */
static void late_threshold(fixture *f, int64_t s) {
    store_read *r = NULL;
    dispatch_settings_doc doc;
    memset(&doc, 0, sizeof doc);
    lm_errinfo err = {0};
    OK(store_read_begin(f->s, &r));
    OKE(dispatch_settings_get(r, 0, &doc, &err), err);
    store_read_end(r);
    int64_t version = doc.rev.version, now_version = 0;
    dispatch_settings_doc_clear(&doc);
    dispatch_setting_change ch = {.value = s};
    lm_strlcpy(ch.key, "late_threshold_s", sizeof ch.key);
    lm_strlcpy(ch.field, "settings.late_threshold_s", sizeof ch.field);
    store_tx *tx = NULL;
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_settings_update(tx, version, "test", &ch, 1, fake_now_ms, &now_version, &err),
        err);
    OK(store_tx_commit(tx));
    assert_int_equal(now_version, version + 1);
}

static void test_late_threshold_takes_effect_at_once(void **state) {
    fixture *f = *state;
    scenario(f, 1, 9, 10, 1, 20); /* one stop, window 09:00-10:00 */
    commit_plan(f);
    late_threshold(f, 7200);
    dispatch_driver_route rt = route_of(f, "D1");
    dispatch_stop stop = rt.stops[0].stop;
    dispatch_driver_route_clear(&rt);
    assert_int_equal(stop.tw_end_s, DAY + 10 * 3600);
    /* 10:20, leaving the depot: the stop is a few km away, so its ETA is past 10:00 by less than
     * two hours */
    fake_now_ms = (DAY + 10 * 3600 + 1200) * 1000;
    start_vehicle(f, "D1");
    fake_now_ms += 30000;
    dispatch_obs_result res = observe(f, "D1", DEPOT_LAT + 0.003, DEPOT_LON, 8);
    assert_int_equal(res.late, 0);
    assert_int_equal(tmp_db_count_events(f->s, "stop.late"), 0);
    rt = route_of(f, "D1");
    int64_t eta = rt.stops[0].stop.eta_s;
    dispatch_driver_route_clear(&rt);
    if (eta <= stop.tw_end_s + 60 || eta > stop.tw_end_s + 7200)
        fail_msg("ETA %lld against a window ending %lld", (long long)eta, (long long)stop.tw_end_s);
    /* saved while it runs: the next position judges by a minute */
    late_threshold(f, 60);
    fake_now_ms += 30000;
    res = observe(f, "D1", DEPOT_LAT + 0.004, DEPOT_LON, 8);
    assert_int_equal(res.late, 1);
    assert_int_equal(tmp_db_count_events(f->s, "stop.late"), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_late_threshold_takes_effect_at_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
