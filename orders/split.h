/* orders/split.h: split shipments. An order that no single depot can serve whole, but whose lines
 * each sit at some depot, is split by depot instead of waiting for stock: the order keeps the
 * lines of its main depot and each other depot's lines become an order of their own (external_ref
 * "split:<order>:<depot>", same customer, windows and channel, no money: the first order carries
 * the payment), each allocated where its lines are. docs/workflows.md "Split shipments".
 * Ownership: records are plain data; nothing to free. */
#ifndef LASTMILE_ORDERS_SPLIT_H
#define LASTMILE_ORDERS_SPLIT_H

#include "orders/orders.h"
#include "store/store_split.h"

typedef store_split_policy orders_split_policy;

/* mode "split", at most 2 parts (version 0). */
void orders_split_defaults(orders_split_policy *p);
/* mode "split" or "off", max_parts 2..4; INVALID naming the field otherwise. */
LM_MUST_USE lm_status orders_split_policy_check(const orders_split_policy *p, lm_errinfo *err);
/* The stored policy, or the defaults before the first change. */
LM_MUST_USE lm_status orders_split_policy_get(store_read *r, orders_split_policy *out,
                                              lm_errinfo *err);
/* Checks p and stores it as the next version under actor at now_ms (event
 * split.policy_changed); the caller commits. */
LM_MUST_USE lm_status orders_split_policy_put_tx(store_tx *tx, orders_split_policy *p,
                                                 const char *actor, int64_t now_ms,
                                                 lm_errinfo *err);

#endif
