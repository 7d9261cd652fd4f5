/* api/formats/reports_forecast.c: forecast and replenishment queries and replies
 * (api/formats/reports.h). */
#include "api/formats/reports.h"
#include "api/formats/rfc3339.h"
#include "common/json.h"

#include <math.h>
#include <string.h>

/* An integer query value in [min, max] into *out (left at its default when s is NULL). */
static lm_status read_int(const char *s, const char *field, int64_t min, int64_t max, int64_t *out,
                          lm_errinfo *err) {
    if (s && !lm_parse_i64(s, min, max, out))
        return lm_errinfo_set(err, LM_INVALID, field, "%s must be an integer from %lld to %lld",
                              field, (long long)min, (long long)max);
    return LM_OK;
}

/* The standard normal quantile of p (0 < p < 1), by bisection on erfc: 60 halvings of [-10, 10]
 * reach double precision. */
static double normal_quantile(double p) {
    double lo = -10, hi = 10;
    for (int i = 0; i < 60; i++) {
        double mid = (lo + hi) / 2;
        if (0.5 * erfc(-mid / sqrt(2.0)) < p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

lm_status fmt_forecast_query_read(const char *days, const char *h, const char *lead_days,
                                  const char *review_days, const char *service,
                                  fmt_forecast_query *q, lm_errinfo *err) {
    fmt_forecast_query r = {182, 14, 7, 7, 0.95, 0};
    lm_status rc;
    if ((rc = read_int(days, "days", 28, 730, &r.history_days, err)) != LM_OK ||
        (rc = read_int(h, "h", 1, 90, &r.horizon_days, err)) != LM_OK ||
        (rc = read_int(lead_days, "lead_days", 1, 60, &r.lead_days, err)) != LM_OK ||
        (rc = read_int(review_days, "review_days", 1, 60, &r.review_days, err)) != LM_OK)
        return rc;
    if (service &&
        (!lm_parse_double(service, &r.service) || !(r.service >= 0.5) || !(r.service <= 0.999)))
        return lm_errinfo_set(err, LM_INVALID, "service",
                              "service must be a service level from 0.5 to 0.999");
    r.z = normal_quantile(r.service);
    *q = r;
    return LM_OK;
}

static void day_text(int64_t day, char out[FMT_TIME_RFC3339_LEN]) {
    fmt_time_format_rfc3339(day * 86400, out);
    out[10] = '\0';
}

static double lo_of(double f, double sigma, double z) {
    double lo = f - z * sigma;
    return lo > 0 ? lo : 0;
}

lm_status fmt_forecast_json(lm_buf *b, const char *depot, const char *sku, int64_t first_day,
                            const double *history, size_t n, const analytics_forecast *fc,
                            double z) {
    lm_jw w;
    char day[FMT_TIME_RFC3339_LEN];
    lm_jw_init(&w, b, false);
    lm_jw_open(&w, NULL, "{");
    lm_jw_str(&w, "depot", depot);
    lm_jw_str(&w, "sku", sku);
    lm_jw_str(&w, "method", analytics_method_name(fc->method));
    lm_jw_double(&w, "sigma", fc->sigma);
    lm_jw_double(&w, "z", z);
    lm_jw_open(&w, "backtest", "{");
    lm_jw_int(&w, "holdout_days", fc->bt.holdout);
    lm_jw_int(&w, "folds", fc->bt.folds);
    const double m[] = {fc->bt.mase, fc->bt.smape, fc->bt.naive_mase, fc->bt.naive_smape};
    const char *const names[] = {"mase", "smape", "naive_mase", "naive_smape"};
    for (int i = 0; i < 4; i++)
        lm_jw_double(&w, names[i], isfinite(m[i]) ? m[i] : -1); /* -1: not measurable */
    lm_jw_close(&w, "}");
    lm_jw_open(&w, "history", "[");
    for (size_t i = 0; i < n && w.st == LM_OK; i++) {
        lm_jw_open(&w, NULL, "{");
        day_text(first_day + (int64_t)i, day);
        lm_jw_str(&w, "date", day);
        lm_jw_double(&w, "units", history[i]);
        lm_jw_close(&w, "}");
    }
    lm_jw_close(&w, "]");
    lm_jw_open(&w, "forecast", "[");
    for (size_t i = 0; i < fc->h && w.st == LM_OK; i++) {
        lm_jw_open(&w, NULL, "{");
        day_text(first_day + (int64_t)(n + i), day);
        lm_jw_str(&w, "date", day);
        /* the interval is about the expected demand (the point forecast of a TSB series is its
         * median, often 0) */
        lm_jw_double(&w, "units", fc->f[i]);
        lm_jw_double(&w, "mean", fc->mean[i]);
        lm_jw_double(&w, "lo", lo_of(fc->mean[i], fc->sigma, z));
        lm_jw_double(&w, "hi", fc->mean[i] + z * fc->sigma);
        lm_jw_close(&w, "}");
    }
    lm_jw_close(&w, "]");
    lm_jw_close(&w, "}");
    return w.st;
}

lm_status fmt_forecast_csv(lm_buf *b, int64_t first_day, const double *history, size_t n,
                           const analytics_forecast *fc, double z) {
    char day[FMT_TIME_RFC3339_LEN];
    lm_status rc = lm_buf_printf(b, "date,actual,forecast,mean,lo,hi\r\n");
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        day_text(first_day + (int64_t)i, day);
        rc = lm_buf_printf(b, "%s,%.10g,,,,\r\n", day, history[i]);
    }
    for (size_t i = 0; i < fc->h && rc == LM_OK; i++) {
        day_text(first_day + (int64_t)(n + i), day);
        rc = lm_buf_printf(b, "%s,,%.10g,%.10g,%.10g,%.10g\r\n", day, fc->f[i], fc->mean[i],
                           lo_of(fc->mean[i], fc->sigma, z), fc->mean[i] + z * fc->sigma);
    }
    return rc;
}

lm_status fmt_replenish_json(lm_buf *b, const char *depot, const fmt_forecast_query *q,
                             const fmt_replenish_row *rows, size_t n) {
    lm_jw w;
    lm_jw_init(&w, b, false);
    lm_jw_open(&w, NULL, "{");
    lm_jw_str(&w, "depot", depot);
    lm_jw_int(&w, "lead_days", q->lead_days);
    lm_jw_int(&w, "review_days", q->review_days);
    lm_jw_double(&w, "service", q->service);
    lm_jw_open(&w, "skus", "[");
    for (size_t i = 0; i < n && w.st == LM_OK; i++) {
        const fmt_replenish_row *r = &rows[i];
        lm_jw_open(&w, NULL, "{");
        lm_jw_str(&w, "sku", r->sku);
        lm_jw_int(&w, "on_hand", r->on_hand);
        lm_jw_int(&w, "reserved", r->reserved);
        lm_jw_int(&w, "reorder_point_set", r->reorder_point_set);
        lm_jw_str(&w, "method", analytics_method_name(r->fc.method));
        lm_jw_key(&w, "history");
        lm_jw_raw(&w, r->history ? "true" : "false", r->history ? 4 : 5);
        lm_jw_double(&w, "reorder_point", r->advice.reorder_point);
        lm_jw_double(&w, "order_up_to", r->advice.order_up_to);
        lm_jw_double(&w, "order_qty", r->advice.order_qty);
        lm_jw_double(&w, "days_of_cover", r->advice.days_of_cover);
        lm_jw_key(&w, "reorder_now");
        lm_jw_raw(&w, r->advice.reorder_now ? "true" : "false", r->advice.reorder_now ? 4 : 5);
        lm_jw_key(&w, "stockout_risk");
        lm_jw_raw(&w, r->advice.stockout_risk ? "true" : "false", r->advice.stockout_risk ? 4 : 5);
        lm_jw_close(&w, "}");
    }
    lm_jw_close(&w, "]");
    lm_jw_close(&w, "}");
    return w.st;
}

lm_status fmt_replenish_csv(lm_buf *b, const fmt_replenish_row *rows, size_t n) {
    lm_status rc = lm_buf_printf(b, "sku,on_hand,reserved,reorder_point_set,method,history,"
                                    "reorder_point,order_up_to,order_qty,days_of_cover,"
                                    "reorder_now,stockout_risk\r\n");
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        const fmt_replenish_row *r = &rows[i];
        rc = lm_buf_printf(b, "%s,%lld,%lld,%lld,%s,%s,%.10g,%.10g,%.10g,%.10g,%s,%s\r\n", r->sku,
                           (long long)r->on_hand, (long long)r->reserved,
                           (long long)r->reorder_point_set, analytics_method_name(r->fc.method),
                           r->history ? "true" : "false", r->advice.reorder_point,
                           r->advice.order_up_to, r->advice.order_qty, r->advice.days_of_cover,
                           r->advice.reorder_now ? "true" : "false",
                           r->advice.stockout_risk ? "true" : "false");
    }
    return rc;
}
