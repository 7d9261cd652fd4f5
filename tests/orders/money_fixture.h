/* tests/orders/money_fixture.h: what the money service suites share: a real SQLite file in a
 * temporary directory, the orders service on a test clock, a priced catalogue, and helpers that
 * create priced orders and walk them to the door. */
#ifndef LASTMILE_TESTS_MONEY_FIXTURE_H
#define LASTMILE_TESTS_MONEY_FIXTURE_H

#include "orders/money.h"
#include "tests/support/tmp_db.h"

typedef struct money_fx {
    tmp_db db;
    store *s;
    orders_svc *o;
} money_fx;

/* The test clock every service in these suites reads (epoch ms); tests move it. */
extern int64_t money_fx_now;

/* cmocka setup / teardown: a fresh database with the catalogue below, default money settings. */
int money_fx_setup(void **state);
int money_fx_teardown(void **state);
/* Closes and reopens the store and the service on the same file (restart). */
void money_fx_reopen(money_fx *f);

/* Catalogue: depot "d1"; products A (EUR 10.00, 20 % tax), B (EUR 3.33, 7 %), C (EUR 3.00, 0 %,
 * category "food"), coffee (EUR 4.00, 7 %, substitute tea-green, no stock), tea-green (EUR 2.50,
 * 7 %); 1000 units of each except coffee; A costs JPY 1500 too. */

/* Fails the running test, printing the call and the error, unless expr is LM_OK. */
#define MONEY_OK(expr)                                                                             \
    do {                                                                                           \
        lm_errinfo e_ = {0};                                                                       \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK) fail_msg("%s -> %s", #expr, lm_status_name(rc_));                        \
        (void)e_;                                                                                  \
    } while (0)

/* Money for an order in currency with method ("" = card), shipping fee, up to two coupons
 * ("" / NULL = none). */
orders_money_in money_fx_in(const char *currency, const char *method, int64_t shipping,
                            const char *coupon1, const char *coupon2);

/* Creates an order of the lines "SKU:qty,SKU:qty" for customer phone (NULL: a fresh one) on
 * channel ("" none). Returns the status; *id and *res (cleared by the caller with
 * orders_money_clear(&res->money)) are set on success. */
lm_status money_fx_order(money_fx *f, const char *lines, const char *phone, const char *channel,
                         const orders_money_in *mi, int64_t *id, orders_money_result *res,
                         lm_errinfo *err);

/* Puts a promotion; fails the test on error. */
void money_fx_promo(money_fx *f, const orders_promotion *p);
/* A promotion skeleton: active, combinable, currency EUR. */
orders_promotion money_fx_promo_make(const char *id, const char *kind, const char *scope,
                                     const char *target);
/* Sets the money settings. */
void money_fx_config(money_fx *f, bool coupon_refuse, bool hold_unpaid);
/* Walks an allocated order through picking, ready and planned to out_for_delivery. */
void money_fx_to_door(money_fx *f, int64_t id);
/* The order's money now (fails the test when it has none); clear with orders_money_clear. */
orders_money money_fx_get(money_fx *f, int64_t id);
/* The order's status now. */
void money_fx_status(money_fx *f, int64_t id, char out[24]);
/* Reserved units of sku at d1. */
int64_t money_fx_reserved(money_fx *f, const char *sku);

#endif
