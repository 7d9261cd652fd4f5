/* store/positions_pg.c: the PostgreSQL path of position ingest: a batch goes in as multi-row
 * INSERTs (one round trip per up to 64 positions instead of one per position), and the day
 * partitions are topped up when the day changes. The commit queue still acknowledges a batch only
 * after its transaction commits. */
#include "store/internal.h"
#include "store/store_positions.h"

#include <stdatomic.h>
#include <string.h>

#define COLS      13
#define CHUNK_MAX 64

/* The day (since the epoch, UTC) whose partitions were last topped up by this process; a store
 * opened later tops up its own at open, and rows of a day without a partition land in the
 * DEFAULT one meanwhile, so a missed top-up costs placement, never a row. */
static _Atomic int64_t ensured_day = -1;

/* One multi-row INSERT of pos[0..n); the rows it returns are the new ones: marks them in
 * inserted (the first of equal keys in the batch, as the row-by-row path would). */
static lm_status insert_chunk(db_conn *db, const store_position *pos, size_t n, bool *inserted,
                              lm_errinfo *err) {
    char sql[CHUNK_MAX * 32 + 400]; /* n a power of two: a handful of texts are cached */
    store__positions_insert_sql(sql, sizeof sql, n, true);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        rc = store__positions_bind_row(st, (int)(i * COLS), &pos[i]);
        if (inserted) inserted[i] = false;
    }
    int s = DB_DONE;
    while (rc == LM_OK && (s = db_step(st)) == DB_ROW) {
        int64_t t = db_column_i64(st, 0);
        const char *dev = db_column_text(st, 1);
        for (size_t i = 0; inserted && dev && i < n; i++) {
            if (!inserted[i] && pos[i].time_ms == t && !strcmp(pos[i].device_id, dev)) {
                inserted[i] = true;
                break;
            }
        }
    }
    if (rc == LM_OK && s != DB_DONE) rc = db_fail(db, s, err);
    db_finish(st);
    return rc;
}

lm_status store__pg_positions_insert(db_conn *db, const store_position *pos, size_t n,
                                     bool *inserted, lm_errinfo *err) {
    int64_t day = lm_now_ms() / 86400000;
    if (atomic_load(&ensured_day) != day) {
        lm_status rc = store__pg_positions_ensure(db, lm_now_ms(), err);
        if (rc != LM_OK) return rc;
        atomic_store(&ensured_day, day);
    }
    for (size_t at = 0; at < n;) {
        size_t k = CHUNK_MAX;
        while (k > n - at)
            k /= 2;
        lm_status rc = insert_chunk(db, pos + at, k, inserted ? inserted + at : NULL, err);
        if (rc != LM_OK) return rc;
        at += k;
    }
    return LM_OK;
}
