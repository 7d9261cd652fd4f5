/* The analytics report benchmark: a generated year of a PER-orders-a-day operation written to a
 * fresh SQLite file one day per transaction with the rollup fold hook installed (as the server
 * runs), then every report family x group x period over the whole span, timed RUNS times (the
 * query on the rollups plus the JSON the API would send).
 * Each order: received, allocated, planned, stop.eta_set (the plan's ETA), ready,
 * out_for_delivery, three stop.eta_changed, stop.arrived, stop.delivered and order.delivered
 * (12 events); 4 % fail a first attempt (stop.failed with a retry, delivered an hour later); 2 %
 * are cancelled after allocation; 100 vans start a route each day (route.started).
 * Usage: bench_analytics DB DAYS PER RUNS [--rebuild] (DB must not exist), or
 * bench_analytics DB DAYS PER RUNS --reports: only the report timings, on a DB an earlier run left
 * (the same DAYS), so two builds' writers can be timed on one history, one after the other.
 * Prints a markdown table (bench/run.sh analytics writes it to bench/results/analytics.md). */
#include "analytics/analytics.h"
#include "api/formats/reports.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS ((int64_t)86400000)
#define MIN_MS ((int64_t)60000)
#define BASE   (20454 * DAY_MS) /* 2026-01-01 */
#define VANS   100

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static lm_status oev(store_tx *tx, int64_t id, const char *to, int k, int64_t t) {
    char p[256], ty[40];
    snprintf(p, sizeof p,
             "{\"id\":%" PRId64 ",\"to\":\"%s\",\"channel\":\"c%d\",\"depot\":\"d%d\","
             "\"t_ms\":%" PRId64 "}",
             id, to, k % 3, k % 4, t);
    snprintf(ty, sizeof ty, "order.%s", to);
    return store_event_append(tx, ty, "order", "x", p);
}

static lm_status sev(store_tx *tx, const char *type, int64_t id, int van, const char *extra,
                     int64_t t) {
    char p[256];
    snprintf(p, sizeof p,
             "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64 ",\"vehicle_id\":\"v%d\"%s,"
             "\"t_ms\":%" PRId64 "}",
             id, id, van, extra, t);
    return store_event_append(tx, type, "stop", "x", p);
}

/* One order of day d, k-th of the day: its whole life, in time order within the order. */
static lm_status order_life(store_tx *tx, int64_t id, int k, int64_t day0, unsigned *seed,
                            int64_t *n_events) {
    int van = k % VANS;
    int64_t r = day0 + 6 * 3600000 + (int64_t)k * 9000; /* received 06:00 onwards */
    int64_t out = day0 + 9 * 3600000 + (int64_t)(rand_r(seed) % 1800) * 1000;
    int64_t arrive = out + (int64_t)(20 + (k / VANS) % 300) * MIN_MS;
    int64_t eta = arrive + (int64_t)(rand_r(seed) % 1800) * 1000 - 900000;
    char x[128];
    lm_status rc = oev(tx, id, "received", k, r);
    if (rc == LM_OK) rc = oev(tx, id, "allocated", k, r + 5 * MIN_MS);
    *n_events += 2;
    if (rc == LM_OK && rand_r(seed) % 50 == 0) {
        *n_events += 1;
        return oev(tx, id, "cancelled", k, r + 20 * MIN_MS);
    }
    snprintf(x, sizeof x, ",\"eta_s\":%" PRId64, eta / 1000);
    if (rc == LM_OK) rc = oev(tx, id, "planned", k, out - 60 * MIN_MS);
    if (rc == LM_OK) rc = sev(tx, "stop.eta_set", id, van, x, out - 60 * MIN_MS);
    if (rc == LM_OK) rc = oev(tx, id, "ready", k, out - 30 * MIN_MS);
    if (rc == LM_OK) rc = oev(tx, id, "out_for_delivery", k, out);
    for (int i = 1; i <= 3 && rc == LM_OK; i++) {
        int64_t at = out + (arrive - out) * i / 4;
        snprintf(x, sizeof x, ",\"eta_s\":%" PRId64 ",\"previous_eta_s\":%" PRId64,
                 (eta + (arrive - eta) * i / 4) / 1000, eta / 1000);
        rc = sev(tx, "stop.eta_changed", id, van, x, at);
    }
    *n_events += 7;
    if (rc == LM_OK && rand_r(seed) % 25 == 0) { /* a failed first attempt, retried an hour on */
        snprintf(x, sizeof x, ",\"retry_after_s\":%" PRId64, (arrive + 3600000) / 1000);
        rc = sev(tx, "stop.failed", id, van, x, arrive);
        arrive += 3600000;
        *n_events += 1;
    }
    if (rc == LM_OK) rc = sev(tx, "stop.arrived", id, van, "", arrive);
    if (rc == LM_OK) rc = sev(tx, "stop.delivered", id, van, "", arrive + 2 * MIN_MS);
    if (rc == LM_OK) rc = oev(tx, id, "delivered", k, arrive + 2 * MIN_MS);
    *n_events += 3;
    return rc;
}

static lm_status write_day(store *s, int d, int per, int64_t *id, unsigned *seed, int64_t *n) {
    store_tx *tx = NULL;
    int64_t day0 = BASE + d * DAY_MS;
    lm_status rc = store_tx_begin(s, &tx);
    char p[160];
    for (int v = 0; v < VANS && rc == LM_OK; v++) {
        snprintf(p, sizeof p,
                 "{\"vehicle_id\":\"v%d\",\"driver_id\":\"drv%d\",\"t_ms\":%" PRId64 "}", v,
                 (v + d) % (VANS + 20), day0 + 8 * 3600000 + v * 1000);
        rc = store_event_append(tx, "route.started", "vehicle", "x", p);
        ++*n;
    }
    for (int k = 0; k < per && rc == LM_OK; k++)
        rc = order_life(tx, ++*id, k, day0, seed, n);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return store_tx_commit(tx);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One report RUNS times: rollup query + JSON; prints a table line with median, min, max, and the
 * median of the query alone (reading and summing the rollup rows; the rest is the JSON). */
static int time_report(store *s, fmt_report_family fam, analytics_period p, analytics_group g,
                       int64_t from, int64_t to, int runs) {
    double t[64], tq[64];
    size_t rows = 0, bytes = 0;
    if (runs > 64) runs = 64;
    for (int i = 0; i < runs; i++) {
        store_read *rd = NULL;
        analytics_kpi_row *out = NULL;
        lm_errinfo err = {0};
        lm_buf b;
        lm_buf_init(&b, 256u << 20);
        fmt_report_query q = {fam, from, to, p, g};
        double t0 = now_s();
        if (store_read_begin(s, &rd) != LM_OK ||
            analytics_rollup_report(rd, from, to, p, g, &out, &rows, &err) != LM_OK)
            return fprintf(stderr, "report failed: %s\n", err.message), -1;
        tq[i] = (now_s() - t0) * 1e3;
        if (fmt_report_json(&b, &q, out, rows) != LM_OK)
            return fprintf(stderr, "report JSON failed\n"), -1;
        store_read_end(rd);
        t[i] = (now_s() - t0) * 1e3;
        bytes = b.len;
        lm_free(out);
        lm_buf_free(&b);
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_d);
    qsort(tq, (size_t)runs, sizeof tq[0], cmp_d);
    static const char *const pn[] = {"day", "week", "month"};
    static const char *const gn[] = {"all", "depot", "channel", "vehicle", "driver", "zone"};
    printf("| %s | %s | %s | %zu | %zu | %.1f | %.1f | %.1f | %.1f |\n",
           fmt_report_family_name(fam), pn[p], gn[g], rows, bytes, t[runs / 2], t[0], t[runs - 1],
           tq[runs / 2]);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 5)
        return fprintf(stderr, "usage: bench_analytics DB DAYS PER RUNS [--rebuild|--reports]\n"),
               2;
    int days = atoi(argv[2]), per = atoi(argv[3]), runs = atoi(argv[4]);
    bool rebuild = argc > 5 && !strcmp(argv[5], "--rebuild");
    bool reports_only = argc > 5 && !strcmp(argv[5], "--reports");
    store_opts o;
    store_opts_init(&o);
    o.path = argv[1];
    o.read_conns = 2;
    store *s = NULL;
    lm_errinfo err = {0};
    if (days < 1 || per < 1 || runs < 1 || store_open(&o, &s, &err) != LM_OK) return 1;
    if (analytics_rollup_attach(s, NULL, &err) != LM_OK) return 1;
    int64_t id = 0, n = 0;
    unsigned seed = 42;
    double t0 = now_s();
    for (int d = 0; d < days && !reports_only; d++)
        if (write_day(s, d, per, &id, &seed, &n) != LM_OK) return 3;
    double t1 = now_s();
    if (!reports_only)
        printf("Generated: %d days x %d orders = %" PRId64 " orders, %" PRId64
               " events, written one day per transaction with the rollups folded in the same "
               "transaction: %.0f s in all (%.2f s per day's commit).\n\n",
               days, per, id, n, t1 - t0, (t1 - t0) / days);
    if (rebuild) {
        int64_t cursor = 0;
        double r0 = now_s();
        if (analytics_rollup_rebuild(s, &cursor, &err) != LM_OK) return 4;
        printf("`lastmile analytics rebuild` of the same log (up to seq %" PRId64 "): %.0f s.\n\n",
               cursor, now_s() - r0);
    }
    printf("| family | period | group | rows | JSON bytes | median ms | min ms | max ms | query "
           "median ms |\n");
    printf("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
    int64_t from = BASE, to = BASE + days * DAY_MS;
    for (int f = 0; f <= FMT_REPORT_KPIS; f++)
        if (time_report(s, (fmt_report_family)f, ANALYTICS_DAY, ANALYTICS_ALL, from, to, runs))
            return 5;
    for (int g = ANALYTICS_BY_DEPOT; g <= ANALYTICS_BY_DRIVER; g++)
        for (int p = ANALYTICS_DAY; p <= ANALYTICS_MONTH; p++)
            if (time_report(s, FMT_REPORT_KPIS, (analytics_period)p, (analytics_group)g, from, to,
                            runs))
                return 5;
    if (time_report(s, FMT_REPORT_KPIS, ANALYTICS_DAY, ANALYTICS_BY_VEHICLE, to - DAY_MS, to, runs))
        return 5;
    /* the last 30 days, day by day per van: a year's daily report paged by its range */
    if (time_report(s, FMT_REPORT_KPIS, ANALYTICS_DAY, ANALYTICS_BY_VEHICLE, to - 30 * DAY_MS, to,
                    runs))
        return 5;
    /* the families a dispatcher reads per van over a year, at the periods that make sense */
    for (int f = FMT_REPORT_COSTS; f < FMT_REPORT_KPIS; f++)
        if (time_report(s, (fmt_report_family)f, ANALYTICS_MONTH, ANALYTICS_BY_VEHICLE, from, to,
                        runs))
            return 5;
    store_close(s);
    return 0;
}
