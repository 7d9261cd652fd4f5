/* dispatch/orders_link.c: the dispatch side of the order lifecycle, done inside the caller's tx so
 * that a stop action, its order's new status and their events commit together (orders_order_advance
 * opens its own tx, which a group commit or a plan commit cannot nest). The rules are orders/'s:
 * its transition table, and out_for_delivery taking the goods off on_hand. */
#include "dispatch/internal.h"
#include "orders/orders.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static lm_status step(store_tx *tx, store_order *ord, orders_status to, int64_t now_ms,
                      lm_errinfo *err) {
    orders_status cur;
    if (!orders_status_parse(ord->status, &cur))
        return lm_errinfo_set(err, LM_INTERNAL, "status", "stored status '%s' unknown",
                              ord->status);
    if (!orders_transition_allowed(cur, to))
        return lm_errinfo_set(err, LM_CONFLICT, "order_id",
                              "order %" PRId64 " is %s; it cannot be moved to %s", ord->id,
                              ord->status, orders_status_name(to));
    if (to == ORDERS_OUT_FOR_DELIVERY && ord->depot_id[0]) {
        /* the goods leave the depot: release the reservation and take them off on_hand */
        for (size_t i = 0; i < ord->n_lines; i++) {
            int64_t q = ord->lines[i].qty;
            lm_status rc = store_stock_adjust(tx, ord->depot_id, ord->lines[i].sku, -q, -q, err);
            if (rc != LM_OK) return rc;
        }
    }
    char from[24];
    lm_strlcpy(from, ord->status, sizeof from);
    lm_strlcpy(ord->status, orders_status_name(to), sizeof ord->status);
    ord->updated_ms = now_ms;
    lm_status rc = store_order_update(tx, ord, err);
    if (rc != LM_OK) return rc;
    lm_buf b;
    lm_buf_init(&b, 2048);
    char id[24], type[48];
    snprintf(id, sizeof id, "%" PRId64, ord->id);
    snprintf(type, sizeof type, "order.%s", ord->status);
    rc =
        lm_buf_printf(&b, "{\"id\":%" PRId64 ",\"from\":\"%s\",\"to\":\"%s\",\"channel\":", ord->id,
                      from, ord->status);
    if (rc == LM_OK) rc = dispatch__json_str(&b, ord->channel);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"depot\":", 9);
    if (rc == LM_OK) rc = dispatch__json_str(&b, ord->depot_id);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"by\":\"dispatch\"}", 17);
    if (rc == LM_OK) rc = store_event_append(tx, type, "order", id, b.data);
    lm_buf_free(&b);
    return rc;
}

lm_status dispatch__order_move(store_tx *tx, int64_t order_id, const char *to, int64_t now_ms,
                               lm_errinfo *err) {
    orders_status target;
    if (!orders_status_parse(to, &target))
        return lm_errinfo_set(err, LM_INTERNAL, "status", "unknown status '%s'", to);
    store_order ord = {0};
    lm_status rc = store_order_get(store_tx_read(tx), order_id, &ord, err);
    if (rc == LM_NOT_FOUND)
        lm_errinfo_set(err, rc, "order_id", "order %" PRId64 " not found", order_id);
    if (rc != LM_OK) return rc;
    if (strcmp(ord.status, to) != 0) {
        if ((target == ORDERS_DELIVERED || target == ORDERS_FAILED) &&
            !strcmp(ord.status, "planned"))
            rc = step(tx, &ord, ORDERS_OUT_FOR_DELIVERY, now_ms, err);
        if (rc == LM_OK) rc = step(tx, &ord, target, now_ms, err);
    }
    store_order_clear(&ord);
    return rc;
}
