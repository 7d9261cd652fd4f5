/* tests/api/test_replan_http.c: issue 13's re-planning regressions as a dispatcher meets them,
 * through the real server (in-process, 127.0.0.1, free port; the dispatch clock pinned): one van,
 * eight stops an hour apart, the plan made, moved by hand and committed over HTTP. After a hand
 * move the plan's totals are its routes' sums again; an urgent order taken in over HTTP while the
 * van runs is proposed within the urgent deadline, not at the end of the day; a driver who reports
 * 400 minutes of delay gets a proposal that starts his van at now + 400 min, counts every window it
 * can no longer meet as late, and costs the routes it replaces (cost_before never -1). The same
 * scenarios at the module level: tests/dispatch/test_replan_regress.c. */
#include "tests/support/http_test.h"
#include "tests/support/depot_world.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define DAY      INT64_C(1773705600) /* 2026-03-17T00:00:00Z */
#define H        INT64_C(3600)
#define N_ORDERS 8

static depot_world W;
static double last_lat, last_lon; /* the last stop of the day */

static int64_t now_ms = (DAY + 7 * H) * 1000;
static int64_t clock_fake(void) {
    return now_ms;
}

typedef http_test_resp resp;

static void call(resp *out, const char *method, const char *path, const char *key,
                 const char *body) {
    http_test_call(W.port, method, path, key, body, out);
}

static const cJSON *get(const cJSON *o, const char *k) {
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* An order over HTTP, made ready; its id. */
static int64_t order_in(double lat, double lon, int64_t from_s, int64_t to_s, int priority) {
    static int seq; /* a customer each: the duplicate rule holds a second identical order */
    char body[512], path[64];
    seq++;
    snprintf(body, sizeof body,
             "{\"customer\":{\"name\":\"C%d\",\"address\":\"%d rue X\",\"location\":[%.6f,%.6f]},"
             "\"lines\":[{\"sku\":\"SKU1\",\"qty\":1}],\"time_windows\":[[%lld,%lld]],"
             "\"priority\":%d}",
             seq, seq, lon, lat, (long long)from_s, (long long)to_s, priority);
    resp r;
    call(&r, "POST", "/v1/orders", W.disp, body);
    http_test_expect(&r, 201);
    int64_t id = http_test_num(r.json, "id");
    http_test_resp_free(&r);
    snprintf(path, sizeof path, "/v1/orders/%lld/picking", (long long)id);
    call(&r, "POST", path, W.wh, NULL);
    http_test_expect(&r, 200);
    http_test_resp_free(&r);
    snprintf(path, sizeof path, "/v1/orders/%lld/ready", (long long)id);
    call(&r, "POST", path, W.wh, "{\"weight_g\":1000,\"volume_cm3\":1000,\"parcels\":1}");
    http_test_expect(&r, 200);
    http_test_resp_free(&r);
    return id;
}

static int setup(void **state) {
    (void)state;
    lm_errinfo err = {0};
    if (depot_world_start(&W, "lm_replan_http_", clock_fake, 300, &err) != LM_OK ||
        depot_world_van(&W, "V1", "D1", 20, 23 * H, &err) != LM_OK) {
        fprintf(stderr, "setup: %s: %s\n", err.field, err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    depot_world_stop(&W);
    return 0;
}

static void plan_get(resp *r, int64_t id) {
    char path[64];
    snprintf(path, sizeof path, "/v1/plans/%lld", (long long)id);
    call(r, "GET", path, W.disp, NULL);
    http_test_expect(r, 200);
}

/* The newest plan, which must be a re-plan; its JSON in *r. */
static void latest_replan(resp *r) {
    resp l;
    call(&l, "GET", "/v1/plans?limit=1", W.disp, NULL);
    http_test_expect(&l, 200);
    const cJSON *p = cJSON_GetArrayItem(get(l.json, "plans"), 0);
    if (!p || !cJSON_IsTrue(get(p, "is_replan"))) fail_msg("no re-plan: %s", l.body.data);
    int64_t id = http_test_num(p, "id");
    http_test_resp_free(&l);
    plan_get(r, id);
}

static int64_t routes_sum(const cJSON *plan, const char *k) {
    int64_t s = 0;
    const cJSON *rt;
    cJSON_ArrayForEach(rt, get(plan, "routes")) s += http_test_num(rt, k);
    return s;
}

/* Eight orders an hour apart (09-10 ... 16-17) round the depot; planned, a stop moved by hand
 * (the plan's totals follow), committed. */
static void test_totals_after_hand_move(void **state) {
    (void)state;
    for (int h = 0; h < N_ORDERS; h++) {
        double ang = (double)h * 0.8;
        last_lat = DEPOT_WORLD_LAT + 0.03 * sin(ang);
        last_lon = DEPOT_WORLD_LON + 0.04 * cos(ang);
        order_in(last_lat, last_lon, DAY + (9 + h) * H, DAY + (10 + h) * H, 0);
    }
    /* one order without a window worth keeping: the hand move's subject */
    order_in(DEPOT_WORLD_LAT - 0.02, DEPOT_WORLD_LON - 0.02, DAY + 8 * H, DAY + 20 * H, 0);
    resp r;
    call(&r, "POST", "/v1/plans", W.disp, "{\"time_limit_ms\":300}");
    http_test_expect(&r, 202);
    int64_t id = http_test_num(r.json, "id");
    http_test_resp_free(&r);
    dispatch_wait_idle(W.d);
    plan_get(&r, id);
    const cJSON *stops = get(cJSON_GetArrayItem(get(r.json, "routes"), 0), "stops");
    int64_t free_stop = 0, before_dist = http_test_num(r.json, "distance");
    int at = 0, i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, stops) {
        const cJSON *tw = get(s, "time_window");
        if (tw && (int64_t)cJSON_GetArrayItem(tw, 1)->valuedouble == DAY + 20 * H) {
            free_stop = http_test_num(s, "id");
            at = i;
        }
        i++;
    }
    assert_true(free_stop > 0);
    assert_int_equal(http_test_num(r.json, "distance"), routes_sum(r.json, "distance"));
    http_test_resp_free(&r);
    /* to the other end of the day: the route changes, and so must the plan's totals */
    char body[128], path[64];
    snprintf(body, sizeof body, "{\"stop\":%lld,\"to_vehicle\":\"V1\",\"position\":%d}",
             (long long)free_stop, at == 0 ? N_ORDERS : 0);
    snprintf(path, sizeof path, "/v1/plans/%lld/move", (long long)id);
    call(&r, "POST", path, W.disp, body);
    http_test_expect(&r, 200);
    http_test_resp_free(&r);
    plan_get(&r, id);
    assert_int_equal(http_test_num(r.json, "cost"), routes_sum(r.json, "cost"));
    assert_int_equal(http_test_num(r.json, "distance"), routes_sum(r.json, "distance"));
    assert_int_equal(http_test_num(r.json, "duration"), routes_sum(r.json, "duration"));
    assert_int_not_equal(http_test_num(r.json, "distance"), before_dist);
    http_test_resp_free(&r);
    snprintf(path, sizeof path, "/v1/plans/%lld/commit", (long long)id);
    call(&r, "POST", path, W.disp, NULL);
    http_test_expect(&r, 200);
    http_test_resp_free(&r);
}

/* At 09:00 the van is on its way; an urgent order next to the day's last stop is taken in. */
static void test_urgent_order_is_early(void **state) {
    (void)state;
    now_ms = (DAY + 9 * H) * 1000;
    resp r;
    call(&r, "POST", "/v1/driver/route/start", W.d1, NULL);
    http_test_expect(&r, 200);
    http_test_resp_free(&r);
    int64_t uid = order_in(last_lat + 0.001, last_lon, DAY + 9 * H, DAY + 18 * H, 90);
    lm_errinfo err = {0};
    assert_int_equal(dispatch_tick(W.d, now_ms, &err), LM_OK);
    dispatch_wait_idle(W.d);
    latest_replan(&r);
    assert_string_equal(get(get(r.json, "effect"), "trigger")->valuestring, "urgent");
    assert_true(http_test_num(get(r.json, "effect"), "cost_before") > 0);
    int64_t eta = 0;
    const cJSON *rt, *s;
    cJSON_ArrayForEach(rt, get(r.json, "routes")) cJSON_ArrayForEach(s, get(rt, "stops")) {
        if (http_test_num(s, "order_id") == uid && !strcmp(get(s, "kind")->valuestring, "delivery"))
            eta = http_test_num(s, "eta");
    }
    http_test_resp_free(&r);
    assert_true(eta > 0);
    if (eta > now_ms / 1000 + 7200) /* the urgent deadline, not the end of the day */
        fail_msg("the urgent order is proposed at %lld, %lld s after now", (long long)eta,
                 (long long)(eta - now_ms / 1000));
}

/* The driver reports 400 minutes of delay. */
static void test_delay_is_honoured(void **state) {
    (void)state;
    resp r;
    call(&r, "POST", "/v1/driver/exceptions", W.d1, "{\"kind\":\"delay\",\"delay_min\":400}");
    http_test_expect(&r, 202);
    http_test_resp_free(&r);
    dispatch_wait_idle(W.d);
    latest_replan(&r);
    int64_t free_at = now_ms / 1000 + 400 * 60; /* 15:40 */
    int64_t must_be_late = 0, deliveries = 0;
    const cJSON *rt, *s;
    cJSON_ArrayForEach(rt, get(r.json, "routes")) cJSON_ArrayForEach(s, get(rt, "stops")) {
        if (http_test_num(s, "eta") < free_at)
            fail_msg("stop %lld planned at %lld, before the van is free at %lld",
                     (long long)http_test_num(s, "id"), (long long)http_test_num(s, "eta"),
                     (long long)free_at);
        if (strcmp(get(s, "kind")->valuestring, "delivery")) continue;
        deliveries++;
    }
    /* windows ending 10:00 .. 15:00 cannot be met from 15:40 on: six late at least, and said so */
    for (int h = 0; h < N_ORDERS; h++)
        must_be_late += DAY + (10 + h) * H < free_at;
    const cJSON *eff = get(r.json, "effect");
    assert_true(http_test_num(eff, "late_after") >= must_be_late);
    assert_true(must_be_late >= 6);
    assert_true(http_test_num(eff, "cost_before") > 0); /* the routes it replaces, costed */
    assert_true(deliveries + cJSON_GetArraySize(get(r.json, "unassigned")) >= N_ORDERS + 1);
    http_test_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals_after_hand_move),
        cmocka_unit_test(test_urgent_order_is_early),
        cmocka_unit_test(test_delay_is_honoured),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
