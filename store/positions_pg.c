/* store/positions_pg.c: the PostgreSQL path of position ingest: a batch goes in as multi-row
 * INSERTs (one round trip per up to 64 positions instead of one per position), and the day
 * partitions are topped up when the day changes. The commit queue still acknowledges a batch only
 * after its transaction commits. */
#include "store/internal.h"
#include "store/store_positions.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define COLS      13
#define CHUNK_MAX 64

/* The day (since the epoch, UTC) whose partitions were last topped up by this process; a store
 * opened later tops up its own at open, and rows of a day without a partition land in the
 * DEFAULT one meanwhile, so a missed top-up costs placement, never a row. */
static _Atomic int64_t ensured_day = -1;

/* The INSERT for n rows (n a power of two up to CHUNK_MAX, so a handful of texts are cached). */
static void insert_sql(char *buf, size_t size, size_t n) {
    size_t at = (size_t)snprintf(
        buf, size,
        "INSERT OR IGNORE INTO positions(device_id, driver_id, time_ms, recv_ms, lat, lon, "
        "speed_mps, heading_deg, altitude_m, accuracy_m, battery_pct, charging, attributes) "
        "VALUES ");
    for (size_t i = 0; i < n && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s(?,?,?,?,?,?,?,?,?,?,?,?,?)", i ? "," : "");
    if (at < size) snprintf(buf + at, size - at, " RETURNING time_ms, device_id");
}

static lm_status bind_opt(db_stmt *st, int idx, double v) {
    return isfinite(v) ? db_bind_double(st, idx, v) : db_bind_null(st, idx);
}

static lm_status bind_row(db_stmt *st, int base, const store_position *p) {
    lm_status rc;
    if ((rc = db_bind_text(st, base + 1, p->device_id)) != LM_OK ||
        (rc = db_bind_text(st, base + 2, p->driver_id)) != LM_OK ||
        (rc = db_bind_i64(st, base + 3, p->time_ms)) != LM_OK ||
        (rc = db_bind_i64(st, base + 4, p->recv_ms)) != LM_OK ||
        (rc = db_bind_double(st, base + 5, p->lat)) != LM_OK ||
        (rc = db_bind_double(st, base + 6, p->lon)) != LM_OK ||
        (rc = bind_opt(st, base + 7, p->speed_mps)) != LM_OK ||
        (rc = bind_opt(st, base + 8, p->heading_deg)) != LM_OK ||
        (rc = bind_opt(st, base + 9, p->altitude_m)) != LM_OK ||
        (rc = bind_opt(st, base + 10, p->accuracy_m)) != LM_OK ||
        (rc = bind_opt(st, base + 11, p->battery_pct)) != LM_OK)
        return rc;
    rc = p->charging < 0 ? db_bind_null(st, base + 12) : db_bind_i64(st, base + 12, p->charging);
    if (rc != LM_OK) return rc;
    return p->attributes[0] ? db_bind_text(st, base + 13, p->attributes)
                            : db_bind_null(st, base + 13);
}

/* One multi-row INSERT of pos[0..n); the rows it returns are the new ones: marks them in
 * inserted (the first of equal keys in the batch, as the row-by-row path would). */
static lm_status insert_chunk(db_conn *db, const store_position *pos, size_t n, bool *inserted,
                              lm_errinfo *err) {
    char sql[CHUNK_MAX * 32 + 400];
    insert_sql(sql, sizeof sql, n);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        rc = bind_row(st, (int)(i * COLS), &pos[i]);
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
