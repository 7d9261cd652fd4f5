/* store/db_impl.h: what store/db.h's implementation files share: the connection and statement
 * structs and the hooks between a backend and the statement cache (store/stmt_cache.c). Only the
 * db_*.c files and stmt_cache.c include it. */
#ifndef LASTMILE_STORE_DB_IMPL_H
#define LASTMILE_STORE_DB_IMPL_H

#include "store/db.h"

#include <pthread.h>
#include <sqlite3.h>

typedef struct db_cache db_cache;

struct db_conn {
    sqlite3 *sq;
    db_cache *cache; /* NULL until db_cache_enable */
};

struct db_stmt {
    db_conn *conn;
    sqlite3_stmt *sq;
    bool cached; /* owned by the connection's cache: db_finish recycles it */
};

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
