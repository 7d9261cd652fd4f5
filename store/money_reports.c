/* store/money_reports.c: the money reports the analytics module reads (store/store_money.h):
 * revenue, discounts and coupon use per promotion, cash outstanding per driver, refunds. Each is
 * one aggregate query over the money tables, per currency (amounts of different currencies are
 * never added together). */
#include "store/internal.h"
#include "store/store_money.h"

#include <string.h>

/* Runs sql with ?1 = from_ms and ?2 = to_ms and collects its rows. */
static lm_status report_run(store_read *r, const char *sql, int64_t from_ms, int64_t to_ms,
                            size_t elem_size, store__row_fn row, void **out, size_t *n,
                            lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, from_ms)) == LM_OK && (rc = db_bind_i64(st, 2, to_ms)) == LM_OK)
        rc = store__collect(db, st, elem_size, row, out, n, err);
    db_finish(st);
    return rc;
}

static void revenue_row(db_stmt *st, void *elem) {
    store_revenue_row *x = elem;
    store__column_copy(st, 0, x->currency, sizeof x->currency);
    x->orders = db_column_i64(st, 1);
    x->cancelled = db_column_i64(st, 2);
    x->subtotal = db_column_i64(st, 3);
    x->discount = db_column_i64(st, 4);
    x->shipping = db_column_i64(st, 5);
    x->tax = db_column_i64(st, 6);
    x->total = db_column_i64(st, 7);
    x->paid = db_column_i64(st, 8);
    x->refunded = db_column_i64(st, 9);
}

lm_status store_report_revenue(store_read *r, int64_t from_ms, int64_t to_ms,
                               store_revenue_row **out, size_t *n, lm_errinfo *err) {
    /* booked figures leave cancelled orders out; received money counts whatever really moved */
    return report_run(
        r,
        "SELECT m.currency, count(*), coalesce(sum(o.status = 'cancelled'), 0),"
        " coalesce(sum(CASE WHEN o.status <> 'cancelled' THEN m.subtotal END), 0),"
        " coalesce(sum(CASE WHEN o.status <> 'cancelled' THEN m.discount END), 0),"
        " coalesce(sum(CASE WHEN o.status <> 'cancelled' THEN m.shipping END), 0),"
        " coalesce(sum(CASE WHEN o.status <> 'cancelled' THEN m.tax END), 0),"
        " coalesce(sum(CASE WHEN o.status <> 'cancelled' THEN m.total END), 0),"
        " coalesce(sum(m.paid), 0), coalesce(sum(m.refunded), 0)"
        " FROM order_money m JOIN orders o ON o.id = m.order_id"
        " WHERE m.created_ms >= ?1 AND m.created_ms < ?2 GROUP BY m.currency ORDER BY m.currency",
        from_ms, to_ms, sizeof **out, revenue_row, (void **)out, n, err);
}

static void promotion_row(db_stmt *st, void *elem) {
    store_promotion_row *x = elem;
    store__column_copy(st, 0, x->promotion_id, sizeof x->promotion_id);
    store__column_copy(st, 1, x->code, sizeof x->code);
    store__column_copy(st, 2, x->currency, sizeof x->currency);
    x->uses = db_column_i64(st, 3);
    x->customers = db_column_i64(st, 4);
    x->amount = db_column_i64(st, 5);
    x->limit_total = db_column_i64(st, 6);
}

lm_status store_report_promotions(store_read *r, int64_t from_ms, int64_t to_ms,
                                  store_promotion_row **out, size_t *n, lm_errinfo *err) {
    return report_run(r,
                      "SELECT u.promotion_id, coalesce(p.code, ''), m.currency, count(*),"
                      " count(DISTINCT u.customer_key), coalesce(sum(u.amount), 0),"
                      " coalesce(p.limit_total, 0)"
                      " FROM promotion_uses u JOIN order_money m ON m.order_id = u.order_id"
                      " LEFT JOIN promotions p ON p.id = u.promotion_id"
                      " WHERE u.used_ms >= ?1 AND u.used_ms < ?2"
                      " GROUP BY u.promotion_id, m.currency, p.code, p.limit_total"
                      " ORDER BY u.promotion_id, m.currency",
                      from_ms, to_ms, sizeof **out, promotion_row, (void **)out, n, err);
}

static void cod_row(db_stmt *st, void *elem) {
    store_cod_row *x = elem;
    store__column_copy(st, 0, x->driver_id, sizeof x->driver_id);
    store__column_copy(st, 1, x->currency, sizeof x->currency);
    x->outstanding = db_column_i64(st, 2);
    x->orders = db_column_i64(st, 3);
    x->handed_in = db_column_i64(st, 4);
    x->discrepancy = db_column_i64(st, 5);
}

lm_status store_report_cod(store_read *r, int64_t from_ms, int64_t to_ms, store_cod_row **out,
                           size_t *n, lm_errinfo *err) {
    return report_run(
        r,
        "SELECT driver_id, currency, sum(outstanding), sum(orders), sum(handed_in), "
        "sum(discrepancy) FROM ("
        " SELECT cod_driver AS driver_id, currency, sum(cod_collected) AS outstanding,"
        "  count(*) AS orders, 0 AS handed_in, 0 AS discrepancy FROM order_money"
        "  WHERE cod_method = 'cash' AND cod_handin_id = 0 AND cod_driver <> ''"
        "  GROUP BY cod_driver, currency"
        " UNION ALL"
        " SELECT driver_id, currency, 0, 0, sum(handed_in), sum(handed_in - expected)"
        "  FROM cash_handins WHERE created_ms >= ?1 AND created_ms < ?2"
        "  GROUP BY driver_id, currency) AS parts"
        " GROUP BY driver_id, currency ORDER BY driver_id, currency",
        from_ms, to_ms, sizeof **out, cod_row, (void **)out, n, err);
}

static void refund_row(db_stmt *st, void *elem) {
    store_refund_row *x = elem;
    store__column_copy(st, 0, x->currency, sizeof x->currency);
    store__column_copy(st, 1, x->method, sizeof x->method);
    x->refunds = db_column_i64(st, 2);
    x->amount = db_column_i64(st, 3);
}

lm_status store_report_refunds(store_read *r, int64_t from_ms, int64_t to_ms,
                               store_refund_row **out, size_t *n, lm_errinfo *err) {
    return report_run(r,
                      "SELECT m.currency, e.method, count(*), coalesce(sum(e.amount), 0)"
                      " FROM payment_events e JOIN order_money m ON m.order_id = e.order_id"
                      " WHERE e.kind = 'refund' AND e.created_ms >= ?1 AND e.created_ms < ?2"
                      " GROUP BY m.currency, e.method ORDER BY m.currency, e.method",
                      from_ms, to_ms, sizeof **out, refund_row, (void **)out, n, err);
}
