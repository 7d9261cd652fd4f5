/* tests/support/tmp_db.h: a temporary directory under /tmp for one test's SQLite file (and
 * whatever else the test writes there) or a temporary PostgreSQL database, the store opened on
 * it, and event counting. */
#ifndef LASTMILE_TESTS_TMP_DB_H
#define LASTMILE_TESTS_TMP_DB_H

#include "store/store.h"

#include <stdbool.h>

/* A directory made by tmp_db_create and the database the store opens: dir/t.db, or in a _pg run
 * (LASTMILE_TEST_PG or LASTMILE_TEST_PG_FILE set) the URL of a fresh PostgreSQL database pg_db,
 * dropped by tmp_db_remove. */
typedef struct tmp_db {
    char dir[64];
    char path[128];
    char pg_db[64];
} tmp_db;

/* True in a _pg run: tmp_db_create makes PostgreSQL databases. */
bool tmp_db_is_pg(void);

/* Makes /tmp/<prefix>XXXXXX (prefix up to 40 characters) and sets t->path; 0, or -1 on
 * failure. */
int tmp_db_create(tmp_db *t, const char *prefix);
/* Opens a store on t->path with read_conns read connections; 0, or -1 after printing why. */
int tmp_db_store_open(const tmp_db *t, int read_conns, store **out);
/* Removes t->dir and everything under it (the database, its -wal and -shm files included). */
void tmp_db_remove(const tmp_db *t);

/* The state of a cmocka fixture that needs only a fresh database and its store. */
typedef struct tmp_store {
    tmp_db db;
    store *s;
} tmp_store;

/* The body of a cmocka setup: *state = a tmp_store on a new /tmp/<prefix>XXXXXX with read_conns
 * read connections; 0, or -1 on failure. */
int tmp_store_setup(void **state, const char *prefix, int read_conns);
/* cmocka teardown of tmp_store_setup: closes the store, removes the directory, frees the state. */
int tmp_store_teardown(void **state);

/* Appends an event of `type` straight to the log (as any module's change would) and returns
 * the log's last sequence number; fails the running cmocka test on a store error. */
int64_t tmp_db_append_event(store *s, const char *type);

/* How many events of `type` the log holds (all pages); fails the running cmocka test on a store
 * error. */
int64_t tmp_db_count_events(store *s, const char *type);

#endif
