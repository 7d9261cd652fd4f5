/* store/schema_pg.c: what the PostgreSQL schema has beyond the translated migrations
 * (store/migrations.c): the functions the shared SQL calls, and the positions table partitioned
 * by day, with partitions made ahead of time and dropped for retention. */
#include "store/internal.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000LL

/* Run before the migrations, on every start (CREATE OR REPLACE): SQLite built-ins the shared SQL
 * uses. json_valid swallows the cast's error, so a CHECK on it fails as a constraint, as in
 * SQLite, instead of aborting with a syntax error. */
const char store__pg_prelude[] =
    "CREATE OR REPLACE FUNCTION json_valid(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE "
    "AS $$ BEGIN PERFORM t::jsonb; RETURN true; EXCEPTION WHEN others THEN RETURN false; "
    "END $$;"
    /* sum(condition) counts the rows where it holds, in SQLite (a comparison is 0 or 1) */
    "CREATE OR REPLACE FUNCTION lm_bool_sum(acc bigint, b boolean) RETURNS bigint LANGUAGE sql "
    "IMMUTABLE AS 'SELECT CASE WHEN b IS NULL THEN acc ELSE coalesce(acc, 0) + b::int END';"
    "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = lm_bool_sum, STYPE = bigint);";

/* Migration 302 in PostgreSQL: positions partitioned by day of device time (time_ms), a DEFAULT
 * partition for the stragglers outside every day made so far (a phone replaying last month), and
 * lm_positions_ensure(from_ms, days), which makes the day partitions from from_ms's day on,
 * moving any rows of those days out of the DEFAULT partition first (attaching would refuse
 * otherwise). The key (time_ms, device_id) includes the partition key, as PostgreSQL requires. */
static const char positions_v302_pg[] =
    "CREATE TABLE positions_v2 ("
    "  time_ms BIGINT NOT NULL, device_id TEXT NOT NULL, driver_id TEXT NOT NULL,"
    "  recv_ms BIGINT NOT NULL, lat DOUBLE PRECISION NOT NULL, lon DOUBLE PRECISION NOT NULL,"
    "  speed_mps DOUBLE PRECISION, heading_deg DOUBLE PRECISION, altitude_m DOUBLE PRECISION,"
    "  accuracy_m DOUBLE PRECISION, battery_pct DOUBLE PRECISION, charging BIGINT,"
    "  PRIMARY KEY (time_ms, device_id)) PARTITION BY RANGE (time_ms);"
    "CREATE TABLE positions_default PARTITION OF positions_v2 DEFAULT;"
    "INSERT INTO positions_v2 SELECT time_ms, device_id, driver_id, recv_ms, lat, lon, speed_mps,"
    "  heading_deg, altitude_m, accuracy_m, battery_pct, charging FROM positions;"
    "DROP TABLE positions;"
    "ALTER TABLE positions_v2 RENAME TO positions;"
    "CREATE OR REPLACE FUNCTION lm_positions_ensure(from_ms bigint, days int) RETURNS void"
    " LANGUAGE plpgsql AS $$"
    " DECLARE d bigint; lo bigint; name text;"
    " BEGIN"
    "  FOR i IN 0 .. days - 1 LOOP"
    "   d := from_ms / 86400000 + i; lo := d * 86400000;"
    "   name := 'positions_d' || d;"
    "   CONTINUE WHEN to_regclass(name) IS NOT NULL;"
    "   EXECUTE format('CREATE TABLE %I (LIKE positions INCLUDING DEFAULTS INCLUDING"
    " CONSTRAINTS)', name);"
    "   EXECUTE format('WITH m AS (DELETE FROM positions_default WHERE time_ms >= %s AND"
    " time_ms < %s RETURNING *) INSERT INTO %I SELECT * FROM m', lo, lo + 86400000, name);"
    "   EXECUTE format('ALTER TABLE positions ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',"
    " name, lo, lo + 86400000);"
    "  END LOOP;"
    " END $$;";

extern const char store__ratelimit_schema_v61_pg[];

const store__pg_override store__pg_overrides[] = {
    {61, store__ratelimit_schema_v61_pg},
    {302, positions_v302_pg},
};
const size_t store__pg_override_count = sizeof store__pg_overrides / sizeof store__pg_overrides[0];

lm_status store__pg_positions_ensure(db_conn *db, int64_t now_ms, lm_errinfo *err) {
    db_stmt *st = NULL;
    /* yesterday (late arrivals) to a week ahead */
    lm_status rc = db_prepare(db, "SELECT lm_positions_ensure(?, 9)", &st, err);
    if (rc != LM_OK) return rc;
    if ((rc = db_bind_i64(st, 1, now_ms - DAY_MS)) == LM_OK) {
        int s = db_step(st);
        if (s != DB_ROW && s != DB_DONE) rc = db_fail(db, s, err);
    }
    db_finish(st);
    return rc;
}

/* The day partitions wholly before before_ms, oldest first, with their row counts. */
typedef struct old_part {
    char name[64];
    int64_t rows;
} old_part;

lm_status store__pg_positions_drop_days(db_conn *db, int64_t before_ms, int64_t limit,
                                        int64_t *dropped, lm_errinfo *err) {
    /* partition bounds are in the names (positions_d<day>): day d covers [d, d+1) days */
    db_stmt *st = NULL;
    old_part parts[32];
    size_t n = 0;
    lm_status rc = db_prepare(db,
                              "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = "
                              "i.inhrelid WHERE i.inhparent = 'positions'::regclass AND "
                              "c.relname LIKE 'positions_d%' ORDER BY c.relname",
                              &st, err);
    if (rc != LM_OK) return rc;
    int s;
    while ((s = db_step(st)) == DB_ROW && n < sizeof parts / sizeof parts[0]) {
        const char *name = db_column_text(st, 0);
        long long day = 0;
        if (sscanf(name, "positions_d%lld", &day) != 1 || (day + 1) * DAY_MS > before_ms) continue;
        lm_strlcpy(parts[n++].name, name, sizeof parts[0].name);
    }
    if (s != DB_ROW && s != DB_DONE) rc = db_fail(db, s, err);
    db_finish(st);
    *dropped = 0;
    /* a dropped day may be no more than what is left of the limit, so that the caller's limit
     * still bounds what one call removes; the rest goes row by row */
    for (size_t i = 0; rc == LM_OK && i < n; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %.63s", parts[i].name);
        if ((rc = db_prepare(db, sql, &st, err)) != LM_OK) break;
        if ((rc = store__step_row(db, st, "partition", err)) == LM_OK)
            parts[i].rows = db_column_i64(st, 0);
        db_finish(st);
        if (rc != LM_OK || *dropped + parts[i].rows > limit) break;
        snprintf(sql, sizeof sql, "DROP TABLE %.63s", parts[i].name);
        if ((rc = db_exec(db, sql, err)) == LM_OK) *dropped += parts[i].rows;
    }
    return rc;
}
