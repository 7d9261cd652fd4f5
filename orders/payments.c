/* orders/payments.c: an order's payment after intake: the status machine applied to what the
 * payment provider reports (releasing orders held unpaid, cancelling those that time out),
 * refunds capped at what was paid, and partial cancellation with its recomputed totals. Each
 * operation is one transaction holding the change, its history row and its event. */
#include "orders/money_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Shared ---- */

lm_status orders__pay_move(store_tx *tx, orders_money *m, orders_pay_status to, const char *kind,
                           int64_t amount, const char *method, const char *reference,
                           int64_t now_ms, const char *extra_json, lm_errinfo *err) {
    orders_pay_status cur;
    if (!orders_pay_status_parse(m->payment_status, &cur))
        return lm_errinfo_set(err, LM_INTERNAL, "payment.status", "stored status '%s' unknown",
                              m->payment_status);
    if (!orders_pay_transition_allowed(cur, to))
        return lm_errinfo_set(err, LM_CONFLICT, "payment.status",
                              "payment of order %" PRId64 " is %s; it cannot become %s",
                              m->order_id, m->payment_status, orders_pay_status_name(to));
    store_payment_event e = {.order_id = m->order_id, .amount = amount, .created_ms = now_ms};
    lm_strlcpy(e.kind, kind, sizeof e.kind);
    lm_strlcpy(e.from_status, m->payment_status, sizeof e.from_status);
    lm_strlcpy(e.to_status, orders_pay_status_name(to), sizeof e.to_status);
    lm_strlcpy(e.method, method, sizeof e.method);
    lm_strlcpy(e.reference, reference ? reference : "", sizeof e.reference);
    lm_strlcpy(m->payment_status, e.to_status, sizeof m->payment_status);
    m->updated_ms = now_ms;
    lm_status rc = store_payment_event_add(tx, &e, NULL, err);
    if (rc != LM_OK) return rc;
    lm_buf b;
    lm_buf_init(&b, 4096);
    rc = lm_buf_printf(&b,
                       "\"from\":\"%s\",\"change\":{\"kind\":\"%s\",\"amount\":%" PRId64
                       ",\"method\":\"%s\",\"reference\":",
                       e.from_status, kind, amount, e.method);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, e.reference);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    if (rc == LM_OK && extra_json && extra_json[0]) rc = lm_buf_printf(&b, ",%s", extra_json);
    char type[48];
    snprintf(type, sizeof type, "payment.%s", e.to_status);
    if (rc == LM_OK) rc = orders__event_money(tx, type, m, b.data);
    lm_buf_free(&b);
    return rc;
}

/* Loads an order's money inside tx, naming a missing one. */
static lm_status money_load(store_tx *tx, int64_t id, orders_money *m, lm_errinfo *err) {
    lm_status rc = store_order_money_get(store_tx_read(tx), id, m, err);
    if (rc == LM_NOT_FOUND)
        lm_errinfo_set(err, rc, "id", "order %" PRId64 " has no money record", id);
    return rc;
}

/* Commits tx and hands m to out (or frees it); rolls back on an earlier failure rc. */
static lm_status finish(store_tx *tx, lm_status rc, orders_money *m, orders_money *out,
                        lm_errinfo *err) {
    if (rc == LM_OK) {
        rc = orders__commit(tx, err);
    } else {
        store_tx_rollback(tx);
    }
    if (rc == LM_OK && out)
        *out = *m;
    else
        orders_money_clear(m);
    return rc;
}

lm_status orders_money_get(orders_svc *o, int64_t order_id, orders_money *out, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_order_money_get(r, order_id, out, err);
    if (rc == LM_NOT_FOUND)
        lm_errinfo_set(err, rc, "id", "order %" PRId64 " has no money record", order_id);
    store_read_end(r);
    return rc;
}

lm_status orders_payment_history(orders_svc *o, int64_t order_id, orders_payment_event **out,
                                 size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_payment_event_list(r, order_id, out, n, err);
    store_read_end(r);
    return rc;
}

/* ---- What the provider reports ---- */

/* Releases an order held only for being unpaid (allocation as at intake). */
static lm_status unpaid_release(orders_svc *o, store_tx *tx, int64_t id, lm_errinfo *err) {
    int64_t still_open = 0;
    lm_status rc =
        store_exception_resolve_rule(tx, id, "unpaid", "paid", o->now_ms(), &still_open, err);
    if (rc != LM_OK || still_open > 0) return rc; /* other reasons wait for a dispatcher */
    orders_order ord = {0};
    if ((rc = store_order_get(store_tx_read(tx), id, &ord, err)) != LM_OK) return rc;
    if (!strcmp(ord.status, "held")) {
        bool moved = false;
        rc = orders__allocate(o, tx, &ord, ORDERS__ALLOC_APPLY_POLICY, &moved, err);
        if (rc == LM_OK) rc = store_order_update(tx, &ord, err);
    }
    store_order_clear(&ord);
    return rc;
}

/* Whether r repeats the report that produced m's current status (same status, same non-empty
 * reference): providers retry their notifications, and a retry must not be an error. */
static lm_status report_repeated(store_tx *tx, const orders_money *m,
                                 const orders_payment_report *r, bool *repeat, lm_errinfo *err) {
    *repeat = false;
    if (!r->reference[0] || strcmp(m->payment_status, r->status)) return LM_OK;
    orders_payment_event *h = NULL;
    size_t n = 0;
    lm_status rc = store_payment_event_list(store_tx_read(tx), m->order_id, &h, &n, err);
    if (rc == LM_OK && n > 0)
        *repeat = !strcmp(h[n - 1].to_status, r->status) &&
                  !strcmp(h[n - 1].reference, r->reference) && h[n - 1].amount == r->amount;
    lm_free(h);
    return rc;
}

lm_status orders_payment_report_apply(orders_svc *o, int64_t order_id,
                                      const orders_payment_report *r, orders_money *out,
                                      lm_errinfo *err) {
    orders_pay_status to;
    if (!orders_pay_status_parse(r->status, &to) ||
        (to != ORDERS_PAY_AUTHORIZED && to != ORDERS_PAY_PAID && to != ORDERS_PAY_FAILED &&
         to != ORDERS_PAY_PENDING))
        return lm_errinfo_set(err, LM_INVALID, "status",
                              "must be authorized, paid, failed or pending");
    if (r->amount < 0 || r->amount > ORDERS_AMOUNT_MAX * 1000)
        return lm_errinfo_set(err, LM_INVALID, "amount",
                              "must be a non-negative minor-unit amount");
    if (strnlen(r->reference, sizeof r->reference) >= sizeof r->reference)
        return lm_errinfo_set(err, LM_INVALID, "reference", "at most %d characters",
                              STORE_REASON_MAX);
    store_tx *tx = NULL;
    orders_money m = {0};
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = money_load(tx, order_id, &m, err)) != LM_OK) return finish(tx, rc, &m, out, err);
    bool repeat = false;
    if ((rc = report_repeated(tx, &m, r, &repeat, err)) != LM_OK || repeat)
        return finish(tx, rc, &m, out, err); /* a provider's retry: answered, nothing changes */
    orders_pay_status cur;
    if (orders_pay_status_parse(m.payment_status, &cur) &&
        !orders_pay_transition_allowed(cur, to)) {
        /* the state is the first thing wrong with the report: say so before the amount */
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "payment of order %" PRId64 " is %s; it cannot become %s", order_id,
                            m.payment_status, r->status);
        return finish(tx, rc, &m, out, err);
    }
    int64_t due = orders_money_amount_due(&m);
    bool takes_money = to == ORDERS_PAY_AUTHORIZED || to == ORDERS_PAY_PAID;
    if (takes_money && r->amount != due) {
        char text[48];
        orders__amount_text(due, m.currency, text, sizeof text);
        rc = lm_errinfo_set(err, LM_INVALID, "amount",
                            "must equal the amount due, %" PRId64 " (%s); got %" PRId64, due, text,
                            r->amount);
        return finish(tx, rc, &m, out, err);
    }
    if (!takes_money && r->amount != 0) {
        rc = lm_errinfo_set(err, LM_INVALID, "amount", "a %s report carries no amount", r->status);
        return finish(tx, rc, &m, out, err);
    }
    static const char *const kinds[] = {[ORDERS_PAY_AUTHORIZED] = "authorize",
                                        [ORDERS_PAY_PAID] = "capture",
                                        [ORDERS_PAY_FAILED] = "fail",
                                        [ORDERS_PAY_PENDING] = "retry"};
    if (to == ORDERS_PAY_AUTHORIZED) m.authorized = r->amount;
    if (to == ORDERS_PAY_PAID) m.paid += r->amount;
    if (to == ORDERS_PAY_FAILED) m.authorized = 0;
    rc = orders__pay_move(tx, &m, to, kinds[to], r->amount, m.payment_method, r->reference,
                          o->now_ms(), NULL, err);
    if (rc == LM_OK) rc = store_order_money_update(tx, &m, err);
    if (rc == LM_OK && takes_money) rc = unpaid_release(o, tx, order_id, err);
    return finish(tx, rc, &m, out, err);
}

/* Cancels one order held unpaid past its time; *done says whether it was. */
static lm_status timeout_one(orders_svc *o, store_tx *tx, int64_t id, bool *done, lm_errinfo *err) {
    orders_order ord = {0};
    orders_money m = {0};
    *done = false;
    lm_status rc = store_order_get(store_tx_read(tx), id, &ord, err);
    if (rc == LM_OK) rc = money_load(tx, id, &m, err);
    if (rc != LM_OK || strcmp(ord.status, "held") || !strcmp(m.payment_method, "cod")) goto out;
    int64_t now = o->now_ms();
    if ((rc = store_exception_resolve(tx, id, "cancel", now, err)) != LM_OK ||
        (rc = orders__order_move(o, tx, &ord, ORDERS_CANCELLED,
                                 "\"reason\":\"payment_timeout\"")) != LM_OK ||
        (rc = store_order_update(tx, &ord, err)) != LM_OK)
        goto out;
    if (!strcmp(m.payment_status, "pending")) {
        m.authorized = 0;
        if ((rc = orders__pay_move(tx, &m, ORDERS_PAY_FAILED, "fail", 0, m.payment_method,
                                   "payment timeout", now, NULL, err)) != LM_OK ||
            (rc = store_order_money_update(tx, &m, err)) != LM_OK)
            goto out;
    }
    *done = true;
out:
    store_order_clear(&ord);
    orders_money_clear(&m);
    return rc;
}

lm_status orders_payment_timeouts(orders_svc *o, size_t limit, size_t *n_cancelled,
                                  lm_errinfo *err) {
    *n_cancelled = 0;
    if (limit == 0 || limit > 10000)
        return lm_errinfo_set(err, LM_INVALID, "limit", "must be 1..10000");
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    orders_money_config cfg;
    orders_money_config_defaults(&cfg);
    if ((rc = store_money_config_get(store_tx_read(tx), &cfg, err)) != LM_OK ||
        cfg.payment_timeout_s == 0) {
        store_tx_rollback(tx);
        return rc;
    }
    int64_t before = o->now_ms() - cfg.payment_timeout_s * 1000;
    size_t done = 0;
    static const char *const statuses[] = {"pending", "failed"};
    for (int s = 0; s < 2 && rc == LM_OK && done < limit; s++) {
        int64_t *ids = NULL;
        size_t n = 0;
        rc = store_order_money_ids(store_tx_read(tx), statuses[s], before, limit - done, &ids, &n,
                                   err);
        for (size_t i = 0; i < n && rc == LM_OK; i++) {
            bool one = false;
            rc = timeout_one(o, tx, ids[i], &one, err);
            done += one;
        }
        lm_free(ids);
    }
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = orders__commit(tx, err)) == LM_OK) *n_cancelled = done;
    return rc;
}

/* ---- Refunds ---- */

/* The refund inside tx: checks r, caps it at paid minus earlier refunds, moves the payment and
 * leaves the updated money in *m (which the caller clears). */
static lm_status refund_in_tx(orders_svc *o, store_tx *tx, int64_t order_id, const orders_refund *r,
                              orders_money *m, lm_errinfo *err) {
    const char *method = r->method[0] ? r->method : "original";
    if (strcmp(method, "original") && strcmp(method, "cash") && strcmp(method, "transfer") &&
        strcmp(method, "wallet"))
        return lm_errinfo_set(err, LM_INVALID, "method",
                              "must be original, cash, transfer or wallet");
    if (!r->reason[0] || strnlen(r->reason, sizeof r->reason) >= sizeof r->reason)
        return lm_errinfo_set(err, LM_INVALID, "reason", "a reason of 1..%d characters",
                              STORE_REASON_MAX);
    if (r->amount < 1 || r->amount > ORDERS_AMOUNT_MAX * 1000)
        return lm_errinfo_set(err, LM_INVALID, "amount", "must be a positive minor-unit amount");
    lm_status rc = money_load(tx, order_id, m, err);
    if (rc != LM_OK) return rc;
    if (strcmp(m->payment_status, "paid") && strcmp(m->payment_status, "partially_refunded") &&
        strcmp(m->payment_status, "cod_collected"))
        return lm_errinfo_set(err, LM_CONFLICT, "payment.status",
                              "payment of order %" PRId64 " is %s: nothing was received to refund",
                              order_id, m->payment_status);
    int64_t left = m->paid - m->refunded;
    if (r->amount > left) {
        char text[48];
        orders__amount_text(left, m->currency, text, sizeof text);
        return lm_errinfo_set(err, LM_INVALID, "amount",
                              "at most %" PRId64 " (%s) can be refunded: paid %" PRId64
                              ", refunded %" PRId64,
                              left, text, m->paid, m->refunded);
    }
    m->refunded += r->amount;
    orders_pay_status to =
        m->refunded == m->paid ? ORDERS_PAY_REFUNDED : ORDERS_PAY_PARTIALLY_REFUNDED;
    rc =
        orders__pay_move(tx, m, to, "refund", r->amount, method, r->reason, o->now_ms(), NULL, err);
    if (rc == LM_OK) rc = store_order_money_update(tx, m, err);
    return rc;
}

lm_status orders_refund_create(orders_svc *o, int64_t order_id, const orders_refund *r,
                               orders_money *out, lm_errinfo *err) {
    store_tx *tx = NULL;
    orders_money m = {0};
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = refund_in_tx(o, tx, order_id, r, &m, err);
    return finish(tx, rc, &m, out, err);
}

lm_status orders_refund_create_tx(orders_svc *o, store_tx *tx, int64_t order_id,
                                  const orders_refund *r, orders_money *out, lm_errinfo *err) {
    orders_money m = {0};
    lm_status rc = refund_in_tx(o, tx, order_id, r, &m, err);
    if (rc == LM_OK && out)
        *out = m;
    else
        orders_money_clear(&m);
    return rc;
}

/* ---- Partial cancellation ---- */

/* Takes qty units of sku off the order's lines (the line at hint first), releasing their stock
 * when the order holds a reservation; lines that reach 0 go. */
static lm_status lines_shrink(store_tx *tx, orders_order *ord, size_t hint, const char *sku,
                              int64_t qty, bool holds_stock, lm_errinfo *err) {
    for (size_t pass = 0; pass < 2 && qty > 0; pass++) {
        for (size_t i = 0; i < ord->n_lines && qty > 0; i++) {
            if ((pass == 0) != (i == hint)) continue;
            store_line *l = &ord->lines[i];
            const char *asked = l->ordered_sku[0] ? l->ordered_sku : l->sku;
            if (strcmp(asked, sku)) continue;
            int64_t k = l->qty < qty ? l->qty : qty;
            if (holds_stock && ord->depot_id[0]) {
                lm_status rc = store_stock_adjust(tx, ord->depot_id, l->sku, -k, 0, err);
                if (rc != LM_OK) return rc;
            }
            l->qty -= k;
            qty -= k;
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < ord->n_lines; i++)
        if (ord->lines[i].qty > 0) ord->lines[w++] = ord->lines[i];
    ord->n_lines = w;
    if (qty > 0)
        return lm_errinfo_set(err, LM_INTERNAL, "lines", "order lines hold fewer units of '%s'",
                              sku);
    return LM_OK;
}

lm_status orders_order_cancel_units(orders_svc *o, int64_t order_id, size_t line_no, int64_t qty,
                                    orders_money *out, lm_errinfo *err) {
    if (qty < 1 || qty > 1000000)
        return lm_errinfo_set(err, LM_INVALID, "qty", "quantity must be 1..1000000");
    store_tx *tx = NULL;
    orders_money m = {0};
    orders_order ord = {0};
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = money_load(tx, order_id, &m, err)) != LM_OK ||
        (rc = store_order_get(store_tx_read(tx), order_id, &ord, err)) != LM_OK)
        goto done;
    orders_status cur;
    if (!orders_status_parse(ord.status, &cur) ||
        (cur != ORDERS_RECEIVED && cur != ORDERS_HELD && cur != ORDERS_ALLOCATED &&
         cur != ORDERS_BACKORDERED && cur != ORDERS_PICKING)) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "order %" PRId64 " is %s; units can be cancelled only before it is "
                            "ready",
                            order_id, ord.status);
        goto done;
    }
    if (line_no >= m.n_lines) {
        rc = lm_errinfo_set(err, LM_INVALID, "line", "the order has %zu lines", m.n_lines);
        goto done;
    }
    orders_money_line *ml = &m.lines[line_no];
    if (qty > ml->qty) {
        rc = lm_errinfo_set(err, LM_INVALID, "qty", "line %zu has %" PRId64 " units left", line_no,
                            ml->qty);
        goto done;
    }
    bool holds = orders_status_holds_stock(cur);
    if ((rc = lines_shrink(tx, &ord, line_no, ml->sku, qty, holds, err)) != LM_OK) goto done;
    ml->qty -= qty;
    ml->cancelled_qty += qty;
    if ((rc = orders__money_recompute(&m, err)) != LM_OK) goto done;
    m.updated_ms = o->now_ms();
    if (ord.n_lines == 0) {
        if (cur == ORDERS_HELD &&
            (rc = store_exception_resolve(tx, order_id, "cancel", m.updated_ms, err)) != LM_OK)
            goto done;
        if ((rc = orders__order_move(o, tx, &ord, ORDERS_CANCELLED, NULL)) != LM_OK) goto done;
    }
    ord.updated_ms = m.updated_ms;
    if ((rc = store_order_update(tx, &ord, err)) != LM_OK ||
        (rc = store_order_money_update(tx, &m, err)) != LM_OK)
        goto done;
    lm_buf b;
    lm_buf_init(&b, 16384);
    rc = lm_buf_printf(&b,
                       "\"reason\":\"units_cancelled\",\"line\":%zu,\"cancelled_qty\":%" PRId64
                       ",\"overpaid\":%" PRId64 ",",
                       line_no, qty,
                       m.paid - m.refunded > m.total ? m.paid - m.refunded - m.total : 0);
    if (rc == LM_OK) rc = orders__adjustments_json(&b, &m);
    if (rc == LM_OK) rc = orders__event_money(tx, "order.repriced", &m, b.data);
    lm_buf_free(&b);
    if (rc == LM_OK && holds) rc = orders__backorders_retry(o, tx, err);
done:
    store_order_clear(&ord);
    return finish(tx, rc, &m, out, err);
}
