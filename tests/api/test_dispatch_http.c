/* tests/api/test_dispatch_http.c: the fleet and plan routes on the real server (in-process,
 * 127.0.0.1, free port) over libcurl: role checks, validation errors naming the field, a plan's
 * lifecycle (202 then proposed with routes, GeoJSON and polyline; commit; conflicts), a hand
 * move refused with the checker's violations, and re-plan requests. */
#include "tests/support/http_test.h"
#include "tests/support/depot_world.h"

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

static depot_world W;

/* One call; its reply is valid until the next. */
static const http_test_resp *call(const char *method, const char *path, const char *key,
                                  const char *body) {
    return http_test_call_last(W.port, method, path, key, body);
}

static int64_t now_ms = (DAY + 7 * 3600) * 1000;
static int64_t clock_fake(void) {
    return now_ms;
}

static int setup(void **state) {
    (void)state;
    lm_errinfo err = {0};
    if (depot_world_start(&W, "lm_disp_http_", clock_fake, 200, &err) != LM_OK) goto fail;
    for (int i = 0; i < 4; i++) { /* four ready orders around the depot, 09:00-17:00 */
        orders_order in = {0};
        snprintf(in.customer_name, sizeof in.customer_name, "C%d", i);
        snprintf(in.customer_phone, sizeof in.customer_phone, "+3360000000%d", i);
        snprintf(in.customer_address, sizeof in.customer_address, "%d rue X", i);
        in.has_location = true;
        in.lat = DEPOT_WORLD_LAT + 0.01 * (i % 2 ? 1 : -1);
        in.lon = DEPOT_WORLD_LON + 0.01 * (i < 2 ? 1 : -1);
        in.windows[0] = (store_window){DAY + 9 * 3600, DAY + 17 * 3600};
        in.n_windows = 1;
        int64_t id = 0;
        if (depot_world_ready_order(&W, &in, &id, &err) != LM_OK) goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "setup: %s: %s\n", err.field, err.message);
    return -1;
}

static int teardown(void **state) {
    (void)state;
    http_test_last_free();
    depot_world_stop(&W);
    return 0;
}

static void test_fleet_and_roles(void **state) {
    (void)state;
    const http_test_resp *r =
        call("POST", "/v1/vehicles", W.wh, "{\"id\":\"V1\",\"start_depot\":\"DEP\"}");
    http_test_expect(r, 403);
    r = call("POST", "/v1/vehicles", NULL, "{\"id\":\"V1\",\"start_depot\":\"DEP\"}");
    http_test_expect(r, 401);
    r = call("POST", "/v1/vehicles", W.disp, "{\"id\":\"V1\",\"start_depot\":\"NOPE\"}");
    http_test_expect(r, 400);
    assert_non_null(strstr(http_test_body(r), "start_depot"));
    r = call("POST", "/v1/vehicles", W.disp,
             "{\"id\":\"V1\",\"start_depot\":\"DEP\",\"capacity_parcels\":2,\"capacity_kg\":"
             "500,\"time_window\":[28800,68400],\"breaks\":[{\"time_windows\":[[43200,"
             "50400]],\"service\":1800}]}");
    http_test_expect(r, 201);
    assert_non_null(strstr(http_test_body(r), "\"capacity_kg\":500"));
    r = call("POST", "/v1/vehicles", W.disp,
             "{\"id\":\"V2\",\"start_depot\":\"DEP\",\"capacity_parcels\":2,\"time_window\":[28800,"
             "68400]}");
    http_test_expect(r, 201);
    /* a new driver without a device id gets a generated one, in this reply only */
    r = call("POST", "/v1/drivers", W.disp,
             "{\"id\":\"D1\",\"name\":\"Ann\",\"vehicle_id\":\"V1\"}");
    http_test_expect(r, 201);
    char dev1[64] = "";
    const char *p = strstr(http_test_body(r), "\"device_id\":\"");
    assert_non_null(p);
    sscanf(p + 13, "%63[^\"]", dev1);
    assert_int_equal(strlen(dev1), DISPATCH_DEVICE_ID_LEN);
    assert_non_null(strstr(http_test_body(r), "\"has_device\":true"));
    char body[300];
    snprintf(body, sizeof body,
             "{\"id\":\"D2\",\"name\":\"Bob\",\"device_id\":\"%s\",\"vehicle_id\":\"V2\"}", dev1);
    r = call("POST", "/v1/drivers", W.disp, body);
    http_test_expect(r, 409); /* device id taken */
    assert_non_null(strstr(http_test_body(r), "device_id"));
    /* a short, guessable id only with the per-driver opt-in */
    r = call("POST", "/v1/drivers", W.disp,
             "{\"id\":\"D2\",\"name\":\"Bob\",\"device_id\":\"222\",\"vehicle_id\":\"V2\"}");
    http_test_expect(r, 400);
    assert_non_null(strstr(http_test_body(r), "\"field\":\"device_id\""));
    r = call("POST", "/v1/drivers", W.disp,
             "{\"id\":\"D2\",\"name\":\"Bob\",\"device_id\":\"222\",\"vehicle_id\":\"V2\","
             "\"allow_short_device_id\":\"yes\"}");
    http_test_expect(r, 400);
    assert_non_null(strstr(http_test_body(r), "allow_short_device_id"));
    r = call("POST", "/v1/drivers", W.disp,
             "{\"id\":\"D2\",\"name\":\"Bob\",\"device_id\":\"222\",\"vehicle_id\":\"V2\","
             "\"allow_short_device_id\":true}");
    http_test_expect(r, 201);
    assert_null(
        strstr(http_test_body(r), "\"device_id\"")); /* the operator's own id is not echoed */
    assert_non_null(strstr(http_test_body(r), "\"allow_short_device_id\":true"));
    /* saving D1 again without an id keeps its id and does not show it */
    r = call("POST", "/v1/drivers", W.disp,
             "{\"id\":\"D1\",\"name\":\"Ann B.\",\"vehicle_id\":\"V1\"}");
    http_test_expect(r, 201);
    assert_null(strstr(http_test_body(r), "\"device_id\""));
    assert_non_null(strstr(http_test_body(r), "\"has_device\":true"));
    r = call("GET", "/v1/drivers", W.disp, NULL);
    http_test_expect(r, 200);
    assert_non_null(strstr(http_test_body(r), "\"D2\""));
    assert_null(strstr(http_test_body(r), dev1));
    assert_null(strstr(http_test_body(r), "\"device_id\""));
    /* rotation: a new id, once; only dispatchers */
    r = call("POST", "/v1/drivers/D1/device", W.d1, NULL);
    http_test_expect(r, 403);
    r = call("POST", "/v1/drivers/NOPE/device", W.disp, NULL);
    http_test_expect(r, 404);
    r = call("POST", "/v1/drivers/D1/device", W.disp, NULL);
    http_test_expect(r, 200);
    char dev1b[64] = "";
    assert_non_null(p = strstr(http_test_body(r), "\"device_id\":\""));
    sscanf(p + 13, "%63[^\"]", dev1b);
    assert_int_equal(strlen(dev1b), DISPATCH_DEVICE_ID_LEN);
    assert_string_not_equal(dev1, dev1b);
    r = call("GET", "/v1/drivers", W.disp, NULL);
    assert_null(strstr(http_test_body(r), dev1b));
    /* refusals: none yet; unknown driver 404; bad ?last names the field */
    r = call("GET", "/v1/drivers/D1/refusals", W.disp, NULL);
    http_test_expect(r, 200);
    assert_non_null(strstr(http_test_body(r), "\"total\":0"));
    r = call("GET", "/v1/drivers/NOPE/refusals", W.disp, NULL);
    http_test_expect(r, 404);
    r = call("GET", "/v1/drivers/D1/refusals?last=0", W.disp, NULL);
    http_test_expect(r, 400);
    assert_non_null(strstr(http_test_body(r), "\"field\":\"last\""));
    r = call("GET", "/v1/drivers/D1/refusals", W.d1, NULL);
    http_test_expect(r, 403);
    r = call("GET", "/v1/vehicles", W.d1, NULL);
    http_test_expect(r, 403);
}

static void test_plan_lifecycle(void **state) {
    (void)state;
    const http_test_resp *r = call("POST", "/v1/plans", W.d1, "{}");
    http_test_expect(r, 403);
    r = call("POST", "/v1/plans", W.disp, "{\"time_limit_ms\":-5}");
    http_test_expect(r, 400);
    assert_non_null(strstr(http_test_body(r), "time_limit_ms"));
    r = call("POST", "/v1/plans", W.disp, "{\"time_limit_ms\":200}");
    http_test_expect(r, 202);
    long long id = 0;
    const char *p = strstr(http_test_body(r), "\"id\":");
    assert_non_null(p);
    id = strtoll(p + 5, NULL, 10);
    assert_true(id > 0);
    dispatch_wait_idle(W.d);
    char path[96];
    snprintf(path, sizeof path, "/v1/plans/%lld", id);
    r = call("GET", path, W.disp, NULL);
    http_test_expect(r, 200);
    assert_non_null(strstr(http_test_body(r), "\"status\":\"proposed\""));
    assert_non_null(strstr(http_test_body(r), "\"FeatureCollection\""));
    assert_non_null(strstr(http_test_body(r), "\"LineString\""));
    assert_non_null(strstr(http_test_body(r), "\"polyline\""));
    assert_non_null(strstr(http_test_body(r), "\"unassigned\":[]"));
    /* both vans hold 2 parcels: moving a stop of V1 onto V2 breaks capacity */
    const char *stop = strstr(http_test_body(r), "\"stops\":[{\"id\":");
    assert_non_null(stop);
    long long stop_id = strtoll(stop + strlen("\"stops\":[{\"id\":"), NULL, 10);
    const char *veh = strstr(http_test_body(r), "\"vehicle_id\":\"V");
    assert_non_null(veh);
    const char *other = veh[strlen("\"vehicle_id\":\"V")] == '1' ? "V2" : "V1";
    char body[160], mpath[128];
    snprintf(body, sizeof body, "{\"stop\":%lld,\"to_vehicle\":\"%s\",\"position\":0}", stop_id,
             other);
    snprintf(mpath, sizeof mpath, "/v1/plans/%lld/move", id);
    r = call("POST", mpath, W.disp, body);
    http_test_expect(r, 409);
    assert_non_null(strstr(http_test_body(r), "\"violations\":[\""));
    r = call("POST", mpath, W.disp, "{\"to_vehicle\":\"V1\"}");
    http_test_expect(r, 400);
    snprintf(path, sizeof path, "/v1/plans/%lld/geojson", id);
    r = call("GET", path, W.disp, NULL);
    http_test_expect(r, 200);
    assert_non_null(strstr(http_test_body(r), "\"coordinates\":[[4.85,45.75]"));
    snprintf(path, sizeof path, "/v1/plans/%lld/commit", id);
    r = call("POST", path, W.disp, NULL);
    http_test_expect(r, 200);
    assert_non_null(strstr(http_test_body(r), "\"status\":\"committed\""));
    r = call("POST", path, W.disp, NULL);
    http_test_expect(r, 409);
    snprintf(path, sizeof path, "/v1/plans/%lld/discard", id);
    r = call("POST", path, W.disp, NULL);
    http_test_expect(r, 409);
    r = call("GET", "/v1/plans/999999", W.disp, NULL);
    http_test_expect(r, 404);
    r = call("GET", "/v1/plans", W.disp, NULL);
    http_test_expect(r, 200);
    assert_non_null(strstr(http_test_body(r), "\"plans\":[{"));
    r = call("GET", "/v1/fleet/state", W.disp, NULL);
    http_test_expect(r, 200);
    assert_non_null(strstr(http_test_body(r), "\"V1\""));
    /* a manual re-plan is queued and proposed on the worker */
    r = call("POST", "/v1/replans", W.disp, "{}");
    http_test_expect(r, 202);
    dispatch_wait_idle(W.d);
    r = call("GET", "/v1/plans?limit=1", W.disp, NULL);
    http_test_expect(r, 200);
    assert_non_null(strstr(http_test_body(r), "\"is_replan\":true"));
    r = call("POST", "/v1/replans/1/apply", W.disp, NULL);
    http_test_expect(r, 409); /* plan 1 is not a re-plan */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fleet_and_roles),
        cmocka_unit_test(test_plan_lifecycle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
