/* The driver app's server side over HTTP against the real server (in-process, free 127.0.0.1
 * port) on the committed plan of tests/support/plan_world.h:
 *   - enrolment: a dispatcher's link is exchanged once for a working driver key; a reused, an
 *     expired, a revoked or a made-up token is refused (401 naming token, saying which); the
 *     token is never stored in clear (the database file does not contain it); revoking an
 *     enrolment makes its key fail from the next request on; bad inputs name their field;
 *   - Idempotency-Key on stop actions and exceptions: a replay answers the kept reply and changes
 *     nothing (one stop.arrived / stop.delivered / driver.exception event), a key reused on
 *     another request is 409;
 *   - the driver's event stream is for driver keys only and carries route.changed notices alone:
 *     replayed from the start of the log it holds one per route-changing event (the committed
 *     plan) and nothing of the orders, customers or other drivers in the rest of the log. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "store/store_enrol.h"
#include "tests/support/http_test.h"
#include "tests/support/plan_world.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static plan_world W;

typedef http_test_resp resp;

static void http(resp *out, const char *method, const char *path, const char *key, const char *body,
                 const char *header) {
    http_test_req req = {.method = method,
                         .path = path,
                         .key = key,
                         .body = body ? body : (strcmp(method, "POST") ? NULL : ""),
                         .content_type = body ? "application/json" : NULL,
                         .header = header,
                         .timeout_s = 20};
    http_test_request(W.port, &req, out);
}

static long status_of(const char *method, const char *path, const char *key, const char *body) {
    resp r;
    http(&r, method, path, key, body, NULL);
    long st = r.status;
    if (st >= 400 && getenv("VERBOSE"))
        fprintf(stderr, "%s %s -> %ld %s\n", method, path, st, r.body.data ? r.body.data : "");
    http_test_resp_free(&r);
    return st;
}

static const char *str_of(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The error of a reply: asserts status and field, and that the message contains word. */
static void expect_error(resp *r, long status, const char *field, const char *word) {
    if (r->status != status) fail_msg("status %ld, body %s", r->status, r->body.data);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    assert_non_null(e);
    assert_string_equal(str_of(e, "field"), field);
    if (word && !strstr(str_of(e, "message"), word))
        fail_msg("message \"%s\" lacks \"%s\"", str_of(e, "message"), word);
}

static int64_t count_events(const char *type) {
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    int64_t after = 0, count = 0;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    for (int page = 0; page < 1000; page++) {
        assert_int_equal(store_events_since(rd, after, 1000, &ev, &n), LM_OK);
        for (size_t i = 0; i < n; i++) {
            count += !strcmp(ev[i].type, type);
            after = ev[i].seq;
        }
        store_events_free(ev, n);
        if (n < 1000) break;
    }
    store_read_end(rd);
    return count;
}

/* A new enrolment of driver D1 over HTTP: its token and id. */
static void enrol(const char *driver, char token[64], char id[32]) {
    char path[96];
    snprintf(path, sizeof path, "/v1/drivers/%s/enrolments", driver);
    resp r;
    http(&r, "POST", path, W.disp, "{\"ttl_s\": 600}", NULL);
    assert_int_equal(r.status, 201);
    lm_strlcpy(token, str_of(r.json, "token"), 64);
    lm_strlcpy(id, str_of(r.json, "enrolment_id"), 32);
    assert_int_equal(strlen(token), STORE_ENROL_TOKEN_LEN);
    assert_string_equal(str_of(r.json, "state"), "pending");
    char link[128];
    snprintf(link, sizeof link, "/driver/#enrol=%s", token);
    assert_string_equal(str_of(r.json, "link"), link);
    http_test_resp_free(&r);
}

/* Exchanges token: the status, and the key on success. */
static long exchange(const char *token, char key[STORE_KEY_MAX], resp *keep) {
    char body[160];
    snprintf(body, sizeof body, "{\"token\":\"%s\"}", token);
    resp r;
    http(&r, "POST", "/v1/driver/enrol", NULL, body, NULL);
    long st = r.status;
    if (st == 201 && key) lm_strlcpy(key, str_of(r.json, "key"), STORE_KEY_MAX);
    if (keep)
        *keep = r;
    else
        http_test_resp_free(&r);
    return st;
}

static bool file_contains(const char *path, const char *needle) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    size_t cap = (size_t)64 << 20, n = 0, nl = strlen(needle);
    char *buf = malloc(cap);
    assert_non_null(buf);
    n = fread(buf, 1, cap, f);
    fclose(f);
    bool found = false;
    for (size_t i = 0; !found && i + nl <= n; i++)
        found = !memcmp(buf + i, needle, nl);
    free(buf);
    return found;
}

static int setup(void **state) {
    (void)state;
    plan_world_setup(&W, "lm-driverapp-");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    plan_world_teardown(&W);
    return 0;
}

static void test_enrolment_link_works_once(void **state) {
    (void)state;
    char token[64], id[32], key[STORE_KEY_MAX];
    enrol("D1", token, id);
    resp r;
    assert_int_equal(exchange(token, key, &r), 201);
    assert_string_equal(str_of(r.json, "driver_id"), "D1");
    assert_string_equal(str_of(r.json, "driver_name"), "Driver 1");
    assert_string_equal(str_of(r.json, "enrolment_id"), id);
    http_test_resp_free(&r);
    /* the key is a driver key for D1: whoami and the route answer */
    http(&r, "GET", "/v1/whoami", key, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(str_of(r.json, "role"), "driver");
    assert_string_equal(str_of(r.json, "driver_id"), "D1");
    http_test_resp_free(&r);
    assert_int_equal(status_of("GET", "/v1/driver/route", key, NULL), 200);
    /* reused: refused, saying so */
    assert_int_equal(exchange(token, NULL, &r), 401);
    expect_error(&r, 401, "token", "already used");
    http_test_resp_free(&r);
    /* the listing shows it active with the key's prefix, never the token */
    http(&r, "GET", "/v1/drivers/D1/enrolments", W.disp, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body.data, token));
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "enrolments"), 0);
    assert_string_equal(str_of(e, "enrolment_id"), id);
    assert_string_equal(str_of(e, "state"), "active");
    assert_true(strncmp(str_of(e, "key_prefix"), key, strlen(str_of(e, "key_prefix"))) == 0);
    http_test_resp_free(&r);
    /* hashed at rest: neither the database nor its WAL holds the token in clear */
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", W.tmp.path);
    assert_false(file_contains(W.tmp.path, token));
    assert_false(file_contains(wal, token));
    assert_int_equal(count_events("driver.enrolled"), 1);
}

static void test_enrolment_expired_is_refused(void **state) {
    (void)state;
    char token[STORE_ENROL_TOKEN_LEN + 1];
    store_enrolment e;
    lm_errinfo err;
    /* a 1 ms life (the HTTP route allows 60 s at least): the test waits for the clock to pass
     * the expiry, a condition with a deadline, not a fixed sleep */
    OKE(store_enrol_create(W.s, "D2", 1, "test", token, &e, &err), err);
    int64_t deadline = lm_now_ms() + 5000;
    while (lm_now_ms() <= e.expires_ms && lm_now_ms() < deadline) {
    }
    assert_true(lm_now_ms() > e.expires_ms);
    resp r;
    assert_int_equal(exchange(token, NULL, &r), 401);
    expect_error(&r, 401, "token", "expired");
    http_test_resp_free(&r);
    http(&r, "GET", "/v1/drivers/D2/enrolments", W.disp, NULL, NULL);
    const cJSON *x = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "enrolments"), 0);
    assert_string_equal(str_of(x, "state"), "expired");
    http_test_resp_free(&r);
    assert_int_equal(count_events("driver.enrolled"), 0);
}

static void test_revoke_stops_key_at_once(void **state) {
    (void)state;
    char token[64], id[32], key[STORE_KEY_MAX], path[160];
    enrol("D1", token, id);
    assert_int_equal(exchange(token, key, NULL), 201);
    assert_int_equal(status_of("GET", "/v1/driver/route", key, NULL), 200);
    /* another driver's path does not reach it */
    snprintf(path, sizeof path, "/v1/drivers/D2/enrolments/%s", id);
    assert_int_equal(status_of("DELETE", path, W.disp, NULL), 404);
    snprintf(path, sizeof path, "/v1/drivers/D1/enrolments/%s", id);
    assert_int_equal(status_of("DELETE", path, W.d1, NULL), 403);
    assert_int_equal(status_of("DELETE", path, W.disp, NULL), 204);
    /* the very next request with the phone's key fails; other D1 keys still work */
    assert_int_equal(status_of("GET", "/v1/driver/route", key, NULL), 401);
    assert_int_equal(status_of("GET", "/v1/driver/route", W.d1, NULL), 200);
    assert_int_equal(status_of("DELETE", path, W.disp, NULL), 409);
    assert_int_equal(count_events("key.revoked"), 1);
    /* a pending link revoked before use is refused */
    enrol("D1", token, id);
    snprintf(path, sizeof path, "/v1/drivers/D1/enrolments/%s", id);
    assert_int_equal(status_of("DELETE", path, W.disp, NULL), 204);
    resp r;
    assert_int_equal(exchange(token, NULL, &r), 401);
    expect_error(&r, 401, "token", "revoked");
    http_test_resp_free(&r);
}

static void test_enrolment_bad_inputs(void **state) {
    (void)state;
    static const struct {
        const char *method, *path, *body;
        int who; /* 0 dispatcher, 1 driver, 2 none */
        long status;
        const char *field;
    } cases[] = {
        {"POST", "/v1/drivers/NOPE/enrolments", NULL, 0, 404, "id"},
        {"POST", "/v1/drivers/D1/enrolments", "{\"ttl_s\":5}", 0, 400, "ttl_s"},
        {"POST", "/v1/drivers/D1/enrolments", "{\"ttl_s\":86401}", 0, 400, "ttl_s"},
        {"POST", "/v1/drivers/D1/enrolments", "{\"ttl\":600}", 0, 400, "ttl"},
        {"POST", "/v1/drivers/D1/enrolments", NULL, 1, 403, ""},
        {"POST", "/v1/drivers/D1/enrolments", NULL, 2, 401, ""},
        {"GET", "/v1/drivers/D1/enrolments", NULL, 1, 403, ""},
        {"DELETE", "/v1/drivers/D1/enrolments/0123456789abcdef", NULL, 0, 404, "enrolment"},
        {"DELETE", "/v1/drivers/D1/enrolments/xyz", NULL, 0, 404, "enrolment"},
        {"POST", "/v1/driver/enrol", "{}", 2, 400, "token"},
        {"POST", "/v1/driver/enrol", "{\"token\":\"x\",\"driver\":\"D1\"}", 2, 400, "driver"},
        {"POST", "/v1/driver/enrol", "{\"token\":\"0123456789abcdef0123456789abcdef\"}", 2, 401,
         "token"},
        {"POST", "/v1/driver/enrol", "{\"token\":\"short\"}", 2, 401, "token"},
        {"POST", "/v1/driver/enrol",
         "{\"token\":\"0123456789abcdef0123456789abcdef0123456789abcdef\"}", 2, 401, "token"},
        {"POST", "/v1/driver/enrol", "{\"token\":12}", 2, 400, "token"},
        {"GET", "/v1/driver/events", NULL, 0, 403, ""},
    };
    int64_t created = count_events("driver.enrolment_created");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *key = cases[i].who == 0 ? W.disp : cases[i].who == 1 ? W.d1 : NULL;
        resp r;
        http(&r, cases[i].method, cases[i].path, key, cases[i].body, NULL);
        if (r.status != cases[i].status)
            fail_msg("case %zu %s %s: %ld %s", i, cases[i].method, cases[i].path, r.status,
                     r.body.data);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(r.json, "error");
        if (cases[i].field[0] && strcmp(str_of(e, "field"), cases[i].field))
            fail_msg("case %zu: field %s, wanted %s", i, str_of(e, "field"), cases[i].field);
        http_test_resp_free(&r);
    }
    assert_int_equal(count_events("driver.enrolment_created"), created);
}

/* The first pending delivery stop of D1 (via the API). */
static int64_t first_stop(const char *key, int skip) {
    resp r;
    http(&r, "GET", "/v1/driver/route", key, NULL, NULL);
    assert_int_equal(r.status, 200);
    const cJSON *s;
    int64_t id = 0;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(r.json, "stops")) {
        if (strcmp(str_of(s, "kind"), "delivery") || strcmp(str_of(s, "status"), "planned"))
            continue;
        /* the app's extras: the lines to hand over, and the vehicle's breaks */
        assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(s, "lines")));
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "lines")) >= 1);
        if (skip-- == 0) {
            id = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "id")->valuedouble;
            break;
        }
    }
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r.json, "breaks")));
    http_test_resp_free(&r);
    assert_true(id > 0);
    return id;
}

static void expect_replayed(const char *key, const char *path, const char *body, const char *idem,
                            long status) {
    char hdr[160];
    snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", idem);
    resp a, b;
    http(&a, "POST", path, key, body, hdr);
    http(&b, "POST", path, key, body, hdr);
    if (a.status != status) fail_msg("%s: %ld %s", path, a.status, a.body.data);
    assert_int_equal(b.status, status);
    assert_string_equal(a.body.data, b.body.data);
    assert_null(strstr(a.headers.data, "Idempotent-Replayed"));
    assert_non_null(strstr(b.headers.data, "Idempotent-Replayed: true"));
    http_test_resp_free(&a);
    http_test_resp_free(&b);
}

static void test_actions_honour_idempotency_keys(void **state) {
    (void)state;
    int64_t s1 = first_stop(W.d1, 0), s2 = first_stop(W.d1, 1);
    char p[128];
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/arrived", (long long)s1);
    expect_replayed(W.d1, p, NULL, "a-1", 200);
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/delivered", (long long)s1);
    expect_replayed(W.d1, p, "{\"recipient_name\":\"Ann\"}", "d-1", 200);
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/failed", (long long)s2);
    expect_replayed(W.d1, p, "{\"reason\":\"not_home\",\"note\":\"bell broken\"}", "f-1", 200);
    expect_replayed(W.d1, "/v1/driver/exceptions", "{\"kind\":\"delay\",\"delay_min\":10}", "x-1",
                    202);
    /* the route had started with the first arrival: start says so and records nothing */
    resp st;
    http(&st, "POST", "/v1/driver/route/start", W.d1, NULL, NULL);
    assert_int_equal(st.status, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st.json, "already")));
    http_test_resp_free(&st);
    /* D2 starts by the button: once, whatever the retries */
    expect_replayed(W.d2, "/v1/driver/route/start", NULL, "s-1", 200);
    http(&st, "POST", "/v1/driver/route/start", W.d2, NULL, NULL);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st.json, "already")));
    http_test_resp_free(&st);
    assert_int_equal(count_events("route.started"), 2);
    assert_int_equal(count_events("stop.arrived"), 1);
    assert_int_equal(count_events("stop.delivered"), 1);
    assert_int_equal(count_events("stop.failed"), 1);
    assert_int_equal(count_events("driver.exception"), 1);
    /* the same key on another request: 409 naming the header, nothing done */
    resp r;
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/arrived", (long long)s2);
    http(&r, "POST", p, W.d1, NULL, "Idempotency-Key: a-1");
    expect_error(&r, 409, "Idempotency-Key", "another request");
    http_test_resp_free(&r);
    /* keys are per API key: D2 using "a-1" is its own request (404: not its stop) */
    http(&r, "POST", p, W.d2, NULL, "Idempotency-Key: a-1");
    assert_int_equal(r.status, 404);
    http_test_resp_free(&r);
    http(&r, "POST", p, W.d1, NULL, "Idempotency-Key: bad key");
    expect_error(&r, 400, "Idempotency-Key", NULL);
    http_test_resp_free(&r);
}

/* ---- The driver's event stream ---- */

typedef struct sse_buf {
    lm_buf buf;
} sse_buf;

static size_t on_sse(char *p, size_t sz, size_t n, void *ud) {
    sse_buf *s = ud;
    if (lm_buf_append(&s->buf, p, sz * n) != LM_OK) return 0;
    /* the replay is sent in one go before the stream parks: stop at the first notice */
    return strstr(s->buf.data, "event: route.changed\n") && strstr(s->buf.data, "}\n\n") ? 0
                                                                                         : sz * n;
}

static void test_driver_stream_says_only_route_changed(void **state) {
    (void)state;
    CURL *c = curl_easy_init();
    char url[128], auth[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/v1/driver/events", (unsigned)W.port);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", W.d1);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Accept: text/event-stream");
    h = curl_slist_append(h, "Last-Event-ID: 0"); /* the whole log, filtered */
    sse_buf s;
    memset(&s, 0, sizeof s);
    lm_buf_init(&s.buf, 1 << 20);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    assert_int_equal(status, 200);
    assert_non_null(s.buf.data);
    assert_true(count_events("order.ready") > 0); /* the log holds plenty besides */
    assert_non_null(strstr(s.buf.data, "event: route.changed\ndata: {\"seq\":"));
    assert_non_null(strstr(s.buf.data, "\"cause\":\"plan.committed\"}"));
    /* every event line is a route.changed notice, and no customer or order data is in it */
    for (const char *at = s.buf.data; (at = strstr(at, "event: ")) != NULL; at += 7)
        assert_int_equal(strncmp(at, "event: route.changed\n", 21), 0);
    assert_null(strstr(s.buf.data, "Customer"));
    assert_null(strstr(s.buf.data, "order_id"));
    lm_buf_free(&s.buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enrolment_link_works_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enrolment_expired_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_stops_key_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enrolment_bad_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_actions_honour_idempotency_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_driver_stream_says_only_route_changed, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
