/* store/positions.c: driver positions (migrations 300, 302): deduplicated by (device time,
 * device), listed per device or driver, pruned by device time.
 *
 * The table is clustered on (time_ms, device_id) WITHOUT ROWID and has no other index: positions
 * arrive roughly in time order, so a batch appends to the right edge of one b-tree and a commit
 * writes a few pages. An index led by device or driver would dirty one page per device in every
 * batch (measured: ~5x the WAL bytes and commit time at 100 devices); per-device history reads
 * scan a time range instead, which is bounded and rare. */
#include "store/internal.h"
#include "store/store_positions.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

const char store__positions_schema_v300[] =
    "CREATE TABLE positions ("
    "  id INTEGER PRIMARY KEY,"
    "  device_id TEXT NOT NULL, driver_id TEXT NOT NULL,"
    "  time_ms INTEGER NOT NULL, recv_ms INTEGER NOT NULL,"
    "  lat REAL NOT NULL, lon REAL NOT NULL,"
    "  speed_mps REAL, heading_deg REAL, altitude_m REAL, accuracy_m REAL, battery_pct REAL,"
    "  charging INTEGER,"
    "  UNIQUE (device_id, time_ms));"
    "CREATE INDEX positions_by_driver ON positions(driver_id, time_ms);"
    "CREATE INDEX positions_by_recv ON positions(recv_ms);";

const char store__positions_schema_v302[] =
    "CREATE TABLE positions_v2 ("
    "  time_ms INTEGER NOT NULL, device_id TEXT NOT NULL, driver_id TEXT NOT NULL,"
    "  recv_ms INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,"
    "  speed_mps REAL, heading_deg REAL, altitude_m REAL, accuracy_m REAL, battery_pct REAL,"
    "  charging INTEGER,"
    "  PRIMARY KEY (time_ms, device_id)) WITHOUT ROWID;"
    "INSERT INTO positions_v2 SELECT time_ms, device_id, driver_id, recv_ms, lat, lon, speed_mps,"
    "  heading_deg, altitude_m, accuracy_m, battery_pct, charging FROM positions;"
    "DROP TABLE positions;"
    "ALTER TABLE positions_v2 RENAME TO positions;";

/* What Traccar Client reports beyond the position (alarms, odometer, cell towers, custom keys)
 * is kept with it instead of dropped; a device's push token is kept for the day a command or
 * notification goes back to the phone. */
const char store__positions_schema_v303[] =
    "ALTER TABLE positions ADD COLUMN attributes TEXT"
    "  CHECK (attributes IS NULL OR json_valid(attributes));"
    "CREATE TABLE device_push_tokens ("
    "  device_id TEXT PRIMARY KEY, driver_id TEXT NOT NULL, token TEXT NOT NULL,"
    "  updated_ms INTEGER NOT NULL);"
    "CREATE TABLE device_alarms ("
    "  device_id TEXT NOT NULL, time_ms INTEGER NOT NULL, alarm TEXT NOT NULL,"
    "  PRIMARY KEY (device_id, time_ms, alarm)) WITHOUT ROWID;";

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

/* NULL is read as NAN. */
static double col_opt(db_stmt *st, int col) {
    return db_column_type(st, col) == DB_NULL ? NAN : db_column_double(st, col);
}

lm_status store_positions_insert(store_tx *tx, const store_position *pos, size_t n, bool *inserted,
                                 lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    if (db_kind(db) == DB_POSTGRES) return store__pg_positions_insert(db, pos, n, inserted, err);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT OR IGNORE INTO positions(device_id, driver_id, time_ms, recv_ms, lat, lon, "
        "speed_mps, heading_deg, altitude_m, accuracy_m, battery_pct, charging, attributes) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &st, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n; i++) {
        db_reset(st);
        BIND(store__positions_bind_row(st, 0, &pos[i]));
        BIND(store__step_done(st, err));
        if (inserted) inserted[i] = db_changes(db) == 1;
    }
fail:
    db_finish(st);
    return rc;
}

/* ---- Appending a batch: several rows per statement ---- */

#define APPEND_SIZES 4
static const size_t append_rows[APPEND_SIZES] = {64, 16, 4, 1}; /* rows per statement */
static char append_text[APPEND_SIZES][64 * 32 + 400];
static pthread_once_t append_once = PTHREAD_ONCE_INIT;

/* The texts are built once and kept at fixed addresses: the statement cache finds them by their
 * pointer without hashing two kilobytes of SQL. */
static void append_init(void) {
    for (size_t k = 0; k < APPEND_SIZES; k++)
        store__positions_insert_sql(append_text[k], sizeof append_text[k], append_rows[k], false);
}

lm_status store_positions_append(store_tx *tx, const store_position *pos, size_t n,
                                 lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    if (db_kind(db) == DB_POSTGRES) return store__pg_positions_insert(db, pos, n, NULL, err);
    pthread_once(&append_once, append_init);
    lm_status rc = LM_OK;
    for (size_t at = 0, k = 0; at < n && rc == LM_OK; k++) {
        while (append_rows[k] > n - at)
            k++;
        size_t rows = append_rows[k];
        db_stmt *st = NULL;
        if ((rc = db_prepare(db, append_text[k], &st, err)) != LM_OK) return rc;
        for (; rc == LM_OK && n - at >= rows; at += rows) {
            db_reset(st);
            for (size_t i = 0; i < rows && rc == LM_OK; i++)
                rc = store__positions_bind_row(st, (int)(i * 13), &pos[at + i]);
            if (rc == LM_OK) rc = store__step_done(st, err);
        }
        db_finish(st);
    }
    return rc;
}

#define POS_COLS                                                                                   \
    "0, device_id, driver_id, time_ms, recv_ms, lat, lon, speed_mps, heading_deg, altitude_m, "    \
    "accuracy_m, battery_pct, charging, attributes"

static void row_read(db_stmt *st, void *elem) {
    store_position *p = elem;
    memset(p, 0, sizeof *p);
    store__column_copy(st, 1, p->device_id, sizeof p->device_id);
    store__column_copy(st, 2, p->driver_id, sizeof p->driver_id);
    p->time_ms = db_column_i64(st, 3);
    p->recv_ms = db_column_i64(st, 4);
    p->lat = db_column_double(st, 5);
    p->lon = db_column_double(st, 6);
    p->speed_mps = col_opt(st, 7);
    p->heading_deg = col_opt(st, 8);
    p->altitude_m = col_opt(st, 9);
    p->accuracy_m = col_opt(st, 10);
    p->battery_pct = col_opt(st, 11);
    p->charging = db_column_type(st, 12) == DB_NULL ? -1 : db_column_int(st, 12);
    store__column_copy(st, 13, p->attributes, sizeof p->attributes);
}

lm_status store_positions_list(store_read *r, const char *device_id, const char *driver_id,
                               int64_t from_ms, int64_t to_ms, size_t limit, store_position **out,
                               size_t *n_out, lm_errinfo *err) {
    if (limit < 1 || limit > 100000 || (!device_id) == (!driver_id))
        return lm_errinfo_set(err, LM_INVALID, "limit", "one of device or driver, limit 1..100000");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        device_id ? "SELECT " POS_COLS " FROM positions WHERE device_id = ? AND time_ms BETWEEN ? "
                    "AND ? ORDER BY time_ms LIMIT ?"
                  : "SELECT " POS_COLS " FROM positions WHERE driver_id = ? AND time_ms BETWEEN ? "
                    "AND ? ORDER BY time_ms LIMIT ?",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, device_id ? device_id : driver_id));
    BIND(db_bind_i64(st, 2, from_ms));
    BIND(db_bind_i64(st, 3, to_ms));
    BIND(db_bind_i64(st, 4, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, row_read, (void **)out, n_out, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_position_latest(store_read *r, const char *driver_id, store_position *out,
                                lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT " POS_COLS " FROM positions WHERE driver_id = ? ORDER "
                              "BY time_ms DESC LIMIT 1",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, driver_id));
    int s = db_step(st);
    if (s == DB_ROW)
        row_read(st, out);
    else if (s == DB_DONE)
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "driver_id", "no position for driver %s", driver_id);
    else
        rc = db_fail(db, s, err);
fail:
    db_finish(st);
    return rc;
}

lm_status store_positions_prune(store_tx *tx, int64_t before_ms, size_t limit, int64_t *deleted,
                                lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    int64_t dropped = 0;
    /* on PostgreSQL whole days go first, by dropping their partitions */
    lm_status rc = db_kind(db) == DB_POSTGRES
                       ? store__pg_positions_drop_days(db, before_ms, (int64_t)limit, &dropped, err)
                       : LM_OK;
    if (rc != LM_OK) return rc;
    limit -= (size_t)dropped;
    /* the oldest `limit` rows: everything before the limit-th smallest time (ties may add a few) */
    rc = db_prepare(db,
                    "DELETE FROM positions WHERE time_ms < ?1 AND time_ms < coalesce("
                    "(SELECT time_ms FROM positions ORDER BY time_ms LIMIT 1 OFFSET "
                    "?2), ?1)",
                    &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_i64(st, 1, before_ms));
    BIND(db_bind_i64(st, 2, (int64_t)limit));
    BIND(store__step_done(st, err));
    *deleted = dropped + db_changes(db);
fail:
    db_finish(st);
    return rc;
}

lm_status store_positions_count(store_read *r, int64_t *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT count(*) FROM positions", &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = store__step_row(db, st, "count", err)) == LM_OK) *out = db_column_i64(st, 0);
    db_finish(st);
    return rc;
}

lm_status store_push_token_put(store_tx *tx, const char *device_id, const char *driver_id,
                               const char *token, int64_t t_ms, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "INSERT INTO device_push_tokens(device_id, driver_id, token, updated_ms) VALUES (?,?,?,?)"
        " ON CONFLICT(device_id) DO UPDATE SET driver_id = excluded.driver_id,"
        " token = excluded.token, updated_ms = excluded.updated_ms"
        " WHERE excluded.updated_ms >= device_push_tokens.updated_ms",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, device_id));
    BIND(db_bind_text(st, 2, driver_id));
    BIND(db_bind_text(st, 3, token));
    BIND(db_bind_i64(st, 4, t_ms));
    BIND(store__step_done(st, err));
fail:
    db_finish(st);
    return rc;
}

lm_status store_push_token_get(store_read *r, const char *device_id, char *out, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc =
        db_prepare(db, "SELECT token FROM device_push_tokens WHERE device_id = ?", &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, device_id));
    if ((rc = store__step_row(db, st, "push token", err)) == LM_OK)
        store__column_copy(st, 0, out, STORE_PUSH_TOKEN_MAX);
fail:
    db_finish(st);
    return rc;
}

lm_status store_alarm_first(store_tx *tx, const char *device_id, int64_t time_ms, const char *alarm,
                            bool *first, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "INSERT OR IGNORE INTO device_alarms(device_id, time_ms, alarm) VALUES (?,?,?)", &st,
        err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, device_id));
    BIND(db_bind_i64(st, 2, time_ms));
    BIND(db_bind_text(st, 3, alarm));
    BIND(store__step_done(st, err));
    *first = db_changes(db) == 1;
fail:
    db_finish(st);
    return rc;
}
