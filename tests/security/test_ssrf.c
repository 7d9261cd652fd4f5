/* Webhook creation as an attacker with a dispatcher key tries it, against the real server on
 * 127.0.0.1: every URL of tests/data/security/ssrf_urls.txt that points at loopback, private,
 * link-local, metadata, multicast or reserved space (in any spelling a resolver accepts) is
 * refused with a 400 naming "url" and stores nothing; the public ones are accepted, and a URL's
 * password is never shown back (reply, listing, event log) nor kept in clear in the database
 * file. The operator's allow-list opens exactly the ranges it names. */
#include "api/api.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#define PASSWORD "s3cr3t-pw" /* in the table's credentials URL */
#define SECRET   "webhook-secret-never-shown"

typedef struct world {
    tmp_db tmp;
    store *s;
    api_server *srv;
    uint16_t port;
    char disp[STORE_KEY_MAX];
} world;

static world W;

static void world_start(const char *allow) {
    memset(&W, 0, sizeof W);
    assert_int_equal(tmp_db_create(&W.tmp, "lm-sec-ssrf-"), 0);
    assert_int_equal(tmp_db_store_open(&W.tmp, 2, &W.s), 0);
    lm_errinfo err;
    store_key_info info;
    assert_int_equal(store_key_create(W.s, "dispatcher", NULL, W.disp, &info, &err), LM_OK);
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.log_fd = -1;
    o.webhook_allow = allow;
    assert_int_equal(api_server_start(&o, W.s, &W.srv, &err), LM_OK);
    W.port = api_server_port(W.srv);
}

static int teardown(void **state) {
    (void)state;
    api_server_stop(W.srv, 2000);
    store_close(W.s);
    tmp_db_remove(&W.tmp);
    return 0;
}

/* POSTs a webhook for url; returns the status, the reply in *out (caller frees). */
static long create(const char *url, http_test_resp *out) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "url", url);
    cJSON_AddStringToObject(b, "secret", SECRET);
    char *body = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    http_test_req req = {.method = "POST",
                         .path = "/v1/webhooks",
                         .key = W.disp,
                         .body = body,
                         .content_type = "application/json",
                         .timeout_s = 20};
    http_test_request(W.port, &req, out);
    cJSON_free(body);
    return out->status;
}

static const char *error_field(const http_test_resp *r) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, "field");
    return cJSON_IsString(f) ? f->valuestring : "";
}

/* The whole of a file (empty when missing); caller frees. */
static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    *n = 0;
    if (!f) return calloc(1, 1);
    assert_int_equal(lm_buf_read_stream(f, (size_t)64 << 20, &data, n), LM_OK);
    fclose(f);
    return data;
}

static bool contains(const char *hay, size_t n, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(hay + i, needle, k)) return true;
    return false;
}

static void test_url_table(void **state) {
    (void)state;
    world_start(NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/tests/data/security/ssrf_urls.txt",
             getenv("LASTMILE_SOURCE_DIR"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1200];
    int refused = 0, accepted = 0, lines = 0;
    while (fgets(line, sizeof line, f) && lines < 10000) {
        lines++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        bool want_refuse = !strncmp(line, "refuse ", 7);
        assert_true(want_refuse || !strncmp(line, "accept ", 7));
        const char *url = line + 7;
        http_test_resp r;
        long st = create(url, &r);
        if (want_refuse) {
            if (st != 400 || strcmp(error_field(&r), "url") != 0)
                fail_msg("%s: expected 400 on field url, got %ld %s", url, st,
                         r.body.data ? r.body.data : "");
            refused++;
        } else {
            if (st != 201) fail_msg("%s: expected 201, got %ld %s", url, st, r.body.data);
            assert_false(contains(r.body.data, r.body.len, PASSWORD));
            assert_false(contains(r.body.data, r.body.len, SECRET));
            /* plain http is accepted with advice */
            const cJSON *warn = cJSON_GetObjectItemCaseSensitive(r.json, "warning");
            assert_int_equal(cJSON_IsString(warn), strncasecmp(url, "https:", 6) != 0);
            accepted++;
        }
        http_test_resp_free(&r);
    }
    fclose(f);
    assert_true(refused >= 60);
    assert_true(accepted >= 5);
    /* exactly the accepted ones were stored; nothing shows the password or the secret */
    http_test_req req = {.path = "/v1/webhooks", .key = W.disp};
    http_test_resp r;
    http_test_request(W.port, &req, &r);
    assert_int_equal(r.status, 200);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r.json, "webhooks");
    assert_int_equal(cJSON_GetArraySize(list), accepted);
    assert_false(contains(r.body.data, r.body.len, PASSWORD));
    assert_false(contains(r.body.data, r.body.len, SECRET));
    assert_true(contains(r.body.data, r.body.len, "/with-credentials"));
    http_test_resp_free(&r);
    assert_int_equal(tmp_db_count_events(W.s, "webhook.created"), accepted);
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(store_events_since(rd, 0, 1000, &ev, &n), LM_OK);
    store_read_end(rd);
    for (size_t i = 0; i < n; i++)
        assert_null(strstr(ev[i].payload_json, PASSWORD));
    store_events_free(ev, n);
    /* at rest: sealed, so neither is in the database or its WAL in clear */
    const char *suffix[] = {"", "-wal"};
    for (size_t k = 0; k < 2; k++) {
        char file[200];
        snprintf(file, sizeof file, "%s%s", W.tmp.path, suffix[k]);
        size_t len = 0;
        char *data = slurp(file, &len);
        assert_false(contains(data, len, PASSWORD));
        assert_false(contains(data, len, SECRET));
        free(data);
    }
}

static void test_allow_list(void **state) {
    (void)state;
    world_start("127.0.0.1/32, 10.1.0.0/16");
    http_test_resp r;
    const char *accepted[] = {"http://127.0.0.1:1/hook", "http://[::ffff:127.0.0.1]:1/",
                              "http://10.1.2.3/", "http://10.1.255.255:8080/x"};
    const char *refused[] = {"http://127.0.0.2/", "http://10.2.0.1/", "http://[::1]/",
                             "http://169.254.169.254/", "http://2130706433/"};
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        if (create(accepted[i], &r) != 201)
            fail_msg("%s: expected 201, got %ld %s", accepted[i], r.status, r.body.data);
        http_test_resp_free(&r);
    }
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (create(refused[i], &r) != 400 || strcmp(error_field(&r), "url") != 0)
            fail_msg("%s: expected 400 url, got %ld %s", refused[i], r.status, r.body.data);
        http_test_resp_free(&r);
    }
}

/* A name that does not resolve now (.invalid never does) may later: accepted with a warning, and
 * checked again at every delivery. */
static void test_unresolved_name_warned(void **state) {
    (void)state;
    world_start(NULL);
    http_test_resp r;
    assert_int_equal(create("https://hooks.lastmile-test.invalid/x", &r), 201);
    const cJSON *warn = cJSON_GetObjectItemCaseSensitive(r.json, "warning");
    assert_true(cJSON_IsString(warn));
    assert_non_null(strstr(warn->valuestring, "does not resolve"));
    http_test_resp_free(&r);
}

/* A bad allow-list stops the server from starting, saying which entry. */
static void test_bad_allow_list(void **state) {
    (void)state;
    tmp_db t;
    store *s = NULL;
    assert_int_equal(tmp_db_create(&t, "lm-sec-allow-"), 0);
    assert_int_equal(tmp_db_store_open(&t, 2, &s), 0);
    const char *bad[] = {"127.0.0.1/33", "localhost", "10.0.0.0/", "::1/129", "1.2.3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        api_server_opts o;
        api_server_opts_init(&o);
        o.port = 0;
        o.log_fd = -1;
        o.webhook_allow = bad[i];
        api_server *srv = NULL;
        lm_errinfo err = {0};
        assert_int_equal(api_server_start(&o, s, &srv, &err), LM_INVALID);
        assert_string_equal(err.field, "webhook_allow");
        assert_null(srv);
    }
    store_close(s);
    tmp_db_remove(&t);
}

/* The real binary: --webhook-allow opens the range it names, and only that one. */
static void test_serve_option(void **state) {
    (void)state;
    tmp_db t;
    store *s = NULL;
    lm_errinfo err;
    store_key_info info;
    assert_int_equal(tmp_db_create(&t, "lm-sec-cli-"), 0);
    assert_int_equal(tmp_db_store_open(&t, 2, &s), 0);
    memset(&W, 0, sizeof W);
    assert_int_equal(store_key_create(s, "dispatcher", NULL, W.disp, &info, &err), LM_OK);
    store_close(s);
    W.port = http_test_free_port();
    assert_true(W.port > 0);
    const char *args[] = {"--webhook-allow", "127.0.0.1/32", "--osmand-port", "0", NULL};
    pid_t pid = http_test_serve_spawn(t.path, W.port, args, W.port, "/healthz");
    assert_true(pid > 0);
    http_test_resp r;
    long ok = create("http://127.0.0.1:9/hook", &r);
    http_test_resp_free(&r);
    long refused = create("http://10.0.0.1/hook", &r);
    http_test_resp_free(&r);
    http_test_serve_stop(pid);
    tmp_db_remove(&t);
    assert_int_equal(ok, 201);
    assert_int_equal(refused, 400);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_url_table, teardown),
        cmocka_unit_test_teardown(test_allow_list, teardown),
        cmocka_unit_test_teardown(test_unresolved_name_warned, teardown),
        cmocka_unit_test(test_bad_allow_list),
        cmocka_unit_test(test_serve_option),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
