/* The store's per-connection statement cache (store/stmt_cache.c) on real SQLite files: a
 * statement is reused across calls and reads, nested use of the same SQL gets its own statement,
 * the cache stays bounded, survives errors and schema changes, and closes cleanly on reopen. */
#include "store/db_impl.h" /* the SQLite handle, to count its statements */
#include "store/internal.h"
#include "tests/support/tmp_db.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* one read connection, so every read gets the same connection (and its cache) */
static int setup(void **state) {
    return tmp_store_setup(state, "lm_stmt_cache_", 1);
}

/* Statements alive on db (cached or handed out), as SQLite counts them. */
static int stmt_count(db_conn *db) {
    int n = 0;
    for (sqlite3_stmt *p = sqlite3_next_stmt(db->sq, NULL); p; p = sqlite3_next_stmt(db->sq, p))
        n++;
    return n;
}

static db_stmt *prep(db_conn *db, const char *sql) {
    db_stmt *st = NULL;
    lm_errinfo err = {0};
    assert_int_equal(db_prepare(db, sql, &st, &err), LM_OK);
    assert_non_null(st);
    return st;
}

/* Runs "SELECT ?1 + 0" style statements: binds v, returns the single integer column. */
static int64_t select_bound(db_stmt *st, int64_t v) {
    assert_int_equal(db_bind_i64(st, 1, v), LM_OK);
    assert_int_equal(db_step(st), DB_ROW);
    return db_column_i64(st, 0);
}

static void test_reused_across_calls_and_reads(void **state) {
    tmp_store *f = *state;
    store_read *r = NULL;
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    db_conn *db = store__db(r);
    db_stmt *first = prep(db, "SELECT ?1 * 2");
    assert_int_equal(select_bound(first, 21), 42);
    db_finish(first);
    int alive = stmt_count(db);

    /* the same text from another buffer (the cache keys on the text, not its address) */
    char sql[32];
    snprintf(sql, sizeof sql, "SELECT ?%d * 2", 1);
    db_stmt *again = prep(db, sql);
    assert_ptr_equal(again, first);
    /* given back reset, with the old binding cleared: an unbound parameter is NULL */
    assert_int_equal(db_step(again), DB_ROW);
    assert_int_equal(db_column_type(again, 0), DB_NULL);
    db_finish(again);
    store_read_end(r);

    /* a later read on the same pooled connection finds it too */
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    assert_ptr_equal(store__db(r), db);
    db_stmt *later = prep(db, "SELECT ?1 * 2");
    assert_ptr_equal(later, first);
    assert_int_equal(select_bound(later, 5), 10);
    db_finish(later);
    store_read_end(r);

    /* store functions called over and over compile nothing new: the statement count is flat */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 20; i++) {
            store_tx *tx = NULL;
            assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
            assert_int_equal(store_event_append(tx, "cache.test", "test", "1", "{}"), LM_OK);
            assert_int_equal(store_tx_commit(tx), LM_OK);
            assert_int_equal(store_read_begin(f->s, &r), LM_OK);
            store_event *ev = NULL;
            size_t n = 0;
            assert_int_equal(store_events_since(r, 0, 100, &ev, &n), LM_OK);
            assert_int_equal(n, (size_t)(round * 20 + i + 1));
            store_events_free(ev, n);
            store_read_end(r);
        }
        if (round == 0) alive = stmt_count(db);
    }
    assert_int_equal(stmt_count(db), alive);
}

static void test_nested_same_sql_gets_its_own(void **state) {
    tmp_store *f = *state;
    store_read *r = NULL;
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    db_conn *db = store__db(r);
    /* rows 1..?1 */
    const char *sql =
        "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < "
        "?1) SELECT value FROM s";
    db_stmt *outer = prep(db, sql);
    db_finish(outer); /* now cached */
    int cached = stmt_count(db);

    outer = prep(db, sql);
    assert_int_equal(db_bind_i64(outer, 1, 3), LM_OK);
    int64_t sum = 0;
    while (db_step(outer) == DB_ROW) {
        int64_t v = db_column_i64(outer, 0);
        /* the same SQL while the outer one is mid-way through its rows */
        db_stmt *inner = prep(db, sql);
        assert_ptr_not_equal(inner, outer);
        assert_int_equal(stmt_count(db), cached + 1);
        assert_int_equal(db_bind_i64(inner, 1, v * 10), LM_OK);
        int rows = 0;
        while (db_step(inner) == DB_ROW)
            rows++;
        assert_int_equal(rows, v * 10);
        db_finish(inner); /* not cached: finalized */
        assert_int_equal(stmt_count(db), cached);
        sum += v;
    }
    /* the outer statement kept its own bindings and position through all that */
    assert_int_equal(sum, 6);
    db_finish(outer);
    assert_ptr_equal(prep(db, sql), outer);
    db_finish(outer);
    assert_int_equal(stmt_count(db), cached);
    store_read_end(r);
}

static void test_bounded_and_evicts_idle(void **state) {
    tmp_store *f = *state;
    store_read *r = NULL;
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    db_conn *db = store__db(r);
    int base = stmt_count(db);
    char sql[64];
    for (int i = 0; i < 200; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        db_stmt *st = prep(db, sql);
        assert_int_equal(db_step(st), DB_ROW);
        assert_int_equal(db_column_int(st, 0), i);
        db_finish(st);
        assert_true(stmt_count(db) <= 64);
    }
    assert_true(stmt_count(db) >= base);
    /* statements evicted long ago come back prepared afresh and correct */
    snprintf(sql, sizeof sql, "SELECT %d", 199);
    db_stmt *a = prep(db, sql);
    db_stmt *b = prep(db, "SELECT 0");
    assert_int_equal(db_step(b), DB_ROW);
    assert_int_equal(db_column_int(b, 0), 0);
    db_finish(b);
    db_finish(a);
    assert_true(stmt_count(db) <= 64);

    /* more statements handed out at once than the cache holds: all work, the extra are freed */
    db_stmt *held[80];
    for (int i = 0; i < 80; i++) {
        snprintf(sql, sizeof sql, "SELECT %d + 1000", i);
        held[i] = prep(db, sql);
    }
    for (int i = 0; i < 80; i++) {
        assert_int_equal(db_step(held[i]), DB_ROW);
        assert_int_equal(db_column_int(held[i], 0), i + 1000);
        db_finish(held[i]);
    }
    assert_true(stmt_count(db) <= 64);
    store_read_end(r);
}

static void test_error_then_reuse(void **state) {
    tmp_store *f = *state;
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    /* the events table CHECKs its payload is JSON: the failed insert must not poison the reuse */
    assert_int_equal(store_event_append(tx, "cache.bad", "test", "1", "not json"), LM_INVALID);
    assert_int_equal(store_event_append(tx, "cache.good", "test", "2", "{\"a\":1}"), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    assert_int_equal(tmp_db_count_events(f->s, "cache.good"), 1);
    assert_int_equal(tmp_db_count_events(f->s, "cache.bad"), 0);

    /* a statement that fails to compile is not cached and says why */
    store_read *r = NULL;
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    db_stmt *st = NULL;
    lm_errinfo err = {0};
    assert_int_equal(db_prepare(store__db(r), "SELECT * FROM nosuch", &st, &err), LM_STORE);
    assert_null(st);
    assert_non_null(strstr(err.message, "nosuch"));
    store_read_end(r);
}

static void test_schema_change_seen_by_cached(void **state) {
    tmp_store *f = *state;
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    db_conn *w = store__tx_db(tx);
    assert_int_equal(db_exec(w, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1)", NULL),
                     LM_OK);
    db_stmt *st = prep(w, "SELECT * FROM t");
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_column_count(st), 1);
    db_finish(st);
    assert_int_equal(store_tx_commit(tx), LM_OK);

    /* a reader caches the old shape */
    store_read *r = NULL;
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    db_stmt *rs = prep(store__db(r), "SELECT * FROM t");
    assert_int_equal(db_step(rs), DB_ROW);
    assert_int_equal(db_column_count(rs), 1);
    db_finish(rs);
    store_read_end(r);

    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(db_exec(store__tx_db(tx), "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'", NULL),
                     LM_OK);
    db_stmt *again = prep(w, "SELECT * FROM t");
    assert_ptr_equal(again, st);
    assert_int_equal(db_step(again), DB_ROW);
    assert_int_equal(db_column_count(again), 2);
    db_finish(again);
    assert_int_equal(store_tx_commit(tx), LM_OK);

    /* SQLite recompiles the cached statement against the new schema */
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    db_stmt *rs2 = prep(store__db(r), "SELECT * FROM t");
    assert_ptr_equal(rs2, rs);
    assert_int_equal(db_step(rs2), DB_ROW);
    assert_int_equal(db_column_count(rs2), 2);
    assert_string_equal(db_column_text(rs2, 1), "x");
    db_finish(rs2);
    store_read_end(r);

    /* dropping a table whose statements sit in the cache works (they are reset, not running) */
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(db_exec(store__tx_db(tx), "DROP TABLE t", NULL), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

static void test_reopen(void **state) {
    tmp_store *f = *state;
    for (int round = 0; round < 3; round++) {
        store_tx *tx = NULL;
        assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
        assert_int_equal(store_event_append(tx, "cache.reopen", "test", NULL, NULL), LM_OK);
        assert_int_equal(store_tx_commit(tx), LM_OK);
        assert_int_equal(tmp_db_count_events(f->s, "cache.reopen"), round + 1);
        /* closing finalizes every cached statement (LeakSanitizer checks the rest) ... */
        store_close(f->s);
        f->s = NULL;
        /* ... so the file is free of open statements: a plain connection can checkpoint it */
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(f->db.path, &db), SQLITE_OK);
        assert_int_equal(
            sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
        assert_int_equal(tmp_db_store_open(&f->db, 1, &f->s), 0);
    }
    assert_int_equal(tmp_db_count_events(f->s, "cache.reopen"), 3);
}

/* ---- Several stores and threads at once (the connection -> cache map is shared) ---- */

typedef struct reader_arg {
    store *s;
    int iterations;
    int failures;
} reader_arg;

static void *reader_main(void *p) {
    reader_arg *a = p;
    for (int i = 0; i < a->iterations; i++) {
        store_read *r = NULL;
        if (store_read_begin(a->s, &r) != LM_OK) {
            a->failures++;
            continue;
        }
        store_event *ev = NULL;
        size_t n = 0;
        if (store_events_since(r, 0, 10, &ev, &n) != LM_OK) a->failures++;
        store_events_free(ev, n);
        store_read_end(r);
    }
    return NULL;
}

static void test_threads_and_other_stores(void **state) {
    tmp_store *f = *state;
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(tmp_db_store_open(&f->db, 2, &f->s), 0);
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, "cache.threads", "test", NULL, NULL), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);

    reader_arg args[2] = {{f->s, 300, 0}, {f->s, 300, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader_main, &args[i]), 0);
    /* meanwhile other stores open, work and close: their connections join and leave the map */
    for (int round = 0; round < 5; round++) {
        tmp_db other;
        store *o = NULL;
        assert_int_equal(tmp_db_create(&other, "lm_stmt_cache_o_"), 0);
        assert_int_equal(tmp_db_store_open(&other, 2, &o), 0);
        assert_int_equal(store_tx_begin(o, &tx), LM_OK);
        assert_int_equal(store_event_append(tx, "cache.other", "test", NULL, NULL), LM_OK);
        assert_int_equal(store_tx_commit(tx), LM_OK);
        assert_int_equal(tmp_db_count_events(o, "cache.other"), 1);
        store_close(o);
        tmp_db_remove(&other);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reused_across_calls_and_reads, setup,
                                        tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_nested_same_sql_gets_its_own, setup,
                                        tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_bounded_and_evicts_idle, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_error_then_reuse, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_schema_change_seen_by_cached, setup,
                                        tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_threads_and_other_stores, setup, tmp_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
