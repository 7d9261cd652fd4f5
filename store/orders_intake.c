/* store/orders_intake.c: the few statements order intake runs per order in a cheaper form than
 * the general ones in orders.c: a reservation that reads the row it changed back in the same
 * statement, and whether the blacklist holds anything at all (read once per intake batch). */
#include "store/internal.h"
#include "store/store_orders.h"

#include <string.h>

lm_status store_stock_reserve(store_tx *tx, const char *depot_id, const char *sku, int64_t qty,
                              store_stock *after, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "UPDATE stock SET reserved = reserved + ? WHERE depot_id = ? AND "
                              "sku = ? RETURNING on_hand, reserved, reorder_point",
                              &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, qty)) != LM_OK || (rc = db_bind_text(st, 2, depot_id)) != LM_OK ||
        (rc = db_bind_text(st, 3, sku)) != LM_OK)
        goto fail;
    int s = db_step(st);
    if (s == DB_ROW) {
        memset(after, 0, sizeof *after);
        lm_strlcpy(after->depot_id, depot_id, sizeof after->depot_id);
        lm_strlcpy(after->sku, sku, sizeof after->sku);
        after->on_hand = db_column_i64(st, 0);
        after->reserved = db_column_i64(st, 1);
        after->reorder_point = db_column_i64(st, 2);
    } else if (s == DB_DONE) {
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "sku", "no stock row for %s at depot %s", sku,
                            depot_id);
    } else {
        /* the CHECK (reserved <= on_hand) refusing an oversell lands here */
        rc = db_fail(db, s, err);
    }
fail:
    db_finish(st);
    return rc;
}

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
