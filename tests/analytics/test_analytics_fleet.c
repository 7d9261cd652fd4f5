/* analytics fleet and promise KPIs from the persisted rollups, on a hand-built day: vehicle
 * utilisation (time and capacity), planned against driven legs, re-plans by trigger, exceptions
 * by kind with their resolution times, and lateness against promised windows per zone (depot x
 * geohash-5 cell). Every figure is worked out by hand in the comments; times are chosen on
 * histogram bucket edges (powers of two) so the quantiles are exact. The rows then equal a
 * rebuild's byte for byte. */
#include "analytics/analytics.h"
#include "store/store_analytics.h"
#include "store/store_dispatch.h"
#include "store/store_orders.h"
#include "tests/support/tmp_db.h"

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define S_MS   ((int64_t)1000)
#define MIN_MS ((int64_t)60000)
#define H_MS   ((int64_t)3600000)
#define D_MS   ((int64_t)86400000)
#define MON    (20514 * D_MS) /* 2026-03-02, a Monday, 00:00 UTC */

static tmp_db db_;
static store *s_;
static store_tx *tx_;

/* An order of depot d1 with the window [10:00, 11:00] (order 3: [12:00, 13:00]) at lat, lon. */
static void order(int64_t want_id, double lat, double lon) {
    store_order o = {.has_location = true, .lat = lat, .lon = lon, .n_windows = 1};
    lm_strlcpy(o.channel, "web", sizeof o.channel);
    lm_strlcpy(o.depot_id, "d1", sizeof o.depot_id);
    lm_strlcpy(o.status, "received", sizeof o.status);
    snprintf(o.external_ref, sizeof o.external_ref, "r%" PRId64, want_id);
    snprintf(o.tracking_token, sizeof o.tracking_token, "t%" PRId64, want_id);
    store_line l = {.sku = "s1", .qty = 1};
    o.lines = &l;
    o.n_lines = 1;
    int64_t ws = MON + (want_id == 3 ? 12 : 10) * H_MS;
    o.windows[0] = (store_window){ws / 1000, (ws + H_MS) / 1000};
    o.created_ms = o.updated_ms = MON;
    store_tx *tx = NULL;
    int64_t id = 0;
    lm_errinfo err = {0};
    assert_int_equal(store_tx_begin(s_, &tx), LM_OK);
    assert_int_equal(store_order_insert(tx, &o, &id, &err), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    assert_int_equal(id, want_id);
}

/* v1: shift 08:00-18:00 (36,000 s), 100 kg; v2: no shift, no capacity. Stops 1-3 serve orders
 * 1-3: 1 and 2 on v1 (20 kg, 30 kg), 3 on v2 (10 kg). */
static void fleet(void) {
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_tx_begin(s_, &tx), LM_OK);
    store_vehicle v1 = {.id = "v1",
                        .cost_per_hour = 3600,
                        .capacity_g = 100000,
                        .shift_start_s = 8 * 3600,
                        .shift_end_s = 18 * 3600,
                        .speed_factor = 1};
    store_vehicle v2 = {.id = "v2", .cost_per_hour = 3600, .speed_factor = 1};
    assert_int_equal(store_vehicle_put(tx, &v1, &err), LM_OK);
    assert_int_equal(store_vehicle_put(tx, &v2, &err), LM_OK);
    store_plan p = {.created_ms = MON, .updated_ms = MON};
    int64_t plan = 0, id = 0;
    assert_int_equal(store_plan_insert(tx, &p, &plan, &err), LM_OK);
    static const int64_t weight_g[] = {20000, 30000, 10000}, leg_m[] = {5000, 3000, 4000};
    for (int i = 0; i < 3; i++) {
        store_stop st = {.plan_id = plan,
                         .order_id = i + 1,
                         .leg_m = leg_m[i],
                         .weight_g = weight_g[i],
                         .seq = i};
        lm_strlcpy(st.vehicle_id, i < 2 ? "v1" : "v2", sizeof st.vehicle_id);
        assert_int_equal(store_stop_insert(tx, &st, &id, &err), LM_OK);
        assert_int_equal(id, i + 1);
    }
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

static void ev(const char *type, const char *fmt, ...) {
    char p[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p, sizeof p, fmt, ap);
    va_end(ap);
    assert_int_equal(store_event_append(tx_, type, "x", "x", p), LM_OK);
}

static void order_to(int64_t id, const char *to, int64_t t) {
    char type[48];
    snprintf(type, sizeof type, "order.%s", to);
    char p[256];
    snprintf(p, sizeof p,
             "{\"id\":%" PRId64 ",\"from\":\"x\",\"to\":\"%s\",\"channel\":\"web\","
             "\"depot\":\"d1\",\"t_ms\":%" PRId64 "}",
             id, to, t);
    assert_int_equal(store_event_append(tx_, type, "order", "x", p), LM_OK);
}

static void stop(const char *type, int64_t id, const char *veh, int64_t t, const char *extra) {
    ev(type,
       "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64 ",\"vehicle_id\":\"%s\"%s,"
       "\"t_ms\":%" PRId64 "}",
       id, id, veh, extra, t);
}

/* The day, in three transactions (the fold runs at each commit). */
static void history(void) {
    int64_t m = MON;
    assert_int_equal(store_tx_begin(s_, &tx_), LM_OK);
    ev("route.started", "{\"vehicle_id\":\"v1\",\"driver_id\":\"drv1\",\"t_ms\":%" PRId64 "}",
       m + 8 * H_MS);
    ev("route.started", "{\"vehicle_id\":\"v2\",\"driver_id\":\"drv2\",\"t_ms\":%" PRId64 "}",
       m + 9 * H_MS);
    for (int64_t id = 1; id <= 3; id++)
        order_to(id, "received", m + 7 * H_MS);
    /* order 1: stop 1 reached 10:25 after driving 5,600 m of a planned 5,000; on time 10:30 */
    stop("stop.arrived", 1, "v1", m + 10 * H_MS + 25 * MIN_MS, ",\"leg_m\":5000,\"driven_m\":5600");
    stop("stop.delivered", 1, "v1", m + 10 * H_MS + 30 * MIN_MS, "");
    order_to(1, "delivered", m + 10 * H_MS + 30 * MIN_MS);
    assert_int_equal(store_tx_commit(tx_), LM_OK);

    assert_int_equal(store_tx_begin(s_, &tx_), LM_OK);
    /* a delay at 10:40, resolved when v1 reaches stop 2 2,048 s later (2,900 m for 3,000) */
    ev("driver.exception",
       "{\"driver_id\":\"drv1\",\"vehicle_id\":\"v1\",\"kind\":\"delay\",\"delay_s\":600,"
       "\"t_ms\":%" PRId64 "}",
       m + 10 * H_MS + 40 * MIN_MS);
    int64_t arrive2 = m + 10 * H_MS + 40 * MIN_MS + 2048 * S_MS;
    stop("stop.arrived", 2, "v1", arrive2, ",\"leg_m\":3000,\"driven_m\":2900");
    /* order 2 delivered 1,024 s after its window ended at 11:00: late */
    int64_t deliver2 = m + 11 * H_MS + 1024 * S_MS;
    stop("stop.delivered", 2, "v1", deliver2, "");
    order_to(2, "delivered", deliver2);
    /* v1 back at its depot at 11:45 after driving 6,300 m of a planned 6,000 (the drive back) */
    ev("route.returned",
       "{\"vehicle_id\":\"v1\",\"driver_id\":\"drv1\",\"t_ms\":%" PRId64
       ",\"leg_m\":6000,\"driven_m\":6300}",
       m + 11 * H_MS + 45 * MIN_MS);
    /* v2 breaks down at 12:00, stop 3 is reported late at 12:00 + 256 s, the breakdown re-plan
     * is applied at 12:00 + 512 s (resolving both); a manual re-plan at 12:20 */
    ev("driver.exception",
       "{\"driver_id\":\"drv2\",\"vehicle_id\":\"v2\",\"kind\":\"breakdown\",\"delay_s\":0,"
       "\"t_ms\":%" PRId64 "}",
       m + 12 * H_MS);
    ev("stop.late",
       "{\"stop_id\":3,\"order_id\":3,\"vehicle_id\":\"v2\",\"eta_s\":1,\"window_end_s\":1,"
       "\"t_ms\":%" PRId64 "}",
       m + 12 * H_MS + 256 * S_MS);
    ev("plan.replanned",
       "{\"plan_id\":9,\"trigger\":\"breakdown\",\"vehicle_id\":\"v2\",\"t_ms\":%" PRId64 "}",
       m + 12 * H_MS + 512 * S_MS);
    ev("plan.replanned",
       "{\"plan_id\":10,\"trigger\":\"manual\",\"vehicle_id\":\"\",\"t_ms\":%" PRId64 "}",
       m + 12 * H_MS + 20 * MIN_MS);
    assert_int_equal(store_tx_commit(tx_), LM_OK);

    assert_int_equal(store_tx_begin(s_, &tx_), LM_OK);
    /* order 3: v2's first leg, from the depot: 4,400 m driven for 4,000; delivered 2,048 s after
     * 13:00 */
    int64_t deliver3 = m + 13 * H_MS + 2048 * S_MS;
    stop("stop.arrived", 3, "v2", deliver3 - 5 * MIN_MS, ",\"leg_m\":4000,\"driven_m\":4400");
    stop("stop.delivered", 3, "v2", deliver3, "");
    order_to(3, "delivered", deliver3);
    /* an SOS from drv1's phone: no vehicle, never resolved */
    ev("driver.exception",
       "{\"driver_id\":\"drv1\",\"kind\":\"alarm\",\"alarm\":\"sos\",\"t_ms\":%" PRId64 "}",
       m + 14 * H_MS);
    assert_int_equal(store_tx_commit(tx_), LM_OK);
}

static analytics_kpi_row *report(analytics_group g, size_t *n) {
    store_read *r = NULL;
    analytics_kpi_row *rows = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_read_begin(s_, &r), LM_OK);
    assert_int_equal(analytics_rollup_report(r, MON, MON + D_MS, ANALYTICS_DAY, g, &rows, n, &err),
                     LM_OK);
    store_read_end(r);
    return rows;
}

static const analytics_kpi_row *row_of(const analytics_kpi_row *rows, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].key, key)) return &rows[i];
    fail_msg("no row '%s'", key);
    return NULL;
}

static void assert_near(double a, double b) {
    if (!(fabs(a - b) <= 1e-9)) fail_msg("%.17g != %.17g", a, b);
}

static void check_all(void) {
    size_t n = 0;
    analytics_kpi_row *rows = report(ANALYTICS_ALL, &n);
    assert_int_equal(n, 1);
    const analytics_kpi_row *r = &rows[0];
    /* routes: v1 08:00 -> 11:17:04 (order 2's delivery) = 11,824 s; v2 09:00 -> 13:34:08 */
    assert_int_equal(r->routes, 2);
    assert_int_equal(r->route_s, 11824 + 16448);
    /* time: only v1 has a shift: 11,824 / 36,000 */
    assert_int_equal(r->shift_s, 36000);
    assert_int_equal(r->shift_route_s, 11824);
    assert_near(r->time_utilisation, 11824.0 / 36000.0);
    /* capacity: only v1 has one: (20 + 30 kg) / 100 kg */
    assert_int_equal(r->load_g, 50000);
    assert_int_equal(r->capacity_g, 100000);
    assert_near(r->capacity_utilisation, 0.5);
    /* legs measured: v1's to stops 1 and 2 and back to the depot, v2's first (from the depot):
     * 5,600 + 2,900 + 6,300 + 4,400 = 19,200 m driven for 5,000 + 3,000 + 6,000 + 4,000 = 18,000
     * planned; the return does not lengthen v1's route time (it ends at its last outcome) */
    assert_int_equal(r->legs, 4);
    assert_int_equal(r->leg_planned_m, 18000);
    assert_int_equal(r->driven_m, 19200);
    assert_near(r->driven_ratio, 19200.0 / 18000.0);
    /* re-plans: one breakdown, one manual */
    assert_int_equal(r->replans[0], 1);
    assert_int_equal(r->replans[2], 1);
    int64_t replans = 0;
    for (int k = 0; k < ANALYTICS_TRIGGERS; k++)
        replans += r->replans[k];
    assert_int_equal(replans, 2);
    /* exceptions: breakdown (resolved after 512 s), delay (2,048 s), alarm (never), late (256 s) */
    static const int64_t raised[] = {1, 1, 0, 0, 1, 1, 0}, resolved[] = {1, 1, 0, 0, 0, 1, 0};
    static const double mean[] = {512, 2048, 0, 0, 0, 256, 0};
    for (int k = 0; k < ANALYTICS_EXC_KINDS; k++) {
        assert_int_equal(r->exceptions[k], raised[k]);
        assert_int_equal(r->exc_resolved[k], resolved[k]);
        assert_near(r->exc_resolve_mean_s[k], mean[k]);
    }
    assert_string_equal(analytics_exc_name(4), "alarm");
    /* resolution times 256, 512, 2048: median (rank 2) 512, p90 (rank 3) 2048 */
    assert_int_equal(r->exc_resolve_s.n, 3);
    assert_near(r->exc_resolve_s.median, 512);
    assert_near(r->exc_resolve_s.p90, 2048);
    /* windows: 3 with one, 1 on time, 2 late; lateness 0, 1024, 2048 */
    assert_int_equal(r->with_window, 3);
    assert_int_equal(r->on_time, 1);
    assert_int_equal(r->late, 2);
    assert_int_equal(r->late_s.n, 3);
    assert_near(r->late_s.median, 1024);
    assert_near(r->late_s.p90, 2048);
    lm_free(rows);
}

static void check_groups(void) {
    size_t n = 0;
    analytics_kpi_row *rows = report(ANALYTICS_BY_VEHICLE, &n);
    /* v1: the delay; v2: breakdown and late, its re-plan; "-": the alarm and the manual re-plan */
    assert_int_equal(n, 3);
    assert_int_equal(row_of(rows, n, "v1")->exceptions[1], 1);
    assert_int_equal(row_of(rows, n, "v2")->exceptions[0], 1);
    assert_int_equal(row_of(rows, n, "v2")->exceptions[5], 1);
    assert_int_equal(row_of(rows, n, "v2")->replans[2], 1);
    assert_int_equal(row_of(rows, n, "-")->exceptions[4], 1);
    assert_int_equal(row_of(rows, n, "-")->replans[0], 1);
    assert_int_equal(row_of(rows, n, "v2")->capacity_g, 0);
    /* v1: two legs to stops and the drive back; v2: its first leg */
    assert_int_equal(row_of(rows, n, "v1")->legs, 3);
    assert_int_equal(row_of(rows, n, "v1")->driven_m, 5600 + 2900 + 6300);
    assert_int_equal(row_of(rows, n, "v2")->legs, 1);
    assert_int_equal(row_of(rows, n, "v2")->leg_planned_m, 4000);
    lm_free(rows);
    rows = report(ANALYTICS_BY_DRIVER, &n);
    /* the alarm is drv1's; the breakdown re-plan is charged to v2's driver */
    assert_int_equal(row_of(rows, n, "drv1")->exceptions[4], 1);
    assert_int_equal(row_of(rows, n, "drv1")->exceptions[1], 1);
    assert_int_equal(row_of(rows, n, "drv2")->replans[2], 1);
    lm_free(rows);
    /* zones: orders 1 and 2 at geohash u4pru (57.649, 10.407), order 3 at ezs42 (42.6, -5.6) */
    rows = report(ANALYTICS_BY_ZONE, &n);
    assert_int_equal(n, 2);
    const analytics_kpi_row *a = row_of(rows, n, "d1/u4pru"), *b = row_of(rows, n, "d1/ezs42");
    assert_int_equal(a->with_window, 2);
    assert_int_equal(a->on_time, 1);
    assert_int_equal(a->late, 1);
    assert_near(a->late_s.p90, 1024); /* promise windows ending 1,024 s later there */
    assert_int_equal(b->with_window, 1);
    assert_int_equal(b->late, 1);
    assert_near(b->late_s.p90, 2048);
    assert_int_equal(a->received + b->received, 3);
    lm_free(rows);
}

static store_an_row *rows_all(size_t *n) {
    store_read *r = NULL;
    store_an_row *rows = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_read_begin(s_, &r), LM_OK);
    assert_int_equal(store_an_rows_all(r, &rows, n, &err), LM_OK);
    store_read_end(r);
    return rows;
}

static void test_fleet_day(void **state) {
    (void)state;
    assert_int_equal(tmp_db_create(&db_, "lm_an_fleet_"), 0);
    assert_int_equal(tmp_db_store_open(&db_, 2, &s_), 0);
    store_set_fold_hook(s_, analytics_rollup_fold, NULL);
    fleet();
    order(1, 57.64911, 10.40744);
    order(2, 57.6492, 10.4075);
    order(3, 42.605, -5.603);
    history();
    check_all();
    check_groups();
    size_t n1 = 0, n2 = 0;
    store_an_row *inc = rows_all(&n1);
    lm_errinfo err = {0};
    assert_int_equal(analytics_rollup_rebuild(s_, NULL, &err), LM_OK);
    store_an_row *full = rows_all(&n2);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_int_equal(inc[i].grp, full[i].grp);
        assert_int_equal(inc[i].day_ms, full[i].day_ms);
        assert_string_equal(inc[i].key, full[i].key);
        assert_int_equal(inc[i].counts.n, full[i].counts.n);
        assert_memory_equal(inc[i].counts.data, full[i].counts.data, inc[i].counts.n);
        assert_int_equal(inc[i].hist.n, full[i].hist.n);
        if (inc[i].hist.n) assert_memory_equal(inc[i].hist.data, full[i].hist.data, inc[i].hist.n);
    }
    store_an_rows_free(inc, n1);
    store_an_rows_free(full, n2);
    check_all(); /* the rebuilt rows answer the same */
    store_close(s_);
    tmp_db_remove(&db_);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fleet_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
