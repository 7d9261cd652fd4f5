/* Webhooks against an in-test libmicrohttpd receiver on 127.0.0.1: registration and listing,
 * every event POSTed in order with X-Lastmile-Signature = sha256=HMAC(secret, body), retried
 * with backoff after the receiver fails, and not lost across a server restart (the cursor is in
 * the store: events committed while the server was down, or while the receiver was failing, are
 * delivered by the next server). */
#include "api/api.h"
#include "common/sha256.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <microhttpd.h>
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

#define SECRET  "s3cret-for-tests"
#define MAX_GOT 256

/* ---- The receiver ---- */

typedef struct got {
    int64_t seq;
    char type[64];
    bool sig_ok;
} got;

typedef struct receiver {
    struct MHD_Daemon *d;
    uint16_t port;
    pthread_mutex_t mu;
    int fail_next; /* answer 500 to this many more deliveries */
    bool down;     /* answer 503 to everything */
    int attempts;  /* deliveries seen, failed ones included */
    got got[MAX_GOT];
    int n_got; /* accepted deliveries */
} receiver;

static receiver R;

typedef struct rq {
    lm_buf body;
} rq;

static enum MHD_Result on_req(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **con_cls) {
    (void)cls;
    (void)method;
    (void)version;
    rq *q = *con_cls;
    if (!q) {
        q = calloc(1, sizeof *q);
        lm_buf_init(&q->body, 1 << 20);
        *con_cls = q;
        return MHD_YES;
    }
    if (*size) {
        if (lm_buf_append(&q->body, data, *size) != LM_OK) return MHD_NO;
        *size = 0;
        return MHD_YES;
    }
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Lastmile-Signature");
    uint8_t mac[LM_SHA256_LEN];
    char hex[2 * LM_SHA256_LEN + 1], want[100];
    lm_hmac_sha256(SECRET, strlen(SECRET), q->body.data ? q->body.data : "", q->body.len, mac);
    lm_hex_encode(mac, sizeof mac, hex);
    snprintf(want, sizeof want, "sha256=%s", hex);
    unsigned status = 200;
    pthread_mutex_lock(&R.mu);
    if (!strcmp(url, "/other")) { /* the short-lived second webhook: not recorded */
    } else if (R.attempts++, R.down) {
        status = 503;
    } else if (R.fail_next > 0) {
        R.fail_next--;
        status = 500;
    } else if (R.n_got < MAX_GOT) {
        got *g = &R.got[R.n_got++];
        cJSON *j = cJSON_ParseWithLength(q->body.data, q->body.len);
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "seq");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
        g->seq = cJSON_IsNumber(seq) ? (int64_t)seq->valuedouble : -1;
        lm_strlcpy(g->type, cJSON_IsString(type) ? type->valuestring : "", sizeof g->type);
        g->sig_ok = sig && !strcmp(sig, want);
        cJSON_Delete(j);
    }
    pthread_mutex_unlock(&R.mu);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    rq *q = *con_cls;
    if (!q) return;
    lm_buf_free(&q->body);
    free(q);
    *con_cls = NULL;
}

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

/* Appends one event straight to the log (as any module's change would). */
static int64_t make_event(const char *type) {
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    assert_int_equal(store_event_append(tx, type, "test", NULL, "{\"k\":1}"), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    store_read *r = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    int64_t last = 0, after = 0;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    for (;;) {
        assert_int_equal(store_events_since(r, after, 10000, &ev, &n), LM_OK);
        if (!n) break;
        last = after = ev[n - 1].seq;
        store_events_free(ev, n);
    }
    store_read_end(r);
    return last;
}

/* Waits up to 15 s until the receiver accepted an event with seq; true if it did. */
static bool wait_for(int64_t seq) {
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&R.mu);
        bool found = false;
        for (int k = 0; k < R.n_got && !found; k++)
            found = R.got[k].seq == seq;
        pthread_mutex_unlock(&R.mu);
        if (found) return true;
        usleep(50 * 1000);
    }
    return false;
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    memset(&R, 0, sizeof R);
    pthread_mutex_init(&R.mu, NULL);
    R.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL, on_req,
                           NULL, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    assert_non_null(R.d);
    R.port = MHD_get_daemon_info(R.d, MHD_DAEMON_INFO_BIND_PORT)->port;
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
    MHD_stop_daemon(R.d);
    pthread_mutex_destroy(&R.mu);
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
    assert_true(wait_for(a) && wait_for(b) && wait_for(c));
    pthread_mutex_lock(&R.mu);
    int64_t prev = 0;
    for (int k = 0; k < R.n_got; k++) {
        assert_true(R.got[k].sig_ok);
        assert_true(R.got[k].seq > prev); /* in order, each once */
        prev = R.got[k].seq;
    }
    pthread_mutex_unlock(&R.mu);
}

static void test_retried_after_failures(void **state) {
    (void)state;
    pthread_mutex_lock(&R.mu);
    R.fail_next = 3;
    int attempts0 = R.attempts;
    pthread_mutex_unlock(&R.mu);
    int64_t s = make_event("test.retry");
    assert_true(wait_for(s)); /* backoff 0.5 + 1 + 2 s, then accepted */
    pthread_mutex_lock(&R.mu);
    assert_true(R.attempts - attempts0 >= 4);
    assert_true(R.got[R.n_got - 1].sig_ok);
    pthread_mutex_unlock(&R.mu);
}

static void test_not_lost_across_restart(void **state) {
    (void)state;
    /* the receiver is down: events pile up behind the stored cursor */
    pthread_mutex_lock(&R.mu);
    R.down = true;
    pthread_mutex_unlock(&R.mu);
    int64_t a = make_event("test.while_down");
    usleep(700 * 1000);
    server_stop();
    /* committed while no server runs at all */
    int64_t b = make_event("test.while_stopped");
    pthread_mutex_lock(&R.mu);
    R.down = false;
    pthread_mutex_unlock(&R.mu);
    server_start();
    assert_true(wait_for(a));
    assert_true(wait_for(b));
    pthread_mutex_lock(&R.mu);
    for (int k = 0; k < R.n_got; k++)
        assert_true(R.got[k].sig_ok);
    pthread_mutex_unlock(&R.mu);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_validate_list),
        cmocka_unit_test(test_delivered_signed_in_order),
        cmocka_unit_test(test_retried_after_failures),
        cmocka_unit_test(test_not_lost_across_restart),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
