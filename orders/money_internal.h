/* orders/money_internal.h: what the money files of orders/ share (promotions.c, payments.c,
 * cod.c, money_record.c) and the hook intake.c calls. Only orders/ includes this. */
#ifndef LASTMILE_ORDERS_MONEY_INTERNAL_H
#define LASTMILE_ORDERS_MONEY_INTERNAL_H

#include "orders/internal.h"
#include "orders/money.h"

/* ---- Intake (promotions.c) ---- */

/* Checks the money given with an order before any transaction: currency, one entry per line,
 * ranges, payment method, coupon syntax. INVALID naming the field. */
LM_MUST_USE lm_status orders__money_check(const orders_money_in *in, size_t n_lines,
                                          lm_errinfo *err);
/* Prices ord (inserted, id set, lines as ordered) inside tx: prices, promotions and their uses,
 * totals, the payment status, the order.priced event. When the order stays unpaid and the
 * configuration holds such orders, appends the "unpaid" reason to reasons (cap entries, *nr
 * used). res->money is filled (owned by res). */
LM_MUST_USE lm_status orders__money_intake(orders_svc *o, store_tx *tx, const orders_order *ord,
                                           const orders_money_in *in, orders_money_result *res,
                                           orders_reason *reasons, size_t cap, size_t *nr,
                                           lm_errinfo *err);

/* ---- Events (money_record.c) ---- */

/* "12.30 EUR" (the currency's exponent; plain minor units for an unknown code). */
void orders__amount_text(int64_t amount, const char *currency, char *out, size_t cap);
/* Appends "currency":..,"totals":{..},"payment":{..} (no braces) for m to b. */
LM_MUST_USE lm_status orders__money_json(lm_buf *b, const orders_money *m);
/* Appends "adjustments":[..] for m to b. */
LM_MUST_USE lm_status orders__adjustments_json(lm_buf *b, const orders_money *m);
/* Appends event type for order m->order_id with {"id":..,<money>,<extra_json>}. */
LM_MUST_USE lm_status orders__event_money(store_tx *tx, const char *type, const orders_money *m,
                                          const char *extra_json);

/* ---- Recomputation (promotions.c) ---- */

/* Recomputes m's lines, adjustments and totals from its lines' quantities and the promotion
 * terms recorded in its adjustments (no requalification, no new promotions). */
LM_MUST_USE lm_status orders__money_recompute(orders_money *m, lm_errinfo *err);

/* ---- Payment moves (payments.c) ---- */

/* Moves m's payment status to `to` (CONFLICT naming both when the machine refuses), records the
 * history row (kind, amount, method, reference) and the payment.<to> event with extra_json; the
 * caller has set the amounts and writes m back. */
LM_MUST_USE lm_status orders__pay_move(store_tx *tx, orders_money *m, orders_pay_status to,
                                       const char *kind, int64_t amount, const char *method,
                                       const char *reference, int64_t now_ms,
                                       const char *extra_json, lm_errinfo *err);

/* ---- Cash on delivery (cod.c) ---- */

/* CONFLICT (field "collected") when order_id is cash on delivery and nothing was collected yet:
 * "delivered" needs the collected amount (orders_order_deliver_cod_tx). LM_OK for an order
 * without money or already paid. */
LM_MUST_USE lm_status orders__cod_delivery_check(store_tx *tx, int64_t order_id, lm_errinfo *err);

#endif
