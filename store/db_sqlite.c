/* store/db_sqlite.c: store/db.h's SQLite backend (db_sq__*, called by db.c): opening a
 * connection in WAL mode, statements, columns, transactions and SQLite's result codes mapped to
 * the db.h error classes. */
#include "store/db_impl.h"

#include <stdlib.h>
#include <string.h>

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

/* SQLite's allocation statistics take a global mutex around every allocation it makes, on every
 * thread; nothing here reads them. Only possible before SQLite initializes: if something in the
 * process already used it, the call fails harmlessly and the statistics stay on. */
static pthread_once_t sqlite_config_once = PTHREAD_ONCE_INIT;
static void sqlite_config(void) {
    int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)rc;
}

static lm_status fail(db_conn *c, int rc, lm_errinfo *err) {
    return lm_errinfo_set(err, db__status(rc_class(rc)), "", "%s", sqlite3_errmsg(c->sq));
}

/* journal_mode answers with the mode actually in force: check it really is WAL. */
static lm_status wal_on(db_conn *c, const char *path, lm_errinfo *err) {
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(c->sq, "PRAGMA journal_mode=WAL", -1, &q, NULL);
    if (rc != SQLITE_OK) return fail(c, rc, err);
    bool wal =
        sqlite3_step(q) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    if (!wal) return lm_errinfo_set(err, LM_STORE, "db", "%s cannot be put in WAL mode", path);
    return LM_OK;
}

const char *db_sq__errmsg(db_conn *c) {
    return sqlite3_errmsg(c->sq);
}

lm_status db_sq__open(const db_open_opts *o, db_conn *c, lm_errinfo *err) {
    pthread_once(&sqlite_config_once, sqlite_config);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (o->writer ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(o->target, &c->sq, flags, NULL);
    if (rc != SQLITE_OK)
        return lm_errinfo_set(err, LM_STORE, "db", "cannot open %s: %s", o->target,
                              c->sq ? sqlite3_errmsg(c->sq) : sqlite3_errstr(rc));
    sqlite3_busy_timeout(c->sq, o->busy_timeout_ms);
    sqlite3_extended_result_codes(c->sq, 1);
    lm_status st = LM_OK;
    if (o->writer && (st = wal_on(c, o->target, err)) != LM_OK) return st;
    /* FULL: in WAL mode every commit fsyncs the WAL before it returns (NORMAL would sync only at
     * checkpoints and lose acknowledged commits on a power cut). */
    if ((st = db_sq__exec(c,
                          o->sync_off ? "PRAGMA foreign_keys=ON; PRAGMA synchronous=OFF"
                                      : "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL",
                          err)) != LM_OK)
        return st;
    if (!o->writer) return db_sq__exec(c, "PRAGMA query_only=ON", err);
    /* the group commit runs every unit in a savepoint (store/commit_queue.c), and SQLite keeps a
     * savepoint's undo pages in a sub-journal that, once past 64 KiB, is a temporary file: two
     * pwrite calls per page, ~36 per order, 700k for an import of 20k orders. In memory, a
     * savepoint costs a memcpy per page (bench/results/perf-intake.md). It only ever serves a
     * rollback to a savepoint within a live transaction, never recovery, so memory is safe. */
    /* cache_size 32 MiB (default 2 MiB): an import's transaction of 2,000 orders dirties more
     * pages than 2 MiB holds, which SQLite then spills to the WAL before the commit, and the
     * random tracking-token index misses the cache on every insert once the table is large;
     * pages are only allocated as they are used (bench/results/perf-intake.md) */
    return db_sq__exec(c, "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768", err);
}

void db_sq__close(db_conn *c) {
    sqlite3_close(c->sq);
}

/* ---- Statements ---- */

lm_status db_sq__stmt_new(db_conn *c, const char *sql, bool persistent, db_stmt *w,
                          lm_errinfo *err) {
    int rc = sqlite3_prepare_v3(c->sq, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &w->sq,
                                NULL);
    if (rc != SQLITE_OK) {
        lm_status st = fail(c, rc, err);
        sqlite3_finalize(w->sq);
        return st;
    }
    if (!w->sq) /* only whitespace or a comment: nothing to run, and nothing callers expect */
        return lm_errinfo_set(err, LM_INTERNAL, "", "no SQL statement in \"%s\"", sql);
    return LM_OK;
}

void db_sq__stmt_free(db_stmt *st) {
    sqlite3_finalize(st->sq);
}

void db_sq__stmt_recycle(db_stmt *st) {
    /* reset ends the statement's read of the database at once; clearing drops the copies of
     * bound text so they don't outlive the call */
    sqlite3_reset(st->sq);
    sqlite3_clear_bindings(st->sq);
}

static lm_status bind_rc(int rc) {
    if (rc == SQLITE_OK) return LM_OK;
    return rc == SQLITE_NOMEM ? LM_NOMEM : LM_STORE;
}

lm_status db_sq__bind_text(db_stmt *st, int idx, const char *text) {
    if (!text) return bind_rc(sqlite3_bind_null(st->sq, idx));
    return bind_rc(sqlite3_bind_text(st->sq, idx, text, -1, SQLITE_TRANSIENT));
}

/* SQLITE_STATIC: no copy (and no malloc) of the text; db_finish clears the binding */
lm_status db_sq__bind_text_ref(db_stmt *st, int idx, const char *text) {
    if (!text) return bind_rc(sqlite3_bind_null(st->sq, idx));
    return bind_rc(sqlite3_bind_text(st->sq, idx, text, -1, SQLITE_STATIC));
}

lm_status db_sq__bind_i64(db_stmt *st, int idx, int64_t v) {
    return bind_rc(sqlite3_bind_int64(st->sq, idx, v));
}

lm_status db_sq__bind_double(db_stmt *st, int idx, double v) {
    return bind_rc(sqlite3_bind_double(st->sq, idx, v));
}

lm_status db_sq__bind_blob(db_stmt *st, int idx, const void *data, size_t n) {
    return bind_rc(sqlite3_bind_blob64(st->sq, idx, data, n, SQLITE_TRANSIENT));
}

lm_status db_sq__bind_null(db_stmt *st, int idx) {
    return bind_rc(sqlite3_bind_null(st->sq, idx));
}

int db_sq__bind_count(db_stmt *st) {
    return sqlite3_bind_parameter_count(st->sq);
}

int db_sq__step(db_stmt *st) {
    return rc_class(sqlite3_step(st->sq));
}

void db_sq__reset(db_stmt *st) {
    sqlite3_reset(st->sq);
}

int64_t db_sq__column_i64(db_stmt *st, int col) {
    return sqlite3_column_int64(st->sq, col);
}

double db_sq__column_double(db_stmt *st, int col) {
    return sqlite3_column_double(st->sq, col);
}

const char *db_sq__column_text(db_stmt *st, int col) {
    return (const char *)sqlite3_column_text(st->sq, col);
}

const void *db_sq__column_blob(db_stmt *st, int col) {
    return sqlite3_column_blob(st->sq, col);
}

int db_sq__column_bytes(db_stmt *st, int col) {
    return sqlite3_column_bytes(st->sq, col);
}

int db_sq__column_type(db_stmt *st, int col) {
    switch (sqlite3_column_type(st->sq, col)) {
    case SQLITE_INTEGER: return DB_INTEGER;
    case SQLITE_FLOAT: return DB_FLOAT;
    case SQLITE_TEXT: return DB_TEXT;
    case SQLITE_BLOB: return DB_BLOB;
    default: return DB_NULL;
    }
}

int db_sq__column_count(db_stmt *st) {
    return sqlite3_column_count(st->sq);
}

int64_t db_sq__changes(db_conn *c) {
    return sqlite3_changes(c->sq);
}

int64_t db_sq__total_changes(db_conn *c) {
    return sqlite3_total_changes64(c->sq);
}

int64_t db_sq__last_insert_id(db_conn *c) {
    return sqlite3_last_insert_rowid(c->sq);
}

/* ---- Whole statements and transactions ---- */

lm_status db_sq__exec(db_conn *c, const char *sql, lm_errinfo *err) {
    int rc = sqlite3_exec(c->sq, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? LM_OK : fail(c, rc, err);
}

bool db_sq__in_tx(db_conn *c) {
    return sqlite3_get_autocommit(c->sq) == 0;
}
