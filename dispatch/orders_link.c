/* dispatch/orders_link.c: the dispatch side of the order lifecycle, done inside the caller's tx so
 * that a stop action, its order's new status and their events commit together. The rules (the
 * transition table, out_for_delivery taking the goods off on_hand, the order.<status> event) are
 * orders/'s: each step is orders_order_advance_tx. */
#include "dispatch/internal.h"
#include "orders/orders.h"

#include <inttypes.h>
#include <string.h>

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
    bool same = !strcmp(ord.status, to), planned = !strcmp(ord.status, "planned");
    store_order_clear(&ord);
    if (same) return LM_OK;
    if ((target == ORDERS_DELIVERED || target == ORDERS_FAILED) && planned)
        rc = orders_order_advance_tx(tx, order_id, ORDERS_OUT_FOR_DELIVERY, now_ms, err);
    if (rc == LM_OK) rc = orders_order_advance_tx(tx, order_id, target, now_ms, err);
    return rc;
}
