/* store/migrations.c: the numbered schema migrations, applied in order at store_open.
 *
 * HOW TO ADD A MIGRATION
 *   1. Write your SQL (CREATE TABLE ..., CREATE INDEX ...; several statements are fine) either
 *      inline below or in your own store file as
 *          const char store__orders_schema_v100[] = "CREATE TABLE ...;";
 *      with `extern const char store__orders_schema_v100[];` declared just above the table here.
 *   2. Append one row {version, "name", sql} to store__migrations, keeping versions increasing.
 *      Version ranges, so modules written in parallel never collide:
 *          1-99 store core (events, keys)    100-199 orders    200-299 dispatch
 *          300-399 api (webhooks, idempotency)    500-599 feedback    600-699 returns    700-799
 * analytics 800-899 settings (versioned settings, fleet record versions, requirements) 900-999
 * notify
 *   3. Never edit or renumber a row that has shipped: add a new one (ALTER TABLE ...) instead.
 * A database records every version it has applied (schema_migrations); at open, each row of this
 * table the database lacks is applied in table order, each in its own transaction together with
 * its schema_migrations row, so a crash mid-migration leaves the previous schema intact. A
 * database holding a version this table lacks was written by a newer build and is refused.
 *
 * BOTH BACKENDS: write the SQL for SQLite; on PostgreSQL the same text runs translated by
 * store/sql_pg.c (INTEGER PRIMARY KEY -> BIGINT identity, BLOB -> BYTEA, INSERT OR IGNORE/REPLACE
 * -> ON CONFLICT, ...: the rules are in store/sql_pg.h). Keep to what those rules cover; a
 * migration that needs PostgreSQL's own DDL (partitioning, say) adds a row to
 * store__pg_overrides in store/schema_pg.c with the same version. The `_pg` test runs
 * (ctest -L postgres) apply every migration on PostgreSQL. */
#include "store/internal.h"

#include <stdio.h>

static const char core_v1[] =
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  time_ms INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  entity TEXT NOT NULL,"
    "  entity_id TEXT,"
    "  payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload))"
    ");"
    "CREATE INDEX events_entity ON events(entity, entity_id);"
    "CREATE TABLE api_keys ("
    "  id TEXT PRIMARY KEY,"
    "  salt BLOB NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('admin','dispatcher','warehouse','driver')),"
    "  driver_id TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  revoked_ms INTEGER,"
    "  CHECK ((role = 'driver') = (driver_id IS NOT NULL))"
    ");";

extern const char store__orders_schema_v100[];
extern const char store__money_schema_v110[];
extern const char store__money_schema_v111[];
extern const char store__recovery_schema_v170[];
extern const char store__split_schema_v171[];
extern const char store__orders_schema_v172[];
extern const char store__pd_schema_v180[];
extern const char store__dispatch_schema_v200[];
extern const char store__devices_schema_v201[];
extern const char store__roads_schema_v210[];
extern const char store__dispatch_schema_v260[];
extern const char store__positions_schema_v300[];
extern const char store__webhooks_schema_v301[];
extern const char store__positions_schema_v302[];
extern const char store__positions_schema_v303[];
extern const char store__webhooks_schema_v340[];
extern const char store__enrol_schema_v360[];
extern const char store__feedback_schema_v500[];
extern const char store__returns_schema_v600[];
extern const char store__returns_schema_v610[];
extern const char store__settings_schema_v800[];
extern const char store__notify_schema_v900[];
extern const char store__analytics_schema_v700[];
extern const char store__analytics_schema_v720[];
extern const char store__dispatch_schema_v740[];

extern const char store__jobs_schema_v59[];
extern const char store__webhooks_schema_v60[];
extern const char store__ratelimit_schema_v61[];

const store__migration store__migrations[] = {
    {1, "core: events, api_keys", core_v1},
    {59, "cluster: the dispatch worker's durable job queue", store__jobs_schema_v59},
    {60, "cluster: webhook delivery leases", store__webhooks_schema_v60},
    {61, "cluster: rate-limit buckets shared by the nodes", store__ratelimit_schema_v61},
    {100, "orders: depots, products, stock, orders, exceptions, intake config",
     store__orders_schema_v100},
    {110, "orders: money catalogue (prices, promotions, promotion uses)", store__money_schema_v110},
    {111, "orders: money of orders (totals, lines, adjustments, payments, cash hand-ins)",
     store__money_schema_v111},
    {170, "orders: failed-delivery recovery policy and state, delivery instructions",
     store__recovery_schema_v170},
    {171, "orders: split-shipment policy, orders by external_ref", store__split_schema_v171},
    {172, "orders: indexes no query uses dropped (by channel, by created)",
     store__orders_schema_v172},
    {180, "orders: pickup-and-delivery orders' collection end", store__pd_schema_v180},
    /* orders (100-199) and dispatch (200-299) rows go here */
    {200, "dispatch: vehicles, drivers, plans, routes, stops, vehicle state",
     store__dispatch_schema_v200},
    {201, "dispatch: short device id opt-in, refused positions", store__devices_schema_v201},
    {210, "dispatch: plans' router and estimated cells, route geometry", store__roads_schema_v210},
    {260, "dispatch: hand dispatch locks on stops and routes", store__dispatch_schema_v260},
    {300, "api: positions", store__positions_schema_v300},
    {301, "api: webhooks", store__webhooks_schema_v301},
    {302, "api: positions clustered by time (append-only ingest)", store__positions_schema_v302},
    {303, "api: position attributes, device push tokens", store__positions_schema_v303},
    {340, "events: webhook credentials apart from the URL", store__webhooks_schema_v340},
    {360, "api: driver app enrolments, idempotent driver requests", store__enrol_schema_v360},
    {500, "feedback: ratings, surveys, complaints, settings, calendars, SLA table",
     store__feedback_schema_v500},
    {600, "returns: policy, RMAs, sales blocks, after-sales cases", store__returns_schema_v600},
    {610, "returns: stops carry the RMA they collect (return pickups)", store__returns_schema_v610},
    {700, "analytics: fold state and daily rollups", store__analytics_schema_v700},
    {720, "analytics: week and month rollup rows, fleet figures (refold)",
     store__analytics_schema_v720},
    {740, "analytics: vehicle state keeps its route's start and return times",
     store__dispatch_schema_v740},
    {800, "settings: versioned settings, fleet record versions, required skills",
     store__settings_schema_v800},
    {900, "notify: templates, opt-outs, quiet hours, told ETAs, the message outbox and log",
     store__notify_schema_v900},
};
const size_t store__migration_count = sizeof store__migrations / sizeof store__migrations[0];

/* ---- Applying ---- */

static lm_status applied_has(db_conn *db, int version, bool *has, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, "SELECT 1 FROM schema_migrations WHERE version = ?", &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, version)) != LM_OK) goto fail;
    int s = db_step(st);
    if (s != DB_ROW && s != DB_DONE) {
        rc = db_fail(db, s, err);
        goto fail;
    }
    *has = s == DB_ROW;
fail:
    db_finish(st);
    return rc;
}

/* The text of m for db's backend: PostgreSQL runs m's SQLite text translated (store/sql_pg.h)
 * unless store/schema_pg.c writes that version out. */
static const char *migration_sql(db_conn *db, const store__migration *m) {
    if (db_kind(db) != DB_POSTGRES) return m->sql;
    for (size_t i = 0; i < store__pg_override_count; i++)
        if (store__pg_overrides[i].version == m->version) return store__pg_overrides[i].sql;
    return m->sql;
}

/* The table of applied versions, and on PostgreSQL the functions the shared SQL calls: under the
 * write lock, so nodes starting together do not race to create them. */
static lm_status bookkeeping(db_conn *db, lm_errinfo *err) {
    bool pg = db_kind(db) == DB_POSTGRES;
    lm_status rc = pg ? db_begin_write(db, err) : LM_OK;
    if (rc != LM_OK) return rc;
    if (pg) rc = db_exec(db, store__pg_prelude, err);
    if (rc == LM_OK)
        rc = db_exec(db,
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     "  version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                     "  applied_ms INTEGER NOT NULL)",
                     err);
    if (pg && rc == LM_OK) return db_commit(db, err);
    if (pg) db_rollback(db);
    return rc;
}

/* On PostgreSQL, the positions partitions of the days around now. */
static lm_status partitions_ahead(db_conn *db, lm_errinfo *err) {
    if (db_kind(db) != DB_POSTGRES) return LM_OK;
    lm_status rc = db_begin_write(db, err);
    if (rc != LM_OK) return rc;
    if ((rc = store__pg_positions_ensure(db, lm_now_ms(), err)) == LM_OK) return db_commit(db, err);
    db_rollback(db);
    return rc;
}

static lm_status apply_one(db_conn *db, const store__migration *m, lm_errinfo *err) {
    db_stmt *st = NULL;
    lm_status rc = db_begin_write(db, err);
    if (rc != LM_OK) return rc;
    bool has = false;
    /* re-checked under the write lock: another process may have migrated meanwhile */
    if ((rc = applied_has(db, m->version, &has, err)) != LM_OK || has) goto fail;
    if ((rc = db_exec(db, migration_sql(db, m), err)) != LM_OK) {
        char field[32];
        snprintf(field, sizeof field, "migration.%d", m->version);
        if (err) lm_strlcpy(err->field, field, sizeof err->field);
        goto fail;
    }
    rc = db_prepare(db, "INSERT INTO schema_migrations(version, name, applied_ms) VALUES (?, ?, ?)",
                    &st, err);
    if (rc != LM_OK) goto fail;
    if ((rc = db_bind_i64(st, 1, m->version)) != LM_OK ||
        (rc = db_bind_text(st, 2, m->name)) != LM_OK ||
        (rc = db_bind_i64(st, 3, lm_now_ms())) != LM_OK ||
        (rc = store__step_done(st, err)) != LM_OK)
        goto fail;
    db_finish(st);
    return db_commit(db, err);
fail:
    db_finish(st);
    if (rc == LM_OK) return db_commit(db, err); /* already applied: nothing to do */
    db_rollback(db);
    return rc;
}

lm_status store__migrate(db_conn *db, lm_errinfo *err) {
    for (size_t i = 1; i < store__migration_count; i++)
        if (store__migrations[i].version <= store__migrations[i - 1].version)
            return lm_errinfo_set(err, LM_INTERNAL, "migrations",
                                  "migration table out of order at version %d",
                                  store__migrations[i].version);
    lm_status rc = bookkeeping(db, err);
    if (rc != LM_OK) return rc;

    /* a version we do not know means a newer binary wrote this file: refuse rather than guess */
    db_stmt *st = NULL;
    if ((rc = db_prepare(db, "SELECT version FROM schema_migrations ORDER BY version", &st, err)) !=
        LM_OK)
        return rc;
    int s;
    while ((s = db_step(st)) == DB_ROW) {
        int v = db_column_int(st, 0);
        bool known = false;
        for (size_t i = 0; i < store__migration_count && !known; i++)
            known = store__migrations[i].version == v;
        if (!known) {
            db_finish(st);
            return lm_errinfo_set(err, LM_CONFLICT, "schema_migrations",
                                  "database has migration %d which this build does not know; "
                                  "it was written by a newer lastmile",
                                  v);
        }
    }
    if (s != DB_DONE) rc = db_fail(db, s, err);
    db_finish(st);
    if (rc != LM_OK) return rc;

    for (size_t i = 0; i < store__migration_count; i++) {
        bool has = false;
        if ((rc = applied_has(db, store__migrations[i].version, &has, err)) != LM_OK) return rc;
        if (!has && (rc = apply_one(db, &store__migrations[i], err)) != LM_OK) return rc;
    }
    return partitions_ahead(db, err);
}
