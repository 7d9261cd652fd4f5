/* api/forecast.c: demand forecasts and replenishment advice over HTTP:
 * GET /v1/forecast/{depot}/{sku} (history and forecast with its interval, the backtest),
 * GET /v1/replenishment/{depot} (reorder point and quantity per stocked SKU) and
 * POST /v1/replenishment/{depot} (the refit on demand: the advised reorder points of SKUs with
 * demand history become the stock rows' reorder points, so the stock.low alert uses them; the
 * nightly refit of api/housekeeping.c does the same for every depot).
 * The rules are analytics/'s (docs/analytics.md); this file reads queries and writes replies. */
#include "api/app.h"
#include "api/formats/reports.h"
#include "api/handlers.h"
#include "store/store_orders.h"

#include <math.h>
#include <string.h>

#define DAY_MS 86400000LL

static lm_status query_of(http_req *r, fmt_forecast_query *q) {
    return fmt_forecast_query_read(http_query(r, "days"), http_query(r, "h"),
                                   http_query(r, "lead_days"), http_query(r, "review_days"),
                                   http_query(r, "service"), q, &r->err);
}

/* 404 naming the depot when it is unknown. */
static lm_status depot_known(http_req *r, store_read *rd, const char *depot) {
    store_depot d;
    lm_status rc = store_depot_get(rd, depot, &d, NULL);
    if (rc == LM_NOT_FOUND) return http_error(r, rc, "depot", "no depot %s", depot);
    return rc;
}

/* ---- GET /v1/forecast/{depot}/{sku} ---- */

lm_status api__forecast_get(http_req *r) {
    const char *depot = http_param(r, "depot"), *sku = http_param(r, "sku");
    fmt_forecast_query q;
    lm_status rc = query_of(r, &q);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    store_product p;
    double *y = lm_calloc((size_t)q.history_days, sizeof *y);
    analytics_forecast *fc = lm_calloc(1, sizeof *fc);
    int64_t today = lm_now_ms() / DAY_MS, first = today - q.history_days;
    if (!y || !fc)
        rc = http_error(r, LM_NOMEM, "", "out of memory");
    else if ((rc = depot_known(r, rd, depot)) != LM_OK)
        ;
    else if ((rc = store_product_get(rd, sku, &p, NULL)) == LM_NOT_FOUND)
        rc = http_error(r, rc, "sku", "no product %s", sku);
    else if (rc == LM_OK)
        rc = analytics_demand_series(rd, depot, sku, first, (size_t)q.history_days, y, &r->err);
    store_read_end(rd);
    /* the forecast starts today: the history's last day is yesterday, the last whole day */
    if (rc == LM_OK && (rc = analytics_forecast_series(y, NULL, (size_t)q.history_days,
                                                       (size_t)q.horizon_days, fc)) != LM_OK)
        rc = http_error(r, rc, "", "the forecast failed");
    if (rc == LM_OK) {
        bool csv = api__wants_csv(r);
        lm_buf b;
        lm_buf_init(&b, 4u << 20);
        rc = api__reply_buf(
            r, csv, &b,
            csv ? fmt_forecast_csv(&b, first, y, (size_t)q.history_days, fc, q.z)
                : fmt_forecast_json(&b, depot, sku, first, y, (size_t)q.history_days, fc, q.z));
    }
    lm_free(y);
    lm_free(fc);
    return rc;
}

/* ---- GET and POST /v1/replenishment/{depot} ---- */

static lm_status advise(http_req *r, const char *depot, fmt_forecast_query *q,
                        analytics_sku_advice **rows, size_t *n) {
    lm_status rc = query_of(r, q);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    analytics_replenish_in in = {
        .lead_time_days = (size_t)q->lead_days, .review_days = (size_t)q->review_days, .z = q->z};
    if ((rc = depot_known(r, rd, depot)) == LM_OK)
        rc = analytics_replenish_depot(rd, depot, lm_now_ms() / DAY_MS, (size_t)q->history_days,
                                       &in, rows, n, &r->err);
    store_read_end(rd);
    return rc;
}

static lm_status reply_advice(http_req *r, const char *depot, const fmt_forecast_query *q,
                              const analytics_sku_advice *rows, size_t n) {
    bool csv = api__wants_csv(r);
    lm_buf b;
    lm_buf_init(&b, 16u << 20);
    return api__reply_buf(r, csv, &b,
                          csv ? fmt_replenish_csv(&b, rows, n)
                              : fmt_replenish_json(&b, depot, q, rows, n));
}

lm_status api__replenishment_get(http_req *r) {
    const char *depot = http_param(r, "depot");
    fmt_forecast_query q;
    analytics_sku_advice *rows = NULL;
    size_t n = 0;
    lm_status rc = advise(r, depot, &q, &rows, &n);
    if (rc == LM_OK) rc = reply_advice(r, depot, &q, rows, n);
    lm_free(rows);
    return rc;
}

static lm_status apply_points(http_req *r, orders_svc *o) {
    const char *depot = http_param(r, "depot");
    fmt_forecast_query q;
    analytics_sku_advice *rows = NULL;
    size_t n = 0;
    lm_status rc = advise(r, depot, &q, &rows, &n);
    if (rc == LM_OK) rc = api__replenish_refit(o, depot, rows, n, &r->err);
    if (rc == LM_OK) rc = reply_advice(r, depot, &q, rows, n);
    lm_free(rows);
    return rc;
}

lm_status api__replenishment_apply(http_req *r) {
    return api__with_orders(r, apply_points);
}
