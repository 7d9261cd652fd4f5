/* `lastmile report` and `lastmile analytics rebuild`: the analytics reports read straight from a
 * database (the rollups, forecasts, replenishment advice) through the same codecs as
 * GET /v1/reports/{family}, /v1/forecast/{depot}/{sku} and /v1/replenishment/{depot}; and the
 * rebuild of the rollups from the whole event log. */
#include "analytics/analytics.h"
#include "api/formats/reports.h"
#include "cli/cli.h"
#include "common/common.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static void report_usage(FILE *out) {
    fprintf(out,
            "usage: lastmile report FAMILY [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--period "
            "day|week|month]\n"
            "                              [--group all|depot|channel|vehicle|driver|zone] [--csv] "
            "[--db PATH|URL]\n"
            "       lastmile report forecast DEPOT SKU [--days N] [--h N] [--service P] [--csv] "
            "[--db PATH|URL]\n"
            "       lastmile report replenishment DEPOT [--days N] [--lead-days N] "
            "[--review-days N]\n"
            "                              [--service P] [--csv] [--db PATH|URL]\n"
            "FAMILY: deliveries, eta, cycle-times, costs, fleet, exceptions, promise or kpis\n"
            "(docs/analytics.md). JSON on stdout, or CSV with --csv. The database defaults to "
            "$LASTMILE_DB, else "
            "var/lastmile.db.\n");
}

/* The options of every report form; NULL when not given. */
typedef struct report_opts {
    const char *pos[3]; /* positional words after "report" */
    size_t n_pos;
    const char *from, *to, *period, *group, *days, *h, *lead, *review, *service, *db;
    bool csv;
} report_opts;

static int parse(int argc, char **argv, report_opts *o) {
    struct {
        const char *name;
        const char **slot;
    } opts[] = {{"--from", &o->from},       {"--to", &o->to},
                {"--period", &o->period},   {"--group", &o->group},
                {"--days", &o->days},       {"--h", &o->h},
                {"--lead-days", &o->lead},  {"--review-days", &o->review},
                {"--service", &o->service}, {"--db", &o->db}};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv")) {
            o->csv = true;
            continue;
        }
        if (argv[i][0] != '-') {
            if (o->n_pos == 3) return CLI_USAGE;
            o->pos[o->n_pos++] = argv[i];
            continue;
        }
        size_t k = 0;
        while (k < sizeof opts / sizeof opts[0] && strcmp(argv[i], opts[k].name))
            k++;
        if (k == sizeof opts / sizeof opts[0] || i + 1 >= argc) {
            fprintf(stderr, "lastmile report: unknown option or missing value '%s'\n", argv[i]);
            return CLI_USAGE;
        }
        *opts[k].slot = argv[++i];
    }
    if (!o->db && !((o->db = getenv("LASTMILE_DB")) && *o->db)) o->db = "var/lastmile.db";
    return o->n_pos ? CLI_OK : CLI_USAGE;
}

static store *open_db(const char *db, const char *who) {
    store_opts so;
    store_opts_init(&so);
    so.path = db;
    so.read_conns = 1;
    store *s = NULL;
    lm_errinfo err = {0};
    if (store_open(&so, &s, &err) != LM_OK) {
        fprintf(stderr, "lastmile %s: store %s: %s\n", who, db, err.message);
        return NULL;
    }
    return s;
}

static int fail(const lm_errinfo *err) {
    fprintf(stderr, "lastmile report: %s%s%s\n", err->field, err->field[0] ? ": " : "",
            err->message);
    return err->code == LM_INVALID || err->code == LM_NOT_FOUND ? CLI_USAGE : CLI_FAILED;
}

static lm_status kpis(store_read *rd, const report_opts *o, lm_buf *b, lm_errinfo *err) {
    fmt_report_query q;
    lm_status rc =
        fmt_report_query_read(o->pos[0], o->from, o->to, o->period, o->group, lm_now_ms(), &q, err);
    if (rc != LM_OK) return rc;
    if (q.family == FMT_REPORT_QUALITY)
        return lm_errinfo_set(err, LM_INVALID, "family", "quality is served by the HTTP API only");
    analytics_kpi_row *rows = NULL;
    size_t n = 0;
    if ((rc = analytics_rollup_report(rd, q.from_ms, q.to_ms, q.period, q.group, &rows, &n, err)) ==
        LM_OK)
        rc = o->csv ? fmt_report_csv(b, &q, rows, n) : fmt_report_json(b, &q, rows, n);
    lm_free(rows);
    return rc;
}

static lm_status forecast(store_read *rd, const report_opts *o, lm_buf *b, lm_errinfo *err) {
    fmt_forecast_query q;
    lm_status rc = fmt_forecast_query_read(o->days, o->h, o->lead, o->review, o->service, &q, err);
    if (rc != LM_OK) return rc;
    if (o->n_pos != 3) return lm_errinfo_set(err, LM_INVALID, "", "forecast needs DEPOT and SKU");
    double *y = lm_calloc((size_t)q.history_days, sizeof *y);
    analytics_forecast *fc = lm_calloc(1, sizeof *fc);
    int64_t first = lm_now_ms() / DAY_MS - q.history_days;
    rc = y && fc ? analytics_demand_series(rd, o->pos[1], o->pos[2], first, (size_t)q.history_days,
                                           y, err)
                 : LM_NOMEM;
    if (rc == LM_OK)
        rc = analytics_forecast_series(y, NULL, (size_t)q.history_days, (size_t)q.horizon_days, fc);
    if (rc == LM_OK)
        rc = o->csv ? fmt_forecast_csv(b, first, y, (size_t)q.history_days, fc, q.z)
                    : fmt_forecast_json(b, o->pos[1], o->pos[2], first, y, (size_t)q.history_days,
                                        fc, q.z);
    lm_free(y);
    lm_free(fc);
    return rc;
}

static lm_status replenishment(store_read *rd, const report_opts *o, lm_buf *b, lm_errinfo *err) {
    fmt_forecast_query q;
    lm_status rc = fmt_forecast_query_read(o->days, o->h, o->lead, o->review, o->service, &q, err);
    if (rc != LM_OK) return rc;
    if (o->n_pos != 2) return lm_errinfo_set(err, LM_INVALID, "", "replenishment needs DEPOT");
    analytics_replenish_in in = {
        .lead_time_days = (size_t)q.lead_days, .review_days = (size_t)q.review_days, .z = q.z};
    analytics_sku_advice *rows = NULL;
    size_t n = 0;
    if ((rc = analytics_replenish_depot(rd, o->pos[1], lm_now_ms() / DAY_MS, (size_t)q.history_days,
                                        &in, &rows, &n, err)) == LM_OK)
        rc = o->csv ? fmt_replenish_csv(b, rows, n) : fmt_replenish_json(b, o->pos[1], &q, rows, n);
    lm_free(rows);
    return rc;
}

int cli_report(int argc, char **argv) {
    report_opts o = {0};
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        report_usage(stdout);
        return CLI_OK;
    }
    if (parse(argc, argv, &o) != CLI_OK) {
        report_usage(stderr);
        return CLI_USAGE;
    }
    store *s = open_db(o.db, "report");
    if (!s) return CLI_FAILED;
    store_read *rd = NULL;
    lm_errinfo err = {0};
    lm_buf b;
    lm_buf_init(&b, 256u << 20);
    /* a server folds events into the rollups every API_FOLD_LAG_MS: the rest first (a failing
     * fold leaves the rollups as they are, and the report is still made) */
    if (analytics_rollup_flush(s, NULL, &err) != LM_OK) lm_errinfo_clear(&err);
    lm_status rc = store_read_begin(s, &rd);
    if (rc == LM_OK) {
        rc = !strcmp(o.pos[0], "forecast")        ? forecast(rd, &o, &b, &err)
             : !strcmp(o.pos[0], "replenishment") ? replenishment(rd, &o, &b, &err)
                                                  : kpis(rd, &o, &b, &err);
        store_read_end(rd);
    }
    store_close(s);
    int status = CLI_OK;
    if (rc != LM_OK) {
        if (!err.message[0]) lm_errinfo_set(&err, rc, "", "%s", lm_strerror(rc));
        status = fail(&err);
    } else {
        fwrite(b.data, 1, b.len, stdout);
        if (!o.csv) fputc('\n', stdout);
    }
    lm_buf_free(&b);
    return status;
}

int cli_analytics(int argc, char **argv) {
    const char *db = getenv("LASTMILE_DB");
    if (!db || !*db) db = "var/lastmile.db";
    if (argc == 4 && !strcmp(argv[2], "--db")) db = argv[3];
    if ((argc != 2 && argc != 4) || strcmp(argv[1], "rebuild")) {
        fprintf(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
                "usage: lastmile analytics rebuild [--db PATH|URL]\n"
                "Deletes the analytics rollups and folds the whole event log again (one "
                "transaction: writers wait).\n");
        return argc >= 2 && !strcmp(argv[1], "--help") ? CLI_OK : CLI_USAGE;
    }
    store *s = open_db(db, "analytics");
    if (!s) return CLI_FAILED;
    lm_errinfo err = {0};
    int64_t t0 = lm_mono_ns(), cursor = 0;
    lm_status rc = analytics_rollup_rebuild(s, &cursor, &err);
    store_close(s);
    if (rc != LM_OK) {
        fprintf(stderr, "lastmile analytics: rebuild failed: %s\n", err.message);
        return CLI_FAILED;
    }
    printf("rollups rebuilt from the event log up to seq %lld in %.1f s\n", (long long)cursor,
           (double)(lm_mono_ns() - t0) / 1e9);
    return CLI_OK;
}
