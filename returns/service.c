/* returns/service.c: the service handle, events, and the helpers every returns/ file uses. */
#include "returns/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void returns_opts_init(returns_opts *o) {
    memset(o, 0, sizeof *o);
    o->now_ms = lm_now_ms;
}

lm_status returns_create(const returns_opts *opts, returns_svc **out) {
    if (!opts || !opts->st || !opts->orders) return LM_INVALID;
    returns_svc *r = lm_calloc(1, sizeof *r);
    if (!r) return LM_NOMEM;
    r->st = opts->st;
    r->orders = opts->orders;
    r->now_ms = opts->now_ms ? opts->now_ms : lm_now_ms;
    *out = r;
    return LM_OK;
}

void returns_destroy(returns_svc *r) {
    lm_free(r);
}

lm_status returns__finish(store_tx *tx, lm_status rc, lm_errinfo *err) {
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    rc = store_tx_commit(tx);
    if (rc != LM_OK) lm_errinfo_set(err, rc, "", "commit failed");
    return rc;
}

lm_status returns__actor_check(const char *actor, lm_errinfo *err) {
    if (!actor || !actor[0] || strlen(actor) > 63)
        return lm_errinfo_set(err, LM_INVALID, "actor", "an actor of 1..63 characters");
    return LM_OK;
}

lm_status returns__event(returns_svc *r, store_tx *tx, const char *type, const char *entity,
                         const char *key, int64_t id, const char *actor, const char *extra) {
    lm_buf b;
    lm_buf_init(&b, 4096);
    lm_status rc = lm_buf_printf(&b, "{\"id\":%" PRId64 ",\"actor\":", id);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, actor);
    if (rc == LM_OK) rc = lm_buf_printf(&b, ",\"at_ms\":%" PRId64 "%s}", r->now_ms(), extra);
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%" PRId64, id);
    if (rc == LM_OK) rc = store_event_append(tx, type, entity, key ? key : idtext, b.data);
    lm_buf_free(&b);
    return rc;
}

lm_status returns__order_in(store_read *rd, int64_t id, const char *status, const char *why,
                            store_order *out, lm_errinfo *err) {
    store_order ord;
    lm_status rc = store_order_get(rd, id, &ord, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "order_id", "order %" PRId64 " not found", id);
    if (rc != LM_OK) return rc;
    if (strcmp(ord.status, status)) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "order_id", "order %" PRId64 " is %s: %s", id,
                            ord.status, why);
        store_order_clear(&ord);
        return rc;
    }
    *out = ord;
    return LM_OK;
}

lm_status returns__delivered_order(store_read *rd, int64_t id, store_order *out, lm_errinfo *err) {
    return returns__order_in(rd, id, "delivered", "only a delivered order has returns", out, err);
}

int64_t returns__delivered_qty(const store_order *ord, const char *sku) {
    int64_t n = 0;
    for (size_t i = 0; i < ord->n_lines; i++)
        if (!strcmp(ord->lines[i].sku, sku)) n += ord->lines[i].qty;
    return n;
}

lm_status returns__value(store_read *rd, const store_order *ord, const char *sku, int64_t qty,
                         int64_t *out, lm_errinfo *err) {
    store_order_money m;
    lm_status rc = store_order_money_get(rd, ord->id, &m, err);
    if (rc == LM_NOT_FOUND) {
        lm_errinfo_clear(err);
        *out = 0;
        return LM_OK;
    }
    if (rc != LM_OK) return rc;
    /* money lines carry the SKU the customer asked for: a substituted line is priced as ordered */
    const char *priced = sku;
    for (size_t i = 0; i < ord->n_lines; i++)
        if (!strcmp(ord->lines[i].sku, sku) && ord->lines[i].ordered_sku[0])
            priced = ord->lines[i].ordered_sku;
    int64_t v = 0;
    for (size_t i = 0; i < m.n_lines && qty > 0; i++) {
        const store_money_line *l = &m.lines[i];
        if (strcmp(l->sku, priced) || l->qty <= 0) continue;
        int64_t k = qty < l->qty ? qty : l->qty;
        int64_t paid = l->gross - l->discount + l->tax;
        v += orders_money_muldiv(paid > 0 ? paid : 0, k, l->qty);
        qty -= k;
    }
    store_order_money_clear(&m);
    *out = v;
    return LM_OK;
}

lm_status returns_report_rates(returns_svc *r, const char *by, int64_t from_ms, int64_t to_ms,
                               returns_rate **out, size_t *n, lm_errinfo *err) {
    if (from_ms >= to_ms) return lm_errinfo_set(err, LM_INVALID, "from", "from must be before to");
    store_read *rd = NULL;
    lm_status rc = store_read_begin(r->st, &rd);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_return_rates(rd, by, from_ms, to_ms, out, n, err);
    store_read_end(rd);
    return rc;
}

lm_status returns_report_refund_times(returns_svc *r, int64_t from_ms, int64_t to_ms,
                                      int64_t *count, int64_t *mean_ms, int64_t *max_ms,
                                      lm_errinfo *err) {
    if (from_ms >= to_ms) return lm_errinfo_set(err, LM_INVALID, "from", "from must be before to");
    store_read *rd = NULL;
    lm_status rc = store_read_begin(r->st, &rd);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_return_refund_times(rd, from_ms, to_ms, count, mean_ms, max_ms, err);
    store_read_end(rd);
    return rc;
}
