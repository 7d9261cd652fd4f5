/* orders/internal.h: helpers shared by the orders .c files only. */
#ifndef LASTMILE_ORDERS_INTERNAL_H
#define LASTMILE_ORDERS_INTERNAL_H

#include "orders/orders.h"
#include "store/store.h"

/* Appends a stock.low event for (depot, sku) to tx. */
LM_MUST_USE lm_status orders__event_stock_low(store_tx *tx, const char *depot, const char *sku,
                                              int64_t on_hand, int64_t reserved,
                                              int64_t reorder_point);

#endif
