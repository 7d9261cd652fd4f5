/* store/orders_intake.c: what order intake reads once per batch instead of once per order
 * (whether the blacklist holds anything at all), and the orders table's indexes it no longer
 * writes. */
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

/* Version 172: the two secondary indexes of orders that no query uses (EXPLAIN QUERY PLAN of every
 * query on orders in store/, without and with ANALYZE statistics): orders_by_channel (the returns
 * report by channel uses orders_by_status as well) and orders_by_created (the lists page by id,
 * created_ms filters ride along). Every order inserted wrote both (bench/results/perf-intake.md,
 * round 5). */
const char store__orders_schema_v172[] = "DROP INDEX IF EXISTS orders_by_channel;"
                                         "DROP INDEX IF EXISTS orders_by_created;";
