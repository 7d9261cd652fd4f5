/* orders/transitions.c: the status changes of an order after intake (cancel, release from the
 * exception queue, picking, ready, and the dispatch side: planned, out for delivery, delivered,
 * failed), each one transaction with its stock effects and event. */
#include "orders/internal.h"
#include "orders/money_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Lifecycle operations ---- */

typedef enum op_kind { OP_CANCEL, OP_RELEASE, OP_PICKING, OP_READY, OP_ADVANCE } op_kind;

typedef struct op_args {
    op_kind kind;
    orders_status to; /* OP_ADVANCE */
    int64_t weight_g, volume_cm3, parcels;
} op_args;

static lm_status conflict(const orders_order *ord, const char *action, lm_errinfo *err) {
    return lm_errinfo_set(err, LM_CONFLICT, "status",
                          "order %" PRId64 " is %s; it cannot be %s from that state", ord->id,
                          ord->status, action);
}

/* The dispatch side of the lifecycle on ord (currently cur) inside tx: checks the move, takes the
 * goods off on_hand at out_for_delivery, records the event; the caller writes ord back. */
static lm_status advance_in_tx(store_tx *tx, orders_order *ord, orders_status cur, orders_status to,
                               int64_t now_ms, lm_errinfo *err) {
    if (!orders_transition_allowed(cur, to) || cur == ORDERS_FAILED /* recovery's alone */ ||
        (to != ORDERS_PLANNED && to != ORDERS_OUT_FOR_DELIVERY && to != ORDERS_DELIVERED &&
         to != ORDERS_FAILED && to != ORDERS_READY)) {
        char what[48];
        snprintf(what, sizeof what, "moved to %s", orders_status_name(to));
        return conflict(ord, what, err);
    }
    lm_status rc;
    if (to == ORDERS_DELIVERED && (rc = orders__cod_delivery_check(tx, ord->id, err)) != LM_OK)
        return rc;
    if (to == ORDERS_OUT_FOR_DELIVERY && (rc = orders__stock_release(tx, ord, true, err)) != LM_OK)
        return rc;
    char from[24];
    lm_strlcpy(from, ord->status, sizeof from);
    lm_strlcpy(ord->status, orders_status_name(to), sizeof ord->status);
    ord->updated_ms = now_ms;
    return orders__event_order(tx, ord, from, NULL);
}

lm_status orders_order_advance_tx(store_tx *tx, int64_t id, orders_status to, int64_t now_ms,
                                  lm_errinfo *err) {
    orders_order ord = {0};
    lm_status rc = store_order_get(store_tx_read(tx), id, &ord, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "order %" PRId64 " not found", id);
    if (rc != LM_OK) return rc;
    orders_status cur;
    if (!orders_status_parse(ord.status, &cur))
        rc = lm_errinfo_set(err, LM_INTERNAL, "status", "stored status '%s' unknown", ord.status);
    if (rc == LM_OK) rc = advance_in_tx(tx, &ord, cur, to, now_ms, err);
    if (rc == LM_OK) rc = store_order_update(tx, &ord, err);
    store_order_clear(&ord);
    return rc;
}

/* Lives here rather than in cod.c, which the delivered check above calls: no file circle. */
lm_status orders_order_deliver_cod_tx(store_tx *tx, int64_t order_id,
                                      const orders_cod_collection *c, int64_t now_ms,
                                      lm_errinfo *err) {
    lm_status rc = orders_cod_collect_tx(tx, order_id, c, now_ms, err);
    if (rc == LM_OK) rc = orders_order_advance_tx(tx, order_id, ORDERS_DELIVERED, now_ms, err);
    return rc;
}

static lm_status order_op(orders_svc *o, int64_t id, const op_args *a, orders_order *out,
                          lm_errinfo *err) {
    store_tx *tx = NULL;
    orders_order ord = {0};
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_order_get(store_tx_read(tx), id, &ord, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "order %" PRId64 " not found", id);
    if (rc != LM_OK) goto fail;
    orders_status cur;
    if (!orders_status_parse(ord.status, &cur)) {
        rc = lm_errinfo_set(err, LM_INTERNAL, "status", "stored status '%s' unknown", ord.status);
        goto fail;
    }
    bool retry_backorders = false;
    switch (a->kind) {
    case OP_CANCEL:
        if (!orders_transition_allowed(cur, ORDERS_CANCELLED)) {
            rc = conflict(&ord, "cancelled", err);
            goto fail;
        }
        if (orders_status_holds_stock(cur)) {
            if ((rc = orders__stock_release(tx, &ord, false, err)) != LM_OK) goto fail;
            retry_backorders = true;
        }
        if (cur == ORDERS_HELD &&
            (rc = store_exception_resolve(tx, id, "cancel", o->now_ms(), err)) != LM_OK)
            goto fail;
        if ((rc = orders__order_move(o, tx, &ord, ORDERS_CANCELLED, NULL)) != LM_OK) goto fail;
        break;
    case OP_RELEASE: {
        if (cur != ORDERS_HELD) {
            rc = conflict(&ord, "released", err);
            goto fail;
        }
        if ((rc = store_exception_resolve(tx, id, "release", o->now_ms(), err)) != LM_OK) goto fail;
        bool moved = false;
        if ((rc = orders__allocate(o, tx, &ord, ORDERS__ALLOC_APPLY_POLICY, &moved, err)) != LM_OK)
            goto fail;
        break;
    }
    case OP_PICKING:
        if (!orders_transition_allowed(cur, ORDERS_PICKING)) {
            rc = conflict(&ord, "marked picking", err);
            goto fail;
        }
        if ((rc = orders__order_move(o, tx, &ord, ORDERS_PICKING, NULL)) != LM_OK) goto fail;
        break;
    case OP_READY: {
        if (!orders_transition_allowed(cur, ORDERS_READY) || cur == ORDERS_PLANNED) {
            rc = conflict(&ord, "marked ready", err);
            goto fail;
        }
        ord.pkg_weight_g = a->weight_g;
        ord.pkg_volume_cm3 = a->volume_cm3;
        ord.pkg_parcels = a->parcels;
        char extra[128];
        snprintf(extra, sizeof extra,
                 "\"weight_g\":%" PRId64 ",\"volume_cm3\":%" PRId64 ",\"parcels\":%" PRId64,
                 a->weight_g, a->volume_cm3, a->parcels);
        if ((rc = orders__order_move(o, tx, &ord, ORDERS_READY, extra)) != LM_OK) goto fail;
        break;
    }
    case OP_ADVANCE:
        if ((rc = advance_in_tx(tx, &ord, cur, a->to, o->now_ms(), err)) != LM_OK) goto fail;
        break;
    }
    if ((rc = store_order_update(tx, &ord, err)) != LM_OK) goto fail;
    if (retry_backorders && (rc = orders__backorders_retry(o, tx, err)) != LM_OK) goto fail;
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) {
        lm_errinfo_set(err, rc, "", "commit failed");
        goto fail;
    }
    if (out)
        *out = ord;
    else
        store_order_clear(&ord);
    return LM_OK;
fail:
    store_tx_rollback(tx);
    store_order_clear(&ord);
    return rc;
}

lm_status orders_order_cancel(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    op_args a = {.kind = OP_CANCEL};
    return order_op(o, id, &a, out, err);
}

lm_status orders_order_release(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    op_args a = {.kind = OP_RELEASE};
    return order_op(o, id, &a, out, err);
}

lm_status orders_order_picking(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    op_args a = {.kind = OP_PICKING};
    return order_op(o, id, &a, out, err);
}

lm_status orders_order_ready(orders_svc *o, int64_t id, int64_t weight_g, int64_t volume_cm3,
                             int64_t parcels, orders_order *out, lm_errinfo *err) {
    if (weight_g < 0 || weight_g > 100000000)
        return lm_errinfo_set(err, LM_INVALID, "weight_g", "weight must be 0..100000000 g");
    if (volume_cm3 < 0 || volume_cm3 > 1000000000)
        return lm_errinfo_set(err, LM_INVALID, "volume_cm3", "volume must be 0..1000000000 cm3");
    if (parcels < 1 || parcels > 1000)
        return lm_errinfo_set(err, LM_INVALID, "parcels", "parcels must be 1..1000");
    op_args a = {
        .kind = OP_READY, .weight_g = weight_g, .volume_cm3 = volume_cm3, .parcels = parcels};
    return order_op(o, id, &a, out, err);
}

lm_status orders_order_advance(orders_svc *o, int64_t id, orders_status to, orders_order *out,
                               lm_errinfo *err) {
    op_args a = {.kind = OP_ADVANCE, .to = to};
    return order_op(o, id, &a, out, err);
}
