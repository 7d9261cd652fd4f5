/* returns/failed_case.c: the after-sales case of a failed delivery. The recovery policy's "case"
 * action (orders/recovery.c) needs a person to decide what happens to an order whose parcel could
 * not be delivered (damaged on the way, refused...): it opens here, in the failure's own
 * transaction, an open case of kind "failed_delivery" over the order's lines; support resolves it
 * with returns_case_resolve as any case (reship: a new order of the lines; refund: what was paid).
 * A return pickup makes no sense for it: the parcel comes back to the depot on the van. */
#include "returns/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

lm_status returns__failed_order(store_read *rd, int64_t id, store_order *out, lm_errinfo *err) {
    return returns__order_in(rd, id, "failed", "only a failed delivery has this case", out, err);
}

/* The open failed_delivery case of order_id, 0 in *id when none. */
static lm_status open_case_of(store_read *rd, int64_t order_id, int64_t *id, lm_errinfo *err) {
    int64_t *ids = NULL;
    size_t n = 0;
    *id = 0;
    lm_status rc = store_case_find(rd, "open", order_id, 0, 0, &ids, &n, err);
    for (size_t i = 0; rc == LM_OK && i < n && !*id; i++) {
        store_case c;
        if ((rc = store_case_get(rd, ids[i], &c, err)) == LM_OK &&
            !strcmp(c.kind, RETURNS_CASE_FAILED_DELIVERY))
            *id = c.id;
    }
    lm_free(ids);
    return rc;
}

lm_status returns_case_open_failed_tx(returns_svc *r, store_tx *tx, int64_t order_id,
                                      const char *reason, const char *actor, returns_case *out,
                                      lm_errinfo *err) {
    lm_status rc = returns__actor_check(actor, err);
    if (rc != LM_OK) return rc;
    store_read *rd = store_tx_read(tx);
    int64_t existing = 0;
    if ((rc = open_case_of(rd, order_id, &existing, err)) != LM_OK) return rc;
    if (existing) /* one open case per failed delivery: a retried request finds it */
        return out ? store_case_get(rd, existing, out, err) : LM_OK;
    store_case *c = lm_calloc(1, sizeof *c);
    store_order ord = {0};
    if (!c) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if ((rc = returns__failed_order(rd, order_id, &ord, err)) != LM_OK) goto done;
    c->order_id = ord.id;
    lm_strlcpy(c->kind, RETURNS_CASE_FAILED_DELIVERY, sizeof c->kind);
    lm_strlcpy(c->status, "open", sizeof c->status);
    lm_strlcpy(c->actor, actor, sizeof c->actor);
    /* the parcel holds every line; a case keeps at most STORE_RMA_LINES_MAX of them */
    for (size_t i = 0; i < ord.n_lines && c->n_lines < STORE_RMA_LINES_MAX; i++) {
        lm_strlcpy(c->lines[c->n_lines].sku, ord.lines[i].sku, sizeof c->lines[0].sku);
        c->lines[c->n_lines++].qty = ord.lines[i].qty;
    }
    snprintf(c->note, sizeof c->note,
             "delivery failed (%.32s): the parcel comes back to the depot; resolve with reship "
             "or refund",
             reason);
    c->created_ms = r->now_ms();
    if ((rc = store_case_insert(tx, c, &c->id, err)) != LM_OK) goto done;
    char extra[160];
    snprintf(extra, sizeof extra, ",\"order_id\":%" PRId64 ",\"kind\":\"%s\",\"reason\":\"%.32s\"",
             c->order_id, c->kind, reason);
    if ((rc = returns__event(r, tx, "case.opened", "case", NULL, c->id, actor, extra)) != LM_OK)
        goto done;
    if (out) *out = *c;
done:
    store_order_clear(&ord);
    lm_free(c);
    return rc;
}
