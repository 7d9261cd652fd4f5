/* Orders over real HTTP: an in-process server on a free loopback port with a temporary SQLite
 * file, talked to with libcurl (every orders endpoint, audit rules, lifecycle, idempotency, the
 * 50-orders-at-10-units race, auth, limits, CSV import, the demo day); and, in
 * orders_http_binary.c, `lastmile import` and the real `lastmile serve` binary killed with
 * SIGKILL mid-load, then restarted: every order that got a 2xx is there, intact. */
#include "api/app.h"
#include "cli/demo.h"
#include "orders/orders.h"
#include "orders_http_world.h"
#include "tests/support/server_env.h"

#include <curl/curl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_depots_products_stock(void **state) {
    (void)state;
    resp r;
    request(&r, "GET", "/v1/depots", W.warehouse, NULL);
    expect_status(&r, 200);
    const cJSON *d = cJSON_GetObjectItem(r.json, "depots");
    assert_int_equal(cJSON_GetArraySize(d), 2);
    assert_string_equal(jstr(cJSON_GetArrayItem(d, 0), "id"), "north");
    assert_string_equal(
        jstr(cJSON_GetObjectItem(cJSON_GetArrayItem(d, 0), "opening_hours"), "open"), "07:00");
    http_test_resp_free(&r);

    request(&r, "POST", "/v1/depots", W.admin, "{\"id\":\"x\",\"name\":\"X\"}");
    expect_error(&r, 400, "invalid", "location");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/depots", W.admin,
            "{\"id\":\"x\",\"name\":\"X\",\"location\":[45.7,104.8]}");
    expect_error(&r, 400, "invalid", "location");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/depots", W.admin,
            "{\"id\":\"a b\",\"name\":\"X\",\"location\":[4.8,45.7]}");
    expect_error(&r, 400, "invalid", "id");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/depots", W.admin,
            "{\"id\":\"x\",\"name\":\"X\",\"location\":[4.8,45.7],\"opening_hours\":{\"open\":"
            "\"9am\",\"close\":\"18:00\"}}");
    expect_error(&r, 400, "invalid", "opening_hours.open");
    http_test_resp_free(&r);

    request(&r, "POST", "/v1/products", W.admin, "{\"sku\":\"x\",\"name\":\"X\",\"weight_g\":-1}");
    expect_error(&r, 400, "invalid", "weight_g");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/products", W.admin,
            "{\"sku\":\"x\",\"name\":\"X\",\"substitute_sku\":\"nope\"}");
    expect_error(&r, 400, "invalid", "substitute_sku");
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/products", W.dispatcher, NULL);
    expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "products")), 3);
    http_test_resp_free(&r);

    request(&r, "PUT", "/v1/stock/north/tea", W.warehouse, "{\"on_hand\":5,\"reorder_point\":4}");
    expect_status(&r, 200);
    assert_int_equal((int)jnum(r.json, "available"), 5);
    http_test_resp_free(&r);
    request(&r, "PUT", "/v1/stock/west/tea", W.warehouse, "{\"on_hand\":5}");
    expect_error(&r, 404, "not_found", "depot");
    http_test_resp_free(&r);
    request(&r, "PUT", "/v1/stock/north/nope", W.warehouse, "{\"on_hand\":5}");
    expect_error(&r, 404, "not_found", "sku");
    http_test_resp_free(&r);
    request(&r, "PUT", "/v1/stock/north/tea", W.warehouse, "{\"on_hand\":-5}");
    expect_error(&r, 400, "invalid", "on_hand");
    http_test_resp_free(&r);
    request(&r, "PUT", "/v1/stock/north/tea", W.warehouse, "{}");
    expect_error(&r, 400, "invalid", "on_hand");
    http_test_resp_free(&r);

    order(&r, W.dispatcher, "tea", 2, NULL, NULL); /* available 5 -> 3 < 4: low */
    expect_status(&r, 201);
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/stock?low=true", W.warehouse, NULL);
    expect_status(&r, 200);
    const cJSON *low = cJSON_GetObjectItem(r.json, "stock");
    assert_int_equal(cJSON_GetArraySize(low), 1);
    assert_int_equal((int)jnum(cJSON_GetArrayItem(low, 0), "reserved"), 2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(low, 0), "low")));
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/stock?low=maybe", W.warehouse, NULL);
    expect_error(&r, 400, "invalid", "low");
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/events?limit=1000", W.admin, NULL);
    expect_status(&r, 200);
    int lows = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(r.json, "events")) {
        lows += !strcmp(jstr(ev, "type"), "stock.low");
    }
    assert_int_equal(lows, 1);
    http_test_resp_free(&r);
}

static void test_orders_create_get_list(void **state) {
    (void)state;
    stock_put("north", "tea", 10, 0);
    stock_put("south", "tea", 10, 0);
    resp r;
    /* customer at 45.78: north (45.80) is nearer than south (45.70) */
    order(&r, W.warehouse, "tea", 3, NULL, NULL);
    expect_status(&r, 201);
    int64_t id = order_id(&r);
    assert_string_equal(jstr(r.json, "status"), "allocated");
    assert_string_equal(jstr(r.json, "depot"), "north");
    assert_string_equal(jstr(r.json, "customer_status"), "Confirmed: in stock");
    assert_int_equal(strlen(jstr(r.json, "tracking_token")), 32);
    http_test_resp_free(&r);
    get_order(&r, id);
    assert_int_equal(order_id(&r), id);
    assert_int_equal((int)jnum(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "lines"), 0), "qty"),
                     3);
    http_test_resp_free(&r);

    request(&r, "POST", "/v1/orders", W.dispatcher,
            "{\"channel\":\"phone\",\"customer\":{\"name\":\"Z\",\"address\":\"1 quai\","
            "\"location\":[4.85,45.71]},\"lines\":[{\"sku\":\"tea\",\"qty\":1}],"
            "\"time_windows\":[[\"2026-11-23T09:00:00+01:00\",\"2026-11-23T11:00:00Z\"]],"
            "\"priority\":7,\"notes\":\"ring twice\"}");
    expect_status(&r, 201);
    int64_t id2 = order_id(&r);
    assert_string_equal(jstr(r.json, "depot"), "south");
    const cJSON *w = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "time_windows"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(w, 0)), "2026-11-23T08:00:00Z");
    http_test_resp_free(&r);

    request(&r, "GET", "/v1/orders?channel=phone", W.dispatcher, NULL);
    expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "orders")), 1);
    assert_int_equal(
        (int64_t)jnum(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "orders"), 0), "id"), id2);
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/orders?status=allocated&limit=1", W.dispatcher, NULL);
    expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "orders")), 1);
    assert_int_equal((int64_t)jnum(r.json, "next_after"), id);
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/orders?since=2100-01-01T00:00:00Z", W.dispatcher, NULL);
    expect_status(&r, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "orders")), 0);
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/orders?since=0", W.dispatcher, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "orders")), 2);
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/orders?status=lost", W.dispatcher, NULL);
    expect_error(&r, 400, "invalid", "status");
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/orders?since=yesterday", W.dispatcher, NULL);
    expect_error(&r, 400, "invalid", "since");
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/orders/999999", W.dispatcher, NULL);
    expect_error(&r, 404, "not_found", "id");
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/orders/abc", W.dispatcher, NULL);
    expect_error(&r, 400, "invalid", "id");
    http_test_resp_free(&r);

    /* unknown and quarantined SKUs */
    order(&r, W.dispatcher, "nope", 1, NULL, NULL);
    expect_error(&r, 400, "invalid", "lines[0].sku");
    http_test_resp_free(&r);
    call("POST", "/v1/products", W.admin, "{\"sku\":\"tea\",\"name\":\"Tea\",\"active\":false}",
         201);
    order(&r, W.dispatcher, "tea", 1, NULL, NULL);
    expect_error(&r, 409, "conflict", "lines[0].sku");
    http_test_resp_free(&r);
}

static const char *reason_rules(const cJSON *exceptions, int64_t id, char *buf, size_t cap) {
    buf[0] = '\0';
    const cJSON *e;
    cJSON_ArrayForEach(e, exceptions) {
        if ((int64_t)jnum(e, "order_id") != id) continue;
        const cJSON *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(e, "reasons")) {
            size_t n = strlen(buf);
            snprintf(buf + n, cap - n, "%s%s", n ? "," : "", jstr(x, "rule"));
        }
    }
    return buf;
}

static void test_audit_rules_exceptions(void **state) {
    (void)state;
    stock_put("north", "tea", 100, 0);
    call("PUT", "/v1/config/orders", W.admin,
         "{\"required_fields\":[\"customer.name\",\"customer.phone\",\"lines\"],"
         "\"max_weight_g\":2000,\"duplicate_window_s\":600,"
         "\"blacklist\":{\"email\":[\"Fraud@Example.com\"],\"phone\":[\"+33 6 66 66 66 66\"]},"
         "\"service_area\":{\"type\":\"Polygon\",\"coordinates\":[[[4.7,45.6],[5.0,45.6],"
         "[5.0,45.9],[4.7,45.9],[4.7,45.6]]]}}",
         200);
    resp r;
    request(&r, "GET", "/v1/config/orders", W.dispatcher, NULL);
    expect_status(&r, 200);
    assert_int_equal((int)jnum(r.json, "max_weight_g"), 2000);
    assert_string_equal(jstr(cJSON_GetObjectItem(r.json, "service_area"), "type"), "Polygon");
    http_test_resp_free(&r);
    /* invalid configuration changes nothing and names the field */
    request(&r, "PUT", "/v1/config/orders", W.admin, "{\"required_fields\":[\"customer.age\"]}");
    expect_error(&r, 400, "invalid", "required_fields");
    http_test_resp_free(&r);
    request(&r, "PUT", "/v1/config/orders", W.admin, "{\"default_out_of_stock\":\"refund\"}");
    expect_error(&r, 400, "invalid", "default_out_of_stock");
    http_test_resp_free(&r);
    request(&r, "PUT", "/v1/config/orders", W.admin,
            "{\"service_area\":{\"type\":\"Polygon\",\"coordinates\":[[[4.7,45.6]]]}}");
    expect_status(&r, 400);
    http_test_resp_free(&r);
    request(&r, "PUT", "/v1/config/orders", W.dispatcher, "{}");
    expect_error(&r, 403, "forbidden", NULL);
    http_test_resp_free(&r);

    const char *base = "{\"customer\":{\"name\":\"%s\",\"phone\":\"%s\",\"email\":\"%s\","
                       "\"address\":\"%s\",\"location\":[%s]},\"lines\":[{\"sku\":\"tea\","
                       "\"qty\":%d}]}";
    struct {
        const char *name, *phone, *email, *address, *loc;
        int qty;
        const char *rules;
    } cases[] = {
        {"Ok", "+33100000001", "", "1 rue A", "4.85,45.78", 1, ""},
        {"", "", "", "2 rue B", "4.85,45.78", 1, "required_fields,required_fields"},
        {"Far", "+33100000003", "", "3 rue C", "5.50,45.78", 1, "service_area"},
        {"Fraud", "+33100000004", "fraud@example.com", "4 rue D", "4.85,45.78", 1, "blacklist"},
        {"Fraud2", "+33666666666", "", "5 rue E", "4.85,45.78", 1, "blacklist"},
        {"Heavy", "+33100000006", "", "6 rue F", "4.85,45.78", 9, "oversize"},
        {"Ok", "+33100000001", "", "1 rue A", "4.85,45.78", 1, "duplicate"},
    };
    int64_t ids[7];
    for (size_t i = 0; i < 7; i++) {
        char body[1024];
        snprintf(body, sizeof body, base, cases[i].name, cases[i].phone, cases[i].email,
                 cases[i].address, cases[i].loc, cases[i].qty);
        request(&r, "POST", "/v1/orders", W.dispatcher, body);
        expect_status(&r, 201);
        ids[i] = order_id(&r);
        assert_string_equal(jstr(r.json, "status"), cases[i].rules[0] ? "held" : "allocated");
        http_test_resp_free(&r);
    }
    request(&r, "GET", "/v1/exceptions", W.dispatcher, NULL);
    expect_status(&r, 200);
    const cJSON *ex = cJSON_GetObjectItem(r.json, "exceptions");
    assert_int_equal(cJSON_GetArraySize(ex), 6);
    for (size_t i = 0; i < 7; i++) {
        char buf[256];
        assert_string_equal(reason_rules(ex, ids[i], buf, sizeof buf), cases[i].rules);
    }
    http_test_resp_free(&r);
    /* the warehouse does not see the exception queue */
    call("GET", "/v1/exceptions", W.warehouse, NULL, 403);

    /* held orders reserve nothing; release allocates, cancel closes */
    get_order(&r, ids[5]);
    assert_string_equal(jstr(r.json, "depot"), "");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "exceptions")), 1);
    http_test_resp_free(&r);
    op(ids[5], "release", W.dispatcher, NULL, 200, "allocated");
    op(ids[5], "release", W.dispatcher, NULL, 409, NULL);
    op(ids[3], "cancel", W.dispatcher, NULL, 200, "cancelled");
    op(ids[1], "release", W.warehouse, NULL, 403, NULL);
    request(&r, "GET", "/v1/exceptions", W.dispatcher, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "exceptions")), 4);
    http_test_resp_free(&r);
    request(&r, "GET", "/v1/exceptions?open=false", W.dispatcher, NULL);
    ex = cJSON_GetObjectItem(r.json, "exceptions");
    assert_int_equal(cJSON_GetArraySize(ex), 6);
    const cJSON *e;
    int released = 0, cancelled = 0;
    cJSON_ArrayForEach(e, ex) {
        released += !strcmp(jstr(e, "resolution"), "release");
        cancelled += !strcmp(jstr(e, "resolution"), "cancel");
    }
    assert_int_equal(released, 1);
    assert_int_equal(cancelled, 1);
    http_test_resp_free(&r);
    /* rules switched off: the same far order goes through */
    call("PUT", "/v1/config/orders", W.admin, "{\"rules\":{\"service_area\":false}}", 200);
    char body[1024];
    snprintf(body, sizeof body, base, "Far", "+33100000099", "", "9 rue", "5.50,45.78", 1);
    request(&r, "POST", "/v1/orders", W.dispatcher, body);
    expect_status(&r, 201);
    assert_string_equal(jstr(r.json, "status"), "allocated");
    http_test_resp_free(&r);
}

static void test_lifecycle_transitions(void **state) {
    (void)state;
    stock_put("north", "tea", 20, 0);
    resp r;
    order(&r, W.dispatcher, "tea", 2, NULL, NULL);
    int64_t id = order_id(&r);
    http_test_resp_free(&r);
    const char *ready = "{\"weight_g\":600,\"volume_cm3\":900,\"parcels\":1}";
    /* allocated: ready and planned are invalid */
    op(id, "ready", W.warehouse, ready, 409, NULL);
    op(id, "status", W.dispatcher, "{\"status\":\"planned\"}", 409, NULL);
    op(id, "picking", W.dispatcher, NULL, 403, NULL); /* warehouse work */
    op(id, "picking", W.warehouse, NULL, 200, "picking");
    op(id, "picking", W.warehouse, NULL, 409, NULL);
    op(id, "ready", W.warehouse, "{\"weight_g\":600,\"volume_cm3\":900}", 400, NULL);
    op(id, "ready", W.warehouse, ready, 200, "ready");
    request(&r, "GET", "/v1/packages/ready", W.dispatcher, NULL);
    expect_status(&r, 200);
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "packages"), 0);
    assert_int_equal((int64_t)jnum(p, "order_id"), id);
    assert_int_equal((int)jnum(p, "weight_g"), 600);
    http_test_resp_free(&r);
    op(id, "status", W.dispatcher, "{\"status\":\"delivered\"}", 409, NULL);
    op(id, "status", W.dispatcher, "{\"status\":\"picking\"}", 400, NULL);
    op(id, "status", W.dispatcher, "{\"status\":\"planned\"}", 200, "planned");
    op(id, "status", W.dispatcher, "{\"status\":\"out_for_delivery\"}", 200, "out_for_delivery");
    /* 409 names the current state */
    char path[64];
    snprintf(path, sizeof path, "/v1/orders/%lld/cancel", (long long)id);
    request(&r, "POST", path, W.dispatcher, NULL);
    expect_error(&r, 409, "conflict", "status");
    assert_non_null(
        strstr(jstr(cJSON_GetObjectItem(r.json, "error"), "message"), "out_for_delivery"));
    http_test_resp_free(&r);
    op(id, "status", W.dispatcher, "{\"status\":\"delivered\"}", 200, "delivered");
    op(id, "status", W.dispatcher, "{\"status\":\"failed\"}", 409, NULL);
    get_order(&r, id);
    assert_string_equal(jstr(r.json, "customer_status"), "Delivered");
    http_test_resp_free(&r);

    /* failed path; cancellation from each state before out_for_delivery releases stock */
    order(&r, W.dispatcher, "tea", 1, NULL, NULL);
    int64_t f = order_id(&r);
    http_test_resp_free(&r);
    op(f, "picking", W.warehouse, NULL, 200, "picking");
    op(f, "ready", W.warehouse, ready, 200, "ready");
    op(f, "status", W.dispatcher, "{\"status\":\"planned\"}", 200, "planned");
    op(f, "status", W.dispatcher, "{\"status\":\"ready\"}", 200, "ready");
    op(f, "status", W.dispatcher, "{\"status\":\"planned\"}", 200, "planned");
    op(f, "status", W.dispatcher, "{\"status\":\"out_for_delivery\"}", 200, NULL);
    op(f, "status", W.dispatcher, "{\"status\":\"failed\"}", 200, "failed");
    const char *steps[][2] = {
        {NULL, NULL}, {"picking", NULL}, {"picking", "ready"}, {"picking", "ready"}};
    for (int k = 0; k < 4; k++) {
        order(&r, W.dispatcher, "tea", 1, NULL, NULL);
        int64_t c = order_id(&r);
        http_test_resp_free(&r);
        if (steps[k][0]) op(c, steps[k][0], W.warehouse, NULL, 200, NULL);
        if (steps[k][1]) op(c, steps[k][1], W.warehouse, ready, 200, NULL);
        if (k == 3) op(c, "status", W.dispatcher, "{\"status\":\"planned\"}", 200, "planned");
        op(c, "cancel", W.dispatcher, NULL, 200, "cancelled");
        op(c, "cancel", W.dispatcher, NULL, 409, NULL);
    }
    request(&r, "GET", "/v1/stock", W.dispatcher, NULL);
    const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "stock"), 0);
    assert_int_equal((int)jnum(s, "reserved"), 0); /* everything released or shipped */
    assert_int_equal((int)jnum(s, "on_hand"), 17);
    http_test_resp_free(&r);
}

static void test_out_of_stock_policies(void **state) {
    (void)state;
    stock_put("south", "green", 2, 0);
    resp r;
    order(&r, W.dispatcher, "tea", 1, "cancel", NULL);
    expect_status(&r, 201);
    assert_string_equal(jstr(r.json, "status"), "cancelled");
    assert_string_equal(jstr(r.json, "customer_status"), "Cancelled: out of stock");
    http_test_resp_free(&r);
    order(&r, W.dispatcher, "coffee", 2, "substitute", NULL);
    assert_string_equal(jstr(r.json, "status"), "allocated");
    assert_string_equal(jstr(r.json, "stock_outcome"), "substituted");
    assert_string_equal(jstr(r.json, "customer_status"), "Confirmed with a substitute product");
    const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "lines"), 0);
    assert_string_equal(jstr(l, "sku"), "green");
    assert_string_equal(jstr(l, "substitute_for"), "coffee");
    http_test_resp_free(&r);
    int64_t waiting[2];
    for (int i = 0; i < 2; i++) {
        order(&r, W.dispatcher, "tea", 3, i ? NULL : "backorder", NULL); /* default: backorder */
        assert_string_equal(jstr(r.json, "status"), "backordered");
        assert_string_equal(jstr(r.json, "customer_status"), "Waiting for stock (backordered)");
        waiting[i] = order_id(&r);
        http_test_resp_free(&r);
    }
    /* channel policy */
    call("PUT", "/v1/config/orders", W.admin, "{\"channel_out_of_stock\":{\"web\":\"cancel\"}}",
         200);
    order(&r, W.dispatcher, "tea", 1, NULL, NULL);
    assert_string_equal(jstr(r.json, "status"), "cancelled");
    http_test_resp_free(&r);
    /* stock arrives: the oldest waiting order first */
    stock_put("north", "tea", 4, 0);
    get_order(&r, waiting[0]);
    assert_string_equal(jstr(r.json, "status"), "allocated");
    http_test_resp_free(&r);
    get_order(&r, waiting[1]);
    assert_string_equal(jstr(r.json, "status"), "backordered");
    http_test_resp_free(&r);
    stock_put("north", "tea", 6, 0);
    get_order(&r, waiting[1]);
    assert_string_equal(jstr(r.json, "status"), "allocated");
    http_test_resp_free(&r);
    /* on_hand below reserved is a conflict */
    request(&r, "PUT", "/v1/stock/north/tea", W.warehouse, "{\"on_hand\":1}");
    expect_error(&r, 409, "conflict", "on_hand");
    http_test_resp_free(&r);

    /* held -> backordered on release when nothing is in stock; backordered -> cancelled */
    call("PUT", "/v1/config/orders", W.admin,
         "{\"channel_out_of_stock\":{},\"blacklist\":{\"phone\":[\"+33 7 00 00 00 00\"]}}", 200);
    request(&r, "POST", "/v1/orders", W.dispatcher,
            "{\"customer\":{\"name\":\"B\",\"phone\":\"+33700000000\",\"address\":\"1 r\","
            "\"location\":[4.85,45.78]},\"lines\":[{\"sku\":\"coffee\",\"qty\":1}]}");
    expect_status(&r, 201);
    assert_string_equal(jstr(r.json, "status"), "held");
    int64_t held = order_id(&r);
    http_test_resp_free(&r);
    op(held, "release", W.dispatcher, NULL, 200, "backordered");
    op(held, "picking", W.warehouse, NULL, 409, NULL);
    op(held, "cancel", W.dispatcher, NULL, 200, "cancelled");
    get_order(&r, held);
    assert_string_equal(jstr(r.json, "customer_status"), "Cancelled");
    http_test_resp_free(&r);
}

typedef struct racer {
    const char *idem;
    long status;
    char order_status[24];
    int64_t id;
} racer;

static void *race_one(void *arg) {
    racer *x = arg;
    char hdr[96] = "";
    if (x->idem) snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", x->idem);
    char body[512];
    static int seq;
    int n = __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST);
    snprintf(body, sizeof body,
             "{\"customer\":{\"name\":\"R%d\",\"phone\":\"+44%08d\",\"address\":\"%d Race St\","
             "\"location\":[4.85,45.78]},\"lines\":[{\"sku\":\"tea\",\"qty\":1}],"
             "\"out_of_stock\":\"cancel\"}",
             n, n, n);
    resp r;
    request_to(W.port, &r, "POST", "/v1/orders", W.dispatcher, body, x->idem ? hdr : NULL);
    x->status = r.status;
    x->id = (int64_t)jnum(r.json, "id");
    lm_strlcpy(x->order_status, jstr(r.json, "status"), sizeof x->order_status);
    http_test_resp_free(&r);
    return NULL;
}

static void test_no_oversell_50_at_10(void **state) {
    (void)state;
    stock_put("north", "tea", 10, 0);
    racer x[50];
    pthread_t th[50];
    memset(x, 0, sizeof x);
    for (int i = 0; i < 50; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &x[i]), 0);
    for (int i = 0; i < 50; i++)
        pthread_join(th[i], NULL);
    int allocated = 0, cancelled = 0;
    for (int i = 0; i < 50; i++) {
        if (x[i].status != 201) fail_msg("request %d: status %ld", i, x[i].status);
        allocated += !strcmp(x[i].order_status, "allocated");
        cancelled += !strcmp(x[i].order_status, "cancelled");
    }
    assert_int_equal(allocated, 10);
    assert_int_equal(cancelled, 40);
    resp r;
    request(&r, "GET", "/v1/stock", W.warehouse, NULL);
    const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "stock"), 0);
    assert_int_equal((int)jnum(s, "reserved"), 10);
    assert_int_equal((int)jnum(s, "available"), 0);
    http_test_resp_free(&r);
}

static void test_idempotency_key(void **state) {
    (void)state;
    stock_put("north", "tea", 100, 0);
    resp a, b;
    order(&a, W.dispatcher, "tea", 1, NULL, "Idempotency-Key: k-1");
    expect_status(&a, 201);
    order(&b, W.dispatcher, "tea", 1, NULL, "Idempotency-Key: k-1");
    expect_status(&b, 200);
    assert_int_equal(order_id(&a), order_id(&b));
    assert_non_null(strstr(b.headers.data, "Idempotent-Replayed: true"));
    http_test_resp_free(&a);
    http_test_resp_free(&b);
    /* concurrent retries of one key: one order */
    racer x[12];
    pthread_t th[12];
    memset(x, 0, sizeof x);
    for (int i = 0; i < 12; i++) {
        x[i].idem = "k-concurrent";
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &x[i]), 0);
    }
    int created = 0;
    for (int i = 0; i < 12; i++) {
        pthread_join(th[i], NULL);
        created += x[i].status == 201;
        assert_true(x[i].status == 201 || x[i].status == 200);
        assert_int_equal(x[i].id, x[0].id);
    }
    assert_int_equal(created, 1);
    request(&a, "GET", "/v1/orders?limit=1000", W.dispatcher, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(a.json, "orders")), 2);
    http_test_resp_free(&a);
    order(&a, W.dispatcher, "tea", 1, NULL, "Idempotency-Key;"); /* curl: an empty header */
    expect_status(&a, 400);
    http_test_resp_free(&a);
}

static void test_auth_on_every_orders_route(void **state) {
    (void)state;
    /* method, path, allowed roles (a = admin, d = dispatcher, w = warehouse) */
    static const char *const routes[][3] = {
        {"POST", "/v1/depots", "a"},
        {"GET", "/v1/depots", "adw"},
        {"POST", "/v1/products", "a"},
        {"GET", "/v1/products", "adw"},
        {"PUT", "/v1/stock/north/tea", "aw"},
        {"GET", "/v1/stock", "adw"},
        {"POST", "/v1/orders", "adw"},
        {"POST", "/v1/orders/import", "adw"},
        {"GET", "/v1/orders", "adw"},
        {"GET", "/v1/orders/1", "adw"},
        {"POST", "/v1/orders/1/cancel", "ad"},
        {"POST", "/v1/orders/1/release", "ad"},
        {"POST", "/v1/orders/1/picking", "aw"},
        {"POST", "/v1/orders/1/ready", "aw"},
        {"POST", "/v1/orders/1/status", "ad"},
        {"GET", "/v1/exceptions", "ad"},
        {"GET", "/v1/packages/ready", "adw"},
        {"GET", "/v1/config/orders", "ad"},
        {"PUT", "/v1/config/orders", "a"},
    };
    const char *keys[] = {W.admin, W.dispatcher, W.warehouse, W.driver, "lm_bogus_key", NULL};
    const char roles[] = "adwx";
    size_t n_routes = sizeof routes / sizeof routes[0], n_401 = 0, n_403 = 0, want_403 = 0;
    for (size_t i = 0; i < n_routes; i++) {
        for (int k = 0; k < 6; k++) {
            resp r;
            request(&r, routes[i][0], routes[i][1], keys[k], NULL);
            bool allowed = k < 4 && strchr(routes[i][2], roles[k]);
            n_401 += r.status == 401;
            n_403 += r.status == 403;
            want_403 += k < 4 && !allowed;
            if (k >= 4) {
                if (r.status != 401)
                    fail_msg("%s %s without a valid key: %ld", routes[i][0], routes[i][1],
                             r.status);
            } else if (!allowed && r.status != 403) {
                fail_msg("%s %s as %c: %ld, expected 403", routes[i][0], routes[i][1], roles[k],
                         r.status);
            } else if (allowed && (r.status == 401 || r.status == 403)) {
                fail_msg("%s %s as %c: %ld", routes[i][0], routes[i][1], roles[k], r.status);
            }
            http_test_resp_free(&r);
        }
    }
    /* the tally of every answer: no key and a bogus key refused on each route, each role
     * outside a route's list refused, and nothing else */
    assert_int_equal(n_401, 2 * n_routes);
    assert_int_equal(n_403, want_403);
}

static void test_limits_and_malformed(void **state) {
    (void)state;
    resp r;
    request(&r, "POST", "/v1/orders", W.dispatcher, "{\"lines\": [");
    expect_error(&r, 400, "invalid", NULL);
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/orders", W.dispatcher, "[1,2,3]");
    expect_error(&r, 400, "invalid", "body");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/orders", W.dispatcher, "{\"lines\":{\"sku\":\"tea\"}}");
    expect_error(&r, 400, "invalid", "lines");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/orders", W.dispatcher, "{\"lines\":[{\"sku\":\"tea\",\"qty\":1.5}]}");
    expect_error(&r, 400, "invalid", "lines[0].qty");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/orders", W.dispatcher,
            "{\"customer\":{\"location\":[200,45]},\"lines\":[]}");
    expect_error(&r, 400, "invalid", "customer.location");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/orders", W.dispatcher, "{\"priority\":500}");
    expect_error(&r, 400, "invalid", "priority");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/orders", W.dispatcher,
            "{\"time_windows\":[[\"2026-11-23T09:00:00\",\"2026-11-23T10:00:00Z\"]]}");
    expect_error(&r, 400, "invalid", "time_windows[0]");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/orders", W.dispatcher, "{\"time_windows\":[[100,50]]}");
    expect_error(&r, 400, "invalid", "time_windows[0]");
    http_test_resp_free(&r);

    /* a huge array: 5000 lines */
    lm_buf b;
    lm_buf_init(&b, (size_t)1 << 20);
    assert_int_equal(lm_buf_printf(&b, "{\"lines\":["), LM_OK);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(lm_buf_printf(&b, "%s{\"sku\":\"tea\",\"qty\":1}", i ? "," : ""), LM_OK);
    assert_int_equal(lm_buf_printf(&b, "]}"), LM_OK);
    request(&r, "POST", "/v1/orders", W.dispatcher, b.data);
    expect_error(&r, 413, "too_big", "lines");
    http_test_resp_free(&r);
    lm_buf_free(&b);
    /* a long string */
    char *notes = lm_alloc(5000);
    assert_non_null(notes);
    memset(notes, 'x', 4999);
    notes[4999] = '\0';
    lm_buf_init(&b, 1 << 16);
    assert_int_equal(lm_buf_printf(&b, "{\"notes\":\"%s\"}", notes), LM_OK);
    request(&r, "POST", "/v1/orders", W.dispatcher, b.data);
    expect_error(&r, 413, "too_big", "notes");
    http_test_resp_free(&r);
    lm_buf_free(&b);
    lm_free(notes);
    /* an oversize body (> 1 MiB) */
    size_t big = ((size_t)1 << 20) + 4096;
    char *huge = lm_alloc(big + 1);
    assert_non_null(huge);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    huge[big] = '\0';
    request(&r, "POST", "/v1/orders", W.dispatcher, huge);
    expect_status(&r, 413);
    http_test_resp_free(&r);
    lm_free(huge);
    /* nothing of the above was stored */
    request(&r, "GET", "/v1/orders", W.dispatcher, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "orders")), 0);
    http_test_resp_free(&r);
}

static void test_csv_import(void **state) {
    (void)state;
    stock_put("north", "tea", 50, 0);
    const char *csv =
        "external_ref,channel,customer_name,customer_phone,customer_address,lon,lat,lines,"
        "window_start,window_end,priority,notes\r\n"
        "A-1,shop,Ann,+33111,\"1 rue \"\"Haute\"\", Lyon\",4.85,45.78,tea:2,"
        "2026-11-23T09:00:00Z,2026-11-23T11:00:00Z,5,\"multi\nline note\"\r\n"
        "A-2,shop,Bob,+33222,2 rue Basse,4.85,45.78,tea:x,,,,\r\n"
        "\r\n"
        "A-3,shop,Cid,+33333,3 rue,4.85,45.78,nope:1,,,,\r\n"
        "A-4,shop,Dan,+33444,4 rue,4.85,,tea:1,,,,\r\n"
        "A-5,shop,Eve,+33555,5 rue,4.85,45.78,tea:1;tea:2,,,,\r\n";
    resp r;
    request(&r, "POST", "/v1/orders/import", W.warehouse, csv);
    expect_status(&r, 200);
    assert_int_equal((int)jnum(r.json, "created"), 2);
    assert_int_equal((int)jnum(r.json, "failed"), 3);
    const cJSON *res = cJSON_GetObjectItem(r.json, "results");
    int lines[] = {2, 4, 6, 7, 8};
    const char *fields[] = {NULL, "lines", "lines[0].sku", "lat", NULL};
    for (int i = 0; i < 5; i++) {
        const cJSON *row = cJSON_GetArrayItem(res, i);
        assert_int_equal((int)jnum(row, "line"), lines[i]);
        const cJSON *e = cJSON_GetObjectItem(row, "error");
        if (fields[i]) {
            assert_non_null(e);
            assert_string_equal(jstr(e, "field"), fields[i]);
        } else {
            assert_null(e);
            assert_string_equal(jstr(row, "status"), "allocated");
        }
    }
    int64_t first = (int64_t)jnum(cJSON_GetArrayItem(res, 0), "id");
    http_test_resp_free(&r);
    get_order(&r, first);
    assert_string_equal(jstr(cJSON_GetObjectItem(r.json, "customer"), "address"),
                        "1 rue \"Haute\", Lyon");
    assert_string_equal(jstr(r.json, "notes"), "multi\nline note");
    assert_int_equal((int)jnum(r.json, "priority"), 5);
    http_test_resp_free(&r);
    /* importing again creates nothing new (idempotency key per external_ref) */
    request(&r, "POST", "/v1/orders/import", W.warehouse, csv);
    expect_status(&r, 200);
    assert_int_equal((int)jnum(r.json, "created"), 0);
    assert_int_equal(
        (int64_t)jnum(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "results"), 0), "id"), first);
    http_test_resp_free(&r);
    lm_buf big;
    lm_buf_init(&big, (size_t)1 << 20);
    assert_int_equal(lm_buf_printf(&big, "lines\n"), LM_OK);
    for (int i = 0; i < 2001; i++)
        assert_int_equal(lm_buf_printf(&big, "tea:1\n"), LM_OK);
    request(&r, "POST", "/v1/orders/import", W.warehouse, big.data);
    expect_error(&r, 413, "too_big", "csv");
    http_test_resp_free(&r);
    lm_buf_free(&big);
    request(&r, "POST", "/v1/orders/import", W.warehouse, "external_ref,colour\nA,red\n");
    expect_error(&r, 400, "invalid", "csv");
    http_test_resp_free(&r);
    request(&r, "POST", "/v1/orders/import", W.warehouse, "lines\n\"tea:1\n");
    expect_error(&r, 400, "invalid", "csv");
    http_test_resp_free(&r);
}

static void test_demo_load_once(void **state) {
    (void)state;
    demo_summary sum;
    lm_errinfo err = {0};
    if (demo_load(W.s, 1, -1, &sum, &err) != LM_OK) fail_msg("demo: %s %s", err.field, err.message);
    /* setup already created two depots: the demo refuses to mix into a used database */
    assert_false(sum.loaded);
    resp r;
    request(&r, "GET", "/v1/orders", W.dispatcher, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "orders")), 0);
    http_test_resp_free(&r);
}

static void test_demo_load_fresh(void **state) {
    (void)state;
    tmp_db t;
    store *s = NULL;
    assert_int_equal(tmp_db_create(&t, "lm_orders_demo_"), 0);
    assert_int_equal(tmp_db_store_open(&t, 8, &s), 0);
    lm_errinfo err = {0};
    demo_summary sum;
    if (demo_load(s, 1, -1, &sum, &err) != LM_OK) fail_msg("demo: %s %s", err.field, err.message);
    assert_true(sum.loaded);
    assert_int_equal(sum.depots, 2);
    assert_int_equal(sum.products, 40);
    assert_int_equal(sum.orders, 600);
    assert_int_equal(sum.allocated + sum.held + sum.backordered + sum.cancelled, 600);
    assert_true(sum.allocated > 0);
    /* a second start loads nothing more */
    assert_int_equal(demo_load(s, 1, -1, &sum, &err), LM_OK);
    assert_false(sum.loaded);
    store_close(s);
    tmp_db_remove(&t);
}

/* A malformed LASTMILE_INTAKE_LINGER refuses to start, naming the variable; a good one starts. */
static void test_intake_linger_malformed(void **state) {
    (void)state;
    const char *bad[] = {"", "300", "300,", "x,24", "300,24x", "30000,24", "300,-1", "300 ,24"};
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.threads = 1;
    o.log_fd = -1;
    server_env_refused(&o, W.s, "LASTMILE_INTAKE_LINGER", bad, sizeof bad / sizeof *bad, "US,BELOW",
                       "300,24");
    unsetenv("LASTMILE_INTAKE_LINGER");
}

/* The 201 of a plain creation is written directly (api/orders.c, order_text): byte for byte the
 * text GET /v1/orders/{id} prints from the cJSON tree, for orders of every shape. */
static void test_created_reply_equals_get(void **state) {
    (void)state;
    stock_put("north", "tea", 50, 0);
    stock_put("south", "green", 50, 0);
    const char *bodies[] = {
        /* windows, priority, notes with every kind of escape and UTF-8, an email */
        "{\"channel\":\"phone\",\"customer\":{\"name\":\"Zo\\u00e9 \\\"Q\\\" \\\\ /\","
        "\"email\":\"z@example.org\",\"address\":\"1 quai\",\"location\":[4.8512345678,45.71]},"
        "\"lines\":[{\"sku\":\"tea\",\"qty\":1}],"
        "\"time_windows\":[[\"2026-11-23T09:00:00+01:00\",\"2026-11-23T11:00:00Z\"],"
        "[\"2026-11-24T09:00:00Z\",\"2026-11-24T10:00:00Z\"]],"
        "\"priority\":7,\"notes\":\"ring \\\"twice\\\"\\n2nd floor \\u2603\"}",
        /* two lines, an out-of-stock policy, a substitute (coffee -> green) */
        "{\"external_ref\":\"EQ-2\",\"channel\":\"web\",\"customer\":{\"name\":\"A\","
        "\"address\":\"2 rue\",\"location\":[4.85,45.70]},\"lines\":[{\"sku\":\"coffee\","
        "\"qty\":2},{\"sku\":\"green\",\"qty\":1}],\"out_of_stock\":\"substitute\"}",
        /* out of stock everywhere: held, no depot */
        "{\"channel\":\"web\",\"customer\":{\"name\":\"B\",\"address\":\"3 rue\","
        "\"location\":[-0.5,-45.25]},\"lines\":[{\"sku\":\"tea\",\"qty\":500}]}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        resp created, got;
        request(&created, "POST", "/v1/orders", W.dispatcher, bodies[i]);
        if (created.status != 201)
            fail_msg("body %zu: %ld %s", i, created.status,
                     created.body.data ? created.body.data : "");
        get_order(&got, order_id(&created));
        /* GET adds members after the order's (exceptions, instructions, ...): without them,
         * cJSON prints what the 201 holds */
        cJSON *g = cJSON_Parse(got.body.data);
        for (cJSON *m = g ? g->child : NULL, *next; m; m = next) {
            next = m->next;
            if (!cJSON_GetObjectItemCaseSensitive(created.json, m->string))
                cJSON_Delete(cJSON_DetachItemViaPointer(g, m));
        }
        char *printed = cJSON_PrintUnformatted(g);
        assert_non_null(printed);
        size_t k = 0;
        while (created.body.data[k] && created.body.data[k] == printed[k])
            k++;
        if (created.body.data[k] != printed[k])
            fail_msg("body %zu differs at byte %zu: 201 ...%.60s, GET ...%.60s", i, k,
                     created.body.data + k, printed + k);
        assert_int_equal(cJSON_GetArraySize(g), cJSON_GetArraySize(created.json));
        cJSON_free(printed);
        cJSON_Delete(g);
        http_test_resp_free(&created);
        http_test_resp_free(&got);
    }
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_depots_products_stock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orders_create_get_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_rules_exceptions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_transitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_stock_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_oversell_50_at_10, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_on_every_orders_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_and_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_load_once, setup, teardown),
        cmocka_unit_test(test_demo_load_fresh),
        cmocka_unit_test_setup_teardown(test_cli_import, setup, teardown),
        cmocka_unit_test(test_sigkill_restart_keeps_every_acknowledged_order),
        cmocka_unit_test_setup_teardown(test_intake_linger_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_created_reply_equals_get, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
