/* Files others on the machine must not read, under a permissive umask (022): the database, its
 * WAL and shared-memory files 0600 and a missing parent directory made 0700; an older 0644
 * database tightened on open; the webhook sealing key 0600, and a key readable by others
 * refused; delivery proofs (photos, signatures) 0600 in 0700 directories, through the real
 * server and the driver API. */
#include "events/events.h"
#include "tests/support/http_test.h"
#include "tests/support/plan_world.h"

#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static unsigned mode_of(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) fail_msg("%s does not exist", path);
    return (unsigned)(st.st_mode & 0777);
}

#define ASSERT_MODE(path, want)                                                                    \
    do {                                                                                           \
        unsigned got_ = mode_of(path);                                                             \
        if (got_ != (want)) fail_msg("%s: mode %03o, want %03o", (path), got_, (unsigned)(want));  \
    } while (0)

static void test_store_files_private(void **state) {
    (void)state;
    mode_t old = umask(022);
    tmp_db t;
    assert_int_equal(tmp_db_create(&t, "lm-sec-modes-"), 0);
    char dir[200], db[260], side[300];
    snprintf(dir, sizeof dir, "%s/var", t.dir); /* missing: the store creates it */
    snprintf(db, sizeof db, "%s/lastmile.db", dir);
    store_opts so;
    store_opts_init(&so);
    so.path = db;
    store *s = NULL;
    lm_errinfo err;
    assert_int_equal(store_open(&so, &s, &err), LM_OK);
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, "test.mode", "test", NULL, NULL), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    ASSERT_MODE(dir, 0700);
    ASSERT_MODE(db, 0600);
    snprintf(side, sizeof side, "%s-wal", db);
    ASSERT_MODE(side, 0600);
    snprintf(side, sizeof side, "%s-shm", db);
    ASSERT_MODE(side, 0600);
    /* the webhook key beside it */
    events_webhooks *w = NULL;
    assert_int_equal(events_webhooks_start(s, NULL, &w, &err), LM_OK);
    events_webhooks_stop(w);
    snprintf(side, sizeof side, "%s-webhooks.key", db);
    ASSERT_MODE(side, 0600);
    store_close(s);
    /* a key others can read is refused, not used */
    assert_int_equal(chmod(side, 0644), 0);
    assert_int_equal(store_open(&so, &s, &err), LM_OK);
    w = NULL;
    assert_int_equal(events_webhooks_start(s, NULL, &w, &err), LM_INVALID);
    assert_null(w);
    assert_non_null(strstr(err.message, "chmod 600"));
    store_close(s);
    assert_int_equal(chmod(side, 0600), 0);
    /* a database an older build left 0644 is tightened at open */
    assert_int_equal(chmod(db, 0644), 0);
    assert_int_equal(store_open(&so, &s, &err), LM_OK);
    ASSERT_MODE(db, 0600);
    store_close(s);
    tmp_db_remove(&t);
    umask(old);
}

static const char PNG_B64[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q"
                              "DwADhgGAWjR9awAAAABJRU5ErkJggg==";

static void test_proof_files_private(void **state) {
    (void)state;
    mode_t old = umask(022);
    plan_world w;
    plan_world_setup(&w, "lm-sec-proof-");
    /* the first delivery stop of driver D1 */
    http_test_req rq = {.path = "/v1/driver/route", .key = w.d1};
    http_test_resp r;
    http_test_request(w.port, &rq, &r);
    assert_int_equal(r.status, 200);
    int64_t stop = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(r.json, "stops")) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(s, "kind");
        if (cJSON_IsString(kind) && !strcmp(kind->valuestring, "delivery")) {
            stop = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "id")->valuedouble;
            break;
        }
    }
    http_test_resp_free(&r);
    assert_true(stop > 0);
    char path[128], body[512];
    snprintf(path, sizeof path, "/v1/driver/stops/%lld/arrived", (long long)stop);
    rq = (http_test_req){.method = "POST", .path = path, .key = w.d1};
    http_test_request(w.port, &rq, &r);
    assert_int_equal(r.status, 200);
    http_test_resp_free(&r);
    snprintf(path, sizeof path, "/v1/driver/stops/%lld/delivered", (long long)stop);
    snprintf(body, sizeof body,
             "{\"recipient\":\"J. Doe\",\"photo\":{\"content_type\":\"image/png\","
             "\"data_base64\":\"%s\"}}",
             PNG_B64);
    rq = (http_test_req){.method = "POST",
                         .path = path,
                         .key = w.d1,
                         .body = body,
                         .content_type = "application/json"};
    http_test_request(w.port, &rq, &r);
    assert_int_equal(r.status, 200);
    http_test_resp_free(&r);
    char dir[200];
    ASSERT_MODE(w.data, 0700);
    snprintf(dir, sizeof dir, "%s/proofs", w.data);
    ASSERT_MODE(dir, 0700);
    /* every file written there */
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) && files < 100) {
        if (e->d_name[0] == '.') continue;
        char file[500];
        snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
        ASSERT_MODE(file, 0600);
        files++;
    }
    closedir(d);
    assert_true(files >= 1);
    plan_world_teardown(&w);
    umask(old);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_files_private),
        cmocka_unit_test(test_proof_files_private),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
