/* Migration 201 on a database written before it: drivers that already held a short device id
 * come out opted in (so they keep working and show up as the ones to rotate), others do not,
 * and the refusal tables exist. The old database is built with SQLite directly from the
 * migrations before 201 (store/internal.h), then opened by the store. */
#include "store/internal.h"
#include "store/store_devices.h"
#include "store/store_dispatch.h"
#include "tests/support/tmp_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include <cmocka.h>

static void exec_ok(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg);
}

/* A database at every migration before 201, with three drivers. */
static void old_database(const char *path) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    exec_ok(db, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_ms INTEGER NOT NULL)");
    for (size_t i = 0; i < store__migration_count && store__migrations[i].version < 201; i++) {
        exec_ok(db, store__migrations[i].sql);
        char row[160];
        snprintf(row, sizeof row, "INSERT INTO schema_migrations VALUES (%d, 'old', 0)",
                 store__migrations[i].version);
        exec_ok(db, row);
    }
    exec_ok(db, "INSERT INTO drivers(id, name, phone, device_id) VALUES"
                " ('short', 'S', '', '123456'), ('long', 'L', '', 'ABCDEFGHJKMNPQRSTVWX'),"
                " ('none', 'N', '', NULL)");
    sqlite3_close(db);
}

static void test_short_ids_grandfathered(void **state) {
    (void)state;
    tmp_db t;
    assert_int_equal(tmp_db_create(&t, "lm-m201-"), 0);
    old_database(t.path);
    store *s = NULL;
    assert_int_equal(tmp_db_store_open(&t, 1, &s), 0);
    store_read *r = NULL;
    assert_int_equal(store_read_begin(s, &r), LM_OK);
    store_driver d;
    lm_errinfo err;
    assert_int_equal(store_driver_get(r, "short", &d, &err), LM_OK);
    assert_true(d.allow_short_device_id);
    assert_string_equal(d.device_id, "123456");
    assert_int_equal(store_driver_get(r, "long", &d, &err), LM_OK);
    assert_false(d.allow_short_device_id);
    assert_int_equal(store_driver_get(r, "none", &d, &err), LM_OK);
    assert_false(d.allow_short_device_id);
    store_refusal_count *c = NULL;
    size_t n = 7;
    assert_int_equal(store_refusal_counts(r, NULL, &c, &n, &err), LM_OK);
    assert_int_equal(n, 0);
    store_read_end(r);
    store_close(s);
    tmp_db_remove(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_ids_grandfathered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
