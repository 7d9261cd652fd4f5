/* api/reports.c: GET /v1/reports/{family}: delivery KPIs from the analytics rollups (deliveries,
 * eta, cycle-times, costs, kpis) and service quality (complaints, SLA, ratings, returns) against
 * the deliveries; JSON, or CSV with Accept: text/csv. The figures are analytics/'s and
 * feedback/'s and returns' (docs/analytics.md); this file reads the query and writes the reply. */
#include "api/app.h"
#include "api/formats/reports.h"
#include "api/handlers.h"
#include "feedback/feedback.h"
#include "store/store_returns.h"

#include <string.h>

bool api__wants_csv(const http_req *r) {
    const char *a = http_header(r, "Accept");
    return a && strstr(a, "text/csv");
}

lm_status api__reply_buf(http_req *r, bool csv, lm_buf *b, lm_status rc) {
    if (rc == LM_OK)
        rc = http_reply_text(r, 200, csv ? "text/csv; charset=utf-8" : "application/json",
                             b->data ? b->data : "", b->len);
    else
        rc = http_error(r, rc, "", "the reply could not be written");
    lm_buf_free(b);
    return rc;
}

/* The server folds events into the rollups at most every API_FOLD_LAG_MS (api/app.c); a report
 * folds the rest first, so it holds every event committed before it. A fold that fails leaves the
 * rollups as they are (as a failing fold in a commit does): the report is still served. */
void api__rollups_fresh(store *s) {
    lm_errinfo err = {0};
    if (analytics_rollup_flush(s, NULL, &err) != LM_OK) lm_errinfo_clear(&err);
}

/* Delivered orders in the query's range, from the rollups (group all). */
static lm_status delivered_in(store_read *rd, const fmt_report_query *q, int64_t *out,
                              lm_errinfo *err) {
    analytics_kpi_row *rows = NULL;
    size_t n = 0;
    lm_status rc = analytics_rollup_report(rd, q->from_ms, q->to_ms, ANALYTICS_MONTH, ANALYTICS_ALL,
                                           &rows, &n, err);
    *out = 0;
    for (size_t i = 0; rc == LM_OK && i < n; i++)
        *out += rows[i].delivered;
    lm_free(rows);
    return rc;
}

static lm_status quality_reply(http_req *r, store_read *rd, const fmt_report_query *q) {
    fmt_quality x = {0};
    feedback_complaint_stats cs = {0};
    store_rating_group *drv = NULL, *dep = NULL;
    store_return_rate *prod = NULL, *why = NULL;
    lm_errinfo *err = &r->err;
    lm_status rc;
    if ((rc = delivered_in(rd, q, &x.delivered, err)) != LM_OK ||
        (rc = feedback_complaint_stats_get(rd, q->from_ms, q->to_ms, &cs, err)) != LM_OK ||
        (rc = feedback_rating_groups(rd, "driver_id", q->from_ms, q->to_ms, &drv, &x.n_driver,
                                     err)) != LM_OK ||
        (rc = feedback_rating_groups(rd, "depot_id", q->from_ms, q->to_ms, &dep, &x.n_depot,
                                     err)) != LM_OK ||
        (rc = store_return_rates(rd, "product", q->from_ms, q->to_ms, &prod, &x.n_product, err)) !=
            LM_OK ||
        (rc = store_return_rates(rd, "reason", q->from_ms, q->to_ms, &why, &x.n_reason, err)) !=
            LM_OK)
        goto done;
    x.complaints = cs.opened;
    x.answered = cs.answered;
    x.fr_met = cs.fr_met;
    x.fr_breached = cs.fr_breached;
    x.res_breached = cs.res_breached;
    x.by_driver = drv;
    x.by_depot = dep;
    x.by_product = prod;
    x.by_reason = why;
    bool csv = api__wants_csv(r);
    lm_buf b;
    lm_buf_init(&b, 16u << 20);
    rc = api__reply_buf(r, csv, &b, csv ? fmt_quality_csv(&b, &x) : fmt_quality_json(&b, q, &x));
done:
    lm_free(drv);
    lm_free(dep);
    lm_free(prod);
    lm_free(why);
    return rc;
}

/* ---- GET /v1/reports/{family} ---- */

lm_status api__reports_get(http_req *r) {
    fmt_report_query q;
    lm_status rc = fmt_report_query_read(http_param(r, "family"), http_query(r, "from"),
                                         http_query(r, "to"), http_query(r, "period"),
                                         http_query(r, "group"), lm_now_ms(), &q, &r->err);
    if (rc != LM_OK) return rc;
    api__rollups_fresh(api_store(r));
    store_read *rd = NULL;
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    if (q.family == FMT_REPORT_QUALITY) {
        rc = quality_reply(r, rd, &q);
        store_read_end(rd);
        return rc;
    }
    analytics_kpi_row *rows = NULL;
    size_t n = 0;
    rc = analytics_rollup_report(rd, q.from_ms, q.to_ms, q.period, q.group, &rows, &n, &r->err);
    store_read_end(rd);
    if (rc == LM_OK) {
        bool csv = api__wants_csv(r);
        lm_buf b;
        lm_buf_init(&b, 64u << 20);
        rc = api__reply_buf(
            r, csv, &b, csv ? fmt_report_csv(&b, &q, rows, n) : fmt_report_json(&b, &q, rows, n));
    }
    lm_free(rows);
    return rc;
}
