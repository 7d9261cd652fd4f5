/* tests/orders/orders_fixture.h: what the orders service suites on a real SQLite file share (the
 * recovery and split suites): a fresh database in a temporary directory with the orders service
 * on it, catalogue helpers, and a check that prints the failing call with its error. */
#ifndef LASTMILE_TESTS_ORDERS_FIXTURE_H
#define LASTMILE_TESTS_ORDERS_FIXTURE_H

#include "orders/orders.h"
#include "tests/support/tmp_db.h"

typedef struct orders_fx {
    tmp_db db;
    store *s;
    orders_svc *o;
} orders_fx;

/* Fails the running cmocka test unless expr is LM_OK; expr may pass &e_ as its error detail,
 * printed with the call. */
#define ORDERS_FX_OK(expr)                                                                         \
    do {                                                                                           \
        lm_errinfo e_ = {0};                                                                       \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK)                                                                          \
            fail_msg("%s -> %s: %s %s", #expr, lm_status_name(rc_), e_.field, e_.message);         \
    } while (0)

/* The body of a cmocka setup: a fresh database under /tmp/<prefix>XXXXXX and the orders service
 * on it (system clock); *state is the orders_fx. 0, or -1 on failure. */
int orders_fx_setup(void **state, const char *prefix);
/* cmocka teardown: closes everything and removes the directory. */
int orders_fx_teardown(void **state);

/* Puts depot id at (lon, lat), open 08:00-18:00 and named as its id. */
void orders_fx_depot(orders_fx *f, const char *id, double lon, double lat);
/* Puts the active product sku (named as its sku) weighing weight_g, of volume_cm3. */
void orders_fx_product(orders_fx *f, const char *sku, int64_t weight_g, int64_t volume_cm3);
/* Sets the on-hand units of sku at depot (nothing reserved by hand). */
void orders_fx_stock(orders_fx *f, const char *depot, const char *sku, int64_t units);

#endif
