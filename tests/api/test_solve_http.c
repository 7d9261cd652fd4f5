/* POST /v1/solve on the real `lastmile serve`: the documented VROOM example solves to its golden
 * answer, bad problems come back in VROOM's error shape naming the field, and auth holds; the
 * vroom-express routes (POST /, GET /health) answer the same, and GET / is still the dashboard. */
#include "store/store.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static struct {
    tmp_db db;
    uint16_t port;
    pid_t pid;
    char key[STORE_KEY_MAX], warehouse_key[STORE_KEY_MAX];
} W;

static char *read_doc(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/%s", getenv("LASTMILE_SOURCE_DIR"), name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = NULL;
    size_t len = 0;
    if (lm_buf_read_stream(f, 1 << 20, &text, &len) != LM_OK) text = NULL;
    fclose(f);
    return text;
}

static int setup(void **state) {
    (void)state;
    if (tmp_db_create(&W.db, "lm_solve_http_") != 0) return -1;
    store *s = NULL;
    if (tmp_db_store_open(&W.db, 2, &s) != 0) return -1;
    lm_errinfo err;
    if (store_key_create(s, "dispatcher", NULL, W.key, NULL, &err) != LM_OK ||
        store_key_create(s, "warehouse", NULL, W.warehouse_key, NULL, &err) != LM_OK) {
        store_close(s);
        return -1;
    }
    store_close(s);
    W.port = http_test_free_port();
    char web[1024];
    snprintf(web, sizeof web, "%s/web", getenv("LASTMILE_SOURCE_DIR"));
    const char *args[] = {"--osmand-port", "0", "--web-root", web, NULL};
    W.pid = http_test_serve_spawn(W.db.path, W.port, args, W.port, "/healthz");
    return W.pid > 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    http_test_serve_stop(W.pid);
    tmp_db_remove(&W.db);
    return 0;
}

static void post(const char *path, const char *key, const char *body, http_test_resp *out) {
    http_test_req req = {.method = "POST",
                         .path = path,
                         .key = key,
                         .body = body,
                         .content_type = "application/json"};
    http_test_request(W.port, &req, out);
}

/* The documented example through path ("/v1/solve" or vroom-express's "/"). */
static void golden_through(const char *path) {
    char *problem = read_doc("vroom-example.json");
    char *golden_text = read_doc("vroom-example.out.json");
    assert_non_null(problem);
    assert_non_null(golden_text);
    cJSON *golden = cJSON_Parse(golden_text);
    assert_non_null(golden);
    http_test_resp r;
    /* the golden file was written by `lastmile solve --seed 1 --threads 1`, budgeted by the
     * document's "options": {"iterations": 1000}: the server (one thread per solve) must give
     * the same routes; the time limit is only a safety stop ("reproducible" says it did not
     * fire, and is part of the comparison) */
    char url[64];
    snprintf(url, sizeof url, "%s?time_limit=60&seed=1", path);
    post(url, W.key, problem, &r); /* timing-ok: safety stop */
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    assert_int_equal(cJSON_GetObjectItem(r.json, "code")->valueint, 0);
    /* the answer without the timings is the golden one */
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(r.json, "summary"), "computing_times");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(golden, "summary"), "computing_times");
    assert_true(cJSON_Compare(r.json, golden, true));
    http_test_resp_free(&r);
    cJSON_Delete(golden);
    lm_free(golden_text);
    lm_free(problem);
}

static void test_golden_example(void **state) {
    (void)state;
    golden_through("/v1/solve");
}

static void test_vroom_express(void **state) {
    (void)state;
    golden_through("/");
    http_test_resp r;
    post("/", W.key, "{\"vehicles\": [{\"id\": 1}], \"jobs\": []}", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(r.json);
    assert_int_equal(cJSON_GetObjectItem(r.json, "code")->valueint, 2);
    http_test_resp_free(&r);
    post("/", NULL, "{}", &r); /* the same role as /v1/solve */
    assert_int_equal(r.status, 401);
    http_test_resp_free(&r);
    http_test_req health = {.method = "GET", .path = "/health"};
    http_test_request(W.port, &health, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(r.json, "status")), "ok");
    http_test_resp_free(&r);
    /* a POST route on "/" leaves GET / to the web root: the dashboard, not a 405 */
    http_test_req page = {.method = "GET", .path = "/"};
    http_test_request(W.port, &page, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "<html"));
    http_test_resp_free(&r);
}

static void test_bad_problems(void **state) {
    (void)state;
    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"vehicles\": [{\"id\": 1}], \"jobs\": [{\"id\": 1, \"location\": [4.85, 45.75]}]}",
         "vehicles[0]"},
        {"{\"vehicles\": [{\"id\": 1, \"start_index\": 0}], \"jobs\": [{\"id\": 1, "
         "\"location_index\": 5}], \"matrices\": {\"car\": {\"durations\": [[0]]}}}",
         "jobs[0]"},
        {"{\"vehicles\": ", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_test_resp r;
        post("/v1/solve", W.key, cases[i].body, &r);
        assert_int_equal(r.status, 400);
        assert_non_null(r.json);
        assert_int_equal(cJSON_GetObjectItem(r.json, "code")->valueint, 2);
        const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(r.json, "error"));
        assert_non_null(msg);
        if (!strstr(msg, cases[i].field))
            fail_msg("case %zu: '%s' lacks '%s'", i, msg, cases[i].field);
        http_test_resp_free(&r);
    }
    http_test_resp r;
    post("/v1/solve?time_limit=0", W.key, "{}", &r); /* timing-ok: refused */
    assert_int_equal(r.status, 400);
    http_test_resp_free(&r);
    post("/v1/solve?time_limit=600", W.key, "{}", &r); /* timing-ok: refused */
    assert_int_equal(r.status, 400);
    http_test_resp_free(&r);
}

/* vroom-express's options.c: plan mode through POST /, violations and 64-bit ids in the answer. */
static void test_express_plan(void **state) {
    (void)state;
    http_test_resp r;
    post("/", W.key,
         "{\"vehicles\":[{\"id\":18446744073709551615,\"start_index\":0,\"end_index\":0,"
         "\"steps\":[{\"type\":\"job\",\"id\":9007199254740993}]}],\"jobs\":[{\"id\":"
         "9007199254740993,\"location_index\":1,\"time_windows\":[[0,1]]}],\"matrices\":{"
         "\"car\":{\"durations\":[[0,5],[5,0]]}},\"options\":{\"c\":true,\"l\":2}}",
         &r);
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    assert_int_equal(cJSON_GetObjectItem(r.json, "code")->valueint, 0);
    /* leaving at 0 the job is reached at 5, 4 s after its window: VROOM's delay of 4 */
    assert_non_null(strstr(r.body.data, "{\"duration\":4,\"cause\":\"delay\"}"));
    assert_non_null(strstr(r.body.data, "\"vehicle\":18446744073709551615"));
    assert_non_null(strstr(r.body.data, "\"id\":9007199254740993"));
    http_test_resp_free(&r);
    /* service bounds that cannot hold: VROOM's input error, HTTP 400 */
    post("/", W.key,
         "{\"vehicles\":[{\"id\":1,\"start_index\":0,\"steps\":[{\"type\":\"start\","
         "\"service_at\":10},{\"type\":\"job\",\"id\":1,\"service_before\":12}]}],"
         "\"jobs\":[{\"id\":1,\"location_index\":1}],\"matrices\":{\"car\":{"
         "\"durations\":[[0,5],[5,0]]}},\"options\":{\"c\":true}}",
         &r);
    assert_int_equal(r.status, 400);
    assert_non_null(r.json);
    assert_int_equal(cJSON_GetObjectItem(r.json, "code")->valueint, 2);
    assert_non_null(strstr(r.body.data, "Infeasible route for vehicle 1."));
    http_test_resp_free(&r);
}

static void test_auth(void **state) {
    (void)state;
    http_test_resp r;
    post("/v1/solve", NULL, "{}", &r);
    assert_int_equal(r.status, 401);
    http_test_resp_free(&r);
    post("/v1/solve", W.warehouse_key, "{}", &r);
    assert_int_equal(r.status, 403);
    http_test_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_example), cmocka_unit_test(test_vroom_express),
        cmocka_unit_test(test_express_plan),   cmocka_unit_test(test_bad_problems),
        cmocka_unit_test(test_auth),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
