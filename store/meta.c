/* Small integer settings the server keeps with its data (dispatch_meta: key -> integer), such as
 * the UTC offset a database's day was planned in. */
#include "store/internal.h"

#include <string.h>

lm_status store_meta_get(store_read *r, const char *key, int64_t *out, bool *found) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT value FROM dispatch_meta WHERE key = ?", &st, NULL);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_text(st, 1, key)) != LM_OK) goto fail;
    int step = db_step(st);
    if (step == DB_ROW) {
        *out = db_column_i64(st, 0);
        *found = true;
    } else if (step == DB_DONE) {
        *found = false;
    } else {
        rc = LM_STORE;
    }
fail:
    db_finish(st);
    return rc;
}

lm_status store_meta_put(store_tx *tx, const char *key, int64_t value) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO dispatch_meta(key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                              &st, NULL);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_text(st, 1, key)) != LM_OK) goto fail;
    if ((rc = db_bind_i64(st, 2, value)) != LM_OK) goto fail;
    if (db_step(st) != DB_DONE) rc = LM_STORE;
fail:
    db_finish(st);
    return rc;
}
