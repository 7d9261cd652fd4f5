/* tests/api/test_hand_http.c: hand dispatch through the real server on 127.0.0.1 (a committed
 * plan, two vans of 3 parcels, both full): roles, bodies refused with the field named and nothing
 * changed, an assignment that breaks capacity answered 409 with its violations (a dry run 200 with
 * feasible false), unassign, assign at the cheapest place, the driver's route and the live event
 * stream carrying the change, reorder, locks, a stop moved from one live route to another (both
 * drivers' routes and streams follow), and every stored route re-checked by the solver's checker
 * after each change. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "tests/support/http_test.h"
#include "tests/support/plan_world.h"

#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static plan_world W;

/* One call; its reply is valid until the next. */
static const http_test_resp *call(const char *method, const char *path, const char *key,
                                  const char *body) {
    return http_test_call_last(W.port, method, path, key, body);
}

/* Pending stop ids of vid's live route, read from the store. */
static size_t live_ids(const char *vid, int64_t *ids, size_t cap) {
    store_read *r = NULL;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    dispatch_live_route rt;
    lm_errinfo err = {0};
    OKE(dispatch_live_route_get(r, vid, &rt, &err), err);
    store_read_end(r);
    size_t n = 0;
    for (size_t i = 0; i < rt.n_stops && n < cap; i++)
        ids[n++] = rt.stops[i].id;
    dispatch_live_route_clear(&rt);
    return n;
}

/* Both stored live routes, as they are, pass the evaluator and solver_check. */
static void check_routes(void) {
    const char *vans[] = {"V1", "V2"};
    for (size_t v = 0; v < 2; v++) {
        int64_t ids[64];
        size_t n = live_ids(vans[v], ids, 64);
        dispatch_hand_req q = {.kind = DISPATCH_HAND_REORDER,
                               .vehicle_id = vans[v],
                               .stop_ids = ids,
                               .n_stop_ids = n,
                               .dry_run = true};
        dispatch_hand_result res;
        lm_errinfo err = {0};
        OKE(dispatch_hand_edit(W.d, &q, &res, &err), err);
        assert_true(res.feasible);
        dispatch_hand_result_clear(&res);
    }
}

static int64_t ready_order(void) {
    lm_errinfo err = {0};
    orders_line l = {.qty = 1};
    lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
    orders_order in = {0}, out = {0};
    lm_strlcpy(in.customer_name, "Hand", sizeof in.customer_name);
    lm_strlcpy(in.customer_phone, "+33655500011", sizeof in.customer_phone);
    lm_strlcpy(in.customer_address, "9 quai Hand", sizeof in.customer_address);
    in.has_location = true;
    in.lat = PLAN_WORLD_DEPOT_LAT + 0.008;
    in.lon = PLAN_WORLD_DEPOT_LON - 0.006;
    in.lines = &l;
    in.n_lines = 1;
    bool replayed = false;
    OKE(orders_order_create(W.o, &in, NULL, &out, &replayed, &err), err);
    int64_t id = out.id;
    orders_order_clear(&out);
    OKE(orders_order_picking(W.o, id, NULL, &err), err);
    OKE(orders_order_ready(W.o, id, 2000, 3000, 1, NULL, &err), err);
    return id;
}

static const char *order_status(int64_t id) {
    static char st[24];
    orders_order o = {0};
    lm_errinfo err = {0};
    OKE(orders_order_get(W.o, id, &o, &err), err);
    lm_strlcpy(st, o.status, sizeof st);
    orders_order_clear(&o);
    return st;
}

static int setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    plan_world_setup(&W, "lm-hand-http-");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    http_test_last_free();
    plan_world_teardown(&W);
    curl_global_cleanup();
    return 0;
}

static void test_hand_dispatch_http(void **state) {
    (void)state;
    const http_test_resp *r = call("GET", "/v1/plans?limit=1", W.disp, NULL);
    http_test_expect(r, 200);
    long long plan = strtoll(strstr(http_test_body(r), "\"id\":") + 5, NULL, 10);
    char path[128], body[512];
    snprintf(path, sizeof path, "/v1/plans/%lld/assign", plan);
    int64_t o = ready_order();
    int64_t before[16], now_ids[16];
    size_t n1 = live_ids("V1", before, 16);
    assert_int_equal(n1, 3);
    int64_t changes = tmp_db_count_events(W.s, "route.changed");
    /* roles */
    snprintf(body, sizeof body, "{\"order_id\":%lld,\"vehicle_id\":\"V1\"}", (long long)o);
    http_test_expect(call("POST", path, W.d1, body), 403);
    http_test_expect(call("POST", path, NULL, body), 401);
    http_test_expect(call("PUT", "/v1/routes/V1/lock", W.d1, "{\"locked\":true}"), 403);
    /* bad bodies name the field and change nothing */
    r = call("POST", path, W.disp, "{\"order_id\":1,\"vehicle_id\":\"V1\",\"colour\":1}");
    http_test_expect(r, 400);
    http_test_has(r, "\"field\":\"colour\"");
    r = call("POST", path, W.disp, "{\"order_id\":1}");
    http_test_expect(r, 400);
    http_test_has(r, "\"field\":\"vehicle_id\"");
    snprintf(body, sizeof body, "{\"order_id\":%lld,\"vehicle_id\":\"V9\"}", (long long)o);
    r = call("POST", path, W.disp, body);
    http_test_expect(r, 400);
    http_test_has(r, "\"field\":\"vehicle_id\"");
    snprintf(body, sizeof body, "{\"order_id\":%lld,\"vehicle_id\":\"V1\",\"position\":-7}",
             (long long)o);
    r = call("POST", path, W.disp, body);
    http_test_expect(r, 400);
    http_test_has(r, "\"field\":\"position\"");
    snprintf(body, sizeof body, "{\"order_id\":%lld,\"vehicle_id\":\"V1\"}",
             (long long)W.order_ids[0]);
    r = call("POST", path, W.disp, body);
    http_test_expect(r, 409); /* planned already, not ready */
    http_test_has(r, "\"field\":\"order_id\"");
    http_test_expect(call("POST", "/v1/plans/99999/assign", W.disp, body), 404);
    /* V1 is full: 409 with the violation, a dry run says so with 200, nothing changed */
    snprintf(body, sizeof body, "{\"order_id\":%lld,\"vehicle_id\":\"V1\"}", (long long)o);
    r = call("POST", path, W.disp, body);
    http_test_expect(r, 409);
    http_test_has(r, "\"feasible\":false");
    http_test_has(r, "\"violations\":[\"");
    snprintf(body, sizeof body, "{\"order_id\":%lld,\"vehicle_id\":\"V1\",\"dry_run\":true}",
             (long long)o);
    r = call("POST", path, W.disp, body);
    http_test_expect(r, 200);
    http_test_has(r, "\"feasible\":false");
    assert_int_equal(live_ids("V1", now_ids, 16), n1);
    assert_memory_equal(now_ids, before, n1 * sizeof *before);
    assert_string_equal(order_status(o), "ready");
    assert_int_equal(tmp_db_count_events(W.s, "route.changed"), changes);
    /* room is made: one of V1's deliveries goes back to ready (a dry run first) */
    snprintf(path, sizeof path, "/v1/routes/V1/stops/%lld?dry_run=true", (long long)before[0]);
    r = call("DELETE", path, W.disp, NULL);
    http_test_expect(r, 200);
    http_test_has(r, "\"feasible\":true");
    assert_int_equal(live_ids("V1", now_ids, 16), n1);
    snprintf(path, sizeof path, "/v1/routes/V2/stops/%lld", (long long)before[0]);
    http_test_expect(call("DELETE", path, W.disp, NULL), 409); /* not V2's */
    snprintf(path, sizeof path, "/v1/routes/V1/stops/%lld", (long long)before[0]);
    r = call("DELETE", path, W.disp, NULL);
    http_test_expect(r, 200);
    assert_int_equal(live_ids("V1", now_ids, 16), n1 - 1);
    check_routes();
    /* now it fits: placed at the cheapest position, on the driver's route, on the event stream */
    snprintf(path, sizeof path, "/v1/plans/%lld/assign", plan);
    snprintf(body, sizeof body, "{\"order_id\":%lld,\"vehicle_id\":\"V1\"}", (long long)o);
    r = call("POST", path, W.disp, body);
    http_test_expect(r, 200);
    http_test_has(r, "\"feasible\":true");
    http_test_has(r, "\"cost_before\":");
    http_test_has(r, "\"position\":");
    assert_string_equal(order_status(o), "planned");
    char needle[64];
    snprintf(needle, sizeof needle, "\"order_id\":%lld", (long long)o);
    r = call("GET", "/v1/driver/route", W.d1, NULL);
    http_test_expect(r, 200);
    http_test_has(r, needle);
    assert_true(http_test_sse_has(W.port, "/v1/events", W.disp, 0,
                                  "\"vehicle_id\":\"V1\",\"driver_id\":\"D1\","
                                  "\"reason\":\"assigned\""));
    /* the driver's own stream: a notice that the route changed (the app fetches it again) */
    assert_true(
        http_test_sse_has(W.port, "/v1/driver/events", W.d1, 0, "\"cause\":\"route.changed\""));
    check_routes();
    /* reorder: reversed; a list missing a stop is refused with the field */
    size_t n = live_ids("V1", now_ids, 16);
    assert_int_equal(n, 3);
    snprintf(body, sizeof body, "{\"stop_ids\":[%lld,%lld,%lld]}", (long long)now_ids[2],
             (long long)now_ids[1], (long long)now_ids[0]);
    r = call("PUT", "/v1/routes/V1/stops", W.disp, body);
    http_test_expect(r, 200);
    int64_t rev[16];
    assert_int_equal(live_ids("V1", rev, 16), 3);
    assert_true(rev[0] == now_ids[2] && rev[2] == now_ids[0]);
    check_routes();
    snprintf(body, sizeof body, "{\"stop_ids\":[%lld,%lld]}", (long long)rev[0], (long long)rev[1]);
    r = call("PUT", "/v1/routes/V1/stops", W.disp, body);
    http_test_expect(r, 400);
    http_test_has(r, "\"field\":\"stop_ids\"");
    /* a stop of V2 onto the full V1: refused, nothing moves */
    int64_t v2[16];
    size_t n2 = live_ids("V2", v2, 16);
    snprintf(body, sizeof body, "{\"stop_id\":%lld}", (long long)v2[0]);
    r = call("POST", "/v1/routes/V1/stops", W.disp, body);
    http_test_expect(r, 409);
    assert_int_equal(live_ids("V2", v2, 16), n2);
    r = call("POST", "/v1/routes/V1/stops", W.disp, "{\"stop_id\":1,\"order_id\":2}");
    http_test_expect(r, 400);
    http_test_has(r, "\"field\":\"order_id\"");
    /* locks */
    r = call("PUT", "/v1/routes/V1/lock", W.disp, "{\"locked\":\"yes\"}");
    http_test_expect(r, 400);
    http_test_has(r, "\"field\":\"locked\"");
    r = call("PUT", "/v1/routes/V1/lock", W.disp, "{\"locked\":true}");
    http_test_expect(r, 200);
    snprintf(path, sizeof path, "/v1/routes/V2/stops/%lld/lock", (long long)v2[0]);
    http_test_expect(call("PUT", path, W.disp, "{\"locked\":true}"), 200);
    r = call("GET", "/v1/routes/V1/stops", W.disp, NULL);
    http_test_expect(r, 200);
    http_test_has(r, "\"locked\":true");
    r = call("GET", "/v1/routes/V2/stops", W.disp, NULL);
    http_test_expect(r, 200);
    http_test_has(r, "\"locked\":true");
    http_test_expect(call("GET", "/v1/routes/V9/stops", W.disp, NULL), 404);
    /* a re-plan keeps V1 as it is */
    http_test_expect(call("POST", "/v1/replans", W.disp, "{}"), 202);
    dispatch_wait_idle(W.d);
    r = call("GET", "/v1/plans?limit=1", W.disp, NULL);
    long long rp = strtoll(strstr(http_test_body(r), "\"id\":") + 5, NULL, 10);
    snprintf(path, sizeof path, "/v1/replans/%lld/apply", rp);
    http_test_expect(call("POST", path, W.disp, NULL), 200);
    int64_t after[16];
    assert_int_equal(live_ids("V1", after, 16), 3);
    assert_memory_equal(after, rev, 3 * sizeof *rev);
    check_routes();
    /* the routes are in the OpenAPI document */
    r = call("GET", "/openapi.json", NULL, NULL);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(http_test_body(r), "\"/v1/routes/{vehicle}/stops\""));
    assert_non_null(strstr(http_test_body(r), "\"/v1/routes/{vehicle}/stops/{stop}/lock\""));
    assert_non_null(strstr(http_test_body(r), "\"/v1/plans/{id}/assign\""));
}

/* A pending stop moves from one live route to another (issue 13 item 2): room is made on V1, a
 * stop of V2 moves there; both drivers' routes and streams follow. */
static void test_move_between_live_routes_http(void **state) {
    (void)state;
    int64_t v1[16], v2[16], moving = 0;
    size_t n1 = live_ids("V1", v1, 16), n2 = live_ids("V2", v2, 16);
    assert_true(n1 == 3 && n2 >= 2);
    char path[128], body[128], needle[64];
    int64_t freed = 0; /* the order of the stop taken off V1 to make room */
    {
        store_read *r0 = NULL;
        dispatch_stop st;
        lm_errinfo e0 = {0};
        assert_int_equal(store_read_begin(W.s, &r0), LM_OK);
        OKE(dispatch_stop_get(r0, v1[n1 - 1], &st, &e0), e0);
        store_read_end(r0);
        freed = st.order_id;
    }
    snprintf(path, sizeof path, "/v1/routes/V1/stops/%lld", (long long)v1[n1 - 1]);
    http_test_expect(call("DELETE", path, W.disp, NULL), 200);
    /* a delivery of V2 loaded at the depot (no pickup of it on V2) */
    store_read *rd = NULL;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    dispatch_live_route rt;
    lm_errinfo err = {0};
    OKE(dispatch_live_route_get(rd, "V2", &rt, &err), err);
    store_read_end(rd);
    for (size_t i = 0; i < rt.n_stops; i++) {
        const dispatch_stop *s = &rt.stops[i];
        bool picked = false;
        for (size_t k = 0; k < rt.n_stops; k++)
            picked |=
                rt.stops[k].kind == DISPATCH_STOP_PICKUP && rt.stops[k].order_id == s->order_id;
        if (s->kind == DISPATCH_STOP_DELIVERY && !picked && !s->locked) moving = s->id;
    }
    dispatch_live_route_clear(&rt);
    assert_true(moving > 0);
    int64_t changes = tmp_db_count_events(W.s, "route.changed");
    snprintf(body, sizeof body, "{\"stop_id\":%lld}", (long long)moving);
    const http_test_resp *r = call("POST", "/v1/routes/V1/stops", W.disp, body);
    http_test_expect(r, 200);
    http_test_has(r, "\"feasible\":true");
    assert_int_equal(live_ids("V2", v2, 16), n2 - 1);
    assert_int_equal(live_ids("V1", v1, 16), n1);
    assert_true(tmp_db_count_events(W.s, "route.changed") >= changes + 2); /* both vans */
    /* V2's driver no longer has it; V1's driver has its order now */
    snprintf(needle, sizeof needle, "\"id\":%lld,", (long long)moving);
    r = call("GET", "/v1/driver/route", W.d2, NULL);
    http_test_expect(r, 200);
    assert_null(strstr(http_test_body(r), needle));
    assert_true(
        http_test_sse_has(W.port, "/v1/driver/events", W.d2, 0, "\"cause\":\"route.changed\""));
    check_routes();
    /* the freed order onto V2: both vans full again, as test_hand_dispatch_http expects */
    r = call("GET", "/v1/plans?limit=1", W.disp, NULL);
    long long plan = strtoll(strstr(http_test_body(r), "\"id\":") + 5, NULL, 10);
    snprintf(path, sizeof path, "/v1/plans/%lld/assign", plan);
    snprintf(body, sizeof body, "{\"order_id\":%lld,\"vehicle_id\":\"V2\"}", (long long)freed);
    http_test_expect(call("POST", path, W.disp, body), 200);
    assert_int_equal(live_ids("V2", v2, 16), n2);
    check_routes();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_move_between_live_routes_http),
        cmocka_unit_test(test_hand_dispatch_http),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
