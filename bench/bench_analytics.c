/* KPI fold and report times on a generated history: DAYS days of PER orders a day, 8 events per
 * order (six order.* stages, an ETA change, an arrival), written to a fresh SQLite file; then the
 * first sync (folding the whole log), a report over every day by depot, a report of the last day,
 * and the incremental sync of one more day's order.received events.
 * Usage: bench_analytics DB DAYS PER (DB must not exist). Not yet driven by bench/run.sh. */
#include "analytics/analytics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DAY_MS ((int64_t)86400000)
#define BASE   (20514 * DAY_MS) /* 2026-03-02 */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static lm_status order_events(store_tx *tx, int64_t id, int k, int64_t t) {
    static const char *const st[] = {"received", "planned",          "allocated",
                                     "ready",    "out_for_delivery", "delivered"};
    char p[256], ty[40];
    lm_status rc = LM_OK;
    for (int i = 0; i < 6 && rc == LM_OK; i++) {
        snprintf(p, sizeof p,
                 "{\"id\":%" PRId64 ",\"to\":\"%s\",\"channel\":\"c%d\",\"depot\":\"d%d\","
                 "\"t_ms\":%" PRId64 "}",
                 id, st[i], k % 3, k % 4, t + i * 600000);
        snprintf(ty, sizeof ty, "order.%s", st[i]);
        rc = store_event_append(tx, ty, "order", "x", p);
    }
    snprintf(p, sizeof p,
             "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64 ",\"vehicle_id\":\"v%d\","
             "\"eta_s\":%" PRId64 ",\"t_ms\":%" PRId64 "}",
             id, id, k % 50, (t + 7200000) / 1000, t + 3000000);
    if (rc == LM_OK) rc = store_event_append(tx, "stop.eta_changed", "stop", "x", p);
    snprintf(p, sizeof p,
             "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64 ",\"vehicle_id\":\"v%d\","
             "\"t_ms\":%" PRId64 "}",
             id, id, k % 50, t + 7000000);
    if (rc == LM_OK) rc = store_event_append(tx, "stop.arrived", "stop", "x", p);
    return rc;
}

static int sync(store *s, analytics_kpi *a) {
    store_read *r = NULL;
    lm_errinfo err = {0};
    if (store_read_begin(s, &r) != LM_OK) return -1;
    lm_status rc = analytics_kpi_sync(a, r, &err);
    store_read_end(r);
    return rc == LM_OK ? 0 : -1;
}

static double report_ms(const analytics_kpi *a, int64_t from, int64_t to, analytics_group g,
                        size_t *n) {
    analytics_kpi_row *rows = NULL;
    double t0 = now_s();
    if (analytics_kpi_report(a, from, to, ANALYTICS_DAY, g, &rows, n) != LM_OK) return -1;
    double t1 = now_s();
    lm_free(rows);
    return (t1 - t0) * 1e3;
}

int main(int argc, char **argv) {
    if (argc != 4) return fprintf(stderr, "usage: bench_analytics DB DAYS PER\n"), 2;
    int days = atoi(argv[2]), per = atoi(argv[3]);
    store_opts o;
    store_opts_init(&o);
    o.path = argv[1];
    o.read_conns = 2;
    store *s = NULL;
    lm_errinfo err = {0};
    if (days < 1 || per < 1 || store_open(&o, &s, &err) != LM_OK) return 1;
    int64_t id = 0;
    double t0 = now_s();
    for (int d = 0; d < days; d++) {
        store_tx *tx = NULL;
        lm_status rc = store_tx_begin(s, &tx);
        for (int k = 0; k < per && rc == LM_OK; k++)
            rc = order_events(tx, ++id, k, BASE + d * DAY_MS + (int64_t)k * 30000);
        if (rc != LM_OK || store_tx_commit(tx) != LM_OK) return 3;
    }
    double t1 = now_s();
    analytics_kpi *a = analytics_kpi_new();
    if (!a || sync(s, a) != 0) return 4;
    double t2 = now_s();
    size_t n_all = 0, n_day = 0;
    double all_ms = report_ms(a, BASE, BASE + days * DAY_MS, ANALYTICS_BY_DEPOT, &n_all);
    double day_ms =
        report_ms(a, BASE + (days - 1) * DAY_MS, BASE + days * DAY_MS, ANALYTICS_ALL, &n_day);
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(s, &tx);
    char p[160];
    for (int k = 0; k < per && rc == LM_OK; k++) {
        snprintf(p, sizeof p,
                 "{\"id\":%" PRId64 ",\"to\":\"received\",\"depot\":\"d0\",\"t_ms\":%" PRId64 "}",
                 ++id, BASE + days * DAY_MS);
        rc = store_event_append(tx, "order.received", "order", "x", p);
    }
    if (rc != LM_OK || store_tx_commit(tx) != LM_OK) return 3;
    double t3 = now_s();
    if (sync(s, a) != 0) return 4;
    double t4 = now_s();
    printf("%" PRId64 " events, %" PRId64
           " orders: written in %.1f s; first sync (whole log) %.2f s;"
           " report of %d days by depot (%zu rows) %.1f ms; last-day report %.1f ms;"
           " incremental sync of %d new events %.1f ms\n",
           analytics_kpi_cursor(a), id, t1 - t0, t2 - t1, days, n_all, all_ms, day_ms, per,
           (t4 - t3) * 1e3);
    analytics_kpi_free(a);
    store_close(s);
    return 0;
}
