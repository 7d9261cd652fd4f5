/* tests/api/test_dispatch_http.c: the fleet and plan routes on the real server (in-process,
 * 127.0.0.1, free port) over libcurl: role checks, validation errors naming the field, a plan's
 * lifecycle (202 then proposed with routes, GeoJSON and polyline; commit; conflicts), a hand
 * move refused with the checker's violations, and re-plan requests. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define DAY INT64_C(1773705600)

static struct {
    tmp_db tmp;
    store *s;
    orders_svc *o;
    dispatch *d;
    api_server *srv;
    uint16_t port;
    char dispatcher[STORE_KEY_MAX], warehouse[STORE_KEY_MAX], driver[STORE_KEY_MAX];
} W;

typedef struct resp {
    long status;
    char body[65536];
    size_t len;
} resp;

/* One request; the reply's body is kept (cut at 64 KiB) in the value returned. */
static resp call(const char *method, const char *path, const char *key, const char *body) {
    http_test_resp hr;
    http_test_req q = {.method = method,
                       .path = path,
                       .key = key,
                       .body = body,
                       .content_type = "application/json"};
    http_test_request(W.port, &q, &hr);
    if (!hr.complete) {
        http_test_resp_free(&hr);
        fail_msg("%s %s: transport error", method, path);
    }
    resp r = {.status = hr.status};
    r.len = hr.body.len < sizeof r.body ? hr.body.len : sizeof r.body - 1;
    if (r.len) memcpy(r.body, hr.body.data, r.len);
    r.body[r.len] = '\0';
    http_test_resp_free(&hr);
    return r;
}

#define EXPECT(r, code)                                                                            \
    do {                                                                                           \
        if ((r).status != (code))                                                                  \
            fail_msg("expected %d, got %ld: %s", (int)(code), (r).status, (r).body);               \
    } while (0)

static int64_t now_ms = (DAY + 7 * 3600) * 1000;
static int64_t clock_fake(void) {
    return now_ms;
}

static int setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (tmp_db_create(&W.tmp, "lm_disp_http_") != 0 || tmp_db_store_open(&W.tmp, 8, &W.s) != 0)
        return -1;
    lm_errinfo err = {0};
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = W.s;
    oo.now_ms = clock_fake;
    if (orders_create(&oo, &W.o) != LM_OK) return -1;
    orders_depot dep = {.lon = 4.85, .lat = 45.75, .open_s = 6 * 3600, .close_s = 20 * 3600};
    lm_strlcpy(dep.id, "DEP", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot", sizeof dep.name);
    orders_product pr = {.weight_g = 1000, .volume_cm3 = 1000, .active = true};
    lm_strlcpy(pr.sku, "SKU1", sizeof pr.sku);
    lm_strlcpy(pr.name, "Thing", sizeof pr.name);
    orders_stock stk;
    if (orders_depot_put(W.o, &dep, &err) != LM_OK || orders_product_put(W.o, &pr, &err) != LM_OK ||
        orders_stock_set(W.o, "DEP", "SKU1", 100, 0, &stk, &err) != LM_OK)
        return -1;
    for (int i = 0; i < 4; i++) {
        orders_line l = {.qty = 1};
        lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
        orders_order in = {0}, out = {0};
        snprintf(in.customer_name, sizeof in.customer_name, "C%d", i);
        snprintf(in.customer_phone, sizeof in.customer_phone, "+3360000000%d", i);
        snprintf(in.customer_address, sizeof in.customer_address, "%d rue X", i);
        in.has_location = true;
        in.lat = 45.75 + 0.01 * (i % 2 ? 1 : -1);
        in.lon = 4.85 + 0.01 * (i < 2 ? 1 : -1);
        in.lines = &l;
        in.n_lines = 1;
        in.windows[0] = (store_window){DAY + 9 * 3600, DAY + 17 * 3600};
        in.n_windows = 1;
        bool replayed = false;
        if (orders_order_create(W.o, &in, NULL, &out, &replayed, &err) != LM_OK) return -1;
        int64_t id = out.id;
        orders_order_clear(&out);
        if (orders_order_picking(W.o, id, NULL, &err) != LM_OK ||
            orders_order_ready(W.o, id, 1000, 1000, 1, NULL, &err) != LM_OK)
            return -1;
    }
    dispatch_opts dopts;
    dispatch_opts_init(&dopts);
    dopts.st = W.s;
    dopts.now_ms = clock_fake;
    dopts.tick_ms = 0;
    dopts.plan_time_limit_ms = 200;
    dopts.replan_feasible_ms = 50;
    dopts.replan_polish_ms = 100;
    if (dispatch_create(&dopts, &W.d, &err) != LM_OK) return -1;
    api_server_opts ao;
    api_server_opts_init(&ao);
    ao.port = 0;
    ao.log_fd = -1;
    ao.dispatch = W.d;
    if (api_server_start(&ao, W.s, &W.srv, &err) != LM_OK) {
        fprintf(stderr, "server: %s\n", err.message);
        return -1;
    }
    W.port = api_server_port(W.srv);
    if (store_key_create(W.s, "dispatcher", NULL, W.dispatcher, NULL, &err) != LM_OK ||
        store_key_create(W.s, "warehouse", NULL, W.warehouse, NULL, &err) != LM_OK ||
        store_key_create(W.s, "driver", "D1", W.driver, NULL, &err) != LM_OK)
        return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    api_server_stop(W.srv, 1000);
    dispatch_destroy(W.d);
    orders_destroy(W.o);
    store_close(W.s);
    tmp_db_remove(&W.tmp);
    curl_global_cleanup();
    return 0;
}

static void test_fleet_and_roles(void **state) {
    (void)state;
    resp r = call("POST", "/v1/vehicles", W.warehouse, "{\"id\":\"V1\",\"start_depot\":\"DEP\"}");
    EXPECT(r, 403);
    r = call("POST", "/v1/vehicles", NULL, "{\"id\":\"V1\",\"start_depot\":\"DEP\"}");
    EXPECT(r, 401);
    r = call("POST", "/v1/vehicles", W.dispatcher, "{\"id\":\"V1\",\"start_depot\":\"NOPE\"}");
    EXPECT(r, 400);
    assert_non_null(strstr(r.body, "start_depot"));
    r = call("POST", "/v1/vehicles", W.dispatcher,
             "{\"id\":\"V1\",\"start_depot\":\"DEP\",\"capacity_parcels\":2,\"capacity_kg\":"
             "500,\"time_window\":[28800,68400],\"breaks\":[{\"time_windows\":[[43200,"
             "50400]],\"service\":1800}]}");
    EXPECT(r, 201);
    assert_non_null(strstr(r.body, "\"capacity_kg\":500"));
    r = call("POST", "/v1/vehicles", W.dispatcher,
             "{\"id\":\"V2\",\"start_depot\":\"DEP\",\"capacity_parcels\":2,\"time_window\":[28800,"
             "68400]}");
    EXPECT(r, 201);
    /* a new driver without a device id gets a generated one, in this reply only */
    r = call("POST", "/v1/drivers", W.dispatcher,
             "{\"id\":\"D1\",\"name\":\"Ann\",\"vehicle_id\":\"V1\"}");
    EXPECT(r, 201);
    char dev1[64] = "";
    const char *p = strstr(r.body, "\"device_id\":\"");
    assert_non_null(p);
    sscanf(p + 13, "%63[^\"]", dev1);
    assert_int_equal(strlen(dev1), DISPATCH_DEVICE_ID_LEN);
    assert_non_null(strstr(r.body, "\"has_device\":true"));
    char body[300];
    snprintf(body, sizeof body,
             "{\"id\":\"D2\",\"name\":\"Bob\",\"device_id\":\"%s\",\"vehicle_id\":\"V2\"}", dev1);
    r = call("POST", "/v1/drivers", W.dispatcher, body);
    EXPECT(r, 409); /* device id taken */
    assert_non_null(strstr(r.body, "device_id"));
    /* a short, guessable id only with the per-driver opt-in */
    r = call("POST", "/v1/drivers", W.dispatcher,
             "{\"id\":\"D2\",\"name\":\"Bob\",\"device_id\":\"222\",\"vehicle_id\":\"V2\"}");
    EXPECT(r, 400);
    assert_non_null(strstr(r.body, "\"field\":\"device_id\""));
    r = call("POST", "/v1/drivers", W.dispatcher,
             "{\"id\":\"D2\",\"name\":\"Bob\",\"device_id\":\"222\",\"vehicle_id\":\"V2\","
             "\"allow_short_device_id\":\"yes\"}");
    EXPECT(r, 400);
    assert_non_null(strstr(r.body, "allow_short_device_id"));
    r = call("POST", "/v1/drivers", W.dispatcher,
             "{\"id\":\"D2\",\"name\":\"Bob\",\"device_id\":\"222\",\"vehicle_id\":\"V2\","
             "\"allow_short_device_id\":true}");
    EXPECT(r, 201);
    assert_null(strstr(r.body, "\"device_id\"")); /* the operator's own id is not echoed */
    assert_non_null(strstr(r.body, "\"allow_short_device_id\":true"));
    /* saving D1 again without an id keeps its id and does not show it */
    r = call("POST", "/v1/drivers", W.dispatcher,
             "{\"id\":\"D1\",\"name\":\"Ann B.\",\"vehicle_id\":\"V1\"}");
    EXPECT(r, 201);
    assert_null(strstr(r.body, "\"device_id\""));
    assert_non_null(strstr(r.body, "\"has_device\":true"));
    r = call("GET", "/v1/drivers", W.dispatcher, NULL);
    EXPECT(r, 200);
    assert_non_null(strstr(r.body, "\"D2\""));
    assert_null(strstr(r.body, dev1));
    assert_null(strstr(r.body, "\"device_id\""));
    /* rotation: a new id, once; only dispatchers */
    r = call("POST", "/v1/drivers/D1/device", W.driver, NULL);
    EXPECT(r, 403);
    r = call("POST", "/v1/drivers/NOPE/device", W.dispatcher, NULL);
    EXPECT(r, 404);
    r = call("POST", "/v1/drivers/D1/device", W.dispatcher, NULL);
    EXPECT(r, 200);
    char dev1b[64] = "";
    assert_non_null(p = strstr(r.body, "\"device_id\":\""));
    sscanf(p + 13, "%63[^\"]", dev1b);
    assert_int_equal(strlen(dev1b), DISPATCH_DEVICE_ID_LEN);
    assert_string_not_equal(dev1, dev1b);
    r = call("GET", "/v1/drivers", W.dispatcher, NULL);
    assert_null(strstr(r.body, dev1b));
    /* refusals: none yet; unknown driver 404; bad ?last names the field */
    r = call("GET", "/v1/drivers/D1/refusals", W.dispatcher, NULL);
    EXPECT(r, 200);
    assert_non_null(strstr(r.body, "\"total\":0"));
    r = call("GET", "/v1/drivers/NOPE/refusals", W.dispatcher, NULL);
    EXPECT(r, 404);
    r = call("GET", "/v1/drivers/D1/refusals?last=0", W.dispatcher, NULL);
    EXPECT(r, 400);
    assert_non_null(strstr(r.body, "\"field\":\"last\""));
    r = call("GET", "/v1/drivers/D1/refusals", W.driver, NULL);
    EXPECT(r, 403);
    r = call("GET", "/v1/vehicles", W.driver, NULL);
    EXPECT(r, 403);
}

static void test_plan_lifecycle(void **state) {
    (void)state;
    resp r = call("POST", "/v1/plans", W.driver, "{}");
    EXPECT(r, 403);
    r = call("POST", "/v1/plans", W.dispatcher, "{\"time_limit_ms\":-5}");
    EXPECT(r, 400);
    assert_non_null(strstr(r.body, "time_limit_ms"));
    r = call("POST", "/v1/plans", W.dispatcher, "{\"time_limit_ms\":200}");
    EXPECT(r, 202);
    long long id = 0;
    const char *p = strstr(r.body, "\"id\":");
    assert_non_null(p);
    id = strtoll(p + 5, NULL, 10);
    assert_true(id > 0);
    dispatch_wait_idle(W.d);
    char path[96];
    snprintf(path, sizeof path, "/v1/plans/%lld", id);
    r = call("GET", path, W.dispatcher, NULL);
    EXPECT(r, 200);
    assert_non_null(strstr(r.body, "\"status\":\"proposed\""));
    assert_non_null(strstr(r.body, "\"FeatureCollection\""));
    assert_non_null(strstr(r.body, "\"LineString\""));
    assert_non_null(strstr(r.body, "\"polyline\""));
    assert_non_null(strstr(r.body, "\"unassigned\":[]"));
    /* both vans hold 2 parcels: moving a stop of V1 onto V2 breaks capacity */
    const char *stop = strstr(r.body, "\"stops\":[{\"id\":");
    assert_non_null(stop);
    long long stop_id = strtoll(stop + strlen("\"stops\":[{\"id\":"), NULL, 10);
    const char *veh = strstr(r.body, "\"vehicle_id\":\"V");
    assert_non_null(veh);
    const char *other = veh[strlen("\"vehicle_id\":\"V")] == '1' ? "V2" : "V1";
    char body[160], mpath[128];
    snprintf(body, sizeof body, "{\"stop\":%lld,\"to_vehicle\":\"%s\",\"position\":0}", stop_id,
             other);
    snprintf(mpath, sizeof mpath, "/v1/plans/%lld/move", id);
    resp m = call("POST", mpath, W.dispatcher, body);
    EXPECT(m, 409);
    assert_non_null(strstr(m.body, "\"violations\":[\""));
    m = call("POST", mpath, W.dispatcher, "{\"to_vehicle\":\"V1\"}");
    EXPECT(m, 400);
    snprintf(path, sizeof path, "/v1/plans/%lld/geojson", id);
    r = call("GET", path, W.dispatcher, NULL);
    EXPECT(r, 200);
    assert_non_null(strstr(r.body, "\"coordinates\":[[4.85,45.75]"));
    snprintf(path, sizeof path, "/v1/plans/%lld/commit", id);
    r = call("POST", path, W.dispatcher, NULL);
    EXPECT(r, 200);
    assert_non_null(strstr(r.body, "\"status\":\"committed\""));
    r = call("POST", path, W.dispatcher, NULL);
    EXPECT(r, 409);
    snprintf(path, sizeof path, "/v1/plans/%lld/discard", id);
    r = call("POST", path, W.dispatcher, NULL);
    EXPECT(r, 409);
    r = call("GET", "/v1/plans/999999", W.dispatcher, NULL);
    EXPECT(r, 404);
    r = call("GET", "/v1/plans", W.dispatcher, NULL);
    EXPECT(r, 200);
    assert_non_null(strstr(r.body, "\"plans\":[{"));
    r = call("GET", "/v1/fleet/state", W.dispatcher, NULL);
    EXPECT(r, 200);
    assert_non_null(strstr(r.body, "\"V1\""));
    /* a manual re-plan is queued and proposed on the worker */
    r = call("POST", "/v1/replans", W.dispatcher, "{}");
    EXPECT(r, 202);
    dispatch_wait_idle(W.d);
    r = call("GET", "/v1/plans?limit=1", W.dispatcher, NULL);
    EXPECT(r, 200);
    assert_non_null(strstr(r.body, "\"is_replan\":true"));
    r = call("POST", "/v1/replans/1/apply", W.dispatcher, NULL);
    EXPECT(r, 409); /* plan 1 is not a re-plan */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fleet_and_roles),
        cmocka_unit_test(test_plan_lifecycle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
