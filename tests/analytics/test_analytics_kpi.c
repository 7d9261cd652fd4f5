/* analytics KPIs on a real SQLite file: orders inserted through store/, a hand-built event log
 * appended through store_event_append (the payloads orders/ and dispatch/ write, with a t_ms so the
 * times are the test's), and every figure checked against the value worked out by hand in the
 * comments. */
#include "analytics/analytics.h"
#include "store/store_dispatch.h"
#include "store/store_orders.h"
#include "tests/support/tmp_db.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MIN_MS ((int64_t)60000)
#define H_MS   ((int64_t)3600000)
#define D_MS   ((int64_t)86400000)
#define MON    (20514 * D_MS) /* 2026-03-02, a Monday, 00:00 UTC */

static int setup(void **state) {
    return tmp_store_setup(state, "lm_analytics_", 2);
}

/* Inserts an order (its id must come out as want_id) with one window [ws, we) ms, or none. */
static void order(store *s, int64_t want_id, const char *depot, const char *channel, int64_t ws,
                  int64_t we) {
    store_order o = {0};
    lm_strlcpy(o.channel, channel, sizeof o.channel);
    lm_strlcpy(o.depot_id, depot, sizeof o.depot_id);
    lm_strlcpy(o.status, "received", sizeof o.status);
    snprintf(o.external_ref, sizeof o.external_ref, "r%" PRId64, want_id);
    snprintf(o.tracking_token, sizeof o.tracking_token, "t%" PRId64, want_id);
    store_line l = {.sku = "s1", .qty = 1};
    o.lines = &l;
    o.n_lines = 1;
    if (we) {
        o.windows[0] = (store_window){ws / 1000, we / 1000};
        o.n_windows = 1;
    }
    o.created_ms = o.updated_ms = MON;
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(s, &tx), LM_OK);
    int64_t id = 0;
    lm_errinfo err = {0};
    assert_int_equal(store_order_insert(tx, &o, &id, &err), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    assert_int_equal(id, want_id);
}

static store_tx *tx_;

static void ev(const char *type, const char *entity, const char *fmt, ...) {
    char p[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p, sizeof p, fmt, ap);
    va_end(ap);
    assert_int_equal(store_event_append(tx_, type, entity, "x", p), LM_OK);
}

/* order.<to> as orders/record.c writes it, plus t_ms. */
static void oev(int64_t id, const char *to, const char *depot, const char *channel, int64_t t) {
    char type[48];
    snprintf(type, sizeof type, "order.%s", to);
    ev(type, "order",
       "{\"id\":%" PRId64 ",\"from\":\"x\",\"to\":\"%s\",\"channel\":\"%s\",\"depot\":\"%s\","
       "\"t_ms\":%" PRId64 "}",
       id, to, channel, depot, t);
}

/* received → allocated → ready → out_for_delivery at the four times given. */
static void flow(int64_t id, const char *depot, const char *ch, int64_t r, int64_t a, int64_t rd,
                 int64_t out) {
    oev(id, "received", depot, ch, r);
    oev(id, "allocated", depot, ch, a);
    oev(id, "ready", depot, ch, rd);
    oev(id, "out_for_delivery", depot, ch, out);
}

static void stop_ev(const char *type, int64_t stop, int64_t order, const char *veh,
                    const char *extra) {
    ev(type, "stop", "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64 ",\"vehicle_id\":\"%s\"%s}",
       stop, order, veh, extra);
}

static void eta(int64_t stop, int64_t order, int64_t t, int64_t eta_ms) {
    char x[96];
    snprintf(x, sizeof x, ",\"eta_s\":%" PRId64 ",\"t_ms\":%" PRId64, eta_ms / 1000, t);
    stop_ev("stop.eta_changed", stop, order, "v1", x);
}

static void at(const char *type, int64_t stop, int64_t order, const char *veh, const char *drv,
               int64_t t) {
    char x[128];
    snprintf(x, sizeof x, "%s%s%s,\"t_ms\":%" PRId64, drv ? ",\"driver_id\":\"" : "",
             drv ? drv : "", drv ? "\"" : "", t);
    stop_ev(type, stop, order, veh, x);
}

static void started(const char *veh, const char *drv, int64_t t) {
    ev("route.started", "vehicle",
       "{\"vehicle_id\":\"%s\",\"driver_id\":\"%s\",\"stops\":2,\"t_ms\":%" PRId64 "}", veh, drv,
       t);
}

/* The fleet and the stops 1-5 (in that id order) with their planned legs in metres: v1 costs
 * 1000 fixed + 3600 an hour + 100 a km, v2 7200 an hour. */
static void fleet(store *s) {
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_tx_begin(s, &tx), LM_OK);
    store_vehicle v1 = {.id = "v1",
                        .cost_fixed = 1000,
                        .cost_per_hour = 3600,
                        .cost_per_km = 100,
                        .speed_factor = 1};
    store_vehicle v2 = {.id = "v2", .cost_per_hour = 7200, .speed_factor = 1};
    assert_int_equal(store_vehicle_put(tx, &v1, &err), LM_OK);
    assert_int_equal(store_vehicle_put(tx, &v2, &err), LM_OK);
    store_plan p = {.created_ms = MON, .updated_ms = MON};
    int64_t plan = 0, id = 0;
    assert_int_equal(store_plan_insert(tx, &p, &plan, &err), LM_OK);
    static const int64_t order_of[] = {1, 2, 2, 4, 5}, leg_m[] = {5000, 3000, 2000, 8000, 4000};
    for (int i = 0; i < 5; i++) {
        store_stop st = {.plan_id = plan, .order_id = order_of[i], .leg_m = leg_m[i], .seq = i};
        lm_strlcpy(st.vehicle_id, i < 3 ? "v1" : "v2", sizeof st.vehicle_id);
        assert_int_equal(store_stop_insert(tx, &st, &id, &err), LM_OK);
        assert_int_equal(id, i + 1);
    }
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

/* Monday's history (part 1), then Tuesday's and Sunday's (part 2). */
static void history_part1(store *s) {
    fleet(s);
    order(s, 1, "d1", "web", MON + 10 * H_MS, MON + 12 * H_MS);
    order(s, 2, "d1", "app", MON + 10 * H_MS, MON + 11 * H_MS);
    order(s, 3, "d2", "web", 0, 0);
    order(s, 4, "d2", "web", 0, 0);
    assert_int_equal(store_tx_begin(s, &tx_), LM_OK);
    int64_t m = MON;
    started("v1", "drv1", m + 9 * H_MS + 30 * MIN_MS);
    started("v2", "drv2", m + 9 * H_MS + 40 * MIN_MS);
    /* order 1: on time, first attempt; ETAs 10:40 (given 09:30) then 10:55 (given 10:20) */
    flow(1, "d1", "web", m + 8 * H_MS, m + 8 * H_MS + 10 * MIN_MS, m + 9 * H_MS,
         m + 9 * H_MS + 30 * MIN_MS);
    eta(1, 1, m + 9 * H_MS + 30 * MIN_MS, m + 10 * H_MS + 40 * MIN_MS);
    eta(1, 1, m + 10 * H_MS + 20 * MIN_MS, m + 10 * H_MS + 55 * MIN_MS);
    at("stop.arrived", 1, 1, "v1", NULL, m + 11 * H_MS);
    at("stop.delivered", 1, 1, "v1", "drv1", m + 11 * H_MS + 5 * MIN_MS);
    oev(1, "delivered", "d1", "web", m + 11 * H_MS + 5 * MIN_MS);
    /* order 2: first stop fails (retry), second delivers at 12:00, after its 11:00 window end */
    flow(2, "d1", "app", m + 8 * H_MS + 30 * MIN_MS, m + 8 * H_MS + 40 * MIN_MS,
         m + 9 * H_MS + 10 * MIN_MS, m + 9 * H_MS + 30 * MIN_MS);
    char retry[96];
    snprintf(retry, sizeof retry, ",\"retry\":true,\"retry_after_s\":%" PRId64 ",\"t_ms\":%" PRId64,
             (m + 11 * H_MS) / 1000, m + 10 * H_MS + 30 * MIN_MS);
    stop_ev("stop.failed", 2, 2, "v1", retry);
    eta(3, 2, m + 11 * H_MS, m + 11 * H_MS + 40 * MIN_MS);
    at("stop.arrived", 3, 2, "v1", NULL, m + 11 * H_MS + 50 * MIN_MS);
    at("stop.delivered", 3, 2, "v1", "drv1", m + 12 * H_MS);
    oev(2, "delivered", "d1", "app", m + 12 * H_MS);
    /* order 3: cancelled; order 4: failed for good on v2 (driver from route.started) */
    oev(3, "received", "d2", "web", m + 9 * H_MS);
    oev(3, "cancelled", "d2", "web", m + 9 * H_MS + 20 * MIN_MS);
    flow(4, "d2", "web", m + 9 * H_MS, m + 9 * H_MS + 5 * MIN_MS, m + 9 * H_MS + 20 * MIN_MS,
         m + 9 * H_MS + 40 * MIN_MS);
    at("stop.failed", 4, 4, "v2", NULL, m + 13 * H_MS);
    oev(4, "failed", "d2", "web", m + 13 * H_MS);
    assert_int_equal(store_tx_commit(tx_), LM_OK);
}

static void history_part2(store *s) {
    order(s, 5, "d1", "web", 0, 0);
    order(s, 6, "d1", "web", 0, 0);
    assert_int_equal(store_tx_begin(s, &tx_), LM_OK);
    int64_t t = MON + D_MS; /* Tuesday */
    started("v2", "drv2", t + 9 * H_MS + 20 * MIN_MS);
    flow(5, "d1", "web", t + 8 * H_MS, t + 8 * H_MS + 15 * MIN_MS, t + 9 * H_MS,
         t + 9 * H_MS + 20 * MIN_MS);
    /* planned at 09:10 with ETA 09:45 (known from the change at 09:50 that replaced it) */
    oev(5, "planned", "d1", "web", t + 9 * H_MS + 10 * MIN_MS);
    char x[128];
    snprintf(x, sizeof x, ",\"eta_s\":%" PRId64 ",\"previous_eta_s\":%" PRId64 ",\"t_ms\":%" PRId64,
             (t + 10 * H_MS + 5 * MIN_MS) / 1000, (t + 9 * H_MS + 45 * MIN_MS) / 1000,
             t + 9 * H_MS + 50 * MIN_MS);
    stop_ev("stop.eta_changed", 5, 5, "v2", x);
    at("stop.arrived", 5, 5, "v2", NULL, t + 10 * H_MS);
    at("stop.delivered", 5, 5, "v2", "drv2", t + 10 * H_MS);
    oev(5, "delivered", "d1", "web", t + 10 * H_MS);
    oev(6, "received", "d1", "web", MON - 4 * H_MS); /* Sunday 20:00, the week before */
    assert_int_equal(store_tx_commit(tx_), LM_OK);
}

static void sync(store *s, analytics_kpi *a) {
    store_read *r = NULL;
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    lm_errinfo err = {0};
    assert_int_equal(analytics_kpi_sync(a, r, &err), LM_OK);
    store_read_end(r);
}

static analytics_kpi_row *report(analytics_kpi *a, analytics_period p, analytics_group g,
                                 size_t *n) {
    analytics_kpi_row *rows = NULL;
    assert_int_equal(analytics_kpi_report(a, MON - 7 * D_MS, MON + 7 * D_MS, p, g, &rows, n),
                     LM_OK);
    return rows;
}

static const analytics_kpi_row *find(const analytics_kpi_row *rows, size_t n, int64_t start,
                                     const char *key) {
    for (size_t i = 0; i < n; i++)
        if (rows[i].period_start_ms == start && !strcmp(rows[i].key, key)) return &rows[i];
    fail_msg("no row %" PRId64 "/%s", start, key);
    return NULL;
}

static void check_monday(const analytics_kpi_row *r) {
    assert_int_equal(r->received, 4); /* orders 1-4 */
    assert_int_equal(r->delivered, 2);
    assert_int_equal(r->failed, 1);
    assert_int_equal(r->cancelled, 1);
    assert_int_equal(r->with_window, 2);
    assert_int_equal(r->on_time, 1); /* order 2 came at 12:00 for a window ending 11:00 */
    assert_float_equal(r->on_time_rate, 0.5, 1e-12);
    assert_int_equal(r->first_attempt, 1);
    /* ETA 60 min before arrival: order 1 held 10:40 at 10:00 for 11:00 (1200 s off); order 2
     * held at 10:50 the retry's 11:00 given when its first stop failed at 10:30, for 11:50 */
    assert_int_equal(r->eta60_abs_err_s.n, 2);
    assert_float_equal(r->eta60_abs_err_s.median, 1200, 1e-9);
    assert_float_equal(r->eta60_abs_err_s.p90, 3000, 1e-9);
    /* 15 min before: order 1 held 10:55 (300 s off), order 2 held 11:40 for 11:50 (600 s) */
    assert_int_equal(r->eta15_abs_err_s.n, 2);
    assert_float_equal(r->eta15_abs_err_s.median, 300, 1e-9);
    assert_float_equal(r->eta15_abs_err_s.p90, 600, 1e-9);
    const analytics_q *st = r->stage_s;
    assert_float_equal(st[ANALYTICS_STAGE_AUDIT].median, 600, 1e-9); /* 10 min both */
    assert_float_equal(st[ANALYTICS_STAGE_PICK].median, 1800, 1e-9); /* 50 and 30 min */
    assert_float_equal(st[ANALYTICS_STAGE_PICK].p90, 3000, 1e-9);
    assert_float_equal(st[ANALYTICS_STAGE_DISPATCH].median, 1200, 1e-9); /* 30 and 20 min */
    assert_float_equal(st[ANALYTICS_STAGE_DRIVE].median, 5700, 1e-9);    /* 95 and 150 min */
    assert_float_equal(st[ANALYTICS_STAGE_DRIVE].p90, 9000, 1e-9);
    assert_float_equal(st[ANALYTICS_STAGE_TOTAL].median, 11100, 1e-9); /* 3h05, 3h30 */
    assert_float_equal(st[ANALYTICS_STAGE_TOTAL].p90, 12600, 1e-9);
    /* routes: v1 09:30-12:00 over stops 1-3 (10 km): 1000 + 3600 * 2.5 + 100 * 10 = 11000;
     * v2 09:40-13:00 over stop 4 (8 km): 7200 * 3h20 = 24000 */
    assert_int_equal(r->routes, 2);
    assert_int_equal(r->route_stops, 4);
    assert_int_equal(r->route_s, 9000 + 12000);
    assert_int_equal(r->planned_m, 18000);
    assert_float_equal(r->cost, 35000, 1e-9);
    assert_float_equal(r->cost_per_stop, 8750, 1e-9);
    assert_float_equal(r->cost_per_km, 35000.0 / 18, 1e-9);
}

static void test_daily_kpis(void **state) {
    tmp_store *f = *state;
    history_part1(f->s);
    history_part2(f->s);
    analytics_kpi *a = analytics_kpi_new();
    assert_non_null(a);
    sync(f->s, a);
    size_t n = 0;
    analytics_kpi_row *rows = report(a, ANALYTICS_DAY, ANALYTICS_ALL, &n);
    assert_int_equal(n, 3); /* Sunday, Monday, Tuesday */
    assert_int_equal(rows[0].period_start_ms, MON - D_MS);
    assert_int_equal(rows[0].received, 1);
    assert_int_equal(rows[0].delivered, 0);
    check_monday(find(rows, n, MON, ""));
    const analytics_kpi_row *tue = find(rows, n, MON + D_MS, "");
    assert_int_equal(tue->received, 1);
    assert_int_equal(tue->delivered, 1);
    assert_int_equal(tue->with_window, 0);
    assert_float_equal(tue->on_time_rate, 0, 0); /* no window promised: no rate */
    assert_float_equal(tue->first_attempt_rate, 1, 1e-12);
    /* order 5 was not planned yet at 09:00; at 09:45 it held the plan's 09:45 for 10:00 */
    assert_int_equal(tue->eta60_abs_err_s.n, 0);
    assert_int_equal(tue->eta15_abs_err_s.n, 1);
    assert_float_equal(tue->eta15_abs_err_s.median, 900, 1e-9);
    assert_float_equal(tue->stage_s[ANALYTICS_STAGE_TOTAL].median, 7200, 1e-9);
    lm_free(rows);
    analytics_kpi_free(a);
}

static void test_weeks_months_and_groups(void **state) {
    tmp_store *f = *state;
    history_part1(f->s);
    history_part2(f->s);
    analytics_kpi *a = analytics_kpi_new();
    sync(f->s, a);
    size_t n = 0;
    analytics_kpi_row *rows = report(a, ANALYTICS_WEEK, ANALYTICS_ALL, &n);
    assert_int_equal(n, 2);
    assert_int_equal(find(rows, n, MON - 7 * D_MS, "")->received, 1); /* Sunday's week */
    const analytics_kpi_row *w = find(rows, n, MON, "");
    assert_int_equal(w->received, 5);
    assert_int_equal(w->delivered, 3);
    assert_int_equal(w->first_attempt, 2);
    lm_free(rows);
    rows = report(a, ANALYTICS_MONTH, ANALYTICS_ALL, &n);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].period_start_ms, MON - D_MS); /* 2026-03-01 */
    assert_int_equal(rows[0].received, 6);
    lm_free(rows);

    rows = report(a, ANALYTICS_DAY, ANALYTICS_BY_VEHICLE, &n);
    assert_int_equal(find(rows, n, MON, "v1")->delivered, 2);
    assert_int_equal(find(rows, n, MON, "v1")->received, 2);
    assert_int_equal(find(rows, n, MON, "v2")->failed, 1);
    assert_int_equal(find(rows, n, MON, "-")->cancelled, 1); /* order 3 never had a vehicle */
    assert_float_equal(find(rows, n, MON, "v1")->cost_per_stop, 11000.0 / 3, 1e-9);
    assert_float_equal(find(rows, n, MON, "v1")->cost_per_km, 1100, 1e-9);
    /* Tuesday's v2 route: 09:20-10:00 over stop 5 (4 km): 7200 * 40 min = 4800 */
    assert_float_equal(find(rows, n, MON + D_MS, "v2")->cost_per_km, 1200, 1e-9);
    assert_int_equal(find(rows, n, MON + D_MS, "v2")->routes, 1);
    lm_free(rows);
    rows = report(a, ANALYTICS_DAY, ANALYTICS_BY_DRIVER, &n);
    assert_int_equal(find(rows, n, MON, "drv1")->delivered, 2);
    assert_int_equal(find(rows, n, MON, "drv2")->failed, 1); /* via v2's route.started */
    assert_float_equal(find(rows, n, MON, "drv2")->cost, 24000, 1e-9);
    assert_int_equal(find(rows, n, MON + D_MS, "drv2")->delivered, 1);
    lm_free(rows);
    rows = report(a, ANALYTICS_DAY, ANALYTICS_BY_DEPOT, &n);
    assert_int_equal(find(rows, n, MON, "d1")->routes, 0); /* routes are not split by depot */
    assert_int_equal(find(rows, n, MON, "d1")->delivered, 2);
    assert_int_equal(find(rows, n, MON, "d2")->received, 2);
    assert_int_equal(find(rows, n, MON, "d2")->cancelled, 1);
    lm_free(rows);
    rows = report(a, ANALYTICS_DAY, ANALYTICS_BY_CHANNEL, &n);
    assert_int_equal(find(rows, n, MON, "web")->received, 3);
    assert_int_equal(find(rows, n, MON, "app")->delivered, 1);
    assert_int_equal(find(rows, n, MON, "app")->on_time, 0);
    lm_free(rows);
    analytics_kpi_free(a);
}

/* Syncing in two steps (the second reading only the new events) gives the numbers of one sync. */
static void test_incremental_equals_full(void **state) {
    tmp_store *f = *state;
    analytics_kpi *inc = analytics_kpi_new(), *full = analytics_kpi_new();
    history_part1(f->s);
    sync(f->s, inc);
    int64_t c1 = analytics_kpi_cursor(inc);
    assert_true(c1 > 0);
    sync(f->s, inc); /* nothing new: nothing changes */
    assert_int_equal(analytics_kpi_cursor(inc), c1);
    history_part2(f->s);
    sync(f->s, inc);
    assert_true(analytics_kpi_cursor(inc) > c1);
    sync(f->s, full);
    assert_int_equal(analytics_kpi_cursor(full), analytics_kpi_cursor(inc));
    for (int g = ANALYTICS_ALL; g <= ANALYTICS_BY_DRIVER; g++) {
        size_t n1 = 0, n2 = 0;
        analytics_kpi_row *r1 = report(inc, ANALYTICS_DAY, (analytics_group)g, &n1);
        analytics_kpi_row *r2 = report(full, ANALYTICS_DAY, (analytics_group)g, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(r1, r2, n1 * sizeof *r1);
        lm_free(r1);
        lm_free(r2);
    }
    size_t n = 0;
    analytics_kpi_row *rows = report(inc, ANALYTICS_DAY, ANALYTICS_ALL, &n);
    check_monday(find(rows, n, MON, ""));
    lm_free(rows);
    analytics_kpi_free(inc);
    analytics_kpi_free(full);
}

static void test_empty_log_and_bad_range(void **state) {
    tmp_store *f = *state;
    analytics_kpi *a = analytics_kpi_new();
    sync(f->s, a);
    size_t n = 7;
    analytics_kpi_row *rows = report(a, ANALYTICS_DAY, ANALYTICS_ALL, &n);
    assert_int_equal(n, 0);
    assert_null(rows);
    assert_int_equal(analytics_kpi_report(a, MON, MON, ANALYTICS_DAY, ANALYTICS_ALL, &rows, &n),
                     LM_INVALID);
    /* period starts: Monday for any day of its week, the 1st for the month, midnight for a day */
    assert_int_equal(analytics_period_start(MON + 6 * D_MS + 5, ANALYTICS_WEEK), MON);
    assert_int_equal(analytics_period_start(MON - 1, ANALYTICS_WEEK), MON - 7 * D_MS);
    assert_int_equal(analytics_period_start(MON + 29 * D_MS, ANALYTICS_MONTH), MON - D_MS);
    assert_int_equal(analytics_period_start(MON + 30 * D_MS + 5, ANALYTICS_MONTH), MON + 30 * D_MS);
    assert_int_equal(analytics_period_start(MON + 13 * H_MS, ANALYTICS_DAY), MON);
    analytics_kpi_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_daily_kpis, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_weeks_months_and_groups, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_incremental_equals_full, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_empty_log_and_bad_range, setup, tmp_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
