/* store/db_sqlite.c: store/db.h on SQLite: opening a connection in WAL mode, statements,
 * columns, transactions and SQLite's result codes mapped to the db.h error classes. The
 * statement cache lives in store/stmt_cache.c. */
#include "store/db_impl.h"

#include <stdlib.h>
#include <string.h>

db_backend db_backend_of(const char *target) {
    if (target && (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11)))
        return DB_POSTGRES;
    return DB_SQLITE;
}

db_backend db_kind(const db_conn *c) {
    (void)c;
    return DB_SQLITE;
}

/* SQLite's (extended) result code folded into the classes store code tells apart. */
static int rc_class(int rc) {
    switch (rc & 0xff) {
    case SQLITE_OK: return DB_OK;
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_DONE: return DB_DONE;
    case SQLITE_CONSTRAINT: return DB_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_BUSY;
    case SQLITE_NOMEM: return DB_NOMEM;
    default: return DB_ERROR;
    }
}

const char *db_errmsg(db_conn *c) {
    return c ? sqlite3_errmsg(c->sq) : "no connection";
}

lm_status db_fail(db_conn *c, int rc, lm_errinfo *err) {
    lm_status code;
    switch (rc) {
    case DB_CONSTRAINT: code = LM_CONFLICT; break;
    case DB_BUSY: code = LM_UNAVAILABLE; break;
    case DB_NOMEM: code = LM_NOMEM; break;
    default: code = LM_STORE; break;
    }
    return lm_errinfo_set(err, code, "", "%s", db_errmsg(c));
}

/* SQLite's allocation statistics take a global mutex around every allocation it makes, on every
 * thread; nothing here reads them. Only possible before SQLite initializes: if something in the
 * process already used it, the call fails harmlessly and the statistics stay on. */
static pthread_once_t sqlite_config_once = PTHREAD_ONCE_INIT;
static void sqlite_config(void) {
    int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)rc;
}

/* journal_mode answers with the mode actually in force: check it really is WAL. */
static lm_status wal_on(db_conn *c, const char *path, lm_errinfo *err) {
    db_stmt *q = NULL;
    lm_status st = db_prepare(c, "PRAGMA journal_mode=WAL", &q, err);
    if (st != LM_OK) return st;
    bool wal = db_step(q) == DB_ROW && !strcmp(db_column_text(q, 0), "wal");
    db_finish(q);
    if (!wal) return lm_errinfo_set(err, LM_STORE, "db", "%s cannot be put in WAL mode", path);
    return LM_OK;
}

lm_status db_open(const db_open_opts *o, db_conn **out, lm_errinfo *err) {
    pthread_once(&sqlite_config_once, sqlite_config);
    db_conn *c = lm_calloc(1, sizeof *c);
    if (!c) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (o->writer ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(o->target, &c->sq, flags, NULL);
    lm_status st = LM_OK;
    if (rc != SQLITE_OK) {
        st = lm_errinfo_set(err, LM_STORE, "db", "cannot open %s: %s", o->target,
                            c->sq ? sqlite3_errmsg(c->sq) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_busy_timeout(c->sq, o->busy_timeout_ms);
    sqlite3_extended_result_codes(c->sq, 1);
    if (o->writer && (st = wal_on(c, o->target, err)) != LM_OK) goto fail;
    /* FULL: in WAL mode every commit fsyncs the WAL before it returns (NORMAL would sync only at
     * checkpoints and lose acknowledged commits on a power cut). */
    if ((st = db_exec(c,
                      o->sync_off ? "PRAGMA foreign_keys=ON; PRAGMA synchronous=OFF"
                                  : "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL",
                      err)) != LM_OK)
        goto fail;
    if (!o->writer && (st = db_exec(c, "PRAGMA query_only=ON", err)) != LM_OK) goto fail;
    *out = c;
    return LM_OK;
fail:
    db_close(c);
    return st;
}

void db_close(db_conn *c) {
    if (!c) return;
    /* a connection with statements left open would not close (SQLITE_BUSY) */
    db__cache_drop(c);
    sqlite3_close(c->sq);
    lm_free(c);
}

/* ---- Statements ---- */

lm_status db__stmt_new(db_conn *c, const char *sql, bool persistent, db_stmt **out,
                       lm_errinfo *err) {
    db_stmt *w = lm_calloc(1, sizeof *w);
    if (!w) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    w->conn = c;
    int rc = sqlite3_prepare_v3(c->sq, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
                                &w->sq, NULL);
    if (rc != SQLITE_OK) {
        lm_status st = db_fail(c, rc_class(rc), err);
        sqlite3_finalize(w->sq);
        lm_free(w);
        return st;
    }
    if (!w->sq) { /* only whitespace or a comment: nothing to run, and nothing callers expect */
        lm_free(w);
        return lm_errinfo_set(err, LM_INTERNAL, "", "no SQL statement in \"%s\"", sql);
    }
    *out = w;
    return LM_OK;
}

void db__stmt_free(db_stmt *st) {
    if (!st) return;
    sqlite3_finalize(st->sq);
    lm_free(st);
}

void db__stmt_recycle(db_stmt *st) {
    /* reset ends the statement's read of the database at once; clearing drops the copies of
     * bound text so they don't outlive the call */
    sqlite3_reset(st->sq);
    sqlite3_clear_bindings(st->sq);
}

db_conn *db_stmt_conn(db_stmt *st) {
    return st->conn;
}

static lm_status bind_rc(int rc) {
    if (rc == SQLITE_OK) return LM_OK;
    return rc == SQLITE_NOMEM ? LM_NOMEM : LM_STORE;
}

lm_status db_bind_text(db_stmt *st, int idx, const char *text) {
    if (!text) return bind_rc(sqlite3_bind_null(st->sq, idx));
    return bind_rc(sqlite3_bind_text(st->sq, idx, text, -1, SQLITE_TRANSIENT));
}

lm_status db_bind_i64(db_stmt *st, int idx, int64_t v) {
    return bind_rc(sqlite3_bind_int64(st->sq, idx, v));
}

lm_status db_bind_double(db_stmt *st, int idx, double v) {
    return bind_rc(sqlite3_bind_double(st->sq, idx, v));
}

lm_status db_bind_blob(db_stmt *st, int idx, const void *data, size_t n) {
    return bind_rc(sqlite3_bind_blob64(st->sq, idx, data, n, SQLITE_TRANSIENT));
}

lm_status db_bind_null(db_stmt *st, int idx) {
    return bind_rc(sqlite3_bind_null(st->sq, idx));
}

int db_bind_count(db_stmt *st) {
    return sqlite3_bind_parameter_count(st->sq);
}

int db_step(db_stmt *st) {
    return rc_class(sqlite3_step(st->sq));
}

void db_reset(db_stmt *st) {
    sqlite3_reset(st->sq);
}

int64_t db_column_i64(db_stmt *st, int col) {
    return sqlite3_column_int64(st->sq, col);
}

int db_column_int(db_stmt *st, int col) {
    return sqlite3_column_int(st->sq, col);
}

double db_column_double(db_stmt *st, int col) {
    return sqlite3_column_double(st->sq, col);
}

const char *db_column_text(db_stmt *st, int col) {
    return (const char *)sqlite3_column_text(st->sq, col);
}

const void *db_column_blob(db_stmt *st, int col) {
    return sqlite3_column_blob(st->sq, col);
}

int db_column_bytes(db_stmt *st, int col) {
    return sqlite3_column_bytes(st->sq, col);
}

int db_column_type(db_stmt *st, int col) {
    switch (sqlite3_column_type(st->sq, col)) {
    case SQLITE_INTEGER: return DB_INTEGER;
    case SQLITE_FLOAT: return DB_FLOAT;
    case SQLITE_TEXT: return DB_TEXT;
    case SQLITE_BLOB: return DB_BLOB;
    default: return DB_NULL;
    }
}

int db_column_count(db_stmt *st) {
    return sqlite3_column_count(st->sq);
}

bool db_column_is_null(db_stmt *st, int col) {
    return sqlite3_column_type(st->sq, col) == SQLITE_NULL;
}

int64_t db_changes(db_conn *c) {
    return sqlite3_changes(c->sq);
}

int64_t db_last_insert_id(db_conn *c) {
    return sqlite3_last_insert_rowid(c->sq);
}

/* ---- Whole statements and transactions ---- */

lm_status db_exec(db_conn *c, const char *sql, lm_errinfo *err) {
    int rc = sqlite3_exec(c->sq, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? LM_OK : db_fail(c, rc_class(rc), err);
}

lm_status db_begin_write(db_conn *c, lm_errinfo *err) {
    return db_run(c, "BEGIN IMMEDIATE", err);
}

lm_status db_begin_read(db_conn *c, lm_errinfo *err) {
    /* a deferred BEGIN pins one snapshot at the first read and keeps it until the end */
    return db_run(c, "BEGIN", err);
}

lm_status db_commit(db_conn *c, lm_errinfo *err) {
    return db_run(c, "COMMIT", err);
}

void db_rollback(db_conn *c) {
    if (!db_in_tx(c)) return;
    lm_status rc = db_run(c, "ROLLBACK", NULL);
    (void)rc;
}

bool db_in_tx(db_conn *c) {
    return sqlite3_get_autocommit(c->sq) == 0;
}
