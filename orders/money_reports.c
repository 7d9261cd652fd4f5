/* orders/money_reports.c: the money reports for the analytics module (revenue, discounts and
 * coupon use per promotion, cash per driver, refunds), each read from one snapshot. */
#include "orders/money_internal.h"

typedef lm_status (*report_fn)(store_read *r, int64_t from_ms, int64_t to_ms, void **out, size_t *n,
                               lm_errinfo *err);

/* Checks the window and runs fn on a read snapshot. */
static lm_status report(orders_svc *o, int64_t from_ms, int64_t to_ms, report_fn fn, void **out,
                        size_t *n, lm_errinfo *err) {
    if (from_ms < 0) return lm_errinfo_set(err, LM_INVALID, "from", "must be >= 0");
    if (to_ms <= from_ms) return lm_errinfo_set(err, LM_INVALID, "to", "must be after from");
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = fn(r, from_ms, to_ms, out, n, err);
    store_read_end(r);
    return rc;
}

/* The store's typed report functions behind one signature. */
static lm_status revenue(store_read *r, int64_t f, int64_t t, void **out, size_t *n,
                         lm_errinfo *err) {
    return store_report_revenue(r, f, t, (store_revenue_row **)out, n, err);
}
static lm_status promotions(store_read *r, int64_t f, int64_t t, void **out, size_t *n,
                            lm_errinfo *err) {
    return store_report_promotions(r, f, t, (store_promotion_row **)out, n, err);
}
static lm_status cod(store_read *r, int64_t f, int64_t t, void **out, size_t *n, lm_errinfo *err) {
    return store_report_cod(r, f, t, (store_cod_row **)out, n, err);
}
static lm_status refunds(store_read *r, int64_t f, int64_t t, void **out, size_t *n,
                         lm_errinfo *err) {
    return store_report_refunds(r, f, t, (store_refund_row **)out, n, err);
}

lm_status orders_report_revenue(orders_svc *o, int64_t from_ms, int64_t to_ms,
                                orders_revenue_row **out, size_t *n, lm_errinfo *err) {
    return report(o, from_ms, to_ms, revenue, (void **)out, n, err);
}

lm_status orders_report_promotions(orders_svc *o, int64_t from_ms, int64_t to_ms,
                                   orders_promotion_row **out, size_t *n, lm_errinfo *err) {
    return report(o, from_ms, to_ms, promotions, (void **)out, n, err);
}

lm_status orders_report_cod(orders_svc *o, int64_t from_ms, int64_t to_ms, orders_cod_row **out,
                            size_t *n, lm_errinfo *err) {
    return report(o, from_ms, to_ms, cod, (void **)out, n, err);
}

lm_status orders_report_refunds(orders_svc *o, int64_t from_ms, int64_t to_ms,
                                orders_refund_row **out, size_t *n, lm_errinfo *err) {
    return report(o, from_ms, to_ms, refunds, (void **)out, n, err);
}
