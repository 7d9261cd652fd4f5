/* returns/inspect.c: inspection per line at the depot (restock, write-off, quarantine), the
 * quality threshold that blocks a SKU's sales, clearing the block, and the pickup a planner
 * needs for an approved return. */
#include "returns/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Counts sku's defective units in the policy's window (this inspection included) and blocks its
 * sales when they reach the threshold and it is not blocked already. */
static lm_status quality_check(returns_svc *r, store_tx *tx, const returns_policy *p,
                               const store_rma *m, const char *sku, lm_errinfo *err) {
    const store_return_config *c = &p->rules;
    if (c->quality_threshold <= 0) return LM_OK;
    store_read *rd = store_tx_read(tx);
    int64_t n = 0;
    lm_status rc = store_rma_defective_count(
        rd, sku, r->now_ms() - c->quality_window_days * RETURNS_DAY_MS, &n, err);
    if (rc != LM_OK || n < c->quality_threshold) return rc;
    bool blocked = false;
    if ((rc = store_sales_block_get(rd, sku, &blocked, NULL, 0, err)) != LM_OK || blocked)
        return rc;
    char why[160];
    snprintf(why, sizeof why,
             "%" PRId64 " defective returns in %" PRId64 " days (latest: return %" PRId64 ")", n,
             c->quality_window_days, m->id);
    if ((rc = store_sales_block_set(tx, sku, why, r->now_ms(), err)) != LM_OK) return rc;
    lm_buf b;
    lm_buf_init(&b, 512);
    rc = lm_buf_append(&b, ",\"sku\":", 7);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, sku);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"reason\":", 10);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, why);
    if (rc == LM_OK)
        rc =
            returns__event(r, tx, "product.sales_blocked", "product", sku, m->id, "policy", b.data);
    lm_buf_free(&b);
    return rc;
}

/* The disposition of a condition; NULL for an unknown condition. */
static const char *disposition_of(const char *condition) {
    if (!condition) return NULL;
    if (!strcmp(condition, "resellable")) return "restocked";
    if (!strcmp(condition, "damaged")) return "written_off";
    if (!strcmp(condition, "defective")) return "quarantined";
    return NULL;
}

/* The inspection inside tx on the loaded m. */
static lm_status inspect_in_tx(returns_svc *r, store_tx *tx, store_rma *m, size_t line_no,
                               const char *condition, const char *note, const char *actor,
                               lm_errinfo *err) {
    if (strcmp(m->status, "received"))
        return lm_errinfo_set(err, LM_CONFLICT, "status",
                              "return %" PRId64 " is %s: only a received return is inspected",
                              m->id, m->status);
    store_rma_line *l = &m->lines[line_no];
    if (l->condition[0])
        return lm_errinfo_set(err, LM_CONFLICT, "line",
                              "line %zu of return %" PRId64 " was already inspected (%s)", line_no,
                              m->id, l->condition);
    const char *disp = disposition_of(condition);
    lm_strlcpy(l->condition, condition, sizeof l->condition);
    lm_strlcpy(l->disposition, disp, sizeof l->disposition);
    lm_strlcpy(l->note, note ? note : "", sizeof l->note);
    l->inspected_ms = m->updated_ms = r->now_ms();
    lm_status rc = store_rma_update(tx, m, err);
    if (rc == LM_OK && !strcmp(disp, "restocked"))
        rc = orders_stock_return_tx(r->orders, tx, m->depot_id, l->sku, l->qty, err);
    if (rc == LM_OK) {
        lm_buf b;
        lm_buf_init(&b, 1024);
        rc = lm_buf_printf(&b, ",\"line\":%zu,\"sku\":", line_no);
        if (rc == LM_OK) rc = lm_buf_json_str(&b, l->sku);
        if (rc == LM_OK)
            rc = lm_buf_printf(&b,
                               ",\"qty\":%" PRId64 ",\"condition\":\"%s\",\"disposition\":\"%s\"",
                               l->qty, condition, disp);
        if (rc == LM_OK)
            rc = returns__event(r, tx, "return.line_inspected", "return", NULL, m->id, actor,
                                b.data);
        lm_buf_free(&b);
    }
    if (rc == LM_OK && !strcmp(disp, "quarantined")) {
        returns_policy *p = lm_calloc(1, sizeof *p);
        rc = p ? returns__policy_load(store_tx_read(tx), p, err) : LM_NOMEM;
        if (rc == LM_OK) rc = quality_check(r, tx, p, m, l->sku, err);
        lm_free(p);
    }
    bool all = true;
    for (size_t i = 0; i < m->n_lines; i++)
        if (!m->lines[i].condition[0]) all = false;
    if (rc == LM_OK && all) rc = returns__rma_move(r, tx, m, RETURNS_INSPECTED, actor, err);
    return rc;
}

lm_status returns_rma_inspect(returns_svc *r, int64_t id, size_t line_no, const char *condition,
                              const char *note, const char *actor, returns_rma *out,
                              lm_errinfo *err) {
    lm_status rc = returns__actor_check(actor, err);
    if (rc != LM_OK) return rc;
    if (!disposition_of(condition))
        return lm_errinfo_set(err, LM_INVALID, "condition",
                              "must be resellable, damaged or defective");
    if (note && strlen(note) > STORE_RMA_NOTE_MAX)
        return lm_errinfo_set(err, LM_INVALID, "note", "at most %d bytes", STORE_RMA_NOTE_MAX);
    store_rma *m = lm_calloc(1, sizeof *m);
    if (!m) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(r->st, &tx)) != LM_OK) {
        lm_free(m);
        return lm_errinfo_set(err, rc, "", "store unavailable");
    }
    rc = store_rma_get(store_tx_read(tx), id, m, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "return %" PRId64 " not found", id);
    if (rc == LM_OK && line_no >= m->n_lines)
        rc = lm_errinfo_set(err, LM_INVALID, "line", "return %" PRId64 " has %zu lines", id,
                            m->n_lines);
    if (rc == LM_OK) rc = inspect_in_tx(r, tx, m, line_no, condition, note, actor, err);
    rc = returns__finish(tx, rc, err);
    if (rc == LM_OK && out) *out = *m;
    lm_free(m);
    return rc;
}

lm_status returns_sales_block_get(returns_svc *r, const char *sku, bool *blocked, char reason[160],
                                  lm_errinfo *err) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(r->st, &rd);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_sales_block_get(rd, sku, blocked, reason, 160, err);
    store_read_end(rd);
    return rc;
}

lm_status returns_sales_block_clear(returns_svc *r, const char *sku, const char *actor,
                                    lm_errinfo *err) {
    lm_status rc = returns__actor_check(actor, err);
    if (rc != LM_OK) return rc;
    if (!sku || !sku[0] || strlen(sku) > STORE_ID_MAX)
        return lm_errinfo_set(err, LM_INVALID, "sku", "a SKU of 1..%d characters", STORE_ID_MAX);
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(r->st, &tx)) != LM_OK)
        return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_sales_block_clear(tx, sku, actor, r->now_ms(), err);
    if (rc == LM_OK) {
        lm_buf b;
        lm_buf_init(&b, 256);
        rc = lm_buf_append(&b, ",\"sku\":", 7);
        if (rc == LM_OK) rc = lm_buf_json_str(&b, sku);
        if (rc == LM_OK)
            rc = returns__event(r, tx, "product.sales_cleared", "product", sku, 0, actor, b.data);
        lm_buf_free(&b);
    }
    return returns__finish(tx, rc, err);
}

/* Fills the pickup of m from the store (order location, products, depot). */
static lm_status pickup_fill(store_read *rd, const store_rma *m, returns_pickup *p,
                             lm_errinfo *err) {
    store_order ord;
    lm_status rc = store_order_get(rd, m->order_id, &ord, err);
    if (rc != LM_OK) return rc;
    if (!ord.has_location)
        rc = lm_errinfo_set(err, LM_CONFLICT, "order_id",
                            "order %" PRId64 " has no customer location to collect from", ord.id);
    p->lon = ord.lon;
    p->lat = ord.lat;
    store_order_clear(&ord);
    for (size_t i = 0; rc == LM_OK && i < m->n_lines; i++) {
        store_product prod;
        rc = store_product_get(rd, m->lines[i].sku, &prod, err);
        if (rc != LM_OK) break;
        returns_pickup_line *pl = &p->lines[p->n_lines++];
        lm_strlcpy(pl->sku, m->lines[i].sku, sizeof pl->sku);
        pl->qty = m->lines[i].qty;
        pl->weight_g = prod.weight_g * pl->qty;
        pl->volume_cm3 = prod.volume_cm3 * pl->qty;
        p->weight_g += pl->weight_g;
        p->volume_cm3 += pl->volume_cm3;
    }
    store_depot d;
    if (rc == LM_OK) rc = store_depot_get(rd, m->depot_id, &d, err);
    if (rc == LM_OK) {
        lm_strlcpy(p->depot_id, d.id, sizeof p->depot_id);
        p->depot_lon = d.lon;
        p->depot_lat = d.lat;
    }
    return rc;
}

lm_status returns_pickup_get(returns_svc *r, int64_t id, returns_pickup *out, lm_errinfo *err) {
    store_rma *m = lm_calloc(1, sizeof *m);
    returns_pickup *p = lm_calloc(1, sizeof *p);
    store_read *rd = NULL;
    lm_status rc = m && p ? store_read_begin(r->st, &rd) : LM_NOMEM;
    if (rc != LM_OK) {
        lm_free(m);
        lm_free(p);
        return lm_errinfo_set(err, rc, "", "store unavailable");
    }
    rc = store_rma_get(rd, id, m, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "return %" PRId64 " not found", id);
    if (rc == LM_OK && (strcmp(m->method, "pickup") ||
                        (strcmp(m->status, "approved") && strcmp(m->status, "pickup_scheduled"))))
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "return %" PRId64 " is a %s in state %s: no pickup to plan", id,
                            m->method, m->status);
    if (rc == LM_OK) {
        p->rma_id = m->id;
        p->order_id = m->order_id;
        p->window = m->pickup_window;
        rc = pickup_fill(rd, m, p, err);
    }
    store_read_end(rd);
    if (rc == LM_OK) *out = *p;
    lm_free(m);
    lm_free(p);
    return rc;
}
