/* store/internal.h: what the store's own .c files share (the SQLite handle behind a tx or a read,
 * statement helpers, the migration table). Only the store/ .c files include this; everyone else
 * uses store/store.h.
 *
 * How to write a store function for your module (e.g. store/orders.c):
 *   - writes take a store_tx *tx:   sqlite3 *db = store__tx_db(tx);
 *   - reads take a store_read *r:   sqlite3 *db = store__db(r);
 *     (store_tx_read(tx) gives a store_read for reads inside a tx, so one read function serves
 * both)
 *   - prepare with store__prepare (SQL text that holds one statement), bind with store__bind_*,
 *     step, and always give it back with store__finish (never sqlite3_finalize: the statement
 *     may be the connection's cached one) in the single `fail:` cleanup; turn SQLite result
 *     codes into lm_status with store__fail, which maps constraint violations to LM_CONFLICT and
 *     records the SQLite message in err.
 *   - one row: store__step_row; a list: a row function and store__collect.
 *   - append an event with store_event_append(tx, ...) in the same tx as the change.
 *   - register your tables as a migration (see store/migrations.c). */
#ifndef LASTMILE_STORE_INTERNAL_H
#define LASTMILE_STORE_INTERNAL_H

#include "store/store.h"

#include <sqlite3.h>

/* The SQLite connection of a read (or of the tx a view belongs to). */
sqlite3 *store__db(store_read *r);
/* The SQLite connection of a write tx. */
sqlite3 *store__tx_db(store_tx *tx);

/* ---- Statements (store/stmt_cache.c) ----
 * A connection the store opened keeps up to 64 prepared statements, keyed by their SQL text:
 * store__prepare hands out the cached one for the same text (freshly reset, no bindings), and
 * store__finish gives it back. Nested use of the same SQL on one connection gets a private
 * statement, finalized by store__finish. A connection is used by one thread at a time (the
 * writer mutex, the read pool), which is what makes the cache safe without a lock. */

/* Prepares one statement (sql must hold exactly one) on db, from db's cache when it has it.
 * Give it back with store__finish. Pass a string literal where you can: the cache looks up the
 * pointer it saw last before hashing the text. */
LM_MUST_USE lm_status store__prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out,
                                     lm_errinfo *err);
/* Gives back a statement from store__prepare: a cached one is reset with its bindings cleared
 * for its next use, any other is finalized. Column values read from it are invalid afterwards.
 * NULL-safe. */
void store__finish(sqlite3_stmt *st);
/* Runs one statement without result columns through the cache (BEGIN, COMMIT, SAVEPOINT ...:
 * the per-request ones, which sqlite3_exec would compile on every call). */
LM_MUST_USE lm_status store__run(sqlite3 *db, const char *sql, lm_errinfo *err);
/* Starts caching db's statements; the store calls it after the migrations ran, so their one-off
 * statements are not kept (a later schema change is safe: SQLite recompiles a cached statement
 * whose schema changed). LM_NOMEM if the cache cannot be made. */
LM_MUST_USE lm_status store__cache_attach(sqlite3 *db);
/* Finalizes db's cached statements and stops caching them: call before sqlite3_close, with
 * every statement given back. A no-op for a connection without a cache. */
void store__cache_detach(sqlite3 *db);

/* ---- Statement helpers (store/sql.c) ---- */

/* Binds by 1-based index; text is copied (SQLITE_TRANSIENT); NULL text binds SQL NULL. */
LM_MUST_USE lm_status store__bind_text(sqlite3_stmt *st, int idx, const char *text);
LM_MUST_USE lm_status store__bind_i64(sqlite3_stmt *st, int idx, int64_t v);
LM_MUST_USE lm_status store__bind_double(sqlite3_stmt *st, int idx, double v);
LM_MUST_USE lm_status store__bind_blob(sqlite3_stmt *st, int idx, const void *data, size_t n);
/* Steps a statement that returns no rows; LM_OK on SQLITE_DONE. */
LM_MUST_USE lm_status store__step_done(sqlite3_stmt *st, lm_errinfo *err);
/* Runs SQL text without results (may hold several statements; for DDL and pragmas). */
LM_MUST_USE lm_status store__exec(sqlite3 *db, const char *sql, lm_errinfo *err);
/* Maps a SQLite result code to lm_status (CONSTRAINT -> LM_CONFLICT, BUSY/LOCKED ->
 * LM_UNAVAILABLE, NOMEM -> LM_NOMEM, anything else -> LM_STORE) and, if err is not NULL, records
 * sqlite3_errmsg(db) as the message. */
lm_status store__fail(sqlite3 *db, int rc, lm_errinfo *err);
/* Copies column col of the current row into dst (dst_size > 0), "" for NULL; false if truncated. */
bool store__column_copy(sqlite3_stmt *st, int col, char *dst, size_t dst_size);
/* lm_strdup of a text column; *out is NULL for SQL NULL. LM_NOMEM on allocation failure. */
LM_MUST_USE lm_status store__column_dup(sqlite3_stmt *st, int col, char **out);

/* Steps once expecting a row: LM_OK with the row current, LM_NOT_FOUND ("<what> not found") when
 * the statement is done, a store__fail code otherwise. */
LM_MUST_USE lm_status store__step_row(sqlite3 *db, sqlite3_stmt *st, const char *what,
                                      lm_errinfo *err);

/* Fills one element (zeroed beforehand) from the statement's current row. */
typedef void (*store__row_fn)(sqlite3_stmt *st, void *elem);
/* Steps a prepared, bound SELECT to its end and hands back one elem_size element per row, filled
 * by row, in *out (the caller lm_frees it; NULL when there are no rows) and their count in *n;
 * both untouched on failure. st is neither reset nor finalized: the caller owns it. */
LM_MUST_USE lm_status store__collect(sqlite3 *db, sqlite3_stmt *st, size_t elem_size,
                                     store__row_fn row, void **out, size_t *n, lm_errinfo *err);
/* A store__row_fn for an int64_t element from column 0 (lists of ids). */
void store__id_row(sqlite3_stmt *st, void *elem);

/* ---- Keys inside a caller's tx (store/keys.c; the driver app's enrolment uses them) ---- */

/* store_key_create's checks, row and "key.created" event inside tx. */
LM_MUST_USE lm_status store__key_insert(store_tx *tx, const char *role, const char *driver_id,
                                        char key_out[STORE_KEY_MAX], store_key_info *info,
                                        lm_errinfo *err);
/* store_key_revoke's checks, update and "key.revoked" event inside tx. */
LM_MUST_USE lm_status store__key_revoke_tx(store_tx *tx, const char *id, lm_errinfo *err);

/* ---- Migrations (store/migrations.c) ---- */

typedef struct store__migration {
    int version;      /* unique, increasing down the table; applied-set semantics (see .c) */
    const char *name; /* short, for the schema_migrations table */
    const char *sql;  /* one or more statements, run in one transaction */
} store__migration;

extern const store__migration store__migrations[];
extern const size_t store__migration_count;

/* Applies every migration the database lacks; refuses a database with unknown versions. */
LM_MUST_USE lm_status store__migrate(sqlite3 *db, lm_errinfo *err);

#endif
