/* store/devices.c: refused positions (store/store_devices.h) and migration 201, which also gives
 * drivers the per-device opt-in for short device ids. Only this file knows the refusal tables. */
#include "store/internal.h"
#include "store/store_devices.h"

#include <math.h>
#include <string.h>

/* Migration 201, registered in store/migrations.c. Drivers that already hold a short device id
 * keep it working: they are recorded as opted in, so the operator sees which ones to rotate. */
const char store__devices_schema_v201[] =
    "ALTER TABLE drivers ADD COLUMN allow_short_device_id INTEGER NOT NULL DEFAULT 0;"
    "UPDATE drivers SET allow_short_device_id = 1"
    "  WHERE device_id IS NOT NULL AND length(device_id) < 20;"
    "CREATE TABLE position_refusal_counts ("
    "  driver_id TEXT NOT NULL, reason TEXT NOT NULL,"
    "  count INTEGER NOT NULL, last_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (driver_id, reason)) WITHOUT ROWID;"
    "CREATE TABLE refused_positions ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, driver_id TEXT NOT NULL,"
    "  device_hint TEXT NOT NULL, reason TEXT NOT NULL,"
    "  recv_ms INTEGER NOT NULL, time_ms INTEGER NOT NULL,"
    "  lat REAL, lon REAL, accuracy_m REAL);"
    "CREATE INDEX refused_positions_by_driver ON refused_positions(driver_id, id);"
    "CREATE TABLE position_refusal_events ("
    "  driver_id TEXT PRIMARY KEY, last_event_ms INTEGER NOT NULL,"
    "  unreported INTEGER NOT NULL) WITHOUT ROWID;";

#define BIND(expr)                                                                                 \
    do {                                                                                           \
        if ((rc = (expr)) != LM_OK) goto fail;                                                     \
    } while (0)

/* NAN is stored as NULL. */
static lm_status bind_opt(db_stmt *st, int idx, double v) {
    if (!isfinite(v)) return db_bind_null(st, idx);
    return db_bind_double(st, idx, v);
}

static double col_opt(db_stmt *st, int col) {
    return db_column_type(st, col) == DB_NULL ? NAN : db_column_double(st, col);
}

static lm_status count_add(db_conn *db, const store_refused *r, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO position_refusal_counts(driver_id, reason, count, "
                              "last_ms) VALUES (?1, ?2, 1, ?3) ON CONFLICT(driver_id, reason) "
                              "DO UPDATE SET count = position_refusal_counts.count + 1, last_ms = "
                              "excluded.last_ms",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, r->driver_id));
    BIND(db_bind_text(st, 2, r->reason));
    BIND(db_bind_i64(st, 3, r->recv_ms));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static lm_status recent_add(db_conn *db, const store_refused *r, size_t keep_last,
                            lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "INSERT INTO refused_positions(driver_id, device_hint, reason, "
                              "recv_ms, time_ms, lat, lon, accuracy_m) "
                              "VALUES (?,?,?,?,?,?,?,?)",
                              &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, r->driver_id));
    BIND(db_bind_text(st, 2, r->device_hint));
    BIND(db_bind_text(st, 3, r->reason));
    BIND(db_bind_i64(st, 4, r->recv_ms));
    BIND(db_bind_i64(st, 5, r->time_ms));
    BIND(bind_opt(st, 6, r->lat));
    BIND(bind_opt(st, 7, r->lon));
    BIND(bind_opt(st, 8, r->accuracy_m));
    BIND(store__step_done(st, err));
    db_finish(st);
    st = NULL;
    /* a flood of refused positions must not grow the table: keep the driver's newest few */
    rc = db_prepare(db,
                    "DELETE FROM refused_positions WHERE driver_id = ?1 AND id <= (SELECT id "
                    "FROM refused_positions WHERE driver_id = ?1 ORDER BY id DESC LIMIT 1 "
                    "OFFSET ?2)",
                    &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, r->driver_id));
    BIND(db_bind_i64(st, 2, (int64_t)keep_last));
    rc = store__step_done(st, err);
fail:
    db_finish(st);
    return rc;
}

static lm_status event_clock(db_conn *db, const char *driver_id, int64_t now_ms, int64_t every_ms,
                             bool *due, int64_t *since, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db, "SELECT last_event_ms, unreported FROM position_refusal_events WHERE driver_id = ?",
        &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, driver_id));
    int s = db_step(st);
    bool known = s == DB_ROW;
    if (!known && s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    int64_t last = known ? db_column_i64(st, 0) : 0;
    int64_t unreported = (known ? db_column_i64(st, 1) : 0) + 1;
    db_finish(st);
    st = NULL;
    bool is_due = !known || now_ms - last >= every_ms;
    rc = db_prepare(db,
                    "INSERT INTO position_refusal_events(driver_id, last_event_ms, unreported) "
                    "VALUES (?1, ?2, ?3) ON CONFLICT(driver_id) DO UPDATE SET "
                    "last_event_ms = excluded.last_event_ms, unreported = excluded.unreported",
                    &st, err);
    if (rc != LM_OK) return rc;
    BIND(db_bind_text(st, 1, driver_id));
    BIND(db_bind_i64(st, 2, is_due ? now_ms : last));
    BIND(db_bind_i64(st, 3, is_due ? 0 : unreported));
    if ((rc = store__step_done(st, err)) != LM_OK) goto fail;
    *due = is_due;
    *since = is_due ? unreported : 0;
fail:
    db_finish(st);
    return rc;
}

lm_status store_refusal_add(store_tx *tx, const store_refused *r, size_t keep_last, int64_t now_ms,
                            int64_t every_ms, bool *due, int64_t *since, lm_errinfo *err) {
    db_conn *db = store__tx_db(tx);
    lm_status rc = count_add(db, r, err);
    if (rc == LM_OK) rc = recent_add(db, r, keep_last ? keep_last : 1, err);
    if (rc == LM_OK) rc = event_clock(db, r->driver_id, now_ms, every_ms, due, since, err);
    return rc;
}

static void count_row(db_stmt *st, void *elem) {
    store_refusal_count *c = elem;
    store__column_copy(st, 0, c->driver_id, sizeof c->driver_id);
    store__column_copy(st, 1, c->reason, sizeof c->reason);
    c->count = db_column_i64(st, 2);
    c->last_ms = db_column_i64(st, 3);
}

lm_status store_refusal_counts(store_read *r, const char *driver_id, store_refusal_count **out,
                               size_t *n, lm_errinfo *err) {
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(
        db,
        "SELECT driver_id, reason, count, last_ms FROM position_refusal_counts WHERE ?1 IS NULL "
        "OR driver_id = ?1 ORDER BY driver_id, reason",
        &st, err);
    if (rc != LM_OK) return rc;
    if (driver_id) BIND(db_bind_text(st, 1, driver_id));
    rc = store__collect(db, st, sizeof **out, count_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}

static void refused_row(db_stmt *st, void *elem) {
    store_refused *p = elem;
    store__column_copy(st, 0, p->driver_id, sizeof p->driver_id);
    store__column_copy(st, 1, p->device_hint, sizeof p->device_hint);
    store__column_copy(st, 2, p->reason, sizeof p->reason);
    p->recv_ms = db_column_i64(st, 3);
    p->time_ms = db_column_i64(st, 4);
    p->lat = col_opt(st, 5);
    p->lon = col_opt(st, 6);
    p->accuracy_m = col_opt(st, 7);
}

lm_status store_refused_recent(store_read *r, const char *driver_id, size_t limit,
                               store_refused **out, size_t *n, lm_errinfo *err) {
    if (limit < 1 || limit > 1000)
        return lm_errinfo_set(err, LM_INVALID, "limit", "limit must be 1..1000");
    db_conn *db = store__db(r);
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db,
                              "SELECT driver_id, device_hint, reason, recv_ms, time_ms, lat, "
                              "lon, accuracy_m FROM refused_positions WHERE ?1 IS NULL OR "
                              "driver_id = ?1 ORDER BY id DESC LIMIT ?2",
                              &st, err);
    if (rc != LM_OK) return rc;
    if (driver_id) BIND(db_bind_text(st, 1, driver_id));
    BIND(db_bind_i64(st, 2, (int64_t)limit));
    rc = store__collect(db, st, sizeof **out, refused_row, (void **)out, n, err);
fail:
    db_finish(st);
    return rc;
}
