/* orders/recovery.h: what happens to an order after a failed delivery attempt. The policy says,
 * per failure reason, whether the next attempt is rescheduled (the next day, or a window the
 * customer chooses through the tracking link), the parcel goes back to stock, or an after-sales
 * case is needed; attempts are counted per order; the parcel's check-in at the depot carries out
 * the decision with its stock change in the same transaction. docs/workflows.md tells the story.
 *
 * Recovery states of an order (store_order_recovery.state):
 *   retry_today        dispatch put the stop back on today's route (dispatch/live.c); nothing
 *                      else to do
 *   awaiting_checkin   the parcel is on its way back to the depot
 *   awaiting_customer  checked in, its units held for the order, until the customer chooses a
 *                      window (reschedule by the customer)
 *   rescheduled        back in the planning pool (status ready) with the next window
 *   returned_to_stock  checked in, its units back on hand for sale; the order stays failed
 *   case_needed        an after-sales case is needed (the goods stay off sale until it decides)
 *   case_opened        ... and the returns module opened it in the failure's transaction
 *                      (api/recovery_case.c: a case of kind failed_delivery)
 * Ownership: records are plain data filled by the caller's pointers; nothing to free. */
#ifndef LASTMILE_ORDERS_RECOVERY_H
#define LASTMILE_ORDERS_RECOVERY_H

#include "orders/orders.h"
#include "store/store_recovery.h"

typedef store_recovery_policy orders_recovery_policy;
typedef store_recovery_rule orders_recovery_rule;
typedef store_order_recovery orders_recovery;

/* The policy a fresh database starts with: not_home and other reschedule the next day,
 * address_not_found lets the customer choose, refused goes back to stock, damaged needs a case;
 * at most 3 attempts. */
void orders_recovery_defaults(orders_recovery_policy *p);
/* Every reason exactly once, a known action, a reschedule mode for (and only for) reschedule,
 * max_attempts 1..10. INVALID naming the field ("rules[2].action") otherwise. */
LM_MUST_USE lm_status orders_recovery_policy_check(const orders_recovery_policy *p,
                                                   lm_errinfo *err);
/* The stored policy, or the defaults (version 0) before the first change. */
LM_MUST_USE lm_status orders_recovery_policy_get(store_read *r, orders_recovery_policy *out,
                                                 lm_errinfo *err);
/* Checks p, stores it as the next version under actor at now_ms with a recovery.policy_changed
 * event; *p gets the version, time and actor written. The caller commits. */
LM_MUST_USE lm_status orders_recovery_policy_put_tx(store_tx *tx, orders_recovery_policy *p,
                                                    const char *actor, int64_t now_ms,
                                                    lm_errinfo *err);
/* The rule for reason in p (NULL if none). */
const orders_recovery_rule *orders_recovery_rule_for(const orders_recovery_policy *p,
                                                     const char *reason);

/* After a delivery stop of order_id failed for reason at now_ms (dispatch_stop_failed ran in tx):
 * counts the attempt; when the order is now failed, decides by the policy (a reschedule past
 * max_attempts returns to stock) and records the decision with an order.recovery event; a case
 * adds an open after_sales_case exception. *out (may be NULL) gets the new record. */
LM_MUST_USE lm_status orders_recovery_on_failure_tx(store_tx *tx, int64_t order_id,
                                                    const char *reason, int64_t now_ms,
                                                    orders_recovery *out, lm_errinfo *err);
/* The parcel of a failed order is back at its depot: returned_to_stock puts its units on hand
 * (stock.returned, backorders retried); a reschedule holds them for the order again (on hand and
 * reserved) and, with a window known, makes the order ready for that window; a case only records
 * the check-in. CONFLICT when the order is not waiting for a check-in. The caller commits. */
LM_MUST_USE lm_status orders_recovery_checkin_tx(orders_svc *o, store_tx *tx, int64_t order_id,
                                                 int64_t now_ms, orders_recovery *out,
                                                 lm_errinfo *err);
/* The customer chose window w for the next attempt (reschedule by the customer; the caller
 * checked that the planner has room): checked in already, the order becomes ready for w;
 * otherwise w waits for the check-in. CONFLICT when no choice is open. The caller commits. */
LM_MUST_USE lm_status orders_recovery_choose_tx(orders_svc *o, store_tx *tx, int64_t order_id,
                                                store_window w, int64_t now_ms,
                                                orders_recovery *out, lm_errinfo *err);
/* The order's record; NOT_FOUND when it never failed. */
LM_MUST_USE lm_status orders_recovery_get(store_read *r, int64_t order_id, orders_recovery *out,
                                          lm_errinfo *err);

#endif
