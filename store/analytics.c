/* store/analytics.c: the SQL behind store/store_analytics.h, analytics/'s persisted fold state and
 * rollup rows (migration 700). Values are opaque blobs here; analytics/rollup.c defines them. */
#include "store/internal.h"
#include "store/store_analytics.h"

#include <string.h>

const char store__analytics_schema_v700[] =
    "CREATE TABLE an_facts (order_id INTEGER PRIMARY KEY, state BLOB NOT NULL);"
    "CREATE TABLE an_state (kind TEXT NOT NULL, key TEXT NOT NULL, state BLOB NOT NULL,"
    "  PRIMARY KEY (kind, key)) WITHOUT ROWID;"
    "CREATE TABLE an_rollups (grp INTEGER NOT NULL, day_ms INTEGER NOT NULL, key TEXT NOT NULL,"
    "  counts BLOB NOT NULL, hist BLOB NOT NULL, PRIMARY KEY (grp, day_ms, key)) WITHOUT ROWID;";

/* Week and month rollup rows (analytics/internal.h: an_row_grp) joined the day rows, and the
 * fleet, exception and promise figures widened the rows and fold states: what was folded before
 * has neither, so it is dropped and the next attach or commit refolds the log (the same fold as
 * `lastmile analytics rebuild`). */
const char store__analytics_schema_v720[] =
    "DELETE FROM an_rollups; DELETE FROM an_facts; DELETE FROM an_state;"
    "DELETE FROM dispatch_meta WHERE key = 'analytics.cursor';";

static lm_status blob_col(db_stmt *st, int col, store_an_blob *out) {
    const void *p = db_column_blob(st, col);
    size_t n = (size_t)db_column_bytes(st, col);
    out->data = NULL;
    out->n = 0;
    if (n == 0) return LM_OK;
    if (!(out->data = lm_alloc(n))) return LM_NOMEM;
    memcpy(out->data, p, n);
    out->n = n;
    return LM_OK;
}

/* Runs a one-row SELECT whose column 0 is the blob; binds done by the caller. */
static lm_status get_blob(db_conn *db, db_stmt *st, store_an_blob *out) {
    lm_status rc = store__step_row(db, st, "state", NULL);
    if (rc == LM_OK) rc = blob_col(st, 0, out);
    return rc;
}

lm_status store_an_fact_get(store_read *r, int64_t order_id, store_an_blob *out) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT state FROM an_facts WHERE order_id = ?", &st, NULL);
    if (rc == LM_OK && (rc = db_bind_i64(st, 1, order_id)) == LM_OK) rc = get_blob(db, st, out);
    db_finish(st);
    return rc;
}

lm_status store_an_fact_put(store_tx *tx, int64_t order_id, const void *data, size_t n) {
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(store__tx_db(tx),
                   "INSERT OR REPLACE INTO an_facts(order_id, state) VALUES (?, ?)", &st, NULL);
    if (rc == LM_OK && (rc = db_bind_i64(st, 1, order_id)) == LM_OK &&
        (rc = db_bind_blob(st, 2, data, n)) == LM_OK)
        rc = store__step_done(st, NULL);
    db_finish(st);
    return rc;
}

lm_status store_an_state_get(store_read *r, const char *kind, const char *key, store_an_blob *out) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT state FROM an_state WHERE kind = ? AND key = ?", &st, NULL);
    if (rc == LM_OK && (rc = db_bind_text(st, 1, kind)) == LM_OK &&
        (rc = db_bind_text(st, 2, key)) == LM_OK)
        rc = get_blob(db, st, out);
    db_finish(st);
    return rc;
}

lm_status store_an_state_put(store_tx *tx, const char *kind, const char *key, const void *data,
                             size_t n) {
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(store__tx_db(tx),
                   "INSERT OR REPLACE INTO an_state(kind, key, state) VALUES (?, ?, ?)", &st, NULL);
    if (rc == LM_OK && (rc = db_bind_text(st, 1, kind)) == LM_OK &&
        (rc = db_bind_text(st, 2, key)) == LM_OK && (rc = db_bind_blob(st, 3, data, n)) == LM_OK)
        rc = store__step_done(st, NULL);
    db_finish(st);
    return rc;
}

/* ---- Rollup rows ---- */

lm_status store__an_row_read(db_stmt *st, store_an_row *row) {
    row->grp = db_column_int(st, 0);
    row->day_ms = db_column_i64(st, 1);
    store__column_copy(st, 2, row->key, sizeof row->key);
    lm_status rc = blob_col(st, 3, &row->counts);
    if (rc == LM_OK) rc = blob_col(st, 4, &row->hist);
    return rc;
}

lm_status store_an_row_get(store_read *r, int64_t day_ms, int grp, const char *key,
                           store_an_row *out) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT grp, day_ms, key, counts, hist FROM an_rollups "
                              "WHERE grp = ? AND day_ms = ? AND key = ?",
                              &st, NULL);
    if (rc == LM_OK && (rc = db_bind_i64(st, 1, grp)) == LM_OK &&
        (rc = db_bind_i64(st, 2, day_ms)) == LM_OK && (rc = db_bind_text(st, 3, key)) == LM_OK &&
        (rc = store__step_row(db, st, "rollup row", NULL)) == LM_OK) {
        store_an_row row = {0};
        if ((rc = store__an_row_read(st, &row)) == LM_OK)
            *out = row;
        else
            store_an_rows_free_one(&row);
    }
    db_finish(st);
    return rc;
}

lm_status store_an_row_put(store_tx *tx, const store_an_row *row) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(store__tx_db(tx),
                              "INSERT OR REPLACE INTO an_rollups(grp, day_ms, key, counts, "
                              "hist) VALUES (?, ?, ?, ?, ?)",
                              &st, NULL);
    if (rc == LM_OK && (rc = db_bind_i64(st, 1, row->grp)) == LM_OK &&
        (rc = db_bind_i64(st, 2, row->day_ms)) == LM_OK &&
        (rc = db_bind_text(st, 3, row->key)) == LM_OK &&
        (rc = db_bind_blob(st, 4, row->counts.data ? row->counts.data : "", row->counts.n)) ==
            LM_OK &&
        (rc = db_bind_blob(st, 5, row->hist.data ? row->hist.data : "", row->hist.n)) == LM_OK)
        rc = store__step_done(st, NULL);
    db_finish(st);
    return rc;
}

lm_status store_an_row_delete(store_tx *tx, int64_t day_ms, int grp, const char *key) {
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(store__tx_db(tx),
                   "DELETE FROM an_rollups WHERE grp = ? AND day_ms = ? AND key = ?", &st, NULL);
    if (rc == LM_OK && (rc = db_bind_i64(st, 1, grp)) == LM_OK &&
        (rc = db_bind_i64(st, 2, day_ms)) == LM_OK && (rc = db_bind_text(st, 3, key)) == LM_OK)
        rc = store__step_done(st, NULL);
    db_finish(st);
    return rc;
}

static lm_status rows_collect(db_conn *db, db_stmt *st, store_an_row **out, size_t *n,
                              lm_errinfo *err) {
    store_an_row *rows = NULL;
    size_t len = 0, cap = 0;
    lm_status rc = LM_OK;
    int s;
    while ((s = db_step(st)) == DB_ROW) {
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 64;
            store_an_row *g = lm_reallocarray(rows, nc, sizeof *g);
            if (!g) {
                rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
                goto fail;
            }
            rows = g;
            cap = nc;
        }
        memset(&rows[len], 0, sizeof rows[len]);
        if ((rc = store__an_row_read(st, &rows[len++])) != LM_OK) goto fail;
    }
    if (s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    *out = rows;
    *n = len;
    return LM_OK;
fail:
    store_an_rows_free(rows, len);
    return rc;
}

lm_status store_an_rows(store_read *r, int grp, int64_t from_ms, int64_t to_ms, store_an_row **out,
                        size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT grp, day_ms, key, counts, hist FROM an_rollups "
                              "WHERE grp = ? AND day_ms >= ? AND day_ms < ? ORDER BY day_ms, key",
                              &st, err);
    if (rc == LM_OK && (rc = db_bind_i64(st, 1, grp)) == LM_OK &&
        (rc = db_bind_i64(st, 2, from_ms)) == LM_OK && (rc = db_bind_i64(st, 3, to_ms)) == LM_OK)
        rc = rows_collect(db, st, out, n, err);
    db_finish(st);
    return rc;
}

lm_status store_an_rows_all(store_read *r, store_an_row **out, size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT grp, day_ms, key, counts, hist FROM an_rollups ORDER BY grp, day_ms, key", &st,
        err);
    if (rc == LM_OK) rc = rows_collect(db, st, out, n, err);
    db_finish(st);
    return rc;
}

void store_an_rows_free_one(store_an_row *row) {
    lm_free(row->counts.data);
    lm_free(row->hist.data);
}

void store_an_rows_free(store_an_row *rows, size_t n) {
    for (size_t i = 0; rows && i < n; i++)
        store_an_rows_free_one(&rows[i]);
    lm_free(rows);
}

lm_status store_an_clear(store_tx *tx, lm_errinfo *err) {
    return db_exec(store__tx_db(tx),
                   "DELETE FROM an_facts; DELETE FROM an_state; DELETE FROM an_rollups;", err);
}
