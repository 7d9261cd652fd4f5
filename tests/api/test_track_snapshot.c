/* Tracking polls served from the snapshot (api/track_cache.c) over HTTP on a committed plan:
 * every reply carries an ETag, If-None-Match with the current one gets 304 and no body, another
 * tag gets the body; and the snapshot never shows a stale answer: after a stop event (arrived,
 * delivered), an order event (cancel) or a committed position the next poll shows the change,
 * under a new ETag, even when it sends the old one. */
#include "api/api.h"
#include "tests/support/http_test.h"
#include "tests/support/plan_world.h"

#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static plan_world W;

static int setup(void **state) {
    (void)state;
    plan_world_setup_track_rate(&W, "lm-track-snap-", 1000);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    plan_world_teardown(&W);
    return 0;
}

static void http(http_test_resp *out, const char *method, const char *path, const char *key,
                 const char *body, const char *header) {
    http_test_req q = {.method = method,
                       .path = path,
                       .key = key,
                       .body = body ? body : (strcmp(method, "POST") ? NULL : ""),
                       .content_type = body ? "application/json" : NULL,
                       .header = header,
                       .timeout_s = 20};
    http_test_request(W.port, &q, out);
}

/* The ETag header of r (quotes included) into out. */
static void etag_of(const http_test_resp *r, char *out, size_t size) {
    const char *h = strstr(r->headers.data, "ETag: ");
    assert_non_null(h);
    h += 6;
    size_t n = strcspn(h, "\r\n");
    assert_true(n > 2 && n < size);
    memcpy(out, h, n);
    out[n] = '\0';
    assert_int_equal(out[0], '"');
}

/* r's header lines but Date (it may tick between two replies), one per line, in out */
static void headers_but_date(const http_test_resp *r, char *out, size_t size) {
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = r->headers.data; *p;) {
        size_t len = strcspn(p, "\r\n");
        if (len && strncmp(p, "Date:", 5)) {
            assert_true(n + len + 1 < size);
            memcpy(out + n, p, len);
            n += len;
            out[n++] = '\n';
            out[n] = '\0';
        }
        p += len;
        p += strspn(p, "\r\n");
    }
}

static void assert_same_headers(const http_test_resp *a, const http_test_resp *b) {
    char ha[1024], hb[1024];
    headers_but_date(a, ha, sizeof ha);
    headers_but_date(b, hb, sizeof hb);
    assert_non_null(strstr(ha, "Content-Type: application/json"));
    assert_string_equal(ha, hb);
}

/* Polls the tracking page of token, sending if_none_match when not NULL. */
static void poll(http_test_resp *r, const char *token, const char *if_none_match) {
    char path[96], hdr[192]; /* room for the longest list test_etag_and_304 sends */
    snprintf(path, sizeof path, "/v1/track/%s", token);
    if (if_none_match)
        assert_in_range(snprintf(hdr, sizeof hdr, "If-None-Match: %s", if_none_match), 1,
                        sizeof hdr - 1);
    http(r, "GET", path, NULL, NULL, if_none_match ? hdr : NULL);
}

static void token_of(int64_t order_id, char out[33]) {
    store_read *rd = NULL;
    store_order o;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(store_order_get(rd, order_id, &o, &err), LM_OK);
    store_read_end(rd);
    lm_strlcpy(out, o.tracking_token, 33);
    store_order_clear(&o);
}

/* D1's delivery stops still to be served, in route order: ids and their orders. */
static size_t d1_stops(int64_t *ids, int64_t *orders, size_t cap) {
    http_test_resp r;
    http(&r, "GET", "/v1/driver/route", W.d1, NULL, NULL);
    assert_int_equal(r.status, 200);
    size_t n = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(r.json, "stops")) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(s, "kind");
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "status"));
        if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "delivery") || n >= cap) continue;
        if (st && (!strcmp(st, "done") || !strcmp(st, "failed"))) continue;
        ids[n] = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "id")->valuedouble;
        orders[n++] = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "order_id")->valuedouble;
    }
    http_test_resp_free(&r);
    return n;
}

static const char *status_in(const http_test_resp *r) {
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->json, "status"));
}

static void test_etag_and_304(void **state) {
    (void)state;
    char token[33], tag[64];
    token_of(W.order_ids[0], token);
    http_test_resp a, b;
    poll(&a, token, NULL);
    assert_int_equal(a.status, 200);
    etag_of(&a, tag, sizeof tag);
    assert_non_null(strstr(a.headers.data, "Cache-Control: no-cache"));
    /* the same answer again (from the snapshot, a reply made once and shared): same body, same
     * tag, the same headers */
    poll(&b, token, NULL);
    assert_int_equal(b.status, 200);
    assert_string_equal(a.body.data, b.body.data);
    char tag2[64];
    etag_of(&b, tag2, sizeof tag2);
    assert_string_equal(tag, tag2);
    assert_same_headers(&a, &b);
    http_test_resp_free(&b);
    /* revalidation: 304 without a body, the tag repeated; from the snapshot too, with the
     * headers the 304 of a rebuilt reply carries */
    poll(&b, token, tag);
    assert_int_equal(b.status, 304);
    assert_true(b.body.len == 0);
    etag_of(&b, tag2, sizeof tag2);
    assert_string_equal(tag, tag2);
    assert_non_null(strstr(b.headers.data, "Cache-Control: no-cache"));
    assert_null(strstr(b.headers.data, "Content-Type"));
    http_test_resp_free(&b);
    /* a list holding it, and "*", match too; another tag gets the body */
    char list[160];
    snprintf(list, sizeof list, "\"0000000000000000\", %s", tag);
    poll(&b, token, list);
    assert_int_equal(b.status, 304);
    http_test_resp_free(&b);
    poll(&b, token, "*");
    assert_int_equal(b.status, 304);
    http_test_resp_free(&b);
    poll(&b, token, "\"0000000000000000\"");
    assert_int_equal(b.status, 200);
    assert_string_equal(a.body.data, b.body.data);
    http_test_resp_free(&b);
    http_test_resp_free(&a);
    /* unknown tokens stay 404 whatever the header */
    poll(&b, "00000000000000000000000000000000", "*");
    assert_int_equal(b.status, 404);
    http_test_resp_free(&b);
}

/* A stop event (arrived, then delivered) changes the answer at once, also for a poll that sends
 * the old tag. */
static void test_stop_events_show_at_once(void **state) {
    (void)state;
    int64_t ids[8], orders[8];
    assert_true(d1_stops(ids, orders, 8) >= 2);
    char token[33], tag[64], path[96];
    token_of(orders[0], token);
    http_test_resp r;
    poll(&r, token, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(status_in(&r), "planned");
    etag_of(&r, tag, sizeof tag);
    http_test_resp_free(&r);
    snprintf(path, sizeof path, "/v1/driver/stops/%lld/delivered", (long long)ids[0]);
    http(&r, "POST", path, W.d1, "{}", NULL);
    assert_int_equal(r.status, 200);
    http_test_resp_free(&r);
    poll(&r, token, tag);
    assert_int_equal(r.status, 200); /* not 304: the answer changed */
    assert_string_equal(status_in(&r), "delivered");
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r.json, "delivery")));
    char tag2[64];
    etag_of(&r, tag2, sizeof tag2);
    assert_string_not_equal(tag, tag2);
    http_test_resp_free(&r);
    /* and it stays: the next poll with the new tag is 304 */
    poll(&r, token, tag2);
    assert_int_equal(r.status, 304);
    http_test_resp_free(&r);
}

/* A committed position moves the driver on the page of the next stop's customer: the snapshot
 * of a reply that shows positions does not outlive a position batch. */
static void test_positions_show_at_once(void **state) {
    (void)state;
    int64_t ids[8], orders[8];
    assert_true(d1_stops(ids, orders, 8) >= 1);
    http_test_resp r;
    http(&r, "POST", "/v1/driver/route/start", W.d1, "{}", NULL);
    assert_true(r.status == 200 || r.status == 201);
    http_test_resp_free(&r);
    char token[33];
    token_of(orders[0], token);
    int64_t now = (int64_t)time(NULL); /* timing-ok: position timestamps, no bound */
    char body[256], tag[64] = "";
    for (int i = 0; i < 3; i++) {
        double lat = 45.751 + 0.001 * i;
        snprintf(body, sizeof body,
                 "{\"positions\":[{\"lat\":%.3f,\"lon\":4.851,\"timestamp\":%lld}]}", lat,
                 (long long)(now - 30 + 10 * i));
        http(&r, "POST", "/v1/driver/positions", W.d1, body, NULL);
        assert_int_equal(r.status, 200);
        http_test_resp_free(&r);
        poll(&r, token, tag[0] ? tag : NULL);
        assert_int_equal(r.status, 200); /* each batch changed the answer */
        const cJSON *dp = cJSON_GetObjectItemCaseSensitive(r.json, "driver_position");
        assert_true(cJSON_IsObject(dp));
        double got = cJSON_GetObjectItemCaseSensitive(dp, "lat")->valuedouble;
        assert_true(got > lat - 1e-9 && got < lat + 1e-9);
        etag_of(&r, tag, sizeof tag);
        http_test_resp_free(&r);
    }
}

/* An order event (cancel) on an order that no route holds. */
static void test_order_event_shows_at_once(void **state) {
    (void)state;
    http_test_resp r;
    http(&r, "POST", "/v1/orders", W.disp,
         "{\"customer\":{\"name\":\"Snap\",\"address\":\"1 rue du "
         "Cache\",\"location\":[4.85,45.76]},"
         "\"lines\":[{\"sku\":\"SKU1\",\"qty\":1}]}",
         NULL);
    assert_int_equal(r.status, 201);
    char token[33], tag[64], path[96];
    lm_strlcpy(token,
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.json, "tracking_token")),
               sizeof token);
    int64_t id = (int64_t)cJSON_GetObjectItemCaseSensitive(r.json, "id")->valuedouble;
    http_test_resp_free(&r);
    poll(&r, token, NULL);
    assert_int_equal(r.status, 200);
    assert_string_not_equal(status_in(&r), "cancelled");
    etag_of(&r, tag, sizeof tag);
    http_test_resp_free(&r);
    snprintf(path, sizeof path, "/v1/orders/%lld/cancel", (long long)id);
    http(&r, "POST", path, W.disp, NULL, NULL);
    assert_int_equal(r.status, 200);
    http_test_resp_free(&r);
    poll(&r, token, tag);
    assert_int_equal(r.status, 200);
    assert_string_equal(status_in(&r), "cancelled");
    http_test_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_etag_and_304),
        cmocka_unit_test(test_stop_events_show_at_once),
        cmocka_unit_test(test_positions_show_at_once),
        cmocka_unit_test(test_order_event_shows_at_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
