/* store: the collection end of pickup-and-delivery orders (B2B: collect here, deliver there). The
 * order row holds the delivery end (customer, location, windows); this row holds where and when
 * the goods are collected. orders/pd.c owns the rules. Ownership as in store/store_orders.h. */
#ifndef LASTMILE_STORE_PD_H
#define LASTMILE_STORE_PD_H

#include "store/store_orders.h"

#define STORE_PICKUP_NOTES_MAX 500 /* bytes of the collection notes */

typedef struct store_pickup {
    int64_t order_id;
    char address[STORE_ADDRESS_MAX + 1];
    double lon, lat;                      /* WGS84 degrees */
    int64_t window_start_s, window_end_s; /* epoch seconds, start < end */
    char contact_name[STORE_NAME_MAX + 1];
    char contact_phone[STORE_PHONE_MAX + 1];
    char notes[STORE_PICKUP_NOTES_MAX + 1]; /* what the driver needs to know to collect */
    int64_t collected_ms;                   /* when the driver collected the goods; 0 = not yet */
} store_pickup;

/* Inserts the collection end of order p->order_id (one per order). */
LM_MUST_USE lm_status store_pickup_put(store_tx *tx, const store_pickup *p, lm_errinfo *err);
/* NOT_FOUND when the order is not a pickup-and-delivery order. */
LM_MUST_USE lm_status store_pickup_get(store_read *r, int64_t order_id, store_pickup *out,
                                       lm_errinfo *err);
/* Records that the goods of order_id were collected at t_ms (no-op when it has no pickup). */
LM_MUST_USE lm_status store_pickup_collected(store_tx *tx, int64_t order_id, int64_t t_ms,
                                             lm_errinfo *err);

#endif
