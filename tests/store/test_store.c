/* store core on real SQLite files: open/migrate/reopen, commit and rollback, the event log in the
 * same tx, read snapshots beside a writer, API keys. */
#include "store/internal.h"
#include "tests/support/tmp_db.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h> /* opens the file directly, as another process would */

#include <cmocka.h>

static int setup(void **state) {
    return tmp_store_setup(state, "lm_store_", 2);
}

static int64_t count_rows(store *s, const char *sql) {
    store_read *r = NULL;
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    db_stmt *st = NULL;
    assert_int_equal(db_prepare(store__db(r), sql, &st, NULL), LM_OK);
    assert_int_equal(db_step(st), DB_ROW);
    int64_t n = db_column_i64(st, 0);
    db_finish(st);
    store_read_end(r);
    return n;
}

static void test_open_migrates_and_reopen_keeps(void **state) {
    tmp_store *f = *state;
    assert_int_equal(count_rows(f->s, "SELECT count(*) FROM schema_migrations"),
                     (int64_t)store__migration_count);
    /* the backends' own catalogs: the tables exist, foreign keys are enforced */
    if (tmp_db_is_pg()) {
        assert_int_equal(
            count_rows(f->s, "SELECT count(*) FROM pg_tables WHERE tablename='events'"), 1);
        /* positions is partitioned by day: a DEFAULT partition and days around today */
        assert_true(count_rows(f->s, "SELECT count(*) FROM pg_inherits WHERE inhparent = "
                                     "'positions'::regclass") >= 9);
    } else {
        assert_int_equal(count_rows(f->s, "SELECT count(*) FROM sqlite_master WHERE name='events'"),
                         1);
        assert_int_equal(count_rows(f->s, "PRAGMA foreign_keys"), 1);
    }

    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, "test.kept", "test", "1", "{\"a\":1}"), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);

    store_close(f->s);
    f->s = NULL;
    store_opts o;
    store_opts_init(&o);
    o.path = f->db.path;
    lm_errinfo err = {0};
    assert_int_equal(store_open(&o, &f->s, &err), LM_OK);
    /* reopening applies nothing twice and keeps the data */
    assert_int_equal(count_rows(f->s, "SELECT count(*) FROM schema_migrations"),
                     (int64_t)store__migration_count);
    assert_int_equal(count_rows(f->s, "SELECT count(*) FROM events WHERE type='test.kept'"), 1);
    if (tmp_db_is_pg()) return; /* the rest looks at the SQLite file */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(f->db.path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_unknown_migration_refused(void **state) {
    tmp_store *f = *state;
    /* a newer build's migration, written through the store so that both backends run it */
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(db_exec(store__tx_db(tx),
                             "INSERT INTO schema_migrations VALUES (99999, 'future', 0)", NULL),
                     LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    store *s2 = NULL;
    store_opts o;
    store_opts_init(&o);
    o.path = f->db.path;
    lm_errinfo err = {0};
    assert_int_equal(store_open(&o, &s2, &err), LM_CONFLICT);
    assert_null(s2);
    assert_non_null(strstr(err.message, "99999"));
}

static void test_rollback_leaves_nothing(void **state) {
    tmp_store *f = *state;
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(db_exec(store__tx_db(tx), "CREATE TABLE t(x INTEGER)", NULL), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);

    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(db_exec(store__tx_db(tx), "INSERT INTO t VALUES (1)", NULL), LM_OK);
    assert_int_equal(store_event_append(tx, "t.inserted", "t", "1", NULL), LM_OK);
    /* the tx sees its own writes ... */
    db_stmt *st = NULL;
    assert_int_equal(db_prepare(store__db(store_tx_read(tx)), "SELECT count(*) FROM t", &st, NULL),
                     LM_OK);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_column_int(st, 0), 1);
    db_finish(st);
    store_tx_rollback(tx);
    /* ... and after rollback neither the row nor its event exists */
    assert_int_equal(count_rows(f->s, "SELECT count(*) FROM t"), 0);
    assert_int_equal(count_rows(f->s, "SELECT count(*) FROM events WHERE type='t.inserted'"), 0);

    /* a failing statement inside a tx, then rollback: the earlier insert goes too */
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(db_exec(store__tx_db(tx), "INSERT INTO t VALUES (2)", NULL), LM_OK);
    lm_errinfo err = {0};
    assert_int_equal(db_exec(store__tx_db(tx), "INSERT INTO nosuch VALUES (1)", &err), LM_STORE);
    assert_non_null(strstr(err.message, "nosuch"));
    store_tx_rollback(tx);
    assert_int_equal(count_rows(f->s, "SELECT count(*) FROM t"), 0);

    store_stats stats;
    store_stats_get(f->s, &stats);
    assert_int_equal(stats.rollbacks, 2);
    assert_int_equal(stats.commits, 1);
}

static void test_event_log(void **state) {
    tmp_store *f = *state;
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, "a.one", "a", "1", "{\"n\":1}"), LM_OK);
    assert_int_equal(store_event_append(tx, "a.two", "a", NULL, NULL), LM_OK);
    assert_int_equal(store_event_append(tx, "a.bad", "a", "3", "{not json"), LM_INVALID);
    assert_int_equal(store_tx_commit(tx), LM_OK);

    store_read *r = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    assert_int_equal(store_events_since(r, 0, 100, &ev, &n), LM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].type, "a.one");
    assert_string_equal(ev[0].entity_id, "1");
    assert_string_equal(ev[0].payload_json, "{\"n\":1}");
    assert_string_equal(ev[1].type, "a.two");
    assert_null(ev[1].entity_id);
    assert_string_equal(ev[1].payload_json, "{}");
    assert_true(ev[1].seq > ev[0].seq);
    int64_t last = ev[1].seq;
    store_events_free(ev, n);
    assert_int_equal(store_events_since(r, last, 100, &ev, &n), LM_OK);
    assert_int_equal(n, 0);
    assert_null(ev);
    assert_int_equal(store_events_since(r, 0, 0, &ev, &n), LM_INVALID);
    store_read_end(r);
}

/* A reader holding a snapshot does not see a commit made after it began; a new read does. */
static void test_read_snapshot_isolated_from_writer(void **state) {
    tmp_store *f = *state;
    store_read *r = NULL;
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    store_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(store_events_since(r, 0, 10, &ev, &n), LM_OK); /* pins the snapshot */
    assert_int_equal(n, 0);

    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, "b.x", "b", "1", NULL), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);

    assert_int_equal(store_events_since(r, 0, 10, &ev, &n), LM_OK);
    assert_int_equal(n, 0);
    store_read_end(r);
    assert_int_equal(count_rows(f->s, "SELECT count(*) FROM events WHERE type='b.x'"), 1);
}

static int hook_calls;
static int64_t hook_last;
static void hook(void *ctx, int64_t last_seq) {
    (void)ctx;
    hook_calls++;
    hook_last = last_seq;
}

static void test_event_hook_after_commit_only(void **state) {
    tmp_store *f = *state;
    hook_calls = 0;
    store_set_event_hook(f->s, hook, NULL);
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, "c.x", "c", NULL, NULL), LM_OK);
    store_tx_rollback(tx);
    assert_int_equal(hook_calls, 0);
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, "c.y", "c", NULL, NULL), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    assert_int_equal(hook_calls, 1);
    assert_int_equal(count_rows(f->s, "SELECT max(seq) FROM events"), hook_last);
}

/* Writers from several threads serialize: every increment lands exactly once. */
typedef struct {
    store *s;
    int n;
} writer_arg;
static void *writer(void *p) {
    writer_arg *a = p;
    for (int i = 0; i < a->n; i++) {
        store_tx *tx = NULL;
        if (store_tx_begin(a->s, &tx) != LM_OK) return (void *)1;
        if (db_exec(store__tx_db(tx), "UPDATE counter SET n = n + 1", NULL) != LM_OK ||
            store_event_append(tx, "counter.inc", "counter", NULL, NULL) != LM_OK) {
            store_tx_rollback(tx);
            return (void *)1;
        }
        if (store_tx_commit(tx) != LM_OK) return (void *)1;
    }
    return NULL;
}

static void test_concurrent_writers(void **state) {
    tmp_store *f = *state;
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(f->s, &tx), LM_OK);
    assert_int_equal(db_exec(store__tx_db(tx),
                             "CREATE TABLE counter(n INTEGER); INSERT INTO counter VALUES (0)",
                             NULL),
                     LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    pthread_t th[4];
    writer_arg a = {f->s, 25};
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, writer, &a);
    for (int i = 0; i < 4; i++) {
        void *ret = NULL;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
    assert_int_equal(count_rows(f->s, "SELECT n FROM counter"), 100);
    assert_int_equal(count_rows(f->s, "SELECT count(*) FROM events WHERE type='counter.inc'"), 100);
}

static void test_keys(void **state) {
    tmp_store *f = *state;
    char key[STORE_KEY_MAX], key2[STORE_KEY_MAX];
    store_key_info info, got;
    lm_errinfo err = {0};
    assert_int_equal(store_key_create(f->s, "dispatcher", NULL, key, &info, &err), LM_OK);
    assert_int_equal(store_key_create(f->s, "driver", "drv-7", key2, NULL, &err), LM_OK);
    assert_int_equal(store_key_create(f->s, "driver", NULL, key2, NULL, &err), LM_INVALID);
    assert_string_equal(err.field, "driver");
    assert_int_equal(store_key_create(f->s, "root", NULL, key2, NULL, &err), LM_INVALID);
    assert_string_equal(err.field, "role");
    assert_int_equal(store_key_create(f->s, "admin", "x", key2, NULL, &err), LM_INVALID);

    store_read *r = NULL;
    assert_int_equal(store_read_begin(f->s, &r), LM_OK);
    assert_int_equal(store_key_verify(r, key, &got), LM_OK);
    assert_string_equal(got.id, info.id);
    assert_string_equal(got.role, "dispatcher");
    assert_string_equal(got.driver_id, "");
    int64_t n = 0;
    assert_int_equal(store_keys_count(r, &n), LM_OK);
    assert_int_equal(n, 2);
    /* one flipped secret character, a truncated key and junk are all refused */
    char bad[STORE_KEY_MAX];
    lm_strlcpy(bad, key, sizeof bad);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    assert_int_equal(store_key_verify(r, bad, &got), LM_UNAUTHORIZED);
    bad[strlen(bad) - 1] = '\0';
    assert_int_equal(store_key_verify(r, bad, &got), LM_UNAUTHORIZED);
    assert_int_equal(store_key_verify(r, "Bearer nonsense", &got), LM_UNAUTHORIZED);
    assert_int_equal(store_key_verify(r, "", &got), LM_UNAUTHORIZED);
    store_read_end(r);

    /* the secret never reaches the database: neither the whole key nor its secret part */
    const char *secret = key + 3 + STORE_KEY_ID_LEN + 1;
    char sql[256];
    if (tmp_db_is_pg()) /* the same search in PostgreSQL's words */
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM api_keys WHERE strpos(upper(encode(salt, 'hex')||"
                 "encode(hash, 'hex'))||role||id, upper('%s')) > 0 OR "
                 "strpos(encode(hash, 'hex'), '%.*s') > 0",
                 secret, 16, secret);
    else
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM api_keys WHERE instr(hex(salt)||hex(hash)||role||id, "
                 "upper('%s')) OR instr(lower(hex(hash)), '%.*s')",
                 secret, 16, secret);
    assert_int_equal(count_rows(f->s, sql), 0);
    assert_int_equal(count_rows(f->s, "SELECT count(*) FROM events WHERE type='key.created'"), 2);
}

/* store_key_check: cached after the first check, refused from the moment a revocation by this
 * store commits; a revocation by another handle (another process) within the TTL. */
static void test_key_cache(void **state) {
    tmp_store *f = *state;
    char a[STORE_KEY_MAX], b[STORE_KEY_MAX], admin[STORE_KEY_MAX], bad[STORE_KEY_MAX];
    store_key_info ia, ib, got;
    lm_errinfo err = {0};
    assert_int_equal(store_key_create(f->s, "admin", NULL, admin, NULL, &err), LM_OK);
    assert_int_equal(store_key_create(f->s, "dispatcher", NULL, a, &ia, &err), LM_OK);
    assert_int_equal(store_key_create(f->s, "driver", "drv-3", b, &ib, &err), LM_OK);
    for (int i = 0; i < 2; i++) { /* a miss, then a hit */
        assert_int_equal(store_key_check(f->s, a, &got), LM_OK);
        assert_string_equal(got.id, ia.id);
        assert_string_equal(got.role, "dispatcher");
        assert_int_equal(store_key_check(f->s, b, &got), LM_OK);
        assert_string_equal(got.driver_id, "drv-3");
    }
    /* a cached id with a wrong secret, and malformed keys */
    lm_strlcpy(bad, a, sizeof bad);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    assert_int_equal(store_key_check(f->s, bad, &got), LM_UNAUTHORIZED);
    assert_int_equal(store_key_check(f->s, "lm_nonsense", &got), LM_UNAUTHORIZED);
    assert_int_equal(store_key_check(f->s, NULL, &got), LM_UNAUTHORIZED);
    assert_int_equal(store_key_check(f->s, a, &got), LM_OK);

    /* revoked here: refused at once, the other key still good */
    assert_int_equal(store_key_revoke(f->s, ia.id, &err), LM_OK);
    assert_int_equal(store_key_check(f->s, a, &got), LM_UNAUTHORIZED);
    assert_int_equal(store_key_check(f->s, b, &got), LM_OK);

    /* revoked through another handle on the same database: refused once the entry expires */
    store *other = NULL;
    assert_int_equal(tmp_db_store_open(&f->db, 1, &other), 0);
    assert_int_equal(store_key_revoke(other, ib.id, &err), LM_OK);
    store_close(other);
    struct timespec ts = {.tv_sec = STORE_KEY_CACHE_TTL_MS / 1000 + 1, .tv_nsec = 0};
    nanosleep(&ts, NULL);
    assert_int_equal(store_key_check(f->s, b, &got), LM_UNAUTHORIZED);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrates_and_reopen_keeps, setup,
                                        tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_migration_refused, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_event_log, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_read_snapshot_isolated_from_writer, setup,
                                        tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_event_hook_after_commit_only, setup,
                                        tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys, setup, tmp_store_teardown),
        cmocka_unit_test_setup_teardown(test_key_cache, setup, tmp_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
