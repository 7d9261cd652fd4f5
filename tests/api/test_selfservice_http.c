/* The customer's self-service by tracking token over HTTP against the real server (in-process,
 * free 127.0.0.1 port) on a committed plan (tests/support/plan_world.h): windows are offered only
 * on days the planner has room for (a day filled to the vans' capacity is not offered), a chosen
 * window becomes the order's, anything else is refused; a failed delivery whose policy lets the
 * customer choose gets its next window the same way; instructions and a safe place are bounded,
 * validated and shown to the driver; a cancel before the van leaves releases the stock, after it
 * is 409. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "tests/support/http_test.h"
#include "tests/support/plan_world.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static plan_world W;

typedef http_test_resp resp;

static void http(resp *out, const char *method, const char *path, const char *key,
                 const char *body) {
    plan_world_http(&W, out, method, path, key, body);
}

static long status_of(const char *method, const char *path, const char *key, const char *body) {
    return plan_world_status(&W, method, path, key, body);
}

static int setup(void **state) {
    (void)state;
    plan_world_setup_track_rate(&W, "lm-selfservice-", 1000);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    plan_world_teardown(&W);
    return 0;
}

static int64_t tomorrow(void) {
    return W.day + 86400; /* the world's local day, whatever the hour the suite runs */
}

/* A new allocated order at the plan world's depot with one window [from, to). */
static int64_t order_new(int64_t from, int64_t to, char token[33]) {
    lm_errinfo err = {0};
    orders_line l = {.qty = 2};
    lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
    orders_order in = {.has_location = true,
                       .lat = PLAN_WORLD_DEPOT_LAT + 0.02,
                       .lon = PLAN_WORLD_DEPOT_LON + 0.01,
                       .lines = &l,
                       .n_lines = 1};
    static int seq; /* distinct customers: the duplicate rule would hold look-alikes */
    seq++;
    snprintf(in.customer_name, sizeof in.customer_name, "Self Service %d", seq);
    snprintf(in.customer_address, sizeof in.customer_address, "%d rue du Choix, Lyon", seq);
    snprintf(in.customer_phone, sizeof in.customer_phone, "+3361111%04d", seq);
    in.windows[0] = (store_window){from, to};
    in.n_windows = 1;
    orders_order out = {0};
    bool replayed = false;
    OKE(orders_order_create(W.o, &in, NULL, &out, &replayed, &err), err);
    assert_string_equal(out.status, "allocated");
    if (token) lm_strlcpy(token, out.tracking_token, 33);
    int64_t id = out.id;
    orders_order_clear(&out);
    return id;
}

static void token_of(int64_t order, char token[33]) {
    store_read *rd = NULL;
    store_order o;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_order_get(rd, order, &o, &err), err);
    store_read_end(rd);
    lm_strlcpy(token, o.tracking_token, 33);
    store_order_clear(&o);
}

static int64_t reserved(void) {
    store_read *rd = NULL;
    store_stock st;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_stock_get(rd, "DEP", "SKU1", &st, &err), err);
    store_read_end(rd);
    return st.reserved;
}

/* The offered windows' start times (epoch s) into out; returns how many. */
static size_t offered(const char *token, int64_t *out, size_t cap, bool *can) {
    char p[96];
    snprintf(p, sizeof p, "/v1/track/%s/reschedule", token);
    resp r;
    http(&r, "GET", p, NULL, NULL);
    assert_int_equal(r.status, 200);
    *can = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.json, "can_reschedule"));
    size_t n = 0;
    const cJSON *w;
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(r.json, "offered")) {
        struct tm tm = {0};
        const char *from = cJSON_GetObjectItemCaseSensitive(w, "from")->valuestring;
        assert_int_equal(sscanf(from, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                         6);
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        if (n < cap) out[n] = (int64_t)timegm(&tm);
        n++;
    }
    http_test_resp_free(&r);
    return n;
}

static void window_body(char *body, size_t n, int64_t from, int64_t to) {
    char a[32], b[32];
    time_t ta = (time_t)from, tb = (time_t)to;
    struct tm tm;
    gmtime_r(&ta, &tm);
    strftime(a, sizeof a, "%Y-%m-%dT%H:%M:%SZ", &tm);
    gmtime_r(&tb, &tm);
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(body, n, "{\"from\":\"%s\",\"to\":\"%s\"}", a, b);
}

/* ---- Reschedule ---- */

static void test_windows_offered_only_where_there_is_room(void **state) {
    (void)state;
    int64_t day1 = tomorrow();
    char tok[33];
    int64_t id = order_new(day1, day1 + 86399, tok);
    /* the two vans carry 3 parcels each: six more orders for tomorrow fill that day */
    for (int i = 0; i < 6; i++)
        order_new(day1, day1 + 86399, NULL);
    int64_t starts[32];
    bool can = false;
    size_t n = offered(tok, starts, 32, &can);
    assert_true(can);
    assert_true(n > 0 && n <= 32);
    for (size_t i = 0; i < n; i++) {
        if (starts[i] >= day1 && starts[i] < day1 + 86400)
            fail_msg("offered %lld on the full day", (long long)starts[i]);
        assert_true(starts[i] >= day1 + 86400 && starts[i] < day1 + 3 * 86400);
    }
    char p[96], body[128];
    snprintf(p, sizeof p, "/v1/track/%s/reschedule", tok);
    /* tomorrow at 08:00 is a slot, but full; 03:00 is no slot at all; bad bodies */
    window_body(body, sizeof body, day1 + 8 * 3600, day1 + 10 * 3600);
    assert_int_equal(status_of("POST", p, NULL, body), 409);
    window_body(body, sizeof body, day1 + 86400 + 3 * 3600, day1 + 86400 + 5 * 3600);
    assert_int_equal(status_of("POST", p, NULL, body), 400);
    assert_int_equal(status_of("POST", p, NULL,
                               "{\"from\":\"2026-02-31T08:00:00Z\",\"to\":"
                               "\"2026-03-01T10:00:00Z\"}"),
                     400);
    assert_int_equal(status_of("POST", p, NULL, "{\"from\":\"x\"}"), 400);
    assert_int_equal(status_of("POST", p, NULL,
                               "{\"from\":\"2026-12-09T08:00:00Z\",\"to\":"
                               "\"2026-12-09T10:00:00Z\",\"why\":1}"),
                     400);
    /* an offered one is taken: the order's window now */
    window_body(body, sizeof body, starts[0], starts[0] + 7200);
    resp r;
    http(&r, "POST", p, NULL, body);
    assert_int_equal(r.status, 200);
    http_test_resp_free(&r);
    store_read *rd = NULL;
    store_order o;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_order_get(rd, id, &o, &err), err);
    store_read_end(rd);
    assert_int_equal(o.n_windows, 1);
    assert_int_equal(o.windows[0].start_s, starts[0]);
    assert_int_equal(o.windows[0].end_s, starts[0] + 7200);
    store_order_clear(&o);
    /* a planned order (on a committed route) is not offered anything */
    token_of(W.order_ids[0], tok);
    assert_int_equal(offered(tok, starts, 32, &can), 0);
    assert_false(can);
    snprintf(p, sizeof p, "/v1/track/%s/reschedule", tok);
    assert_int_equal(status_of("POST", p, NULL, body), 409);
    /* unknown token */
    assert_int_equal(
        status_of("GET", "/v1/track/0123456789abcdef0123456789abcdef/reschedule", NULL, NULL), 404);
}

static void test_failed_delivery_customer_chooses_next_window(void **state) {
    (void)state;
    resp r;
    http(&r, "GET", "/v1/driver/route", W.d1, NULL);
    assert_int_equal(r.status, 200);
    const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "stops"), 0);
    int64_t stop = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "id")->valuedouble;
    int64_t order = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "order_id")->valuedouble;
    http_test_resp_free(&r);
    char p[96], body[128], tok[33];
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/failed", (long long)stop);
    /* the default policy lets the customer choose after address_not_found */
    assert_int_equal(status_of("POST", p, W.d1, "{\"reason\":\"address_not_found\"}"), 200);
    token_of(order, tok);
    int64_t starts[32];
    bool can = false;
    size_t n = offered(tok, starts, 32, &can);
    assert_true(can);
    assert_true(n > 0);
    snprintf(p, sizeof p, "/v1/track/%s/reschedule", tok);
    window_body(body, sizeof body, starts[0], starts[0] + 7200);
    http(&r, "POST", p, NULL, body);
    assert_int_equal(r.status, 200);
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(r.json, "recovery");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(rec, "state")->valuestring,
                        "awaiting_checkin");
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(rec, "next_window")));
    http_test_resp_free(&r);
    /* the parcel back at the depot: the order is ready for the chosen window */
    char wh[STORE_KEY_MAX];
    store_key_info info;
    lm_errinfo err = {0};
    OKE(store_key_create(W.s, "warehouse", NULL, wh, &info, &err), err);
    snprintf(p, sizeof p, "/v1/orders/%lld/checkin", (long long)order);
    http(&r, "POST", p, wh, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r.json, "status")->valuestring, "ready");
    rec = cJSON_GetObjectItemCaseSensitive(r.json, "recovery");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(rec, "state")->valuestring, "rescheduled");
    http_test_resp_free(&r);
    store_read *rd = NULL;
    store_order o;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_order_get(rd, order, &o, &err), err);
    store_read_end(rd);
    assert_int_equal(o.windows[0].start_s, starts[0]);
    store_order_clear(&o);
}

/* ---- Instructions ---- */

static void test_instructions_bounded_and_shown_to_the_driver(void **state) {
    (void)state;
    resp r;
    http(&r, "GET", "/v1/driver/route", W.d1, NULL);
    const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "stops"), 0);
    int64_t order = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "order_id")->valuedouble;
    int64_t stop = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "id")->valuedouble;
    http_test_resp_free(&r);
    char tok[33], p[96];
    token_of(order, tok);
    snprintf(p, sizeof p, "/v1/track/%s/instructions", tok);
    char big[700];
    memset(big, 'a', sizeof big);
    big[sizeof big - 1] = '\0';
    char body[900];
    snprintf(body, sizeof body, "{\"instructions\":\"%s\"}", big);
    const char *bad[] = {"{}", "{\"colour\":\"red\"}", "{\"safe_place\":\"a\\u0007b\"}",
                         "{\"instructions\":12}", "[]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(status_of("PUT", p, NULL, bad[i]), 400);
    assert_int_equal(status_of("PUT", p, NULL, body), 413);
    assert_int_equal(status_of("PUT", p, NULL,
                               "{\"instructions\":\"Code 4521\\nthird floor\",\"safe_place\":"
                               "\"porch\"}"),
                     200);
    /* one member alone replaces that member only */
    assert_int_equal(status_of("PUT", p, NULL, "{\"safe_place\":\"garage\"}"), 200);
    http(&r, "GET", p, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r.json, "instructions")->valuestring,
                        "Code 4521\nthird floor");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r.json, "safe_place")->valuestring,
                        "garage");
    http_test_resp_free(&r);
    /* the driver's route shows them on that stop */
    http(&r, "GET", "/v1/driver/route", W.d1, NULL);
    s = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "stops"), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(s, "customer_instructions")->valuestring,
                        "Code 4521\nthird floor");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(s, "safe_place")->valuestring, "garage");
    http_test_resp_free(&r);
    /* delivered: nothing more to instruct */
    char dp[96];
    snprintf(dp, sizeof dp, "/v1/driver/stops/%lld/delivered", (long long)stop);
    assert_int_equal(status_of("POST", dp, W.d1, "{\"recipient_name\":\"A\"}"), 200);
    assert_int_equal(status_of("PUT", p, NULL, "{\"safe_place\":\"shed\"}"), 409);
}

/* ---- Cancel ---- */

static void test_cancel_before_the_van_leaves(void **state) {
    (void)state;
    char tok[33], p[96];
    int64_t day1 = tomorrow();
    int64_t id = order_new(day1, day1 + 86399, tok);
    int64_t before = reserved();
    snprintf(p, sizeof p, "/v1/track/%s/cancel", tok);
    assert_int_equal(status_of("POST", p, NULL, "{\"why\":1}"), 400);
    assert_int_equal(reserved(), before);
    resp r;
    http(&r, "POST", p, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r.json, "status")->valuestring,
                        "cancelled");
    assert_int_equal((int64_t)cJSON_GetObjectItemCaseSensitive(r.json, "id")->valuedouble, id);
    http_test_resp_free(&r);
    assert_int_equal(reserved(), before - 2); /* its two units are free again */
    assert_int_equal(status_of("POST", p, NULL, NULL), 409);
    /* once the van has left (the driver reached a first stop), its parcels cannot be cancelled */
    http(&r, "GET", "/v1/driver/route", W.d1, NULL);
    const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "stops"), 1);
    int64_t stop0 =
        (int64_t)cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "stops"), 0), "id")
            ->valuedouble;
    int64_t order1 = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "order_id")->valuedouble;
    http_test_resp_free(&r);
    char ap[96];
    snprintf(ap, sizeof ap, "/v1/driver/stops/%lld/arrived", (long long)stop0);
    assert_int_equal(status_of("POST", ap, W.d1, NULL), 200);
    token_of(order1, tok);
    snprintf(p, sizeof p, "/v1/track/%s/cancel", tok);
    int64_t held = reserved();
    assert_int_equal(status_of("POST", p, NULL, NULL), 409);
    assert_int_equal(reserved(), held);
    /* a planned order of the other van, not started yet, still can be */
    http(&r, "GET", "/v1/driver/route", W.d2, NULL);
    s = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "stops"), 0);
    int64_t order2 = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "order_id")->valuedouble;
    http_test_resp_free(&r);
    token_of(order2, tok);
    snprintf(p, sizeof p, "/v1/track/%s/cancel", tok);
    assert_int_equal(status_of("POST", p, NULL, NULL), 200);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_windows_offered_only_where_there_is_room, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_delivery_customer_chooses_next_window, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_instructions_bounded_and_shown_to_the_driver, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cancel_before_the_van_leaves, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
