/* Failed-delivery recovery over HTTP against the real server (in-process, free 127.0.0.1 port) on
 * a committed plan (tests/support/plan_world.h): the policy is validated and versioned; a failed
 * attempt is counted and shown on the order and the tracking page; per reason the parcel goes
 * back to stock on the warehouse's check-in (stock changed in that transaction), is rescheduled
 * for the next day (its units held again, the order ready with the next window), waits for the
 * customer's choice, or opens an after-sales case (returns module, resolved by reship); proof files
 * are served to dispatchers and, through the tracking token, to their customer only, with their
 * content type. */
#include "api/api.h"
#include "api/formats/base64.h"
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
static char WAREHOUSE[STORE_KEY_MAX];

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
    plan_world_setup(&W, "lm-recovery-");
    lm_errinfo err = {0};
    store_key_info info;
    OKE(store_key_create(W.s, "warehouse", NULL, WAREHOUSE, &info, &err), err);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    plan_world_teardown(&W);
    return 0;
}

/* The first pending delivery stop on D1's route and its order. */
static void first_stop(int64_t *stop, int64_t *order) {
    resp r;
    http(&r, "GET", "/v1/driver/route", W.d1, NULL);
    assert_int_equal(r.status, 200);
    const cJSON *s;
    *stop = 0;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(r.json, "stops")) {
        const char *status = cJSON_GetObjectItemCaseSensitive(s, "status")->valuestring;
        if (*stop || strcmp(status, "planned")) continue;
        *stop = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "id")->valuedouble;
        *order = (int64_t)cJSON_GetObjectItemCaseSensitive(s, "order_id")->valuedouble;
    }
    http_test_resp_free(&r);
    assert_true(*stop > 0);
}

static void fail_stop(int64_t stop, const char *reason) {
    char p[96], body[96];
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/failed", (long long)stop);
    snprintf(body, sizeof body, "{\"reason\":\"%s\"}", reason);
    assert_int_equal(status_of("POST", p, W.d1, body), 200);
}

/* GET /v1/orders/{id} as the dispatcher; the caller frees. */
static void order_get(int64_t id, resp *r) {
    char p[64];
    snprintf(p, sizeof p, "/v1/orders/%lld", (long long)id);
    http(r, "GET", p, W.disp, NULL);
    assert_int_equal(r->status, 200);
}

static const char *str_at(const cJSON *o, const char *a, const char *b) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b) x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsString(x) ? x->valuestring : "(none)";
}

static int64_t num_at(const cJSON *o, const char *a) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    assert_true(cJSON_IsNumber(x));
    return (int64_t)x->valuedouble;
}

static void stock_of(int64_t *on_hand, int64_t *reserved) {
    store_read *rd = NULL;
    store_stock st;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_stock_get(rd, "DEP", "SKU1", &st, &err), err);
    store_read_end(rd);
    *on_hand = st.on_hand;
    *reserved = st.reserved;
}

static void checkin_path(char *p, size_t n, int64_t order) {
    snprintf(p, n, "/v1/orders/%lld/checkin", (long long)order);
}

static void policy_put(const char *body, long want) {
    assert_int_equal(status_of("PUT", "/v1/config/recovery", W.admin, body), want);
}

#define RULES_TAIL                                                                                 \
    "{\"reason\":\"not_home\",\"action\":\"reschedule\",\"reschedule\":\"next_day\"},"             \
    "{\"reason\":\"damaged\",\"action\":\"case\"},"                                                \
    "{\"reason\":\"other\",\"action\":\"return_to_stock\",\"max_attempts\":1}"

/* ---- Policy ---- */

static void test_policy_validated_and_versioned(void **state) {
    (void)state;
    resp r;
    http(&r, "GET", "/v1/config/recovery", W.disp, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(num_at(r.json, "version"), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "rules")), 5);
    http_test_resp_free(&r);
    /* refused, each naming its field, and nothing changes */
    const struct {
        const char *body, *field;
    } bad[] = {
        {"{}", "rules"},
        {"{\"rules\":[],\"extra\":1}", "extra"},
        {"{\"rules\":[{\"reason\":\"not_home\",\"action\":\"reschedule\",\"reschedule\":"
         "\"next_day\"}]}",
         "rules"},
        {"{\"rules\":[{\"reason\":\"bored\",\"action\":\"case\"},{\"reason\":\"refused\","
         "\"action\":\"case\"},{\"reason\":\"address_not_found\",\"action\":\"case\"}," RULES_TAIL
         "]}",
         "rules"}, /* six rules: more than the reasons */
        {"{\"rules\":[{\"reason\":\"refused\",\"action\":\"burn\"},{\"reason\":"
         "\"address_not_found\",\"action\":\"case\"}," RULES_TAIL "]}",
         "rules[0].action"},
        {"{\"rules\":[{\"reason\":\"refused\",\"action\":\"case\",\"reschedule\":\"next_day\"},"
         "{\"reason\":\"address_not_found\",\"action\":\"case\"}," RULES_TAIL "]}",
         "rules[0].reschedule"},
        {"{\"rules\":[{\"reason\":\"refused\",\"action\":\"reschedule\"},{\"reason\":"
         "\"address_not_found\",\"action\":\"case\"}," RULES_TAIL "]}",
         "rules[0].reschedule"},
        {"{\"rules\":[{\"reason\":\"refused\",\"action\":\"case\",\"max_attempts\":11},{"
         "\"reason\":\"address_not_found\",\"action\":\"case\"}," RULES_TAIL "]}",
         "rules[0].max_attempts"},
        {"{\"rules\":[{\"reason\":\"not_home\",\"action\":\"case\"},{\"reason\":"
         "\"address_not_found\",\"action\":\"case\"}," RULES_TAIL "]}",
         "rules[2].reason"}, /* not_home twice */
        {"{\"rules\":[{\"reason\":\"refused\",\"action\":\"case\",\"colour\":1},{\"reason\":"
         "\"address_not_found\",\"action\":\"case\"}," RULES_TAIL "]}",
         "rules[0].colour"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http(&r, "PUT", "/v1/config/recovery", W.admin, bad[i].body);
        long want = strstr(bad[i].body, "bored") ? 413 : 400; /* six rules: too many */
        if (r.status != want) fail_msg("case %zu: %ld %s", i, r.status, r.body.data);
        assert_string_equal(str_at(r.json, "error", "field"), bad[i].field);
        http_test_resp_free(&r);
    }
    /* admin only */
    const char *good = "{\"rules\":[{\"reason\":\"refused\",\"action\":\"case\"},{\"reason\":"
                       "\"address_not_found\",\"action\":\"reschedule\",\"reschedule\":"
                       "\"customer\",\"max_attempts\":2}," RULES_TAIL "]}";
    assert_int_equal(status_of("PUT", "/v1/config/recovery", W.disp, good), 403);
    http(&r, "GET", "/v1/config/recovery", W.disp, NULL);
    assert_int_equal(num_at(r.json, "version"), 0);
    http_test_resp_free(&r);
    http(&r, "PUT", "/v1/config/recovery", W.admin, good);
    assert_int_equal(r.status, 200);
    assert_int_equal(num_at(r.json, "version"), 1);
    assert_true(strlen(str_at(r.json, "actor", NULL)) > 0);
    http_test_resp_free(&r);
    policy_put(good, 200);
    http(&r, "GET", "/v1/config/recovery", W.disp, NULL);
    assert_int_equal(num_at(r.json, "version"), 2);
    const cJSON *rule = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "rules"), 0);
    assert_string_equal(str_at(rule, "reason", NULL), "address_not_found");
    assert_string_equal(str_at(rule, "reschedule", NULL), "customer");
    assert_int_equal(num_at(rule, "max_attempts"), 2);
    http_test_resp_free(&r);
}

/* ---- Return to stock ---- */

static void test_refused_returns_to_stock_on_checkin(void **state) {
    (void)state;
    int64_t stop, order, on0, res0, on1, res1;
    first_stop(&stop, &order);
    char p[96];
    checkin_path(p, sizeof p, order);
    /* not failed yet: nothing to check in */
    assert_int_equal(status_of("POST", p, WAREHOUSE, NULL), 409);
    fail_stop(stop, "refused");
    resp r;
    order_get(order, &r);
    assert_string_equal(str_at(r.json, "status", NULL), "failed");
    assert_int_equal(num_at(r.json, "attempts"), 1);
    assert_string_equal(str_at(r.json, "recovery", "action"), "return_to_stock");
    assert_string_equal(str_at(r.json, "recovery", "state"), "awaiting_checkin");
    http_test_resp_free(&r);
    stock_of(&on0, &res0);
    /* warehouse only; a dispatcher or driver cannot */
    assert_int_equal(status_of("POST", p, W.disp, NULL), 403);
    assert_int_equal(status_of("POST", p, W.d1, NULL), 403);
    assert_int_equal(status_of("POST", p, WAREHOUSE, "{\"x\":1}"), 400);
    stock_of(&on1, &res1);
    assert_int_equal(on1, on0);
    http(&r, "POST", p, WAREHOUSE, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(str_at(r.json, "recovery", "state"), "returned_to_stock");
    assert_string_equal(str_at(r.json, "status", NULL), "failed");
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r.json, "recovery"), "checked_in_at")));
    http_test_resp_free(&r);
    stock_of(&on1, &res1);
    assert_int_equal(on1, on0 + 1); /* one unit of SKU1 back on sale */
    assert_int_equal(res1, res0);
    /* twice is a conflict, and the stock stays */
    assert_int_equal(status_of("POST", p, WAREHOUSE, NULL), 409);
    stock_of(&on1, &res1);
    assert_int_equal(on1, on0 + 1);
    /* the tracking page shows the attempt too */
    store_read *rd = NULL;
    store_order ord;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_order_get(rd, order, &ord, &err), err);
    store_read_end(rd);
    snprintf(p, sizeof p, "/v1/track/%s", ord.tracking_token);
    store_order_clear(&ord);
    http(&r, "GET", p, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(num_at(r.json, "attempts"), 1);
    assert_string_equal(str_at(r.json, "recovery", "state"), "returned_to_stock");
    http_test_resp_free(&r);
}

/* ---- Reschedule ---- */

static void test_next_day_reschedule_holds_units_and_readies_order(void **state) {
    (void)state;
    policy_put("{\"rules\":[{\"reason\":\"refused\",\"action\":\"reschedule\",\"reschedule\":"
               "\"next_day\"},{\"reason\":\"address_not_found\",\"action\":\"case\"}," RULES_TAIL
               "]}",
               200);
    int64_t stop, order, on0, res0, on1, res1;
    first_stop(&stop, &order);
    fail_stop(stop, "refused");
    resp r;
    order_get(order, &r);
    assert_string_equal(str_at(r.json, "recovery", "action"), "reschedule");
    assert_string_equal(str_at(r.json, "recovery", "reschedule"), "next_day");
    /* the order's window (today, all day, local time) moved to the next day */
    char want[40];
    struct tm tm;
    time_t t = (time_t)(W.day + 86400);
    gmtime_r(&t, &tm);
    strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(r.json, "recovery");
    assert_string_equal(str_at(rec, "next_window", "from"), want);
    http_test_resp_free(&r);
    stock_of(&on0, &res0);
    char p[96];
    checkin_path(p, sizeof p, order);
    http(&r, "POST", p, WAREHOUSE, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(str_at(r.json, "status", NULL), "ready");
    assert_string_equal(str_at(r.json, "recovery", "state"), "rescheduled");
    http_test_resp_free(&r);
    /* the unit is in the depot again, promised to this order: the next departure takes it once */
    stock_of(&on1, &res1);
    assert_int_equal(on1, on0 + 1);
    assert_int_equal(res1, res0 + 1);
    order_get(order, &r);
    const cJSON *w =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "time_windows"), 0);
    assert_non_null(w);
    char *wtext = cJSON_PrintUnformatted(w);
    assert_non_null(wtext);
    bool moved = strstr(wtext, want) != NULL;
    cJSON_free(wtext);
    assert_true(moved);
    http_test_resp_free(&r);
    /* ready for dispatch again */
    http(&r, "GET", "/v1/packages/ready", W.disp, NULL);
    assert_int_equal(r.status, 200);
    char needle[48];
    snprintf(needle, sizeof needle, "\"order_id\":%lld", (long long)order);
    assert_non_null(strstr(r.body.data, needle));
    http_test_resp_free(&r);
    /* a dispatcher cannot force another failed order back to ready by hand */
    int64_t stop2, order2;
    first_stop(&stop2, &order2);
    fail_stop(stop2, "damaged");
    snprintf(p, sizeof p, "/v1/orders/%lld/status", (long long)order2);
    assert_int_equal(status_of("POST", p, W.disp, "{\"status\":\"ready\"}"), 409);
}

static void test_damaged_needs_a_case(void **state) {
    (void)state;
    int64_t stop, order, on0, res0, on1, res1;
    first_stop(&stop, &order);
    fail_stop(stop, "damaged");
    resp r;
    order_get(order, &r);
    assert_string_equal(str_at(r.json, "recovery", "action"), "case");
    /* a real after-sales case, opened in the failure's transaction (api/recovery_case.c) */
    assert_string_equal(str_at(r.json, "recovery", "state"), "case_opened");
    int64_t case_id = num_at(cJSON_GetObjectItemCaseSensitive(r.json, "recovery"), "case_id");
    assert_true(case_id > 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "exceptions")), 0);
    http_test_resp_free(&r);
    char cp[64];
    snprintf(cp, sizeof cp, "/v1/cases/%lld", (long long)case_id);
    http(&r, "GET", cp, W.disp, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(str_at(r.json, "kind", NULL), "failed_delivery");
    assert_string_equal(str_at(r.json, "status", NULL), "open");
    assert_int_equal(num_at(r.json, "order_id"), order);
    const cJSON *l0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "lines"), 0);
    assert_string_equal(str_at(l0, "sku", NULL), "SKU1");
    assert_non_null(strstr(str_at(r.json, "note", NULL), "damaged"));
    http_test_resp_free(&r);
    http(&r, "GET", "/v1/cases?status=open", W.disp, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "cases")), 1);
    http_test_resp_free(&r);
    stock_of(&on0, &res0);
    char p[96];
    checkin_path(p, sizeof p, order);
    http(&r, "POST", p, WAREHOUSE, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(str_at(r.json, "recovery", "state"), "case_opened");
    http_test_resp_free(&r);
    stock_of(&on1, &res1); /* damaged goods are not put back on sale */
    assert_int_equal(on1, on0);
    assert_int_equal(res1, res0);
    /* support resolves it: nothing to pick up (the parcel is at the depot), a reship is made */
    char rp[80];
    snprintf(rp, sizeof rp, "/v1/cases/%lld/resolve", (long long)case_id);
    http(&r, "POST", rp, W.disp, "{\"resolution\":\"return\"}");
    assert_int_equal(r.status, 400);
    assert_string_equal(str_at(r.json, "error", "field"), "resolution");
    http_test_resp_free(&r);
    http(&r, "POST", rp, W.disp, "{\"resolution\":\"reship\"}");
    assert_int_equal(r.status, 200);
    assert_string_equal(str_at(r.json, "status", NULL), "resolved");
    int64_t reship = num_at(r.json, "reship_order_id");
    assert_true(reship > 0 && reship != order);
    http_test_resp_free(&r);
    order_get(reship, &r);
    assert_string_equal(str_at(r.json, "channel", NULL), "reship");
    http_test_resp_free(&r);
}

/* ---- Proof files ---- */

static const char PNG_B64[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q"
                              "DwADhgGAWjR9awAAAABJRU5ErkJggg==";

static void test_proof_files(void **state) {
    (void)state;
    int64_t stop, order;
    first_stop(&stop, &order);
    char p[160], body[512];
    snprintf(p, sizeof p, "/v1/driver/stops/%lld/delivered", (long long)stop);
    snprintf(body, sizeof body,
             "{\"recipient_name\":\"J. Doe\",\"signature\":{\"content_type\":\"image/png\","
             "\"data_base64\":\"%s\"}}",
             PNG_B64);
    assert_int_equal(status_of("POST", p, W.d1, body), 200);
    resp r;
    order_get(order, &r);
    const cJSON *pr = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "proofs"), 0);
    assert_non_null(pr);
    assert_string_equal(str_at(pr, "kind", NULL), "signature");
    assert_string_equal(str_at(pr, "content_type", NULL), "image/png");
    char id[80], url[160];
    lm_strlcpy(id, str_at(pr, "id", NULL), sizeof id);
    lm_strlcpy(url, str_at(pr, "url", NULL), sizeof url);
    http_test_resp_free(&r);
    snprintf(p, sizeof p, "/v1/proofs/%s", id);
    assert_string_equal(url, p);
    unsigned char png[256];
    size_t n_png = 0;
    lm_errinfo err;
    OKE(fmt_base64_decode(PNG_B64, strlen(PNG_B64), "png", png, sizeof png, &n_png, &err), err);
    /* the dispatcher gets the bytes as uploaded, typed */
    http(&r, "GET", p, W.disp, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, n_png);
    assert_memory_equal(r.body.data, png, n_png);
    assert_non_null(strstr(r.headers.data, "Content-Type: image/png"));
    assert_non_null(strstr(r.headers.data, "nosniff"));
    http_test_resp_free(&r);
    /* a driver key is not enough; ids that are not a recorded proof are 404 */
    assert_int_equal(status_of("GET", p, W.d1, NULL), 403);
    const char *bad[] = {"/v1/proofs/stop1-signature-0123456789abcdef",
                         "/v1/proofs/..%2f..%2fetc%2fpasswd", "/v1/proofs/stop1-x-0123",
                         "/v1/proofs/stop99999-photo-0123456789abcdef"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(status_of("GET", bad[i], W.disp, NULL), 404);
    /* the customer through their own token, and no other order's */
    store_read *rd = NULL;
    store_order mine, other;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    OKE(store_order_get(rd, order, &mine, &err), err);
    OKE(store_order_get(rd, order == W.order_ids[0] ? W.order_ids[1] : W.order_ids[0], &other,
                        &err),
        err);
    store_read_end(rd);
    snprintf(p, sizeof p, "/v1/track/%s", mine.tracking_token);
    http(&r, "GET", p, NULL, NULL);
    assert_int_equal(r.status, 200);
    pr = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "proofs"), 0);
    snprintf(p, sizeof p, "/v1/track/%s/proofs/%s", mine.tracking_token, id);
    assert_string_equal(str_at(pr, "url", NULL), p);
    http_test_resp_free(&r);
    http(&r, "GET", p, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, n_png);
    assert_memory_equal(r.body.data, png, n_png);
    http_test_resp_free(&r);
    snprintf(p, sizeof p, "/v1/track/%s/proofs/%s", other.tracking_token, id);
    assert_int_equal(status_of("GET", p, NULL, NULL), 404);
    store_order_clear(&mine);
    store_order_clear(&other);
}

/* ---- Split shipments ---- */

static void test_split_over_http(void **state) {
    (void)state;
    lm_errinfo err = {0};
    orders_depot d2 = {.lon = PLAN_WORLD_DEPOT_LON + 0.1,
                       .lat = PLAN_WORLD_DEPOT_LAT + 0.05,
                       .open_s = 0,
                       .close_s = 86399};
    lm_strlcpy(d2.id, "DEP2", sizeof d2.id);
    lm_strlcpy(d2.name, "Second depot", sizeof d2.name);
    OKE(orders_depot_put(W.o, &d2, &err), err);
    orders_product p2 = {.weight_g = 100, .volume_cm3 = 100, .active = true};
    lm_strlcpy(p2.sku, "SKU2", sizeof p2.sku);
    lm_strlcpy(p2.name, "Other thing", sizeof p2.name);
    OKE(orders_product_put(W.o, &p2, &err), err);
    orders_stock st;
    OKE(orders_stock_set(W.o, "DEP2", "SKU2", 4, 0, &st, &err), err);
    /* the policy: validated, admin only, versioned */
    resp r;
    http(&r, "GET", "/v1/config/split", W.disp, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(str_at(r.json, "mode", NULL), "split");
    assert_int_equal(num_at(r.json, "max_parts"), 2);
    http_test_resp_free(&r);
    assert_int_equal(status_of("PUT", "/v1/config/split", W.admin, "{\"mode\":\"maybe\"}"), 400);
    assert_int_equal(status_of("PUT", "/v1/config/split", W.admin, "{\"max_parts\":5}"), 400);
    assert_int_equal(status_of("PUT", "/v1/config/split", W.admin, "{\"colour\":1}"), 400);
    assert_int_equal(status_of("PUT", "/v1/config/split", W.disp, "{\"mode\":\"off\"}"), 403);
    const char *body = "{\"customer\":{\"name\":\"Split Person\",\"address\":\"2 rue Double\","
                       "\"location\":[4.86,45.76]},\"lines\":[{\"sku\":\"SKU1\",\"qty\":1},"
                       "{\"sku\":\"SKU2\",\"qty\":1}]}";
    /* split off: it waits for stock, as before */
    assert_int_equal(status_of("PUT", "/v1/config/split", W.admin, "{\"mode\":\"off\"}"), 200);
    http(&r, "POST", "/v1/orders", W.disp, body);
    assert_int_equal(r.status, 201);
    assert_string_equal(str_at(r.json, "status", NULL), "backordered");
    http_test_resp_free(&r);
    /* split on: one order per depot, linked */
    http(&r, "PUT", "/v1/config/split", W.admin, "{\"mode\":\"split\"}");
    assert_int_equal(r.status, 200);
    assert_int_equal(num_at(r.json, "version"), 2);
    http_test_resp_free(&r);
    const char *body2 = "{\"customer\":{\"name\":\"Split Again\",\"address\":\"3 rue Double\","
                        "\"location\":[4.86,45.76]},\"lines\":[{\"sku\":\"SKU1\",\"qty\":1},"
                        "{\"sku\":\"SKU2\",\"qty\":1}]}";
    http(&r, "POST", "/v1/orders", W.disp, body2);
    assert_int_equal(r.status, 201);
    assert_string_equal(str_at(r.json, "status", NULL), "allocated");
    int64_t id = num_at(r.json, "id");
    http_test_resp_free(&r);
    order_get(id, &r);
    assert_string_equal(str_at(r.json, "depot", NULL), "DEP");
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(r.json, "split_into");
    assert_int_equal(cJSON_GetArraySize(parts), 1);
    int64_t part = (int64_t)cJSON_GetArrayItem(parts, 0)->valuedouble;
    http_test_resp_free(&r);
    order_get(part, &r);
    assert_string_equal(str_at(r.json, "status", NULL), "allocated");
    assert_string_equal(str_at(r.json, "depot", NULL), "DEP2");
    const cJSON *line = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "lines"), 0);
    assert_string_equal(str_at(line, "sku", NULL), "SKU2");
    http_test_resp_free(&r);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_policy_validated_and_versioned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_returns_to_stock_on_checkin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_day_reschedule_holds_units_and_readies_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_needs_a_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proof_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_over_http, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
