/* Small integer settings the server keeps with its data (dispatch_meta: key -> integer), such as
 * the UTC offset a database's day was planned in. */
#include "store/internal.h"

#include <string.h>

lm_status store_meta_get(store_read *r, const char *key, int64_t *out, bool *found) {
    sqlite3 *db = store__db(r);
    sqlite3_stmt *st = NULL;
    lm_status rc = store__prepare(db, "SELECT value FROM dispatch_meta WHERE key = ?", &st, NULL);
    if (rc != LM_OK) return rc;
    if ((rc = store__bind_text(st, 1, key)) != LM_OK) goto fail;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        *found = true;
    } else if (step == SQLITE_DONE) {
        *found = false;
    } else {
        rc = LM_STORE;
    }
fail:
    store__finish(st);
    return rc;
}

lm_status store_meta_put(store_tx *tx, const char *key, int64_t value) {
    sqlite3 *db = store__tx_db(tx);
    sqlite3_stmt *st = NULL;
    lm_status rc = store__prepare(db,
                                  "INSERT INTO dispatch_meta(key, value) VALUES (?, ?) "
                                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                  &st, NULL);
    if (rc != LM_OK) return rc;
    if ((rc = store__bind_text(st, 1, key)) != LM_OK) goto fail;
    if ((rc = store__bind_i64(st, 2, value)) != LM_OK) goto fail;
    if (sqlite3_step(st) != SQLITE_DONE) rc = LM_STORE;
fail:
    store__finish(st);
    return rc;
}
