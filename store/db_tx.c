/* store/db_tx.c: transactions and closing, on top of the statement cache: SQLite's BEGIN / COMMIT
 * run as cached statements (compiled once per connection, not per request), PostgreSQL's through
 * its backend, which adds the write lock (store/db_pg.c). */
#include "store/db_impl.h"

void db_close(db_conn *c) {
    if (!c) return;
    /* a connection with statements left open would not close (SQLITE_BUSY) */
    db__cache_drop(c);
    db__close_backend(c);
}

lm_status db_run(db_conn *db, const char *sql, lm_errinfo *err) {
    if (db_kind(db) == DB_POSTGRES && db_pg__defer(db, sql)) return LM_OK;
    db_stmt *st = NULL;
    lm_status rc = db_prepare(db, sql, &st, err);
    if (rc != LM_OK) return rc;
    int s;
    while ((s = db_step(st)) == DB_ROW) {
    }
    if (s != DB_DONE) rc = db_fail(db, s, err);
    db_finish(st);
    return rc;
}

lm_status db_begin_write(db_conn *c, lm_errinfo *err) {
    /* SQLite: IMMEDIATE takes the write lock now */
    return db_kind(c) == DB_POSTGRES ? db_pg__begin(c, true, err)
                                     : db_run(c, "BEGIN IMMEDIATE", err);
}

lm_status db_begin_read(db_conn *c, lm_errinfo *err) {
    /* SQLite: a deferred BEGIN pins one snapshot at the first read and keeps it until the end */
    return db_kind(c) == DB_POSTGRES ? db_pg__begin(c, false, err) : db_run(c, "BEGIN", err);
}

lm_status db_commit(db_conn *c, lm_errinfo *err) {
    return db_kind(c) == DB_POSTGRES ? db_pg__commit(c, err) : db_run(c, "COMMIT", err);
}

void db_rollback(db_conn *c) {
    if (!db_in_tx(c)) return;
    lm_status rc = db_run(c, "ROLLBACK", NULL);
    (void)rc;
}
