/* Webhooks over HTTP with an in-test receiver on 127.0.0.1: registration, validation, listing
 * without secrets and deletion, and the server's wiring (its commit hook wakes the sender) with
 * every event POSTed in order with X-Lastmile-Signature = t=<unix>,v1=HMAC(secret, "t.body").
 * Retries, backoff and restarts of the delivery itself: tests/events/test_webhooks.c. */
#include "api/api.h"
#include "common/sha256.h"
#include "tests/support/hook_receiver.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define SECRET "s3cret-for-tests"

static hook_receiver R;

/* ---- The server under test ---- */

typedef struct world {
    tmp_db tmp;
    store *s;
    api_server *srv;
    uint16_t port;
    char admin[STORE_KEY_MAX], disp[STORE_KEY_MAX];
} world;

static world W;

static void server_start(void) {
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.log_fd = -1;
    o.webhook_allow = "127.0.0.1/32"; /* the receiver is on loopback */
    lm_errinfo err;
    assert_int_equal(api_server_start(&o, W.s, &W.srv, &err), LM_OK);
    W.port = api_server_port(W.srv);
}

static void server_stop(void) {
    api_server_stop(W.srv, 2000);
    W.srv = NULL;
}

/* One JSON request with key; returns the status and appends the body to out (if not NULL). */
static long http(const char *method, const char *path, const char *key, const char *body,
                 lm_buf *out) {
    http_test_req req = {.method = method,
                         .path = path,
                         .key = key,
                         .body = body,
                         .content_type = "application/json",
                         .timeout_s = 20};
    http_test_resp r;
    http_test_request(W.port, &req, &r);
    if (out && r.body.len) assert_int_equal(lm_buf_append(out, r.body.data, r.body.len), LM_OK);
    long st = r.status;
    http_test_resp_free(&r);
    return st;
}

/* Appends one event straight to the log; returns the log's last seq. */
static int64_t make_event(const char *type) {
    return tmp_db_append_event(W.s, type);
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    assert_int_equal(hook_receiver_start(&R, SECRET), 0);
    assert_int_equal(tmp_db_create(&W.tmp, "lm-hooks-"), 0);
    store_opts so;
    store_opts_init(&so);
    so.path = W.tmp.path;
    lm_errinfo err;
    assert_int_equal(store_open(&so, &W.s, &err), LM_OK);
    store_key_info info;
    assert_int_equal(store_key_create(W.s, "admin", NULL, W.admin, &info, &err), LM_OK);
    assert_int_equal(store_key_create(W.s, "dispatcher", NULL, W.disp, &info, &err), LM_OK);
    server_start();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    if (W.srv) server_stop();
    store_close(W.s);
    hook_receiver_stop(&R);
    tmp_db_remove(&W.tmp);
    return 0;
}

static void test_register_validate_list(void **state) {
    (void)state;
    char body[256];
    assert_int_equal(http("POST", "/v1/webhooks", W.disp,
                          "{\"url\":\"ftp://x\",\"secret\":"
                          "\"longenough\"}",
                          NULL),
                     400);
    assert_int_equal(http("POST", "/v1/webhooks", W.disp,
                          "{\"url\":\"http://127.0.0.1:1/\",\"secret\":\"x\"}", NULL),
                     400);
    snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%u/hook\",\"secret\":\"%s\"}",
             (unsigned)R.port, SECRET);
    lm_buf out;
    lm_buf_init(&out, 1 << 16);
    assert_int_equal(http("POST", "/v1/webhooks", W.disp, body, &out), 201);
    cJSON *j = cJSON_Parse(out.data);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "id")));
    assert_null(strstr(out.data, SECRET)); /* the secret is never shown back */
    cJSON_Delete(j);
    lm_buf_free(&out);
    lm_buf_init(&out, 1 << 16);
    assert_int_equal(http("GET", "/v1/webhooks", W.disp, NULL, &out), 200);
    assert_non_null(strstr(out.data, "/hook"));
    assert_null(strstr(out.data, SECRET));
    lm_buf_free(&out);
    /* a removable second one */
    snprintf(body, sizeof body, "{\"url\":\"http://127.0.0.1:%u/other\",\"secret\":\"%s\"}",
             (unsigned)R.port, "another-secret");
    lm_buf_init(&out, 1 << 16);
    assert_int_equal(http("POST", "/v1/webhooks", W.disp, body, &out), 201);
    j = cJSON_Parse(out.data);
    char path[64];
    snprintf(path, sizeof path, "/v1/webhooks/%d",
             (int)cJSON_GetObjectItemCaseSensitive(j, "id")->valuedouble);
    cJSON_Delete(j);
    lm_buf_free(&out);
    assert_int_equal(http("DELETE", path, W.disp, NULL, NULL), 204);
    assert_int_equal(http("DELETE", path, W.disp, NULL, NULL), 404);
}

static void test_delivered_signed_in_order(void **state) {
    (void)state;
    int64_t a = make_event("test.one"), b = make_event("test.two"), c = make_event("test.three");
    assert_true(hook_receiver_wait(&R, a) && hook_receiver_wait(&R, b) &&
                hook_receiver_wait(&R, c));
    pthread_mutex_lock(&R.mu);
    int64_t prev = 0;
    for (int k = 0; k < R.n_got; k++) {
        assert_true(R.got[k].sig_ok);
        assert_true(R.got[k].seq > prev); /* in order, each once */
        prev = R.got[k].seq;
    }
    pthread_mutex_unlock(&R.mu);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_validate_list),
        cmocka_unit_test(test_delivered_signed_in_order),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
