/* analytics/replenish.c: replenishment advice from a forecast (reorder point, order-up-to level,
 * days of cover), and the daily demand series read from order lines. */
#include "analytics/analytics.h"
#include "store/store_orders.h"

#include <math.h>
#include <string.h>

lm_status analytics_replenish_advise(const analytics_forecast *fc, const analytics_replenish_in *in,
                                     analytics_replenish *out) {
    if (!fc || !in || !out || in->lead_time_days < 1 || in->review_days < 1 ||
        in->lead_time_days + in->review_days > fc->h || !(in->z >= 0) || !(in->on_hand >= 0) ||
        !(in->on_order >= 0))
        return LM_INVALID;
    memset(out, 0, sizeof *out);
    size_t L = in->lead_time_days, LR = L + in->review_days;
    double dl = 0, dlr = 0;
    for (size_t k = 0; k < LR; k++) {
        if (k < L) dl += fc->mean[k]; /* expected demand, not the point forecast (TSB) */
        dlr += fc->mean[k];
    }
    out->reorder_point = dl + in->z * fc->sigma * sqrt((double)L);
    out->order_up_to = dlr + in->z * fc->sigma * sqrt((double)LR);
    double position = in->on_hand + in->on_order;
    out->reorder_now = position <= out->reorder_point;
    out->order_qty =
        out->reorder_now && out->order_up_to > position ? out->order_up_to - position : 0;
    /* days of cover: whole days fully covered plus the fraction of the first day that is not */
    double left = in->on_hand;
    out->days_of_cover = (double)fc->h;
    for (size_t k = 0; k < fc->h; k++) {
        if (fc->mean[k] > left) {
            out->days_of_cover = (double)k + left / fc->mean[k];
            break;
        }
        left -= fc->mean[k];
    }
    out->stockout_risk = out->days_of_cover < (double)L;
    return LM_OK;
}

lm_status analytics_demand_matrix(store_read *r, const char *depot, const char *const *skus,
                                  size_t n_skus, int64_t from_day, size_t n_days, double *out,
                                  lm_errinfo *err) {
    if (!r || !depot || !skus || !out || n_days == 0 || n_skus == 0)
        return lm_errinfo_set(err, LM_INVALID, "", "depot, skus and a day range are required");
    memset(out, 0, n_skus * n_days * sizeof *out);
    const int64_t day_ms = 86400000;
    store_order_filter f = {.since_ms = from_day * day_ms, .limit = 1000};
    /* keyset pages from the first order created in range; bounded by the orders in range */
    for (;;) {
        store_order *os = NULL;
        size_t n = 0;
        lm_status rc = store_order_list(r, &f, &os, &n, err);
        if (rc != LM_OK) return rc;
        for (size_t i = 0; i < n; i++) {
            const store_order *o = &os[i];
            int64_t d = o->created_ms / day_ms - from_day;
            if (strcmp(o->depot_id, depot) || d < 0 || d >= (int64_t)n_days) continue;
            for (size_t k = 0; k < o->n_lines; k++) {
                /* demand is what the customer asked for (cancelled orders too: a cancellation for
                 * lack of stock is still demand), not the substitute delivered */
                const char *want =
                    o->lines[k].ordered_sku[0] ? o->lines[k].ordered_sku : o->lines[k].sku;
                for (size_t s = 0; s < n_skus; s++)
                    if (!strcmp(want, skus[s]))
                        out[s * n_days + (size_t)d] += (double)o->lines[k].qty;
            }
        }
        if (n) f.after_id = os[n - 1].id;
        store_order_list_free(os, n);
        if (n < f.limit) break;
    }
    return LM_OK;
}

lm_status analytics_demand_series(store_read *r, const char *depot, const char *sku,
                                  int64_t from_day, size_t n_days, double *out, lm_errinfo *err) {
    if (!sku) return lm_errinfo_set(err, LM_INVALID, "", "depot, sku and a day range are required");
    return analytics_demand_matrix(r, depot, &sku, 1, from_day, n_days, out, err);
}

lm_status analytics_replenish_depot(store_read *r, const char *depot, int64_t today_day,
                                    size_t history_days, const analytics_replenish_in *in,
                                    analytics_sku_advice **out, size_t *n_out, lm_errinfo *err) {
    store_stock *st = NULL;
    size_t n_st = 0, n = 0;
    lm_status rc = store_stock_list(r, false, &st, &n_st, err);
    if (rc != LM_OK) return rc;
    const char **skus = lm_calloc(n_st + 1, sizeof *skus);
    analytics_sku_advice *res = lm_calloc(n_st + 1, sizeof *res);
    double *y = NULL;
    if (!skus || !res) {
        rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n_st; i++) {
        if (strcmp(st[i].depot_id, depot)) continue;
        lm_strlcpy(res[n].sku, st[i].sku, sizeof res[n].sku);
        res[n].on_hand = st[i].on_hand;
        res[n].reserved = st[i].reserved;
        res[n].reorder_point_set = st[i].reorder_point;
        skus[n++] = st[i].sku;
    }
    if (n == 0) goto done;
    if (!(y = lm_calloc(n * history_days, sizeof *y))) {
        rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        goto fail;
    }
    if ((rc = analytics_demand_matrix(r, depot, skus, n, today_day - (int64_t)history_days,
                                      history_days, y, err)) != LM_OK)
        goto fail;
    size_t h = in->lead_time_days + in->review_days;
    for (size_t i = 0; i < n; i++) {
        const double *yi = y + i * history_days;
        for (size_t d = 0; d < history_days; d++)
            res[i].history |= yi[d] > 0;
        analytics_replenish_in one = *in;
        double avail = (double)(res[i].on_hand - res[i].reserved);
        one.on_hand = avail > 0 ? avail : 0;
        if ((rc = analytics_forecast_series(yi, NULL, history_days, h, &res[i].fc)) != LM_OK ||
            (rc = analytics_replenish_advise(&res[i].fc, &one, &res[i].advice)) != LM_OK) {
            lm_errinfo_set(err, rc, "", "forecast of %s failed", res[i].sku);
            goto fail;
        }
    }
done:
    *out = res;
    *n_out = n;
    res = NULL;
fail:
    lm_free(y);
    lm_free(res);
    lm_free(skus);
    lm_free(st);
    return rc;
}
