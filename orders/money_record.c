/* orders/money_record.c: the events that record money changes (order.priced, order.repriced,
 * payment.<status>, cod.*, cash.*), appended in the transaction of the change, and the short
 * text of an amount used in messages for people. */
#include "orders/money_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void orders__amount_text(int64_t amount, const char *currency, char *out, size_t cap) {
    int e = orders_currency_exponent(currency);
    if (e <= 0) {
        snprintf(out, cap, "%" PRId64 " %s", amount, currency);
        return;
    }
    int64_t div = 1;
    for (int i = 0; i < e; i++)
        div *= 10;
    /* div + remainder prints as "1" followed by exactly e digits: the leading 1 is dropped */
    char frac[24];
    snprintf(frac, sizeof frac, "%" PRId64, div + amount % div);
    snprintf(out, cap, "%" PRId64 ".%s %s", amount / div, frac + 1, currency);
}

lm_status orders__money_json(lm_buf *b, const orders_money *m) {
    lm_status rc = lm_buf_printf(
        b,
        "\"currency\":\"%s\",\"totals\":{\"subtotal\":%" PRId64 ",\"discount\":%" PRId64
        ",\"shipping\":%" PRId64 ",\"tax\":%" PRId64 ",\"total\":%" PRId64
        "},\"payment\":{\"status\":\"%s\",\"method\":\"%s\",\"paid\":%" PRId64
        ",\"refunded\":%" PRId64 ",\"amount_due\":%" PRId64 "}",
        m->currency, m->subtotal, m->discount, m->shipping, m->tax, m->total, m->payment_status,
        m->payment_method, m->paid, m->refunded, orders_money_amount_due(m));
    return rc;
}

lm_status orders__event_money(store_tx *tx, const char *type, const orders_money *m,
                              const char *extra_json) {
    lm_buf b;
    lm_buf_init(&b, 16384);
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, m->order_id);
    lm_status rc = lm_buf_printf(&b, "{\"id\":%" PRId64 ",", m->order_id);
    if (rc == LM_OK) rc = orders__money_json(&b, m);
    if (rc == LM_OK && extra_json && extra_json[0]) rc = lm_buf_printf(&b, ",%s", extra_json);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    if (rc == LM_OK) rc = store_event_append(tx, type, "order", id, b.data);
    lm_buf_free(&b);
    return rc;
}

lm_status orders__adjustments_json(lm_buf *b, const orders_money *m) {
    lm_status rc = lm_buf_append(b, "\"adjustments\":[", 15);
    for (size_t i = 0; i < m->n_adj && rc == LM_OK; i++) {
        const orders_adjustment *a = &m->adj[i];
        rc = lm_buf_printf(b, "%s{\"promotion\":", i ? "," : "");
        if (rc == LM_OK) rc = lm_buf_json_str(b, a->promotion_id);
        if (rc == LM_OK) rc = lm_buf_append(b, ",\"code\":", 8);
        if (rc == LM_OK) rc = lm_buf_json_str(b, a->code);
        if (rc == LM_OK)
            rc = lm_buf_printf(b, ",\"kind\":\"%s\",\"line\":%d,\"amount\":%" PRId64 "}", a->kind,
                               (int)a->line_no, a->amount);
    }
    if (rc == LM_OK) rc = lm_buf_append(b, "]", 1);
    return rc;
}

int64_t orders_money_amount_due(const orders_money *m) {
    /* once money went back the order is settled: a refund answers a return, not a debt */
    if (m->refunded > 0) return 0;
    int64_t due = m->total - m->paid;
    return due > 0 ? due : 0;
}

void orders_money_clear(orders_money *m) {
    store_order_money_clear(m);
}
