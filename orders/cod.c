/* orders/cod.c: cash on delivery: the amount a driver must collect, what the driver recorded at
 * the door (a different amount is kept as collected and flagged), and the reconciliation of each
 * driver's cash at the depot (expected against counted, a difference raised as an event). */
#include "orders/money_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

lm_status orders_cod_due(orders_svc *o, int64_t order_id, int64_t *amount,
                         char currency[STORE_CURRENCY_LEN + 1], lm_errinfo *err) {
    orders_money m = {0};
    lm_status rc = orders_money_get(o, order_id, &m, err);
    if (rc != LM_OK) return rc;
    *amount = !strcmp(m.payment_status, "cod_due") ? orders_money_amount_due(&m) : 0;
    lm_strlcpy(currency, m.currency, STORE_CURRENCY_LEN + 1);
    orders_money_clear(&m);
    return LM_OK;
}

static lm_status collection_check(const orders_cod_collection *c, lm_errinfo *err) {
    size_t dl = strnlen(c->driver_id, sizeof c->driver_id);
    if (dl == 0 || dl > STORE_ID_MAX)
        return lm_errinfo_set(err, LM_INVALID, "driver_id", "the collecting driver is required");
    if (c->amount < 0 || c->amount > ORDERS_AMOUNT_MAX * 1000)
        return lm_errinfo_set(err, LM_INVALID, "collected.amount",
                              "must be a non-negative minor-unit amount");
    if (strcmp(c->method, "cash") && strcmp(c->method, "card_terminal"))
        return lm_errinfo_set(err, LM_INVALID, "collected.method", "must be cash or card_terminal");
    return LM_OK;
}

/* Flags a collection that differs from what was due: event and an exception row on the order
 * (the dispatcher's queue). */
static lm_status discrepancy_raise(store_tx *tx, const orders_money *m, int64_t due, int64_t now_ms,
                                   lm_errinfo *err) {
    char id[24], exp_text[48], got_text[48];
    snprintf(id, sizeof id, "%" PRId64, m->order_id);
    orders__amount_text(due, m->currency, exp_text, sizeof exp_text);
    orders__amount_text(m->cod_collected, m->currency, got_text, sizeof got_text);
    store_exception e = {.order_id = m->order_id, .created_ms = now_ms};
    lm_strlcpy(e.rule, "cod_discrepancy", sizeof e.rule);
    lm_strlcpy(e.field, "collected.amount", sizeof e.field);
    snprintf(e.message, sizeof e.message, "driver %.64s collected %s; %s was due", m->cod_driver,
             got_text, exp_text);
    lm_status rc = store_exception_add(tx, &e, err);
    if (rc != LM_OK) return rc;
    lm_buf b;
    lm_buf_init(&b, 1024);
    rc = lm_buf_printf(&b, "{\"id\":%" PRId64 ",\"driver\":", m->order_id);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, m->cod_driver);
    if (rc == LM_OK)
        rc = lm_buf_printf(&b,
                           ",\"currency\":\"%s\",\"expected\":%" PRId64 ",\"collected\":%" PRId64
                           ",\"difference\":%" PRId64 ",\"method\":\"%s\"}",
                           m->currency, due, m->cod_collected, m->cod_collected - due,
                           m->cod_method);
    if (rc == LM_OK) rc = store_event_append(tx, "cod.discrepancy", "order", id, b.data);
    lm_buf_free(&b);
    return rc;
}

lm_status orders_cod_collect_tx(store_tx *tx, int64_t order_id, const orders_cod_collection *c,
                                int64_t now_ms, lm_errinfo *err) {
    lm_status rc = collection_check(c, err);
    if (rc != LM_OK) return rc;
    orders_money m = {0};
    orders_order ord = {0};
    rc = store_order_money_get(store_tx_read(tx), order_id, &m, err);
    if (rc == LM_NOT_FOUND)
        lm_errinfo_set(err, rc, "id", "order %" PRId64 " has no money record", order_id);
    if (rc != LM_OK) return rc;
    if ((rc = store_order_get(store_tx_read(tx), order_id, &ord, err)) != LM_OK) goto out;
    if (strcmp(ord.status, "out_for_delivery") && strcmp(ord.status, "delivered")) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "order %" PRId64 " is %s; cash is collected at delivery", order_id,
                            ord.status);
        goto out;
    }
    int64_t due = orders_money_amount_due(&m);
    m.cod_collected = c->amount;
    lm_strlcpy(m.cod_method, c->method, sizeof m.cod_method);
    lm_strlcpy(m.cod_driver, c->driver_id, sizeof m.cod_driver);
    m.cod_collected_ms = now_ms;
    m.paid += c->amount;
    char extra[256];
    snprintf(extra, sizeof extra, "\"cod\":{\"expected\":%" PRId64 ",\"collected\":%" PRId64 "}",
             due, c->amount);
    if ((rc = orders__pay_move(tx, &m, ORDERS_PAY_COD_COLLECTED, "cod_collect", c->amount,
                               c->method, c->driver_id, now_ms, extra, err)) != LM_OK ||
        (rc = store_order_money_update(tx, &m, err)) != LM_OK)
        goto out;
    if (c->amount != due) rc = discrepancy_raise(tx, &m, due, now_ms, err);
out:
    store_order_clear(&ord);
    orders_money_clear(&m);
    return rc;
}

lm_status orders__cod_delivery_check(store_tx *tx, int64_t order_id, lm_errinfo *err) {
    orders_money m = {0};
    lm_status rc = store_order_money_get(store_tx_read(tx), order_id, &m, err);
    if (rc == LM_NOT_FOUND) return LM_OK; /* an order without money */
    if (rc != LM_OK) return rc;
    if (!strcmp(m.payment_status, "cod_due")) {
        char text[48];
        orders__amount_text(orders_money_amount_due(&m), m.currency, text, sizeof text);
        rc = lm_errinfo_set(err, LM_CONFLICT, "collected",
                            "order %" PRId64 " is cash on delivery (%s due): delivering it needs "
                            "the amount collected and how",
                            order_id, text);
    }
    orders_money_clear(&m);
    return rc;
}

lm_status orders_cod_collect(orders_svc *o, int64_t order_id, const orders_cod_collection *c,
                             orders_money *out, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = orders_cod_collect_tx(tx, order_id, c, o->now_ms(), err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = orders__commit(tx, err)) != LM_OK || !out) return rc;
    return orders_money_get(o, order_id, out, err);
}

/* ---- Reconciliation at the depot ---- */

lm_status orders_cash_outstanding(orders_svc *o, const char *driver_id, const char *currency,
                                  int64_t *amount, int64_t *orders, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_cash_outstanding(r, driver_id, currency, amount, orders, err);
    store_read_end(r);
    return rc;
}

static lm_status event_handin(store_tx *tx, const char *type, const orders_cash_handin *h) {
    lm_buf b;
    lm_buf_init(&b, 1024);
    lm_status rc = lm_buf_append(&b, "{\"driver\":", 10);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, h->driver_id);
    if (rc == LM_OK)
        rc = lm_buf_printf(
            &b,
            ",\"handin\":%" PRId64 ",\"currency\":\"%s\",\"expected\":%" PRId64
            ",\"handed_in\":%" PRId64 ",\"difference\":%" PRId64 ",\"orders\":%" PRId64 ",\"key\":",
            h->id, h->currency, h->expected, h->handed_in, h->handed_in - h->expected, h->orders);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, h->key_id);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    if (rc == LM_OK) rc = store_event_append(tx, type, "driver", h->driver_id, b.data);
    lm_buf_free(&b);
    return rc;
}

lm_status orders_cash_reconcile(orders_svc *o, const char *driver_id, const char *currency,
                                int64_t handed_in, const char *key_id, orders_cash_handin *out,
                                lm_errinfo *err) {
    size_t dl = driver_id ? strnlen(driver_id, STORE_ID_MAX + 1) : 0;
    if (dl == 0 || dl > STORE_ID_MAX)
        return lm_errinfo_set(err, LM_INVALID, "driver_id", "1..64 characters");
    if (orders_currency_exponent(currency) < 0)
        return lm_errinfo_set(err, LM_INVALID, "currency", "not an ISO 4217 currency code");
    if (handed_in < 0 || handed_in > ORDERS_AMOUNT_MAX * 1000)
        return lm_errinfo_set(err, LM_INVALID, "handed_in",
                              "must be a non-negative minor-unit amount");
    orders_cash_handin h = {.handed_in = handed_in, .created_ms = o->now_ms()};
    lm_strlcpy(h.driver_id, driver_id, sizeof h.driver_id);
    lm_strlcpy(h.currency, currency, sizeof h.currency);
    lm_strlcpy(h.key_id, key_id ? key_id : "", sizeof h.key_id);
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc =
        store_cash_outstanding(store_tx_read(tx), driver_id, currency, &h.expected, &h.orders, err);
    if (rc == LM_OK && h.orders == 0 && handed_in == 0)
        rc = lm_errinfo_set(err, LM_CONFLICT, "driver_id",
                            "driver %.64s holds no %s cash to hand in", driver_id, currency);
    if (rc == LM_OK) rc = store_cash_handin_add(tx, &h, &h.id, err);
    if (rc == LM_OK) rc = event_handin(tx, "cash.reconciled", &h);
    if (rc == LM_OK && h.handed_in != h.expected) rc = event_handin(tx, "cash.discrepancy", &h);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = orders__commit(tx, err)) == LM_OK && out) *out = h;
    return rc;
}
