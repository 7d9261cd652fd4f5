/* store: the split-shipment policy (orders/split.h owns the rules): one row. Ownership as in
 * store/store_orders.h. */
#ifndef LASTMILE_STORE_SPLIT_H
#define LASTMILE_STORE_SPLIT_H

#include "store/store.h"

typedef struct store_split_policy {
    char mode[16];     /* "split": ship each part from the depot that has it; "off": wait */
    int64_t max_parts; /* 2..4: at most this many shipments per order */
    int64_t version;   /* bumped by every change; 0 = the defaults */
    int64_t updated_ms;
    char actor[64]; /* key id of the last change */
} store_split_policy;

/* NOT_FOUND before the first put. */
LM_MUST_USE lm_status store_split_policy_get(store_read *r, store_split_policy *out,
                                             lm_errinfo *err);
LM_MUST_USE lm_status store_split_policy_put(store_tx *tx, const store_split_policy *p,
                                             lm_errinfo *err);
/* Ids of the orders split off order_id (external_ref "split:<order_id>:..."), oldest first, at
 * most cap in out; *n how many. */
LM_MUST_USE lm_status store_split_children(store_read *r, int64_t order_id, int64_t *out,
                                           size_t cap, size_t *n, lm_errinfo *err);

#endif
