/* orders/pd.h: pickup-and-delivery orders (B2B: collect the customer's goods here, deliver them
 * there, each end with its own window). They carry no stock lines: the goods are not the depot's,
 * so intake takes them straight to `ready` with the package measures given, and dispatch plans
 * them as one shipment (the pickup before the delivery, on the same van). Ownership as in
 * orders/orders.h. */
#ifndef LASTMILE_ORDERS_PD_H
#define LASTMILE_ORDERS_PD_H

#include "orders/orders.h"
#include "store/store_pd.h"

typedef struct orders_pd_in {
    store_pickup pickup;             /* where and when to collect (order_id ignored) */
    char depot_id[STORE_ID_MAX + 1]; /* whose vans do it; "" = the depot nearest the pickup */
    int64_t weight_g, volume_cm3;    /* the goods, as the customer declares them */
    int64_t parcels;                 /* 1..1000 */
    /* NULL, or called inside the intake transaction once the order row exists (the API saves
     * the order's required skills there: the order is ready, so a plan may read it at once) */
    lm_status (*in_tx)(store_tx *tx, int64_t order_id, void *ctx, lm_errinfo *err);
    void *in_tx_ctx;
} orders_pd_in;

/* Checks a pickup-and-delivery order without the store: no lines, a delivery location, at least
 * one delivery window, a real pickup window (start < end) that opens before some delivery window
 * closes (each delivery window must end after the pickup window opens), the pickup location in
 * range, package measures in range. INVALID naming the field ("pickup.window", "time_windows[1]",
 * "package.parcels") otherwise. */
LM_MUST_USE lm_status orders_pd_check(const orders_order *in, const orders_pd_in *pd,
                                      lm_errinfo *err);

/* Takes in a pickup-and-delivery order in one transaction: idempotency as orders_order_create,
 * the depot (given: must exist; else nearest the pickup), the order row, its pickup row, and the
 * lifecycle received -> allocated -> picking -> ready (events order.*, each with
 * "kind":"pickup_delivery"), the package measured as declared. *out owns its lines (none). */
LM_MUST_USE lm_status orders_pd_create(orders_svc *o, const orders_order *in,
                                       const orders_pd_in *pd, const char *idem_key,
                                       orders_order *out, bool *replayed, lm_errinfo *err);

#endif
