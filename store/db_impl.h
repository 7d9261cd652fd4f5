/* store/db_impl.h: what store/db.h's implementation files share: the connection and statement
 * structs, each backend's functions (db_sq__* in db_sqlite.c, db_pg__* in db_pg.c) that db.c
 * dispatches to, and the hooks between a backend and the statement cache (stmt_cache.c). Only
 * those files (and white-box tests) include it. */
#ifndef LASTMILE_STORE_DB_IMPL_H
#define LASTMILE_STORE_DB_IMPL_H

#include "store/db.h"

#include <pthread.h>
#include <sqlite3.h>

typedef struct db_cache db_cache;
typedef struct db_pg_conn db_pg_conn;
typedef struct db_pg_stmt db_pg_stmt;

struct db_conn {
    db_backend kind;
    sqlite3 *sq;     /* DB_SQLITE */
    db_pg_conn *pg;  /* DB_POSTGRES */
    db_cache *cache; /* NULL until db_cache_enable */
};

struct db_stmt {
    db_conn *conn;
    sqlite3_stmt *sq; /* DB_SQLITE */
    db_pg_stmt *pg;   /* DB_POSTGRES */
    bool cached;      /* owned by the connection's cache: db_finish recycles it */
};

/* ---- Backend entry points (same contracts as the db_* they implement) ---- */

LM_MUST_USE lm_status db_sq__open(const db_open_opts *o, db_conn *c, lm_errinfo *err);
void db_sq__close(db_conn *c);
const char *db_sq__errmsg(db_conn *c);
LM_MUST_USE lm_status db_sq__stmt_new(db_conn *c, const char *sql, bool persistent, db_stmt *st,
                                      lm_errinfo *err);
void db_sq__stmt_free(db_stmt *st);
void db_sq__stmt_recycle(db_stmt *st);
LM_MUST_USE lm_status db_sq__bind_text(db_stmt *st, int idx, const char *text);
LM_MUST_USE lm_status db_sq__bind_text_ref(db_stmt *st, int idx, const char *text);
LM_MUST_USE lm_status db_sq__bind_i64(db_stmt *st, int idx, int64_t v);
LM_MUST_USE lm_status db_sq__bind_double(db_stmt *st, int idx, double v);
LM_MUST_USE lm_status db_sq__bind_blob(db_stmt *st, int idx, const void *data, size_t n);
LM_MUST_USE lm_status db_sq__bind_null(db_stmt *st, int idx);
int db_sq__bind_count(db_stmt *st);
int db_sq__step(db_stmt *st);
void db_sq__reset(db_stmt *st);
int64_t db_sq__column_i64(db_stmt *st, int col);
double db_sq__column_double(db_stmt *st, int col);
const char *db_sq__column_text(db_stmt *st, int col);
const void *db_sq__column_blob(db_stmt *st, int col);
int db_sq__column_bytes(db_stmt *st, int col);
int db_sq__column_type(db_stmt *st, int col);
int db_sq__column_count(db_stmt *st);
int64_t db_sq__changes(db_conn *c);
int64_t db_sq__total_changes(db_conn *c);
int64_t db_sq__last_insert_id(db_conn *c);
LM_MUST_USE lm_status db_sq__exec(db_conn *c, const char *sql, lm_errinfo *err);
bool db_sq__in_tx(db_conn *c);

LM_MUST_USE lm_status db_pg__open(const db_open_opts *o, db_conn *c, lm_errinfo *err);
void db_pg__close(db_conn *c);
const char *db_pg__errmsg(db_conn *c);
LM_MUST_USE lm_status db_pg__stmt_new(db_conn *c, const char *sql, db_stmt *st, lm_errinfo *err);
void db_pg__stmt_free(db_stmt *st);
void db_pg__stmt_recycle(db_stmt *st);
LM_MUST_USE lm_status db_pg__bind(db_stmt *st, int idx, unsigned type_oid, const void *v, size_t n,
                                  bool binary);
int db_pg__bind_count(db_stmt *st);
int db_pg__step(db_stmt *st);
void db_pg__reset(db_stmt *st);
/* The current row's value of col as text, NULL for SQL NULL. */
const char *db_pg__value(db_stmt *st, int col);
const void *db_pg__column_blob(db_stmt *st, int col);
int db_pg__column_bytes(db_stmt *st, int col);
int db_pg__column_type(db_stmt *st, int col);
int db_pg__column_count(db_stmt *st);
int64_t db_pg__changes(db_conn *c);
int64_t db_pg__total_changes(db_conn *c);
int64_t db_pg__last_insert_id(db_conn *c);
LM_MUST_USE lm_status db_pg__exec(db_conn *c, const char *sql, lm_errinfo *err);
LM_MUST_USE lm_status db_pg__begin(db_conn *c, bool write, lm_errinfo *err);
LM_MUST_USE lm_status db_pg__commit(db_conn *c, lm_errinfo *err);
bool db_pg__in_tx(db_conn *c);
/* Inside a transaction, a SAVEPOINT or RELEASE is kept to go out with the next statement (one
 * round trip fewer each; the group-commit queue runs two per unit): true when sql was kept. */
bool db_pg__defer(db_conn *c, const char *sql);

/* The db.h error class rc as lm_status (store/db_error.c). */
lm_status db__status(int rc);
/* Closes the backend's connection and frees c (db.c; db_close drops the cache first). */
void db__close_backend(db_conn *c);

/* ---- Statement cache hooks (db.c) ---- */

/* Compiles sql on c into a new statement; persistent: it will be kept and reused. */
LM_MUST_USE lm_status db__stmt_new(db_conn *c, const char *sql, bool persistent, db_stmt **out,
                                   lm_errinfo *err);
/* Finalizes and frees a statement. NULL-safe. */
void db__stmt_free(db_stmt *st);
/* Readies a cached statement for its next use: reset, bindings cleared. */
void db__stmt_recycle(db_stmt *st);
/* Frees c's cache and every statement in it (all given back). */
void db__cache_drop(db_conn *c);

#endif
