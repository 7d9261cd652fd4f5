/* tests/api/orders_http_world.c: the world and the request helpers of the orders HTTP suite
 * (tests/api/orders_http_world.h). */
#include "orders_http_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

world W;

/* One request to port; extra_header may be NULL. A transport error reads as status 0. */
void request_to(uint16_t port, resp *out, const char *method, const char *path, const char *key,
                const char *body, const char *extra_header) {
    http_test_req q = {
        .method = method, .path = path, .key = key, .body = body, .header = extra_header};
    http_test_request(port, &q, out);
    if (!out->complete) out->status = 0;
}

void request(resp *out, const char *method, const char *path, const char *key, const char *body) {
    request_to(W.port, out, method, path, key, body, NULL);
}

void expect_status(resp *r, long status) {
    if (r->status != status)
        fail_msg("status %ld (expected %ld), body %s", r->status, status,
                 r->body.data ? r->body.data : "");
}

const char *jstr(const cJSON *j, const char *key) {
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));
    return s ? s : "";
}

double jnum(const cJSON *j, const char *key) {
    return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, key));
}

/* Asserts an error reply with status, code and field; returns nothing (r still owned). */
void expect_error(resp *r, long status, const char *code, const char *field) {
    expect_status(r, status);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    if (!e) fail_msg("no error object in %s", r->body.data ? r->body.data : "");
    assert_string_equal(jstr(e, "code"), code);
    if (field) assert_string_equal(jstr(e, "field"), field);
    assert_true(strlen(jstr(e, "message")) > 0);
}

/* Sends and expects status; frees the reply. */
void call(const char *method, const char *path, const char *key, const char *body, long status) {
    resp r;
    request(&r, method, path, key, body);
    expect_status(&r, status);
    http_test_resp_free(&r);
}

int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    if (tmp_db_create(&W.tmp, "lm_orders_http_") != 0 || tmp_db_store_open(&W.tmp, 6, &W.s) != 0)
        return -1;
    lm_errinfo err = {0};
    if (store_key_create(W.s, "admin", NULL, W.admin, NULL, &err) != LM_OK ||
        store_key_create(W.s, "dispatcher", NULL, W.dispatcher, NULL, &err) != LM_OK ||
        store_key_create(W.s, "warehouse", NULL, W.warehouse, NULL, &err) != LM_OK ||
        store_key_create(W.s, "driver", "drv-1", W.driver, NULL, &err) != LM_OK)
        return -1;
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.threads = 4;
    o.log_fd = -1;
    if (api_server_start(&o, W.s, &W.srv, &err) != LM_OK) {
        fprintf(stderr, "start: %s\n", err.message);
        return -1;
    }
    W.port = api_server_port(W.srv);
    /* a catalogue every test starts from */
    call("POST", "/v1/depots", W.admin,
         "{\"id\":\"north\",\"name\":\"North\",\"location\":[4.85,45.80],"
         "\"opening_hours\":{\"open\":\"07:00\",\"close\":\"19:00\"}}",
         201);
    call("POST", "/v1/depots", W.admin,
         "{\"id\":\"south\",\"name\":\"South\",\"location\":[4.85,45.70]}", 201);
    call("POST", "/v1/products", W.admin,
         "{\"sku\":\"tea\",\"name\":\"Tea\",\"weight_g\":250,\"volume_cm3\":400}", 201);
    call("POST", "/v1/products", W.admin,
         "{\"sku\":\"green\",\"name\":\"Green tea\",\"weight_g\":250,\"volume_cm3\":400}", 201);
    call("POST", "/v1/products", W.admin,
         "{\"sku\":\"coffee\",\"name\":\"Coffee\",\"weight_g\":500,\"volume_cm3\":800,"
         "\"substitute_sku\":\"green\"}",
         201);
    return 0;
}

int teardown(void **state) {
    (void)state;
    api_server_stop(W.srv, 5000);
    store_close(W.s);
    tmp_db_remove(&W.tmp);
    return 0;
}

static int customer_seq;

/* POSTs an order for qty x sku (distinct customer each time); returns the parsed reply. */
void order(resp *r, const char *key, const char *sku, int qty, const char *policy,
           const char *extra_header) {
    char body[1024];
    snprintf(body, sizeof body,
             "{\"external_ref\":\"R%d\",\"channel\":\"web\",\"customer\":{\"name\":\"C%d\","
             "\"phone\":\"+3360000%04d\",\"address\":\"%d rue de la Paix\","
             "\"location\":[4.85,45.78]},\"lines\":[{\"sku\":\"%s\",\"qty\":%d}]%s%s%s}",
             customer_seq, customer_seq, customer_seq, customer_seq, sku, qty,
             policy ? ",\"out_of_stock\":\"" : "", policy ? policy : "", policy ? "\"" : "");
    customer_seq++;
    request_to(W.port, r, "POST", "/v1/orders", key, body, extra_header);
}

int64_t order_id(resp *r) {
    return (int64_t)jnum(r->json, "id");
}

void get_order(resp *r, int64_t id) {
    char path[64];
    snprintf(path, sizeof path, "/v1/orders/%lld", (long long)id);
    request(r, "GET", path, W.dispatcher, NULL);
    expect_status(r, 200);
}

void stock_put(const char *depot, const char *sku, int on_hand, int reorder) {
    char path[128], body[128];
    snprintf(path, sizeof path, "/v1/stock/%s/%s", depot, sku);
    snprintf(body, sizeof body, "{\"on_hand\":%d,\"reorder_point\":%d}", on_hand, reorder);
    call("PUT", path, W.warehouse, body, 200);
}

void op(int64_t id, const char *what, const char *key, const char *body, long status,
        const char *status_after) {
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld/%s", (long long)id, what);
    resp r;
    request(&r, "POST", path, key, body);
    expect_status(&r, status);
    if (status_after) assert_string_equal(jstr(r.json, "status"), status_after);
    http_test_resp_free(&r);
}
