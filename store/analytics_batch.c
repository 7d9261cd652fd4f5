/* store/analytics_batch.c: the rollup rows of one fold read and written a chunk at a time (one
 * statement per chunk, not per row): a PostgreSQL node pays a round trip per statement inside the
 * write lock, and an order touches ~18 rows. Chunks are powers of two up to AN_CHUNK, so a
 * connection's statement cache holds at most six texts of each. */
#include "store/internal.h"
#include "store/store_analytics.h"

#include <stdio.h>
#include <string.h>

#define AN_CHUNK 32

#define AN_COLS "grp, day_ms, key, counts, hist"

/* The largest power of two <= min(n, AN_CHUNK). */
static size_t chunk_of(size_t n) {
    size_t m = AN_CHUNK;
    while (m > n)
        m /= 2;
    return m;
}

/* "SELECT ... WHERE (grp = ? AND day_ms = ? AND key = ?) OR ..." for m keys, or the multi-row
 * INSERT OR REPLACE of m rows, into buf. */
static void sql_build(bool put, size_t m, char *buf, size_t cap) {
    size_t k = (size_t)snprintf(buf, cap,
                                put ? "INSERT OR REPLACE INTO an_rollups(" AN_COLS ") VALUES "
                                    : "SELECT " AN_COLS " FROM an_rollups WHERE ");
    for (size_t i = 0; i < m && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? (put ? ", " : " OR ") : "",
                              put ? "(?, ?, ?, ?, ?)" : "(grp = ? AND day_ms = ? AND key = ?)");
}

static lm_status bind_key(db_stmt *st, int at, const store_an_row *k) {
    lm_status rc = db_bind_i64(st, at, k->grp);
    if (rc == LM_OK) rc = db_bind_i64(st, at + 1, k->day_ms);
    if (rc == LM_OK) rc = db_bind_text(st, at + 2, k->key);
    return rc;
}

/* One chunk of keys[0..m): found rows go to out[i] where their key matches. */
static lm_status get_chunk(db_conn *db, const store_an_row *keys, size_t m, store_an_row *out,
                           bool *found) {
    char sql[AN_CHUNK * 48 + 128];
    sql_build(false, m, sql, sizeof sql);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, NULL);
    for (size_t i = 0; rc == LM_OK && i < m; i++)
        rc = bind_key(st, (int)(3 * i + 1), &keys[i]);
    int s = DB_DONE;
    while (rc == LM_OK && (s = db_step(st)) == DB_ROW) {
        store_an_row row = {0};
        if ((rc = store__an_row_read(st, &row)) != LM_OK) {
            store_an_rows_free_one(&row);
            break;
        }
        size_t i = 0;
        while (i < m && (found[i] || keys[i].grp != row.grp || keys[i].day_ms != row.day_ms ||
                         strcmp(keys[i].key, row.key) != 0))
            i++;
        if (i < m) {
            out[i] = row;
            found[i] = true;
        } else {
            store_an_rows_free_one(&row);
        }
    }
    if (rc == LM_OK && s != DB_DONE) rc = db_fail(db, s, NULL);
    db_finish(st);
    return rc;
}

lm_status store_an_rows_get_many(store_read *r, const store_an_row *keys, size_t n,
                                 store_an_row *out, bool *found) {
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        found[i] = false;
    }
    lm_status rc = LM_OK;
    for (size_t at = 0; at < n && rc == LM_OK;) {
        size_t m = chunk_of(n - at);
        rc = get_chunk(store__db(r), keys + at, m, out + at, found + at);
        at += m;
    }
    if (rc != LM_OK)
        for (size_t i = 0; i < n; i++)
            store_an_rows_free_one(&out[i]);
    return rc;
}

lm_status store_an_rows_put_many(store_tx *tx, const store_an_row *rows, size_t n) {
    lm_status rc = LM_OK;
    for (size_t at = 0; at < n && rc == LM_OK;) {
        size_t m = chunk_of(n - at);
        char sql[AN_CHUNK * 24 + 128];
        sql_build(true, m, sql, sizeof sql);
        db_stmt *st = NULL;
        rc = db_prepare(store__tx_db(tx), sql, &st, NULL);
        for (size_t i = 0; rc == LM_OK && i < m; i++) {
            const store_an_row *w = &rows[at + i];
            int b = (int)(5 * i + 1);
            rc = bind_key(st, b, w);
            if (rc == LM_OK)
                rc = db_bind_blob(st, b + 3, w->counts.data ? w->counts.data : "", w->counts.n);
            if (rc == LM_OK)
                rc = db_bind_blob(st, b + 4, w->hist.data ? w->hist.data : "", w->hist.n);
        }
        if (rc == LM_OK) rc = store__step_done(st, NULL);
        db_finish(st);
        at += m;
    }
    return rc;
}
