/* store/orders_intake.c: what order intake reads once per batch instead of once per order:
 * whether the blacklist holds anything at all. */
#include "store/internal.h"
#include "store/store_orders.h"

lm_status store_blacklist_any(store_read *r, bool *any, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT 1 FROM customer_blacklist LIMIT 1", &st, err);
    if (rc != LM_OK) return rc;
    int s = db_step(st);
    if (s == DB_ROW || s == DB_DONE)
        *any = s == DB_ROW;
    else
        rc = db_fail(db, s, err);
    db_finish(st);
    return rc;
}
