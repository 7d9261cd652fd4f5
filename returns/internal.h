/* returns/internal.h: what the returns/ .c files share. Only returns/ includes this. */
#ifndef LASTMILE_RETURNS_INTERNAL_H
#define LASTMILE_RETURNS_INTERNAL_H

#include "returns/returns.h"

#define RETURNS_DAY_MS 86400000LL

struct returns_svc {
    store *st;
    orders_svc *orders;
    int64_t (*now_ms)(void);
};

/* Commits tx when rc is LM_OK (a failed commit sets err), else rolls it back; returns the
 * outcome. */
LM_MUST_USE lm_status returns__finish(store_tx *tx, lm_status rc, lm_errinfo *err);
/* Checks an actor: 1..63 bytes. */
LM_MUST_USE lm_status returns__actor_check(const char *actor, lm_errinfo *err);
/* Appends event type about entity/key with payload {"id":id,"actor":..,"at_ms":now<extra>}
 * where extra is "" or ",\"k\":v,..." (already JSON). */
LM_MUST_USE lm_status returns__event(returns_svc *r, store_tx *tx, const char *type,
                                     const char *entity, const char *key, int64_t id,
                                     const char *actor, const char *extra);
/* The stored policy, or the defaults when none was put. */
LM_MUST_USE lm_status returns__policy_load(store_read *rd, returns_policy *out, lm_errinfo *err);

/* Moves m to `to` inside tx after checking the transition table (CONFLICT naming the current
 * state), stamps updated_ms, writes it and appends "return.<to>". */
LM_MUST_USE lm_status returns__rma_move(returns_svc *r, store_tx *tx, store_rma *m,
                                        returns_state to, const char *actor, lm_errinfo *err);
/* Opens an RMA inside tx (returns_rma_request's work). from_case skips the window check and
 * approves at once: support decided. */
LM_MUST_USE lm_status returns__rma_open(returns_svc *r, store_tx *tx, const returns_request *req,
                                        int64_t case_id, store_rma *out, lm_errinfo *err);
/* Worth of qty units of sku delivered on order (minor units, what the customer paid for them
 * after discounts, tax included); 0 when the order has no money. */
LM_MUST_USE lm_status returns__value(store_read *rd, const store_order *ord, const char *sku,
                                     int64_t qty, int64_t *out, lm_errinfo *err);
/* Units of sku delivered on ord (lines summed). */
int64_t returns__delivered_qty(const store_order *ord, const char *sku);
/* Loads order id when it is in status (CONFLICT "order_id" naming its status and why otherwise,
 * NOT_FOUND "order_id"). */
LM_MUST_USE lm_status returns__order_in(store_read *rd, int64_t id, const char *status,
                                        const char *why, store_order *out, lm_errinfo *err);
/* Loads a delivered order (CONFLICT naming its status otherwise, NOT_FOUND "order_id"). */
LM_MUST_USE lm_status returns__delivered_order(store_read *rd, int64_t id, store_order *out,
                                               lm_errinfo *err);
/* Loads a failed order (CONFLICT naming its status otherwise): a failed delivery's case
 * (failed_case.c). */
LM_MUST_USE lm_status returns__failed_order(store_read *rd, int64_t id, store_order *out,
                                            lm_errinfo *err);

#endif
