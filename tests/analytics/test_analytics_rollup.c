/* analytics rollups: a random sequence of events written by a real process that is SIGKILLed in
 * the middle (some of its transactions abandoned by rollback, some committed without the fold hook
 * so the rollups lag), then more events by this process; the rollup rows must be byte for byte
 * what `analytics_rollup_rebuild` makes from the whole log, and their counts what the in-memory
 * fold (analytics_kpi_report) counts. The events include re-plans, exceptions, silences and
 * driven legs, and the store vehicles with shifts and capacities and orders with locations, so
 * the week and month rows, the fleet figures and the zones are compared too. */
#include "analytics/analytics.h"
#include "store/store_analytics.h"
#include "store/store_dispatch.h"
#include "store/store_orders.h"
#include "tests/support/tmp_db.h"

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* |a - b| <= eps in double precision (cmocka's assert_float_equal rounds to float). */
static void assert_near(double a, double b, double eps) {
    if (!(fabs(a - b) <= eps)) fail_msg("%.17g != %.17g (within %g)", a, b, eps);
    assert_true(fabs(a - b) <= eps);
}

#define MIN_MS   ((int64_t)60000)
#define D_MS     ((int64_t)86400000)
#define T0       (20514 * D_MS) /* 2026-03-02 00:00 UTC */
#define N_ORDERS 60
#define N_STOPS  40

static tmp_db db_;

/* Orders with windows, vehicles with costs and planned stops, so the lookups have data. */
static void seed_store(store *s) {
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_tx_begin(s, &tx), LM_OK);
    static const char *const depots[] = {"d1", "d2"}, *const chans[] = {"web", "app"};
    for (int i = 1; i <= N_ORDERS; i++) {
        store_order o = {0};
        lm_strlcpy(o.channel, chans[i % 2], sizeof o.channel);
        lm_strlcpy(o.depot_id, depots[i % 2], sizeof o.depot_id);
        lm_strlcpy(o.status, "received", sizeof o.status);
        snprintf(o.external_ref, sizeof o.external_ref, "r%d", i);
        snprintf(o.tracking_token, sizeof o.tracking_token, "t%d", i);
        store_line l = {.sku = "s1", .qty = 1};
        o.lines = &l;
        o.n_lines = 1;
        if (i % 4) { /* zones: two cells per depot, some orders without a location */
            o.has_location = true;
            o.lat = 48.85 + (i % 3 ? 0.1 : 0);
            o.lon = 2.35;
        }
        if (i % 3) {
            int64_t ws = T0 + (i % 5) * D_MS / 5;
            o.windows[0] = (store_window){ws / 1000, (ws + 6 * 3600000) / 1000};
            o.n_windows = 1;
        }
        o.created_ms = o.updated_ms = T0;
        int64_t id = 0;
        assert_int_equal(store_order_insert(tx, &o, &id, &err), LM_OK);
    }
    for (int v = 1; v <= 4; v++) {
        store_vehicle veh = {.cost_fixed = 100 * v,
                             .cost_per_hour = 3600,
                             .cost_per_km = 7 * v,
                             .speed_factor = 1,
                             .capacity_g = v % 2 ? 500000 : 0, /* utilisation: some with a base */
                             .shift_start_s = 8 * 3600,
                             .shift_end_s = v < 3 ? 18 * 3600 : 0};
        snprintf(veh.id, sizeof veh.id, "v%d", v);
        assert_int_equal(store_vehicle_put(tx, &veh, &err), LM_OK);
    }
    store_plan p = {.created_ms = T0, .updated_ms = T0};
    int64_t plan = 0, id = 0;
    assert_int_equal(store_plan_insert(tx, &p, &plan, &err), LM_OK);
    for (int i = 0; i < N_STOPS; i++) {
        store_stop st = {.plan_id = plan,
                         .order_id = 1 + i % N_ORDERS,
                         .leg_m = 500 + 97 * i,
                         .weight_g = 1000 + 31 * i,
                         .seq = i};
        snprintf(st.vehicle_id, sizeof st.vehicle_id, "v%d", 1 + i % 4);
        assert_int_equal(store_stop_insert(tx, &st, &id, &err), LM_OK);
    }
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

/* A random re-plan, exception or silence (the fleet figures: analytics/fleet.c). */
static lm_status fleet_event(store_tx *tx, unsigned *seed, int64_t t, int v) {
    static const char *const triggers[] = {"manual", "late", "breakdown", "urgent", "bogus"};
    static const char *const kinds[] = {"breakdown", "delay", "accident", "vehicle_full", "alarm"};
    char p[400];
    int k = rand_r(seed) % 4;
    if (k == 0) {
        snprintf(p, sizeof p,
                 "{\"plan_id\":1,\"trigger\":\"%s\",\"vehicle_id\":\"%s%d\",\"t_ms\":%" PRId64 "}",
                 triggers[rand_r(seed) % 5], rand_r(seed) % 4 ? "v" : "", v, t);
        return store_event_append(tx, "plan.replanned", "plan", "x", p);
    }
    if (k == 1) {
        int kind = rand_r(seed) % 5;
        snprintf(p, sizeof p,
                 "{\"driver_id\":\"drv%d\"%s%d%s,\"kind\":\"%s\",\"t_ms\":%" PRId64 "}",
                 1 + rand_r(seed) % 5, kind == 4 ? ",\"x\":\"" : ",\"vehicle_id\":\"v", v, "\"",
                 kinds[kind], t);
        return store_event_append(tx, "driver.exception", "driver", "x", p);
    }
    if (k == 2) {
        snprintf(p, sizeof p,
                 "{\"stop_id\":%d,\"order_id\":%d,\"vehicle_id\":\"v%d\",\"t_ms\":%" PRId64 "}",
                 1 + rand_r(seed) % N_STOPS, 1 + rand_r(seed) % N_ORDERS, v, t);
        return store_event_append(tx, "stop.late", "stop", "x", p);
    }
    snprintf(p, sizeof p, "{\"vehicle_id\":\"v%d\",\"driver_id\":\"\",\"t_ms\":%" PRId64 "}", v, t);
    return store_event_append(tx, "vehicle.silent", "vehicle", "x", p);
}

/* One random event in the shapes orders/ and dispatch/ write, at the test's clock *t. */
static lm_status random_event(store_tx *tx, unsigned *seed, int64_t *t) {
    static const char *const stages[] = {"received",         "allocated", "planned", "ready",
                                         "out_for_delivery", "delivered", "failed",  "cancelled"};
    static const char *const stops[] = {"stop.eta_set", "stop.eta_changed", "stop.arrived",
                                        "stop.failed",  "stop.delivered",   "stop.picked_up"};
    char p[400];
    *t += (int64_t)(rand_r(seed) % 20) * MIN_MS + rand_r(seed) % 1000;
    int kind = rand_r(seed) % 11, order = 1 + rand_r(seed) % N_ORDERS, v = 1 + rand_r(seed) % 4;
    if (kind == 10) return fleet_event(tx, seed, *t, v);
    if (kind < 5) {
        const char *to = stages[rand_r(seed) % 8];
        char type[48];
        snprintf(type, sizeof type, "order.%s", to);
        snprintf(p, sizeof p,
                 "{\"id\":%d,\"from\":\"x\",\"to\":\"%s\",\"channel\":\"%s\",\"depot\":\"%s\","
                 "\"t_ms\":%" PRId64 "}",
                 order, to, rand_r(seed) % 4 ? (order % 2 ? "web" : "app") : "",
                 rand_r(seed) % 3 ? (order % 2 ? "d2" : "d1") : "", *t);
        return store_event_append(tx, type, "order", "x", p);
    }
    if (kind == 5 && rand_r(seed) % 4 == 0) { /* back at the depot: the drive back as a leg */
        snprintf(p, sizeof p,
                 "{\"vehicle_id\":\"v%d\",\"driver_id\":\"drv%d\",\"t_ms\":%" PRId64
                 ",\"leg_m\":%d,\"driven_m\":%d}",
                 v, 1 + rand_r(seed) % 5, *t, 500 + rand_r(seed) % 3000, 400 + rand_r(seed) % 3500);
        return store_event_append(tx, "route.returned", "vehicle", "x", p);
    }
    if (kind == 5) {
        snprintf(p, sizeof p,
                 "{\"vehicle_id\":\"v%d\",\"driver_id\":\"drv%d\",\"t_ms\":%" PRId64 "}", v,
                 1 + rand_r(seed) % 5, *t);
        return store_event_append(tx, "route.started", "vehicle", "x", p);
    }
    const char *type = stops[rand_r(seed) % 6];
    int64_t eta = *t / 1000 + rand_r(seed) % 7200 - 1800;
    /* an arrival sometimes carries its leg as driven (dispatch/driven.c) */
    char leg[64] = "";
    if (rand_r(seed) % 2)
        snprintf(leg, sizeof leg, ",\"leg_m\":%d,\"driven_m\":%d", 500 + rand_r(seed) % 3000,
                 400 + rand_r(seed) % 3500);
    snprintf(p, sizeof p,
             "{\"stop_id\":%d,\"order_id\":%d,\"vehicle_id\":\"v%d\",\"eta_s\":%" PRId64
             ",\"previous_eta_s\":%" PRId64 ",\"retry_after_s\":%" PRId64 "%s%s,\"t_ms\":%" PRId64
             "}",
             1 + rand_r(seed) % N_STOPS, order, v, eta, eta - rand_r(seed) % 900, eta + 3600,
             rand_r(seed) % 2 ? ",\"driver_id\":\"drv9\"" : "", leg, *t);
    return store_event_append(tx, type, "stop", "x", p);
}

/* n_tx random transactions of 1-30 events: one in 7 abandoned (rolled back), one in 5 committed
 * with the fold hook off (the rollups then lag until a later commit catches up). */
static void random_history(store *s, unsigned seed, int n_tx, int64_t *t) {
    for (int i = 0; i < n_tx; i++) {
        bool hook = rand_r(&seed) % 5 != 0, abandon = rand_r(&seed) % 7 == 0;
        store_set_fold_hook(s, hook ? analytics_rollup_fold : NULL, NULL);
        store_tx *tx = NULL;
        if (store_tx_begin(s, &tx) != LM_OK) abort();
        int n = 1 + rand_r(&seed) % 30;
        for (int k = 0; k < n; k++)
            if (random_event(tx, &seed, t) != LM_OK) abort();
        if (abandon)
            store_tx_rollback(tx);
        else if (store_tx_commit(tx) != LM_OK)
            abort();
    }
    store_set_fold_hook(s, analytics_rollup_fold, NULL);
}

static int64_t count_events(store *s) {
    store_read *r = NULL;
    int64_t n = 0, after = 0;
    if (store_read_begin(s, &r) != LM_OK) return -1;
    for (int page = 0; page < 1000; page++) {
        store_event *ev = NULL;
        size_t k = 0;
        if (store_events_since(r, after, 10000, &ev, &k) != LM_OK) break;
        if (k) after = ev[k - 1].seq;
        n += (int64_t)k;
        store_events_free(ev, k);
        if (k < 10000) break;
    }
    store_read_end(r);
    return n;
}

static store_an_row *rows_all(store *s, size_t *n) {
    store_read *r = NULL;
    store_an_row *rows = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    assert_int_equal(store_an_rows_all(r, &rows, n, &err), LM_OK);
    store_read_end(r);
    return rows;
}

static void assert_rows_equal(const store_an_row *a, size_t na, const store_an_row *b, size_t nb) {
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].grp, b[i].grp);
        assert_int_equal(a[i].day_ms, b[i].day_ms);
        assert_string_equal(a[i].key, b[i].key);
        assert_int_equal(a[i].counts.n, b[i].counts.n);
        assert_memory_equal(a[i].counts.data, b[i].counts.data, a[i].counts.n);
        assert_int_equal(a[i].hist.n, b[i].hist.n);
        if (a[i].hist.n) assert_memory_equal(a[i].hist.data, b[i].hist.data, a[i].hist.n);
    }
}

/* The writer process: random transactions until killed (bounded in count). */
static void child(unsigned seed) {
    store *s = NULL;
    if (tmp_db_store_open(&db_, 1, &s) != 0) _exit(2);
    int64_t t = T0;
    random_history(s, seed, 100000, &t);
    store_close(s);
    _exit(0);
}

/* A rollup row holding nothing the in-memory fold counts. */
static bool only_event_figures(const analytics_kpi_row *r) {
    return !r->received && !r->delivered && !r->failed && !r->cancelled && !r->routes;
}

/* Counts of the rollup report equal those of the in-memory fold of the same log, every group. */
static void check_against_memory(store *s) {
    analytics_kpi *a = analytics_kpi_new();
    store_read *r = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    assert_int_equal(analytics_kpi_sync(a, r, &err), LM_OK);
    int64_t delivered = 0;
    /* every period over a span that cuts both parts of the history (the writer's from T0, a
     * Monday the 2nd, for days; this process's from T0 + 200 days, a Friday the 18th): week and
     * month reports read period rows inside and day rows in the partial periods at the ends */
    for (int k = 0; k < 3 * ANALYTICS_GROUPS; k++) {
        analytics_group g = (analytics_group)(k % ANALYTICS_GROUPS);
        analytics_period per = (analytics_period)(k / ANALYTICS_GROUPS);
        analytics_kpi_row *m = NULL, *p = NULL;
        size_t nm = 0, np = 0;
        int64_t from = T0 + D_MS, to = T0 + 201 * D_MS;
        assert_int_equal(analytics_kpi_report(a, from, to, per, g, &m, &nm), LM_OK);
        assert_int_equal(analytics_rollup_report(r, from, to, per, g, &p, &np, &err), LM_OK);
        /* the rollups also hold rows made only of figures events add (re-plans, exceptions of a
         * vehicle with no order that day), which the in-memory fold does not compute: those
         * are skipped, every other row must pair up */
        size_t j = 0;
        for (size_t i = 0; i < nm; i++, j++) {
            while (j < np && only_event_figures(&p[j]) &&
                   (p[j].period_start_ms != m[i].period_start_ms || strcmp(p[j].key, m[i].key)))
                j++;
            assert_true(j < np);
            assert_int_equal(m[i].period_start_ms, p[j].period_start_ms);
            assert_string_equal(m[i].key, p[j].key);
            assert_int_equal(m[i].received, p[j].received);
            assert_int_equal(m[i].delivered, p[j].delivered);
            assert_int_equal(m[i].failed, p[j].failed);
            assert_int_equal(m[i].cancelled, p[j].cancelled);
            assert_int_equal(m[i].on_time, p[j].on_time);
            assert_int_equal(m[i].first_attempt, p[j].first_attempt);
            assert_int_equal(m[i].eta60_abs_err_s.n, p[j].eta60_abs_err_s.n);
            assert_int_equal(m[i].stage_s[ANALYTICS_STAGE_TOTAL].n,
                             p[j].stage_s[ANALYTICS_STAGE_TOTAL].n);
            assert_int_equal(m[i].routes, p[j].routes);
            assert_int_equal(m[i].route_stops, p[j].route_stops);
            assert_int_equal(m[i].planned_m, p[j].planned_m);
            assert_near(m[i].cost, p[j].cost, 1e-6 * (1 + m[i].cost));
            /* a histogram quantile is the lower edge of a bucket at most 1/32 of it wide */
            double q = m[i].stage_s[ANALYTICS_STAGE_TOTAL].median,
                   hq = p[j].stage_s[ANALYTICS_STAGE_TOTAL].median;
            assert_true(hq <= q && q - hq <= q / 32 + 1);
            if (g == ANALYTICS_ALL && per == ANALYTICS_MONTH) delivered += m[i].delivered;
        }
        while (j < np && only_event_figures(&p[j]))
            j++;
        assert_int_equal(j, np);
        lm_free(m);
        lm_free(p);
    }
    assert_true(delivered > 0); /* the history exercised deliveries */
    store_read_end(r);
    analytics_kpi_free(a);
}

/* The history exercised the fleet figures (so their equality after a rebuild means something). */
static void check_fleet_figures(store *s) {
    store_read *r = NULL;
    analytics_kpi_row *rows = NULL;
    size_t n = 0;
    lm_errinfo err = {0};
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    assert_int_equal(analytics_rollup_report(r, T0 - D_MS, T0 + 400 * D_MS, ANALYTICS_MONTH,
                                             ANALYTICS_ALL, &rows, &n, &err),
                     LM_OK);
    int64_t replans = 0, exc = 0, resolved = 0, legs = 0, cap = 0, shift = 0;
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < ANALYTICS_TRIGGERS; k++)
            replans += rows[i].replans[k];
        for (int k = 0; k < ANALYTICS_EXC_KINDS; k++) {
            exc += rows[i].exceptions[k];
            resolved += rows[i].exc_resolved[k];
        }
        legs += rows[i].legs;
        cap += rows[i].capacity_g;
        shift += rows[i].shift_s;
    }
    printf("re-plans %" PRId64 ", exceptions %" PRId64 " (%" PRId64 " resolved), legs %" PRId64
           "\n",
           replans, exc, resolved, legs);
    assert_true(replans > 0 && exc > 0 && resolved > 0 && legs > 0 && cap > 0 && shift > 0);
    lm_free(rows);
    store_read_end(r);
}

/* Rebuilds the rollups from the whole log (which must read want_events events) and checks that
 * they equal have[0..n), the rows the incremental folds left; frees have. */
static void assert_rebuild_equal(store *s, store_an_row *have, size_t n, int64_t want_events) {
    lm_errinfo err = {0};
    int64_t rebuilt = 0;
    assert_int_equal(analytics_rollup_rebuild(s, &rebuilt, &err), LM_OK);
    assert_int_equal(rebuilt, want_events);
    size_t n_full = 0;
    store_an_row *full = rows_all(s, &n_full);
    assert_rows_equal(have, n, full, n_full);
    store_an_rows_free(have, n);
    store_an_rows_free(full, n_full);
}

static void test_crash_then_rebuild_equal(void **state) {
    (void)state;
    assert_int_equal(tmp_db_create(&db_, "lm_rollup_"), 0);
    store *s = NULL;
    assert_int_equal(tmp_db_store_open(&db_, 2, &s), 0);
    seed_store(s);
    int64_t base = count_events(s);
    store_close(s);
    unsigned seed = (unsigned)time(NULL);
    printf("seed %u\n", seed);
    int64_t kill_at = base + 300 + (int64_t)(seed % 900);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) child(seed);
    assert_int_equal(tmp_db_store_open(&db_, 2, &s), 0);
    /* poll (bounded) until the writer has committed enough, then kill it mid-stream */
    int64_t seen = 0;
    for (int i = 0; i < 6000 && (seen = count_events(s)) < kill_at; i++)
        usleep(10000);
    assert_true(seen >= kill_at);
    kill(pid, SIGKILL);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    store_close(s);
    /* a new process life: more events, the first commits catching up what lagged */
    assert_int_equal(tmp_db_store_open(&db_, 2, &s), 0);
    int64_t t = T0 + 200 * D_MS;
    random_history(s, seed ^ 0x5bd1e995u, 40, &t);
    store_tx *tx = NULL; /* a last commit with the hook on: the rollups reach the end of the log */
    assert_int_equal(store_tx_begin(s, &tx), LM_OK);
    assert_int_equal(random_event(tx, &seed, &t), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    store_read *r = NULL;
    int64_t cursor = 0, n_events = count_events(s);
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    assert_int_equal(analytics_rollup_cursor(r, &cursor), LM_OK);
    store_read_end(r);
    printf("events %" PRId64 " (writer killed after %" PRId64 "), rollup cursor %" PRId64 "\n",
           n_events, seen, cursor);
    size_t n1 = 0;
    store_an_row *inc = rows_all(s, &n1);
    assert_true(n1 > 0);
    size_t by_period[3] = {0}; /* the fold keeps week and month rows beside the day rows */
    for (size_t i = 0; i < n1; i++)
        by_period[inc[i].grp / 8 < 3 ? inc[i].grp / 8 : 0]++;
    assert_true(by_period[1] > 0 && by_period[2] > 0 && by_period[0] > by_period[2]);
    check_fleet_figures(s);
    check_against_memory(s);
    assert_rebuild_equal(s, inc, n1, cursor);
    store_close(s);
    tmp_db_remove(&db_);
}

/* With a fold lag, commits leave their events to a later fold (the rollups lag behind the log);
 * analytics_rollup_flush then folds the rest, and the rows equal a rebuild from the whole log. */
static void test_lagged_fold_then_flush_equal(void **state) {
    (void)state;
    assert_int_equal(tmp_db_create(&db_, "lm_rollup_lag_"), 0);
    store *s = NULL;
    assert_int_equal(tmp_db_store_open(&db_, 2, &s), 0);
    seed_store(s);
    store_set_fold_lag(s, 3600 * 1000);
    int64_t t = T0;
    random_history(s, 20261208u, 80, &t);
    store_read *r = NULL;
    int64_t cursor = 0, last = 0, folded = 0;
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    assert_int_equal(analytics_rollup_cursor(r, &cursor), LM_OK);
    assert_int_equal(store_events_last_seq(r, &last), LM_OK);
    store_read_end(r);
    assert_true(cursor < last);
    lm_errinfo err = {0};
    assert_int_equal(analytics_rollup_flush(s, &folded, &err), LM_OK);
    assert_int_equal(folded, last - cursor);
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    assert_int_equal(analytics_rollup_cursor(r, &cursor), LM_OK);
    store_read_end(r);
    assert_int_equal(cursor, last);
    assert_int_equal(analytics_rollup_flush(s, &folded, &err), LM_OK); /* nothing left */
    assert_int_equal(folded, 0);
    size_t n1 = 0;
    store_an_row *lagged = rows_all(s, &n1);
    assert_true(n1 > 0);
    assert_rebuild_equal(s, lagged, n1, last);
    store_close(s);
    tmp_db_remove(&db_);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_then_rebuild_equal),
        cmocka_unit_test(test_lagged_fold_then_flush_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
