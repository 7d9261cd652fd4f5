/* store: persistence of money on orders: product prices, promotions and their uses, each order's
 * priced lines, adjustments and totals, its payment record and history, cash collected on
 * delivery and the drivers' cash hand-ins, and the money settings. The records are plain data;
 * orders/ owns the rules (orders/money.h). Amounts are integers in the minor unit of their
 * currency (cents for EUR, yen for JPY); no floating point anywhere.
 * Ownership: as in store/store_orders.h: lists are allocated here and freed by the caller
 * (store_order_money_clear for an order's money); records passed in are only read. */
#ifndef LASTMILE_STORE_MONEY_H
#define LASTMILE_STORE_MONEY_H

#include "store/store_orders.h"

#define STORE_CURRENCY_LEN 3   /* ISO 4217 alphabetic code */
#define STORE_CODE_MAX     32  /* coupon code */
#define STORE_REASON_MAX   200 /* refund reason, payment reference */
#define STORE_ADJ_MAX      64  /* adjustment lines per order */

typedef struct store_price {
    char sku[STORE_ID_MAX + 1];
    char currency[STORE_CURRENCY_LEN + 1];
    int64_t unit_price;              /* net (tax-exclusive) price of one unit, minor units, >= 0 */
    int32_t tax_rate_bp;             /* tax rate in basis points (2000 = 20 %), 0..10000 */
    char category[STORE_ID_MAX + 1]; /* for category promotions, "" when none */
    int64_t updated_ms;
} store_price;

/* A promotion as data. Which fields matter depends on kind (see orders/money.h). */
typedef struct store_promotion {
    char id[STORE_ID_MAX + 1];
    char kind[16];                 /* "percent" | "fixed" | "buy_x_get_y" | "free_shipping" */
    char scope[16];                /* "order" | "product" | "category" */
    char target[STORE_ID_MAX + 1]; /* the SKU or category for those scopes, else "" */
    char currency[STORE_CURRENCY_LEN + 1]; /* "" = any (percent, buy_x_get_y only) */
    int32_t percent_bp;                    /* percent: 1..10000 basis points */
    int64_t amount;                        /* fixed: minor units off (per unit for a product) */
    int32_t buy_qty, get_qty;              /* buy_x_get_y: every buy+get units, get are free */
    int64_t min_order;                     /* merchandise subtotal needed, minor units (0 = none) */
    char code[STORE_CODE_MAX + 1];         /* coupon code (upper case), "" = automatic */
    char channel[STORE_ID_MAX + 1];        /* only orders of this channel, "" = any */
    int64_t valid_from_ms, valid_until_ms; /* [from, until); 0 = open-ended */
    int64_t limit_total;                   /* uses over all customers, 0 = unlimited */
    int64_t limit_per_customer;            /* uses per customer identity, 0 = unlimited */
    bool combinable;                       /* false: applies alone or not at all */
    int32_t priority;                      /* higher first within its stage */
    bool active;
    int64_t created_ms, updated_ms;
} store_promotion;

/* One priced line of an order (the line at the same index of the order at intake). */
typedef struct store_money_line {
    char sku[STORE_ID_MAX + 1];      /* the SKU the customer ordered (its price applies) */
    char category[STORE_ID_MAX + 1]; /* from the price row at intake */
    int64_t qty;                     /* units still ordered (0 once all were cancelled) */
    int64_t cancelled_qty;           /* units cancelled after intake */
    int64_t unit_price;              /* net, minor units */
    int32_t tax_rate_bp;
    int64_t gross;    /* unit_price * qty */
    int64_t discount; /* line promotions plus this line's share of order promotions */
    int64_t tax;      /* on gross - discount, rounded per line */
} store_money_line;

/* A discount line: what a promotion took off, with the promotion's parameters as applied (so a
 * later recomputation uses the terms the customer got, whatever the promotion says today). */
typedef struct store_adjustment {
    char promotion_id[STORE_ID_MAX + 1];
    char code[STORE_CODE_MAX + 1]; /* the coupon code presented, "" for automatic */
    char kind[16], scope[16];
    char target[STORE_ID_MAX + 1];
    int32_t percent_bp;
    int64_t amount_param; /* the promotion's fixed amount */
    int32_t buy_qty, get_qty;
    int32_t line_no; /* the line it applies to, -1 the whole order, -2 shipping */
    int64_t amount;  /* minor units taken off, >= 0 */
} store_adjustment;

/* Money of one order. */
typedef struct store_order_money {
    int64_t order_id;
    char currency[STORE_CURRENCY_LEN + 1];
    int64_t subtotal, discount, shipping, tax, total; /* total = subtotal - discount + shipping
                                                         + tax; discount includes a shipping
                                                         waiver */
    int64_t shipping_fee;                             /* the fee asked (== shipping) */
    int32_t shipping_tax_bp;
    char payment_status[24]; /* see orders/money.h */
    char payment_method[16]; /* "card" | "transfer" | "wallet" | "cod" */
    int64_t authorized;      /* amount the provider authorised */
    int64_t paid;            /* amount received (captured, or cash/terminal at the door) */
    int64_t refunded;        /* <= paid */
    int64_t cod_collected;   /* amount the driver recorded, 0 before */
    char cod_method[16];     /* "cash" | "card_terminal" | "" */
    char cod_driver[STORE_ID_MAX + 1];
    int64_t cod_collected_ms;
    int64_t cod_handin_id; /* the cash hand-in that reconciled it, 0 while outstanding */
    char customer_key[STORE_ADDRESS_MAX + 1];
    char channel[STORE_ID_MAX + 1];
    int64_t created_ms, updated_ms;
    store_money_line *lines; /* n_lines, owned */
    size_t n_lines;
    store_adjustment *adj; /* n_adj, owned */
    size_t n_adj;
} store_order_money;

/* One change of an order's payment (the history). */
typedef struct store_payment_event {
    int64_t id;
    int64_t order_id;
    char kind[16]; /* "authorize" | "capture" | "fail" | "retry" | "refund" | "cod_collect" */
    char from_status[24], to_status[24];
    int64_t amount;
    char method[16];
    char reference[STORE_REASON_MAX + 1]; /* provider reference or refund reason */
    int64_t created_ms;
} store_payment_event;

/* A driver's cash handed in at the depot. */
typedef struct store_cash_handin {
    int64_t id;
    char driver_id[STORE_ID_MAX + 1];
    char currency[STORE_CURRENCY_LEN + 1];
    int64_t expected;  /* cash the driver recorded and had not handed in */
    int64_t handed_in; /* counted at the depot */
    int64_t orders;    /* collections covered */
    char key_id[32];   /* the warehouse key that counted it */
    int64_t created_ms;
} store_cash_handin;

typedef struct store_money_config {
    bool coupon_refuse;        /* true: a rejected coupon refuses the order; false: warning */
    bool hold_unpaid;          /* hold prepaid orders until authorised or paid */
    int64_t payment_timeout_s; /* held unpaid this long: cancelled (0 = never) */
    int32_t shipping_tax_bp;
} store_money_config;

/* ---- Prices ---- */

LM_MUST_USE lm_status store_price_put(store_tx *tx, const store_price *p, lm_errinfo *err);
/* NOT_FOUND when the SKU has no price in that currency. */
LM_MUST_USE lm_status store_price_get(store_read *r, const char *sku, const char *currency,
                                      store_price *out, lm_errinfo *err);
LM_MUST_USE lm_status store_price_list(store_read *r, store_price **out, size_t *n,
                                       lm_errinfo *err);

/* ---- Promotions ---- */

LM_MUST_USE lm_status store_promotion_put(store_tx *tx, const store_promotion *p, lm_errinfo *err);
LM_MUST_USE lm_status store_promotion_get(store_read *r, const char *id, store_promotion *out,
                                          lm_errinfo *err);
/* NOT_FOUND when no promotion has that (upper-case) code. */
LM_MUST_USE lm_status store_promotion_by_code(store_read *r, const char *code, store_promotion *out,
                                              lm_errinfo *err);
/* All promotions by id; only_automatic keeps the active ones without a code. */
LM_MUST_USE lm_status store_promotion_list(store_read *r, bool only_automatic,
                                           store_promotion **out, size_t *n, lm_errinfo *err);
/* Uses of a promotion: in total, and by one customer identity. */
LM_MUST_USE lm_status store_promotion_uses(store_read *r, const char *promotion_id,
                                           const char *customer_key, int64_t *total,
                                           int64_t *by_customer, lm_errinfo *err);
LM_MUST_USE lm_status store_promotion_use_add(store_tx *tx, const char *promotion_id,
                                              int64_t order_id, const char *customer_key,
                                              const char *code, int64_t amount, int64_t now_ms,
                                              lm_errinfo *err);

/* ---- An order's money ---- */

/* Inserts m (lines and adjustments included); the order must exist and have no money yet. */
LM_MUST_USE lm_status store_order_money_insert(store_tx *tx, const store_order_money *m,
                                               lm_errinfo *err);
/* Rewrites the totals, payment and COD fields, lines and adjustments of an existing row. */
LM_MUST_USE lm_status store_order_money_update(store_tx *tx, const store_order_money *m,
                                               lm_errinfo *err);
/* NOT_FOUND when the order has no money (created without prices). Free with
 * store_order_money_clear. */
LM_MUST_USE lm_status store_order_money_get(store_read *r, int64_t order_id, store_order_money *out,
                                            lm_errinfo *err);
void store_order_money_clear(store_order_money *m);
/* Ids of orders whose payment is in status and that were created before before_ms, oldest first,
 * at most limit. */
LM_MUST_USE lm_status store_order_money_ids(store_read *r, const char *status, int64_t before_ms,
                                            size_t limit, int64_t **out, size_t *n,
                                            lm_errinfo *err);

/* ---- Payment history ---- */

LM_MUST_USE lm_status store_payment_event_add(store_tx *tx, const store_payment_event *e,
                                              int64_t *id, lm_errinfo *err);
LM_MUST_USE lm_status store_payment_event_list(store_read *r, int64_t order_id,
                                               store_payment_event **out, size_t *n,
                                               lm_errinfo *err);

/* ---- Cash on delivery ---- */

/* Cash a driver recorded and has not handed in, in one currency: sum and count. */
LM_MUST_USE lm_status store_cash_outstanding(store_read *r, const char *driver_id,
                                             const char *currency, int64_t *amount, int64_t *orders,
                                             lm_errinfo *err);
/* Records the hand-in and marks every outstanding cash collection of (driver, currency) as
 * reconciled by it; *id gets its id. */
LM_MUST_USE lm_status store_cash_handin_add(store_tx *tx, const store_cash_handin *h, int64_t *id,
                                            lm_errinfo *err);
LM_MUST_USE lm_status store_cash_handin_list(store_read *r, const char *driver_id,
                                             store_cash_handin **out, size_t *n, lm_errinfo *err);

/* ---- Exceptions of one rule (the unpaid hold) ---- */

/* Resolves the open exceptions of order_id raised by rule; *still_open gets how many of its
 * exceptions (any rule) stay open. */
LM_MUST_USE lm_status store_exception_resolve_rule(store_tx *tx, int64_t order_id, const char *rule,
                                                   const char *resolution, int64_t now_ms,
                                                   int64_t *still_open, lm_errinfo *err);

/* ---- Settings ---- */

/* Rows never written keep what the caller put in *cfg. */
LM_MUST_USE lm_status store_money_config_get(store_read *r, store_money_config *cfg,
                                             lm_errinfo *err);
LM_MUST_USE lm_status store_money_config_put(store_tx *tx, const store_money_config *cfg,
                                             lm_errinfo *err);

/* ---- Reports (store/money_reports.c) ---- */

/* Money of orders created in [from_ms, to_ms), per currency; cancelled orders count apart. */
typedef struct store_revenue_row {
    char currency[STORE_CURRENCY_LEN + 1];
    int64_t orders, cancelled;
    int64_t subtotal, discount, shipping, tax, total; /* booked, cancelled orders excluded */
    int64_t paid, refunded;                           /* received, all orders */
} store_revenue_row;

typedef struct store_promotion_row {
    char promotion_id[STORE_ID_MAX + 1];
    char code[STORE_CODE_MAX + 1];
    char currency[STORE_CURRENCY_LEN + 1];
    int64_t uses, customers, amount; /* orders, distinct customers, minor units discounted */
    int64_t limit_total;             /* the promotion's limit today, 0 = unlimited */
} store_promotion_row;

typedef struct store_cod_row {
    char driver_id[STORE_ID_MAX + 1];
    char currency[STORE_CURRENCY_LEN + 1];
    int64_t outstanding, orders;    /* cash recorded, not handed in */
    int64_t handed_in, discrepancy; /* over the hand-ins in the window */
} store_cod_row;

typedef struct store_refund_row {
    char currency[STORE_CURRENCY_LEN + 1];
    char method[16];
    int64_t refunds, amount;
} store_refund_row;

LM_MUST_USE lm_status store_report_revenue(store_read *r, int64_t from_ms, int64_t to_ms,
                                           store_revenue_row **out, size_t *n, lm_errinfo *err);
/* Uses in [from_ms, to_ms) per promotion and currency. */
LM_MUST_USE lm_status store_report_promotions(store_read *r, int64_t from_ms, int64_t to_ms,
                                              store_promotion_row **out, size_t *n,
                                              lm_errinfo *err);
/* Outstanding cash of every driver that has some, and hand-ins in [from_ms, to_ms). */
LM_MUST_USE lm_status store_report_cod(store_read *r, int64_t from_ms, int64_t to_ms,
                                       store_cod_row **out, size_t *n, lm_errinfo *err);
/* Refunds made in [from_ms, to_ms) per currency and method. */
LM_MUST_USE lm_status store_report_refunds(store_read *r, int64_t from_ms, int64_t to_ms,
                                           store_refund_row **out, size_t *n, lm_errinfo *err);

#endif
