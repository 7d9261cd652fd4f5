/* orders/money.h: money on orders: currencies and rounding, prices, promotions applied at
 * intake, order totals, the payment status machine, cash on delivery with per-driver
 * reconciliation, refunds and the money reports. The model and its rules: docs/money.md.
 *
 * Amounts are int64_t in the minor unit of the order's ISO 4217 currency (cents, yen, fils);
 * there is no floating point money anywhere. Every operation that changes money runs in one
 * store transaction together with the event recording it and answers after the commit.
 * Ownership: an orders_money filled here owns its lines and adjustments (orders_money_clear);
 * lists are freed with lm_free unless a *_free is named. */
#ifndef LASTMILE_ORDERS_MONEY_H
#define LASTMILE_ORDERS_MONEY_H

#include "orders/orders.h"
#include "store/store_money.h"

typedef store_price orders_price;
typedef store_promotion orders_promotion;
typedef store_order_money orders_money;
typedef store_money_line orders_money_line;
typedef store_adjustment orders_adjustment;
typedef store_payment_event orders_payment_event;
typedef store_cash_handin orders_cash_handin;
typedef store_money_config orders_money_config;

/* Largest unit price, fee or promotion amount accepted (10^10 minor units: 100 million euros), so
 * that price * quantity * lines stays far inside int64_t. */
#define ORDERS_AMOUNT_MAX   10000000000LL
#define ORDERS_COUPONS_MAX  8 /* coupon codes on one order */
#define ORDERS_WARNINGS_MAX 8 /* coupon warnings kept per order */

/* ---- Currencies and rounding (pure) ---- */

/* The minor-unit exponent of an active ISO 4217 code (2 for "EUR", 0 for "JPY", 3 for "KWD"),
 * or -1 when code is not one (codes are upper case, exactly three letters). */
int orders_currency_exponent(const char *code);

/* round_half_up(a * num / den) for a >= 0 and 0 <= num <= den, den > 0, exactly (no
 * intermediate overflow for any int64_t a). The one rounding rule of the money code: half a
 * minor unit rounds up (away from zero, since amounts are non-negative). */
int64_t orders_money_muldiv(int64_t a, int64_t num, int64_t den);

/* Splits amount (>= 0) over n parts in proportion to weights (>= 0, at least one > 0) by the
 * largest-remainder method: out[] sums to amount exactly, each part is floor or ceil of its
 * exact share, ties going to the lowest index. With all weights 0 everything goes to out[0]. */
void orders_money_split(int64_t amount, const int64_t *weights, size_t n, int64_t *out);

/* ---- Payment status machine (pure) ---- */

#define ORDERS_PAY_STATUS_MAP(X)                                                                   \
    X(PENDING, "pending")                                                                          \
    X(AUTHORIZED, "authorized")                                                                    \
    X(PAID, "paid")                                                                                \
    X(PARTIALLY_REFUNDED, "partially_refunded")                                                    \
    X(REFUNDED, "refunded")                                                                        \
    X(FAILED, "failed")                                                                            \
    X(COD_DUE, "cod_due")                                                                          \
    X(COD_COLLECTED, "cod_collected")

typedef enum orders_pay_status {
#define ORDERS_X_PAY(name, text) ORDERS_PAY_##name,
    ORDERS_PAY_STATUS_MAP(ORDERS_X_PAY)
#undef ORDERS_X_PAY
        ORDERS__PAY_COUNT
} orders_pay_status;

const char *orders_pay_status_name(orders_pay_status s); /* "unknown" outside the enum */
bool orders_pay_status_parse(const char *name, orders_pay_status *out);
/* Whether the payment may move from -> to (the one table; partially_refunded may repeat). */
bool orders_pay_transition_allowed(orders_pay_status from, orders_pay_status to);
/* "card" | "transfer" | "wallet" | "cod". */
bool orders_pay_method_valid(const char *method);

/* ---- Pricing (pure) ---- */

/* What the pricing engine needs to know about the order. lines[i] has sku, category, qty,
 * unit_price and tax_rate_bp set; the engine fills gross, discount and tax. */
typedef struct orders_pricing {
    orders_money_line *lines;
    size_t n_lines;
    int64_t shipping_fee;
    int32_t shipping_tax_bp;
    const orders_promotion *promos; /* candidates: already valid for this order's date, channel,
                                       currency and usage limits */
    size_t n_promos;
    bool requalify; /* true at intake: check minimum order values; false when recomputing with
                       the promotions the order already got */
} orders_pricing;

/* Why a candidate promotion did not apply. */
typedef enum orders_promo_skip {
    ORDERS_PROMO_APPLIED = 0,
    ORDERS_PROMO_MIN_ORDER,      /* the subtotal is below its minimum */
    ORDERS_PROMO_NOT_COMBINABLE, /* another promotion applied, and one of them stands alone */
    ORDERS_PROMO_NO_ITEMS,       /* nothing in the order it applies to (or nothing left to take) */
    ORDERS_PROMO_TOO_MANY,       /* the adjustment table is full */
} orders_promo_skip;

const char *orders_promo_skip_reason(orders_promo_skip s); /* "min_order", ... */

typedef struct orders_pricing_result {
    orders_adjustment adj[STORE_ADJ_MAX]; /* in the order they were applied */
    size_t n_adj;
    orders_promo_skip skipped[STORE_ADJ_MAX]; /* per candidate promotion (index in promos) */
    int64_t subtotal, discount, shipping, tax, total;
} orders_pricing_result;

/* Applies the candidates in the documented order (line promotions, then order promotions, then
 * free shipping; within a stage priority descending, then id), computes each line's discount and
 * tax and the totals. INVALID (field named) for a malformed candidate or line; TOO_BIG when more
 * than STORE_ADJ_MAX candidates are given. */
LM_MUST_USE lm_status orders_pricing_run(const orders_pricing *in, orders_pricing_result *out,
                                         lm_errinfo *err);

/* Checks a promotion's fields (kind/scope combinations, amounts, percentages, code syntax,
 * validity window); code is upper-cased in place. INVALID naming the field otherwise. */
LM_MUST_USE lm_status orders_promotion_check(orders_promotion *p, lm_errinfo *err);

/* ---- Money given with an order at intake ---- */

typedef struct orders_money_line_in {
    bool has_unit_price; /* false: the product's price in the order currency */
    int64_t unit_price;  /* net, minor units, 0..ORDERS_AMOUNT_MAX */
    bool has_tax_rate;   /* false: the product's rate */
    int32_t tax_rate_bp; /* 0..10000 */
} orders_money_line_in;

typedef struct orders_money_in {
    char currency[STORE_CURRENCY_LEN + 1];
    orders_money_line_in *lines; /* NULL, or one per order line */
    int64_t shipping_fee;        /* 0..ORDERS_AMOUNT_MAX */
    char coupons[ORDERS_COUPONS_MAX][STORE_CODE_MAX + 1];
    size_t n_coupons;
    char payment_method[16]; /* "" = card */
} orders_money_in;

/* A coupon that was not applied (the order was accepted without it: warn mode). */
typedef struct orders_money_warning {
    char field[32];  /* "coupons[1]" */
    char reason[24]; /* "unknown" | "expired" | "not_yet_valid" | "channel" | "currency" |
                        "min_order" | "limit" | "customer_limit" | "not_combinable" |
                        "no_items" | "duplicate" | "inactive" */
    char message[160];
} orders_money_warning;

typedef struct orders_money_result {
    orders_money money; /* owns its lines and adjustments */
    orders_money_warning warnings[ORDERS_WARNINGS_MAX];
    size_t n_warnings;
} orders_money_result;

/* orders_order_create with money: prices the lines (the product's price in the currency unless
 * the line gives one), applies the active automatic promotions and the coupons in the same
 * transaction as the order (usage limits counted there, so they hold under concurrency), stores
 * the totals (never taken from the client) and the initial payment status (cod_due for COD,
 * paid for a zero total, pending otherwise; a pending prepaid order is held by the "unpaid"
 * rule when the configuration says so). A rejected coupon refuses the order (INVALID, or
 * CONFLICT for a used-up limit, field "coupons[i]") or becomes a warning, by configuration.
 * money may be NULL: then exactly orders_order_create. *money_out (may be NULL) is filled on
 * success; on a replay it is the first order's money and carries no warnings. */
LM_MUST_USE lm_status orders_order_create_priced(orders_svc *o, const orders_order *in,
                                                 const orders_money_in *money, const char *idem_key,
                                                 orders_order *out, orders_money_result *money_out,
                                                 bool *replayed, lm_errinfo *err);

/* What an asynchronous creation hands back (orders_order_create_submit), on the thread that
 * committed it, after the commit: st LM_OK with *ord the stored order (or, with replayed, the one
 * first created under the key) and *money its money, both the callback's to keep (it clears them
 * with orders_order_clear / orders_money_clear); otherwise err says why and nothing is kept. It
 * must be quick: every order of the batch waits for it. */
typedef void (*orders_create_done)(void *ctx, lm_status st, const lm_errinfo *err,
                                   orders_order *ord, orders_money_result *money, bool replayed);

/* orders_order_create_priced without waiting: validates now (a refusal is returned at once, and
 * done is never called), then queues the creation on the intake's group commit and returns;
 * done(ctx, ...) is called exactly once after the commit holding it. in and money are copied,
 * but money's line array, and idem_key, must stay valid until done is called. LM_UNAVAILABLE when
 * the intake is stopping. */
LM_MUST_USE lm_status orders_order_create_submit(orders_svc *o, const orders_order *in,
                                                 const orders_money_in *money, const char *idem_key,
                                                 orders_create_done done, void *ctx,
                                                 lm_errinfo *err);

/* orders_order_create_many with money: money[i] prices in[i] as orders_order_create_priced
 * would (money NULL, or an entry with an empty currency: that order has none); results[i] also
 * carries its currency, payment status, total and number of coupon warnings. */
LM_MUST_USE lm_status orders_order_create_many_priced(orders_svc *o, const orders_order *in,
                                                      const orders_money_in *money,
                                                      const char *const *idem_keys, size_t n,
                                                      orders_create_result *results);

void orders_money_clear(orders_money *m);

/* ---- Catalogue: prices and promotions ---- */

/* Sets the price of a SKU (which must exist) in a currency; event price.put. */
LM_MUST_USE lm_status orders_price_put(orders_svc *o, const orders_price *p, lm_errinfo *err);
LM_MUST_USE lm_status orders_price_list(orders_svc *o, orders_price **out, size_t *n,
                                        lm_errinfo *err);
/* Inserts or replaces a promotion after orders_promotion_check; event promotion.put. */
LM_MUST_USE lm_status orders_promotion_put(orders_svc *o, const orders_promotion *p,
                                           lm_errinfo *err);
LM_MUST_USE lm_status orders_promotion_get(orders_svc *o, const char *id, orders_promotion *out,
                                           lm_errinfo *err);
LM_MUST_USE lm_status orders_promotion_list(orders_svc *o, orders_promotion **out, size_t *n,
                                            lm_errinfo *err);

/* Defaults: coupon_refuse true, hold_unpaid true, payment_timeout_s 3600, shipping_tax_bp 0. */
void orders_money_config_defaults(orders_money_config *c);
LM_MUST_USE lm_status orders_money_config_get(orders_svc *o, orders_money_config *out,
                                              lm_errinfo *err);
LM_MUST_USE lm_status orders_money_config_put(orders_svc *o, const orders_money_config *c,
                                              lm_errinfo *err);

/* ---- An order's money ---- */

/* NOT_FOUND (field "id") when the order has none. */
LM_MUST_USE lm_status orders_money_get(orders_svc *o, int64_t order_id, orders_money *out,
                                       lm_errinfo *err);
/* The payment history, oldest first. */
LM_MUST_USE lm_status orders_payment_history(orders_svc *o, int64_t order_id,
                                             orders_payment_event **out, size_t *n,
                                             lm_errinfo *err);
/* Amount still owed: total - paid, never below 0; 0 once anything was refunded. */
int64_t orders_money_amount_due(const orders_money *m);

/* Cancels qty units of money line line_no (its index at intake) before the order is ready:
 * the order line shrinks (or goes), its stock reservation is released, and the totals are
 * recomputed with the promotions the order already got. Event order.repriced. CONFLICT after
 * picking finished or when more units are asked than remain. */
LM_MUST_USE lm_status orders_order_cancel_units(orders_svc *o, int64_t order_id, size_t line_no,
                                                int64_t qty, orders_money *out, lm_errinfo *err);

/* ---- Payments (what the provider reports) ---- */

typedef struct orders_payment_report {
    char status[24];                      /* "authorized" | "paid" | "failed" | "pending" */
    int64_t amount;                       /* authorized / paid: must equal the amount due */
    char reference[STORE_REASON_MAX + 1]; /* the provider's reference */
} orders_payment_report;

/* Moves the payment as reported (illegal transitions: CONFLICT naming both states). Event
 * payment.<status>. The same report again (status, amount and non-empty reference equal to the
 * one that produced the current status) is answered LM_OK without a change: providers retry. An
 * order held only for being unpaid is released (allocated) in the same transaction once authorised
 * or paid. */
LM_MUST_USE lm_status orders_payment_report_apply(orders_svc *o, int64_t order_id,
                                                  const orders_payment_report *r, orders_money *out,
                                                  lm_errinfo *err);

/* Cancels orders held unpaid for longer than the configured timeout (their payment fails), at
 * most limit of them; *n_cancelled says how many. */
LM_MUST_USE lm_status orders_payment_timeouts(orders_svc *o, size_t limit, size_t *n_cancelled,
                                              lm_errinfo *err);

/* ---- Refunds ---- */

typedef struct orders_refund {
    int64_t amount;                    /* 1..paid - refunded */
    char reason[STORE_REASON_MAX + 1]; /* required */
    char method[16];                   /* "original" | "cash" | "transfer" | "wallet" */
} orders_refund;

/* Refunds part or all of what was paid: never more than paid minus earlier refunds. Status
 * partially_refunded or refunded; event payment.<status> with the refund. */
LM_MUST_USE lm_status orders_refund_create(orders_svc *o, int64_t order_id, const orders_refund *r,
                                           orders_money *out, lm_errinfo *err);
/* The same refund inside the caller's transaction (returns/ records a return's refund with the
 * return's own state change); out may be NULL; the caller commits. */
LM_MUST_USE lm_status orders_refund_create_tx(orders_svc *o, store_tx *tx, int64_t order_id,
                                              const orders_refund *r, orders_money *out,
                                              lm_errinfo *err);

/* ---- Cash on delivery ---- */

/* The amount a driver must collect for an order: the amount due of a cod_due order, 0 for any
 * other (prepaid, or already collected). NOT_FOUND when the order has no money. */
LM_MUST_USE lm_status orders_cod_due(orders_svc *o, int64_t order_id, int64_t *amount,
                                     char currency[STORE_CURRENCY_LEN + 1], lm_errinfo *err);

typedef struct orders_cod_collection {
    char driver_id[STORE_ID_MAX + 1];
    int64_t amount;  /* what the driver took, minor units */
    char method[16]; /* "cash" | "card_terminal" */
} orders_cod_collection;

/* Records what the driver collected at the door inside the caller's transaction (dispatch
 * commits it with the stop's "delivered"): payment cod_due -> cod_collected. A different amount
 * than due is recorded as collected and raises a cod.discrepancy event. CONFLICT when the
 * order is not cod_due; INVALID for a bad amount or method. No money record: NOT_FOUND. */
LM_MUST_USE lm_status orders_cod_collect_tx(store_tx *tx, int64_t order_id,
                                            const orders_cod_collection *c, int64_t now_ms,
                                            lm_errinfo *err);
/* The driver's "delivered" for a cash-on-delivery order, inside the caller's transaction: records
 * the collection, then moves the order to delivered. (orders_order_advance_tx refuses delivered
 * for a cod_due order with CONFLICT on field "collected".) */
LM_MUST_USE lm_status orders_order_deliver_cod_tx(store_tx *tx, int64_t order_id,
                                                  const orders_cod_collection *c, int64_t now_ms,
                                                  lm_errinfo *err);
/* orders_cod_collect_tx in its own transaction. */
LM_MUST_USE lm_status orders_cod_collect(orders_svc *o, int64_t order_id,
                                         const orders_cod_collection *c, orders_money *out,
                                         lm_errinfo *err);

/* Reconciles a driver's cash at the depot: expected is every cash collection the driver has not
 * handed in (in currency), handed_in what the warehouse counted; a difference raises a
 * cash.discrepancy event. key_id names the warehouse key. Event cash.reconciled. */
LM_MUST_USE lm_status orders_cash_reconcile(orders_svc *o, const char *driver_id,
                                            const char *currency, int64_t handed_in,
                                            const char *key_id, orders_cash_handin *out,
                                            lm_errinfo *err);
/* Cash a driver holds (recorded, not handed in). */
LM_MUST_USE lm_status orders_cash_outstanding(orders_svc *o, const char *driver_id,
                                              const char *currency, int64_t *amount,
                                              int64_t *orders, lm_errinfo *err);

/* ---- Reports (for the analytics module) ---- */

typedef store_revenue_row orders_revenue_row;
typedef store_promotion_row orders_promotion_row;
typedef store_cod_row orders_cod_row;
typedef store_refund_row orders_refund_row;

/* Each covers [from_ms, to_ms) (from < to); *out is lm_free'd by the caller. */
LM_MUST_USE lm_status orders_report_revenue(orders_svc *o, int64_t from_ms, int64_t to_ms,
                                            orders_revenue_row **out, size_t *n, lm_errinfo *err);
LM_MUST_USE lm_status orders_report_promotions(orders_svc *o, int64_t from_ms, int64_t to_ms,
                                               orders_promotion_row **out, size_t *n,
                                               lm_errinfo *err);
LM_MUST_USE lm_status orders_report_cod(orders_svc *o, int64_t from_ms, int64_t to_ms,
                                        orders_cod_row **out, size_t *n, lm_errinfo *err);
LM_MUST_USE lm_status orders_report_refunds(orders_svc *o, int64_t from_ms, int64_t to_ms,
                                            orders_refund_row **out, size_t *n, lm_errinfo *err);

#endif
