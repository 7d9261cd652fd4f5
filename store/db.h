/* store/db.h: the backend-neutral SQL layer under store/: a connection, prepared statements with
 * positional parameters, stepping rows and reading columns, transactions, and the mapping of the
 * backend's errors to lm_status. store/db_sqlite.c implements it on SQLite; store code never
 * calls a backend's own API, so the same store file runs on every backend.
 *
 * Ownership: db_open hands out a db_conn the caller closes with db_close; db_prepare hands out a
 * db_stmt the caller gives back with db_finish (never freed any other way: it may be the
 * connection's cached one). Column text and blobs point into the statement and are valid until
 * the next db_step, db_reset or db_finish on it. A connection is used by one thread at a time.
 *
 * SQL: write `?` placeholders (bound by 1-based index) and the subset both dialects accept. */
#ifndef LASTMILE_STORE_DB_H
#define LASTMILE_STORE_DB_H

#include "common/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

/* Outcome of db_step (and the rc that db_fail maps): a row is current, the statement is done, or
 * one of the error classes the store tells apart. */
enum {
    DB_OK = 0,
    DB_ERROR = 1,       /* anything else: the message is in db_errmsg */
    DB_BUSY = 5,        /* locked by another connection (LM_UNAVAILABLE) */
    DB_NOMEM = 7,       /* out of memory (LM_NOMEM) */
    DB_CONSTRAINT = 19, /* a UNIQUE / CHECK / FOREIGN KEY / NOT NULL violation (LM_CONFLICT) */
    DB_ROW = 100,
    DB_DONE = 101,
};

/* Column types (db_column_type). */
enum { DB_INTEGER = 1, DB_FLOAT = 2, DB_TEXT = 3, DB_BLOB = 4, DB_NULL = 5 };

typedef enum db_backend { DB_SQLITE = 1, DB_POSTGRES = 2 } db_backend;

typedef struct db_open_opts {
    const char *target;  /* a file path (SQLite) or a postgresql:// URL */
    bool writer;         /* SQLite: may create the file and write; else read-only */
    int busy_timeout_ms; /* SQLite: how long to wait for a lock */
    bool sync_off;       /* SQLite: synchronous=OFF (TEST-ONLY, tests/durability) */
} db_open_opts;

/* Which backend a target names: DB_POSTGRES for postgres:// and postgresql:// URLs, DB_SQLITE
 * for anything else (a file path). */
db_backend db_backend_of(const char *target);

/* Opens a connection (WAL, foreign keys, the sync level for SQLite). */
LM_MUST_USE lm_status db_open(const db_open_opts *o, db_conn **out, lm_errinfo *err);
/* Closes a connection with every statement given back; finalizes its cached statements.
 * NULL-safe. */
void db_close(db_conn *c);
db_backend db_kind(const db_conn *c);
/* The backend's message for the last failure on c. */
const char *db_errmsg(db_conn *c);

/* ---- Statements ----
 * A connection keeps up to 64 prepared statements after db_cache_enable, keyed by their SQL text:
 * db_prepare hands out the cached one for the same text (freshly reset, no bindings), and
 * db_finish gives it back. Nested use of the same SQL on one connection gets a private statement,
 * finalized by db_finish. */

/* Prepares one statement (sql must hold exactly one) on c. Pass a string literal where you can:
 * the cache looks up the pointer it saw last before hashing the text. */
LM_MUST_USE lm_status db_prepare(db_conn *c, const char *sql, db_stmt **out, lm_errinfo *err);
/* Gives back a statement from db_prepare. NULL-safe. */
void db_finish(db_stmt *st);
/* Starts caching c's statements (after the migrations ran, so their one-off statements are not
 * kept). LM_NOMEM if the cache cannot be made. */
LM_MUST_USE lm_status db_cache_enable(db_conn *c);
/* The connection a statement was prepared on. */
db_conn *db_stmt_conn(db_stmt *st);

/* Binds by 1-based index; text and blobs are copied; NULL text binds SQL NULL. */
LM_MUST_USE lm_status db_bind_text(db_stmt *st, int idx, const char *text);
/* Like db_bind_text without the copy on SQLite: text must stay unchanged until the statement's
 * last db_step (db_finish or the next db_bind drops it). For the hot inserts' many text values. */
LM_MUST_USE lm_status db_bind_text_ref(db_stmt *st, int idx, const char *text);
LM_MUST_USE lm_status db_bind_i64(db_stmt *st, int idx, int64_t v);
LM_MUST_USE lm_status db_bind_double(db_stmt *st, int idx, double v);
LM_MUST_USE lm_status db_bind_blob(db_stmt *st, int idx, const void *data, size_t n);
LM_MUST_USE lm_status db_bind_null(db_stmt *st, int idx);
/* How many parameters the statement has (the largest index). */
int db_bind_count(db_stmt *st);

/* Runs the statement to its next row: DB_ROW, DB_DONE, or an error class (message in
 * db_errmsg; turn it into lm_status with db_fail). */
int db_step(db_stmt *st);
/* Rewinds the statement to run it again; the bindings stay. */
void db_reset(db_stmt *st);

int64_t db_column_i64(db_stmt *st, int col);
int db_column_int(db_stmt *st, int col);
double db_column_double(db_stmt *st, int col);
/* NULL for SQL NULL. */
const char *db_column_text(db_stmt *st, int col);
const void *db_column_blob(db_stmt *st, int col);
/* Bytes of the text or blob value of col. */
int db_column_bytes(db_stmt *st, int col);
int db_column_type(db_stmt *st, int col);
/* How many result columns the statement has. */
int db_column_count(db_stmt *st);
bool db_column_is_null(db_stmt *st, int col);

/* Rows changed by the last INSERT / UPDATE / DELETE on c. */
int64_t db_changes(db_conn *c);
/* Rows changed by every INSERT, UPDATE and DELETE completed on c since it opened (a statement
 * that failed and was undone counts none): whether a stretch of work wrote anything. */
int64_t db_total_changes(db_conn *c);
/* The id the last INSERT on c gave its row (the INTEGER PRIMARY KEY / identity column). */
int64_t db_last_insert_id(db_conn *c);

/* ---- Whole statements and transactions ---- */

/* Runs SQL text without results (may hold several statements; for DDL and pragmas). */
LM_MUST_USE lm_status db_exec(db_conn *c, const char *sql, lm_errinfo *err);
/* Runs one statement through the cache, discarding any rows (BEGIN, SAVEPOINT ...). */
LM_MUST_USE lm_status db_run(db_conn *c, const char *sql, lm_errinfo *err);
/* A write transaction (SQLite: BEGIN IMMEDIATE, taking the write lock now). */
LM_MUST_USE lm_status db_begin_write(db_conn *c, lm_errinfo *err);
/* A read transaction: one snapshot from the first read until its end. */
LM_MUST_USE lm_status db_begin_read(db_conn *c, lm_errinfo *err);
LM_MUST_USE lm_status db_commit(db_conn *c, lm_errinfo *err);
/* Rolls back if a transaction is open; a failure leaves nothing to do (it has ended anyway). */
void db_rollback(db_conn *c);
/* True while c has a transaction open. */
bool db_in_tx(db_conn *c);

/* Maps a db_step result to lm_status (DB_CONSTRAINT -> LM_CONFLICT, DB_BUSY -> LM_UNAVAILABLE,
 * DB_NOMEM -> LM_NOMEM, anything else -> LM_STORE) and, if err is not NULL, records db_errmsg(c)
 * as the message. */
lm_status db_fail(db_conn *c, int rc, lm_errinfo *err);

#endif
