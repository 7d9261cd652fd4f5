/* Concurrent orders over HTTP against the group-committed intake (orders_order_create_submit: the
 * replies deferred until the commit): 120 orders of two lines race for 30 units of one SKU and
 * plenty of another, from 120 threads at once, on a server with one thread. Exactly 30 are
 * allocated and 90 cancelled (policy cancel), the stock reserved is exactly what the allocated
 * orders hold on each SKU (no oversell, no reservation left by a cancelled order), every reply
 * came after its order was stored, and the two depots' stock is each checked on its own. */
#include "api/api.h"
#include "store/store_orders.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define RACERS 120

static struct {
    tmp_db tmp;
    store *s;
    api_server *srv;
    uint16_t port;
    char admin[STORE_KEY_MAX];
} W;

static void call(const char *method, const char *path, const char *body, long status) {
    http_test_req q = {.method = method,
                       .path = path,
                       .key = W.admin,
                       .body = body,
                       .content_type = body ? "application/json" : NULL,
                       .timeout_s = 30};
    http_test_resp r;
    http_test_request(W.port, &q, &r);
    if (r.status != status)
        fail_msg("%s %s: %ld %s", method, path, r.status, r.body.data ? r.body.data : "");
    http_test_resp_free(&r);
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    if (tmp_db_create(&W.tmp, "lm_orders_race_") != 0 || tmp_db_store_open(&W.tmp, 4, &W.s) != 0)
        return -1;
    lm_errinfo err = {0};
    if (store_key_create(W.s, "admin", NULL, W.admin, NULL, &err) != LM_OK) return -1;
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.threads = 1; /* every reply waits on the intake's commit without holding this thread */
    o.max_conns_per_ip = 0;
    o.log_fd = -1;
    if (api_server_start(&o, W.s, &W.srv, &err) != LM_OK) return -1;
    W.port = api_server_port(W.srv);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    api_server_stop(W.srv, 5000);
    store_close(W.s);
    tmp_db_remove(&W.tmp);
    return 0;
}

typedef struct racer {
    int n;
    long status;
    char order_status[24];
    char depot[16];
    int64_t id;
} racer;

static void *race(void *arg) {
    racer *x = arg;
    char body[512];
    snprintf(body, sizeof body,
             "{\"customer\":{\"name\":\"R%d\",\"phone\":\"+33600%06d\",\"address\":\"%d Race St\","
             "\"location\":[4.85,45.79]},\"lines\":[{\"sku\":\"tea\",\"qty\":1},"
             "{\"sku\":\"cup\",\"qty\":3}],\"out_of_stock\":\"cancel\"}",
             x->n, x->n, x->n);
    http_test_req q = {.method = "POST",
                       .path = "/v1/orders",
                       .key = W.admin,
                       .body = body,
                       .content_type = "application/json",
                       .timeout_s = 60};
    http_test_resp r;
    http_test_request(W.port, &q, &r);
    x->status = r.status;
    const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.json, "status"));
    const char *dp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.json, "depot"));
    lm_strlcpy(x->order_status, st ? st : "", sizeof x->order_status);
    lm_strlcpy(x->depot, dp ? dp : "", sizeof x->depot);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r.json, "id");
    x->id = cJSON_IsNumber(id) ? (int64_t)id->valuedouble : 0;
    http_test_resp_free(&r);
    return NULL;
}

/* reserved and on_hand of (depot, sku) as the store holds them. */
static void stock_of(const char *depot, const char *sku, int64_t *reserved, int64_t *on_hand) {
    store_read *rd = NULL;
    store_stock s;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    assert_int_equal(store_stock_get(rd, depot, sku, &s, &err), LM_OK);
    store_read_end(rd);
    *reserved = s.reserved;
    *on_hand = s.on_hand;
}

static void test_no_oversell_under_concurrent_orders(void **state) {
    (void)state;
    call("POST", "/v1/depots", "{\"id\":\"near\",\"name\":\"Near\",\"location\":[4.85,45.80]}",
         201);
    call("POST", "/v1/depots", "{\"id\":\"far\",\"name\":\"Far\",\"location\":[4.85,45.60]}", 201);
    call("POST", "/v1/products", "{\"sku\":\"tea\",\"name\":\"Tea\",\"weight_g\":250}", 201);
    call("POST", "/v1/products", "{\"sku\":\"cup\",\"name\":\"Cup\",\"weight_g\":300}", 201);
    /* 20 teas near, 10 far; cups enough everywhere: tea decides, 30 orders in all */
    call("PUT", "/v1/stock/near/tea", "{\"on_hand\":20}", 200);
    call("PUT", "/v1/stock/far/tea", "{\"on_hand\":10}", 200);
    call("PUT", "/v1/stock/near/cup", "{\"on_hand\":1000}", 200);
    call("PUT", "/v1/stock/far/cup", "{\"on_hand\":1000}", 200);
    racer x[RACERS];
    pthread_t th[RACERS];
    memset(x, 0, sizeof x);
    for (int i = 0; i < RACERS; i++) {
        x[i].n = i + 1;
        assert_int_equal(pthread_create(&th[i], NULL, race, &x[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(th[i], NULL);
    int allocated = 0, cancelled = 0, near = 0, far = 0;
    for (int i = 0; i < RACERS; i++) {
        if (x[i].status != 201) fail_msg("order %d: status %ld", x[i].n, x[i].status);
        assert_true(x[i].id > 0);
        if (!strcmp(x[i].order_status, "allocated")) {
            allocated++;
            near += !strcmp(x[i].depot, "near");
            far += !strcmp(x[i].depot, "far");
        }
        cancelled += !strcmp(x[i].order_status, "cancelled");
    }
    assert_int_equal(allocated, 30);
    assert_int_equal(cancelled, RACERS - 30);
    assert_int_equal(near, 20);
    assert_int_equal(far, 10);
    /* the store holds exactly what the allocated orders reserved, per depot and SKU */
    int64_t reserved, on_hand;
    stock_of("near", "tea", &reserved, &on_hand);
    assert_int_equal(reserved, 20);
    assert_int_equal(on_hand, 20);
    stock_of("far", "tea", &reserved, &on_hand);
    assert_int_equal(reserved, 10);
    stock_of("near", "cup", &reserved, &on_hand);
    assert_int_equal(reserved, 3 * near);
    stock_of("far", "cup", &reserved, &on_hand);
    assert_int_equal(reserved, 3 * far);
    /* every answered order is stored (the reply came after the commit) */
    store_read *rd = NULL;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    for (int i = 0; i < RACERS; i++) {
        store_order o;
        lm_errinfo err;
        assert_int_equal(store_order_get(rd, x[i].id, &o, &err), LM_OK);
        assert_string_equal(o.status, x[i].order_status);
        store_order_clear(&o);
    }
    store_read_end(rd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_oversell_under_concurrent_orders),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
