/* tests/api/test_pd_http.c: pickup-and-delivery orders (collect here, deliver there) through the
 * real server (in-process, 127.0.0.1, free port): a bad body is refused naming its field and
 * stores nothing; an order goes in through POST /v1/orders, is planned as one shipment (pickup
 * first, same van, both windows met, the load on board only between the two, so a van that would
 * overflow delivers from stock before collecting), a re-plan keeps both windows, the driver sees
 * what to collect and marks it collected, the customer's tracking shows both stops, a failed
 * pickup cancels its delivery and fails the order, and a delivery failed after the collection is
 * recovered like any order (checked in, then delivered from the depot). */
#include "tests/support/http_test.h"
#include "tests/support/depot_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#define DAY INT64_C(1773705600) /* 2026-03-17T00:00:00Z */
#define H   INT64_C(3600)

static depot_world W;
static char d2_key[STORE_KEY_MAX]; /* driver D2's key */
static int64_t pd_order;           /* the order of test_planned_as_one_shipment */

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

static const char *str(const cJSON *o, const char *k) {
    const cJSON *x = get(o, k);
    return cJSON_IsString(x) ? x->valuestring : "(none)";
}

static int setup(void **state) {
    (void)state;
    lm_errinfo err = {0};
    if (depot_world_start(&W, "lm_pd_http_", clock_fake, 300, &err) != LM_OK) goto fail;
    for (int i = 0; i < 2; i++) { /* two deliveries from stock, one parcel each, all day */
        orders_order in = {0};
        snprintf(in.customer_name, sizeof in.customer_name, "Stock customer %d", i);
        snprintf(in.customer_address, sizeof in.customer_address, "%d rue Ouest", i);
        in.has_location = true;
        in.lat = 45.76 + 0.01 * i;
        in.lon = 4.84;
        in.windows[0] = (store_window){DAY + 8 * H, DAY + 18 * H};
        in.n_windows = 1;
        int64_t id = 0;
        if (depot_world_ready_order(&W, &in, &id, &err) != LM_OK) goto fail;
    }
    /* 3 parcels a van: 2 from stock + the 2 collected would not fit at once */
    if (depot_world_van(&W, "V1", "D1", 3, 20 * H, &err) != LM_OK ||
        depot_world_van(&W, "V2", "D2", 3, 20 * H, &err) != LM_OK ||
        store_key_create(W.s, "driver", "D2", d2_key, NULL, &err) != LM_OK)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "setup: %s: %s\n", err.field, err.message);
    return -1;
}

static int teardown(void **state) {
    (void)state;
    depot_world_stop(&W);
    return 0;
}

/* A pickup-and-delivery body: collect 09:00-10:00 north of the depot, deliver 10:00-12:00 east;
 * `parcels` to carry. */
static void pd_body(char *out, size_t cap, int parcels, const char *ref) {
    snprintf(out, cap,
             "{\"type\":\"pickup_delivery\",\"external_ref\":\"%s\","
             "\"pickup\":{\"address\":\"Atelier Nord, 1 quai Nord\",\"location\":[4.86,45.80],"
             "\"window\":[\"2026-03-17T09:00:00Z\",\"2026-03-17T10:00:00Z\"],"
             "\"contact\":{\"name\":\"Sender Ltd\",\"phone\":\"+33400000001\"},"
             "\"notes\":\"two boxes at reception\"},"
             "\"package\":{\"weight_g\":8000,\"volume_cm3\":20000,\"parcels\":%d},"
             "\"customer\":{\"name\":\"Receiver SA\",\"phone\":\"+33400000002\","
             "\"address\":\"9 rue Est\",\"location\":[4.92,45.76]},"
             "\"time_windows\":[[\"2026-03-17T10:00:00Z\",\"2026-03-17T12:00:00Z\"]]}",
             ref, parcels);
}

static int64_t orders_count(void) {
    resp r;
    call(&r, "GET", "/v1/orders?limit=1000", W.disp, NULL);
    http_test_expect(&r, 200);
    int64_t n = cJSON_GetArraySize(get(r.json, "orders"));
    http_test_resp_free(&r);
    return n;
}

static void test_bad_bodies_name_their_field(void **state) {
    (void)state;
    const char *pick = "\"pickup\":{\"location\":[4.86,45.80],\"window\":[\"2026-03-17T09:00:00Z\","
                       "\"2026-03-17T10:00:00Z\"]}";
    const char *pkg = "\"package\":{\"weight_g\":1000,\"parcels\":1}";
    const char *cust = "\"customer\":{\"name\":\"R\",\"location\":[4.92,45.76]}";
    const char *tw = "\"time_windows\":[[\"2026-03-17T10:00:00Z\",\"2026-03-17T12:00:00Z\"]]";
    char body[1024];
    struct {
        const char *fmt, *field;
    } bad[] = {
        {"{\"type\":\"collect\",%s,%s,%s,%s}", "type"},
        {"{\"type\":\"pickup_delivery\",%.0s%s,%s,%s}", "pickup"},
        {"{\"type\":\"pickup_delivery\",\"pickup\":{\"window\":[1773738000,1773741600]}%.0s,%s,%s,%"
         "s}",
         "pickup.location"},
        {"{\"type\":\"pickup_delivery\",\"pickup\":{\"location\":[4.86,45.80]}%.0s,%s,%s,%s}",
         "pickup.window"},
        /* the pickup window reversed */
        {"{\"type\":\"pickup_delivery\",\"pickup\":{\"location\":[4.86,45.80],\"window\":["
         "\"2026-03-17T10:00:00Z\",\"2026-03-17T09:00:00Z\"]}%.0s,%s,%s,%s}",
         "pickup.window"},
        /* not a real date */
        {"{\"type\":\"pickup_delivery\",\"pickup\":{\"location\":[4.86,45.80],\"window\":["
         "\"2026-02-30T09:00:00Z\",\"2026-03-17T10:00:00Z\"]}%.0s,%s,%s,%s}",
         "pickup.window"},
        {"{\"type\":\"pickup_delivery\",\"pickup\":{\"location\":[4.86,45.80],\"window\":["
         "\"2026-03-17T09:00:00Z\",\"2026-03-17T10:00:00Z\"],\"colour\":1}%.0s,%s,%s,%s}",
         "pickup.colour"},
        {"{\"type\":\"pickup_delivery\",\"pickup\":{\"location\":[45.80,200],\"window\":["
         "\"2026-03-17T09:00:00Z\",\"2026-03-17T10:00:00Z\"]}%.0s,%s,%s,%s}",
         "pickup.location"},
        {"{\"type\":\"pickup_delivery\",%s%.0s,%s,%s}", "package"},
        {"{\"type\":\"pickup_delivery\",%s,\"package\":{\"weight_g\":1,\"parcels\":0}%.0s,%s,%s}",
         "package.parcels"},
        {"{\"type\":\"pickup_delivery\",%s,%s,\"customer\":{\"name\":\"R\"}%.0s,%s}",
         "customer.location"},
        {"{\"type\":\"pickup_delivery\",%s,%s,%s%.0s}", "time_windows"},
        /* the delivery closes before the pickup opens */
        {"{\"type\":\"pickup_delivery\",%s,%s,%s,\"time_windows\":[[\"2026-03-17T07:00:00Z\","
         "\"2026-03-17T08:00:00Z\"]]%.0s}",
         "time_windows[0]"},
        {"{\"type\":\"pickup_delivery\",%s,%s,%s,%s,\"lines\":[{\"sku\":\"SKU1\",\"qty\":1}]}",
         "lines"},
        {"{\"type\":\"pickup_delivery\",%s,%s,%s,%s,\"depot\":\"NOPE\"}", "depot"},
        {"{\"type\":\"pickup_delivery\",%s,%s,%s,%s,\"currency\":\"EUR\"}", "currency"},
    };
    int64_t before = orders_count();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, bad[i].fmt, pick, pkg, cust, tw);
        resp r;
        call(&r, "POST", "/v1/orders", W.disp, body);
        if (r.status != 400) fail_msg("case %zu: %ld %s", i, r.status, r.body.data);
        const char *field = str(get(r.json, "error"), "field");
        if (strcmp(field, bad[i].field))
            fail_msg("case %zu: field %s, want %s (%s)", i, field, bad[i].field, r.body.data);
        http_test_resp_free(&r);
    }
    assert_int_equal(orders_count(), before); /* nothing stored */
    /* a driver may not place orders */
    pd_body(body, sizeof body, 1, "role");
    resp r;
    call(&r, "POST", "/v1/orders", W.d1, body);
    http_test_expect(&r, 403);
    http_test_resp_free(&r);
}

/* The route of vehicle vid in plan JSON p. */
static const cJSON *route_of(const cJSON *p, const char *vid) {
    const cJSON *rt;
    cJSON_ArrayForEach(rt, get(p, "routes")) if (!strcmp(str(rt, "vehicle_id"), vid)) return rt;
    return NULL;
}

/* Index of the stop of kind for order in route rt, -1 when absent. */
static int stop_at(const cJSON *rt, const char *kind, int64_t order) {
    int i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, get(rt, "stops")) {
        if (!strcmp(str(s, "kind"), kind) && http_test_num(s, "order_id") == order) return i;
        i++;
    }
    return -1;
}

static int64_t tw_at(const cJSON *stop, int i) {
    const cJSON *x = cJSON_GetArrayItem(get(stop, "time_window"), i);
    if (!cJSON_IsNumber(x))
        fail_msg("stop %lld has no time_window", (long long)http_test_num(stop, "id"));
    return (int64_t)x->valuedouble;
}

/* The pickup precedes the delivery on one van, each stored with its own window and served in it,
 * and the load on board never exceeds the van's 3 parcels, the collected goods counted from the
 * pickup to the delivery only. Returns the number of stops from stock served before the pickup. */
static int check_route(const cJSON *plan, int64_t order, const char *vid) {
    const cJSON *rt = route_of(plan, vid);
    if (!rt) fail_msg("no route of %s", vid);
    int p = stop_at(rt, "pickup", order), d = stop_at(rt, "delivery", order);
    if (p < 0 || d < 0 || p >= d) fail_msg("pickup at %d, delivery at %d", p, d);
    const cJSON *stops = get(rt, "stops");
    const cJSON *ps = cJSON_GetArrayItem(stops, p), *ds = cJSON_GetArrayItem(stops, d);
    assert_true(fabs(get(ps, "lon")->valuedouble - 4.86) < 1e-9); /* at the sender */
    assert_true(fabs(get(ds, "lon")->valuedouble - 4.92) < 1e-9); /* at the receiver */
    assert_int_equal(tw_at(ps, 0), DAY + 9 * H);
    assert_int_equal(tw_at(ps, 1), DAY + 10 * H);
    assert_int_equal(tw_at(ds, 0), DAY + 10 * H);
    assert_int_equal(tw_at(ds, 1), DAY + 12 * H);
    int64_t pe = http_test_num(ps, "eta"), de = http_test_num(ds, "eta");
    if (pe < DAY + 9 * H || pe > DAY + 10 * H) fail_msg("pickup served at %lld", (long long)pe);
    if (de < DAY + 10 * H || de > DAY + 12 * H) fail_msg("delivery served at %lld", (long long)de);
    /* the load profile: what leaves the depot, then + at pickups, - at deliveries */
    int64_t load = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, stops) {
        if (!strcmp(str(s, "kind"), "delivery") &&
            stop_at(rt, "pickup", http_test_num(s, "order_id")) < 0)
            load += http_test_num(s, "parcels");
    }
    assert_true(load <= 3);
    int i = 0, before = 0;
    cJSON_ArrayForEach(s, stops) {
        if (!strcmp(str(s, "kind"), "pickup")) load += http_test_num(s, "parcels");
        if (!strcmp(str(s, "kind"), "delivery")) {
            load -= http_test_num(s, "parcels");
            before += i < p && http_test_num(s, "order_id") != order;
        }
        if (load > 3) fail_msg("%lld parcels on board after stop %d", (long long)load, i);
        i++;
    }
    assert_int_equal(load, 0);
    return before;
}

/* POSTs a plan request, waits for the worker, answers the plan JSON (caller frees). */
static void plan_fetch(resp *r, const char *body) {
    resp c;
    call(&c, "POST", "/v1/plans", W.disp, body);
    http_test_expect(&c, 202);
    int64_t id = http_test_num(c.json, "id");
    http_test_resp_free(&c);
    dispatch_wait_idle(W.d);
    char path[64];
    snprintf(path, sizeof path, "/v1/plans/%lld", (long long)id);
    call(r, "GET", path, W.disp, NULL);
    http_test_expect(r, 200);
}

/* The same, and the plan is proposed with every order served. */
static void plan_made(resp *r, const char *body) {
    plan_fetch(r, body);
    if (strcmp(str(r->json, "status"), "proposed")) fail_msg("plan: %s", r->body.data);
    assert_int_equal(cJSON_GetArraySize(get(r->json, "unassigned")), 0);
}

static void commit(const cJSON *plan) {
    char path[64];
    snprintf(path, sizeof path, "/v1/plans/%lld/commit", (long long)http_test_num(plan, "id"));
    resp r;
    call(&r, "POST", path, W.disp, NULL);
    http_test_expect(&r, 200);
    http_test_resp_free(&r);
}

/* The first stop of kind on driver key's route: its JSON is copied into *out (caller deletes). */
static cJSON *driver_stop(const char *key, const char *kind, int64_t order) {
    resp r;
    call(&r, "GET", "/v1/driver/route", key, NULL);
    http_test_expect(&r, 200);
    cJSON *found = NULL;
    const cJSON *s;
    cJSON_ArrayForEach(s, get(r.json, "stops")) {
        if (!found && !strcmp(str(s, "kind"), kind) && http_test_num(s, "order_id") == order)
            found = cJSON_Duplicate(s, true);
    }
    http_test_resp_free(&r);
    if (!found) fail_msg("no %s stop of order %lld on the route", kind, (long long)order);
    return found;
}

static void stop_action(const char *key, int64_t stop, const char *act, const char *body,
                        long want) {
    char path[96];
    snprintf(path, sizeof path, "/v1/driver/stops/%lld/%s", (long long)stop, act);
    resp r;
    call(&r, "POST", path, key, body);
    http_test_expect(&r, want);
    http_test_resp_free(&r);
}

static void order_read(resp *r, int64_t id) {
    char path[64];
    snprintf(path, sizeof path, "/v1/orders/%lld", (long long)id);
    call(r, "GET", path, W.disp, NULL);
    http_test_expect(r, 200);
}

static void test_planned_as_one_shipment(void **state) {
    (void)state;
    char body[2048];
    pd_body(body, sizeof body, 2, "B2B-1");
    resp r;
    call(&r, "POST", "/v1/orders", W.disp, body);
    http_test_expect(&r, 201);
    pd_order = http_test_num(r.json, "id");
    assert_string_equal(str(r.json, "status"), "ready");
    assert_string_equal(str(r.json, "type"), "pickup_delivery");
    assert_string_equal(str(r.json, "depot"), "DEP"); /* the nearest to the sender */
    assert_string_equal(str(get(get(r.json, "pickup"), "contact"), "name"), "Sender Ltd");
    assert_int_equal(http_test_num(get(r.json, "package"), "parcels"), 2);
    char token[40];
    lm_strlcpy(token, str(r.json, "tracking_token"), sizeof token);
    http_test_resp_free(&r);

    /* one van: 2 parcels from stock and 2 collected exceed its 3, unless a delivery from stock
     * comes before the pickup */
    plan_made(&r, "{\"vehicles\":[\"V1\"],\"time_limit_ms\":300}");
    assert_true(check_route(r.json, pd_order, "V1") >= 1);
    commit(r.json);
    http_test_resp_free(&r);

    /* a re-plan keeps the pickup first and both windows */
    call(&r, "POST", "/v1/replans", W.disp, "{}");
    http_test_expect(&r, 202);
    http_test_resp_free(&r);
    dispatch_wait_idle(W.d);
    call(&r, "GET", "/v1/plans?limit=1", W.disp, NULL);
    http_test_expect(&r, 200);
    const cJSON *rp = cJSON_GetArrayItem(get(r.json, "plans"), 0);
    assert_true(cJSON_IsTrue(get(rp, "is_replan")));
    char path[96];
    snprintf(path, sizeof path, "/v1/plans/%lld", (long long)http_test_num(rp, "id"));
    http_test_resp_free(&r);
    call(&r, "GET", path, W.disp, NULL);
    http_test_expect(&r, 200);
    check_route(r.json, pd_order, "V1");
    http_test_resp_free(&r);

    /* the driver: at the pickup, the sender's contact and address and the goods to collect */
    cJSON *ps = driver_stop(W.d1, "pickup", pd_order);
    assert_string_equal(str(ps, "customer_name"), "Sender Ltd");
    assert_string_equal(str(ps, "address"), "Atelier Nord, 1 quai Nord");
    assert_string_equal(str(ps, "order_type"), "pickup_delivery");
    const cJSON *pk = get(ps, "pickup");
    assert_string_equal(str(pk, "notes"), "two boxes at reception");
    assert_int_equal(http_test_num(get(pk, "goods"), "parcels"), 2);
    int64_t pick_stop = http_test_num(ps, "id");
    cJSON_Delete(ps);
    cJSON *ds = driver_stop(W.d1, "delivery", pd_order);
    assert_string_equal(str(ds, "customer_name"), "Receiver SA");
    int64_t drop_stop = http_test_num(ds, "id");
    cJSON_Delete(ds);

    /* the customer sees both stops, the pickup first, both still to come */
    snprintf(path, sizeof path, "/v1/track/%s", token);
    call(&r, "GET", path, NULL, NULL);
    http_test_expect(&r, 200);
    assert_string_equal(str(r.json, "type"), "pickup_delivery");
    const cJSON *ends = get(r.json, "stops");
    assert_int_equal(cJSON_GetArraySize(ends), 2);
    assert_string_equal(str(cJSON_GetArrayItem(ends, 0), "kind"), "pickup");
    assert_string_equal(str(cJSON_GetArrayItem(ends, 0), "status"), "planned");
    assert_string_equal(str(get(cJSON_GetArrayItem(ends, 0), "window"), "from"),
                        "2026-03-17T09:00:00Z");
    assert_string_equal(str(cJSON_GetArrayItem(ends, 1), "kind"), "delivery");
    assert_string_equal(str(get(cJSON_GetArrayItem(ends, 1), "window"), "from"),
                        "2026-03-17T10:00:00Z");
    http_test_resp_free(&r);

    /* collected: the order is out for delivery, the pickup records when, an event says so */
    stop_action(W.d1, drop_stop, "collected", "{}", 409); /* a delivery collects nothing */
    stop_action(W.d1, pick_stop, "collected", "{\"recipient_name\":\"Front desk\"}", 200);
    order_read(&r, pd_order);
    assert_string_equal(str(r.json, "status"), "out_for_delivery");
    assert_true(cJSON_IsString(get(get(r.json, "pickup"), "collected_at")));
    http_test_resp_free(&r);
    call(&r, "GET", path, NULL, NULL);
    assert_string_equal(str(cJSON_GetArrayItem(get(r.json, "stops"), 0), "status"), "done");
    http_test_resp_free(&r);
    call(&r, "GET", "/v1/events?limit=1000", W.disp, NULL);
    http_test_expect(&r, 200);
    assert_non_null(strstr(r.body.data, "stop.picked_up"));
    http_test_resp_free(&r);
    stop_action(W.d1, drop_stop, "delivered", "{\"recipient_name\":\"Receiver\"}", 200);
    order_read(&r, pd_order);
    assert_string_equal(str(r.json, "status"), "delivered");
    http_test_resp_free(&r);
}

static void test_failed_pickup_cancels_delivery(void **state) {
    (void)state;
    char body[2048];
    pd_body(body, sizeof body, 1, "B2B-2");
    resp r;
    call(&r, "POST", "/v1/orders", W.disp, body);
    http_test_expect(&r, 201);
    int64_t id = http_test_num(r.json, "id");
    http_test_resp_free(&r);
    plan_made(&r, "{\"vehicles\":[\"V2\"],\"time_limit_ms\":300}");
    check_route(r.json, id, "V2");
    commit(r.json);
    http_test_resp_free(&r);
    cJSON *ps = driver_stop(d2_key, "pickup", id);
    int64_t pick_stop = http_test_num(ps, "id");
    cJSON_Delete(ps);
    cJSON *ds = driver_stop(d2_key, "delivery", id);
    int64_t drop_stop = http_test_num(ds, "id");
    cJSON_Delete(ds);
    stop_action(d2_key, pick_stop, "failed", "{\"reason\":\"not_home\"}", 200);
    order_read(&r, id);
    assert_string_equal(str(r.json, "status"), "failed");
    assert_true(cJSON_IsNull(get(get(r.json, "pickup"), "collected_at")));
    http_test_resp_free(&r);
    /* the delivery is cancelled: nothing left to do on it */
    resp rt;
    call(&rt, "GET", "/v1/driver/route", d2_key, NULL);
    http_test_expect(&rt, 200);
    const cJSON *s;
    bool seen = false;
    cJSON_ArrayForEach(s, get(rt.json, "stops")) {
        if (http_test_num(s, "id") != drop_stop) continue;
        seen = true;
        assert_string_equal(str(s, "status"), "cancelled");
    }
    http_test_resp_free(&rt);
    assert_true(seen);
    stop_action(d2_key, drop_stop, "delivered", "{}", 409);
}

/* Collected, then not delivered: the recovery policy (not_home: next day) applies as to any
 * order; checked in at the depot, the next plan delivers it from there, with no second pickup. */
static void test_failed_delivery_after_collection(void **state) {
    (void)state;
    char body[2048], path[96];
    pd_body(body, sizeof body, 1, "B2B-3");
    resp r;
    call(&r, "POST", "/v1/orders", W.disp, body);
    http_test_expect(&r, 201);
    int64_t id = http_test_num(r.json, "id");
    http_test_resp_free(&r);
    plan_made(&r, "{\"vehicles\":[\"V2\"],\"time_limit_ms\":300}");
    check_route(r.json, id, "V2");
    commit(r.json);
    http_test_resp_free(&r);
    cJSON *ps = driver_stop(d2_key, "pickup", id), *ds = driver_stop(d2_key, "delivery", id);
    int64_t pick_stop = http_test_num(ps, "id"), drop_stop = http_test_num(ds, "id");
    cJSON_Delete(ps);
    cJSON_Delete(ds);
    stop_action(d2_key, pick_stop, "collected", "{}", 200);
    stop_action(d2_key, drop_stop, "failed", "{\"reason\":\"not_home\"}", 200);
    order_read(&r, id);
    assert_string_equal(str(r.json, "status"), "failed");
    assert_string_equal(str(get(r.json, "recovery"), "action"), "reschedule");
    http_test_resp_free(&r);
    snprintf(path, sizeof path, "/v1/orders/%lld/checkin", (long long)id);
    call(&r, "POST", path, W.wh, NULL);
    http_test_expect(&r, 200);
    http_test_resp_free(&r);
    order_read(&r, id);
    assert_string_equal(str(r.json, "status"), "ready");
    http_test_resp_free(&r);
    /* planned again: a delivery from the depot, nothing to collect at the sender */
    plan_made(&r, "{\"vehicles\":[\"V2\"],\"time_limit_ms\":300}");
    const cJSON *rt = route_of(r.json, "V2");
    assert_non_null(rt);
    assert_true(stop_at(rt, "delivery", id) >= 0);
    assert_int_equal(stop_at(rt, "pickup", id), -1);
    http_test_resp_free(&r);
}

/* Skills it requires ("requires", saved with the order): no van has them, so it stays unplanned
 * with the reason, never half planned. */
static void test_requires_matched(void **state) {
    (void)state;
    char body[2048];
    pd_body(body, sizeof body, 1, "B2B-4");
    size_t n = strlen(body);
    snprintf(body + n - 1, sizeof body - n + 1, ",\"requires\":[\"refrigerated\"]}");
    resp r;
    call(&r, "POST", "/v1/orders", W.disp, body);
    http_test_expect(&r, 201);
    int64_t id = http_test_num(r.json, "id");
    assert_string_equal(cJSON_GetArrayItem(get(r.json, "requires"), 0)->valuestring,
                        "refrigerated");
    char path[96];
    snprintf(path, sizeof path, "/v1/track/%s/reschedule", str(r.json, "tracking_token"));
    http_test_resp_free(&r);
    /* ready, but its customer cannot move one window alone: the room check knows no pickups */
    call(&r, "GET", path, NULL, NULL);
    http_test_expect(&r, 200);
    assert_false(cJSON_IsTrue(get(r.json, "can_reschedule")));
    assert_non_null(strstr(str(r.json, "why_not"), "collect-and-deliver"));
    http_test_resp_free(&r);
    plan_fetch(&r, "{\"vehicles\":[\"V2\"],\"time_limit_ms\":300}");
    const cJSON *rt = route_of(r.json, "V2");
    assert_true(!rt || (stop_at(rt, "pickup", id) < 0 && stop_at(rt, "delivery", id) < 0));
    bool said = false;
    const cJSON *u;
    cJSON_ArrayForEach(u, get(r.json, "unassigned")) {
        if (http_test_num(u, "order_id") == id)
            said = strstr(str(u, "reason"), "refrigerated") != NULL;
    }
    http_test_resp_free(&r);
    assert_true(said);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_bodies_name_their_field),
        cmocka_unit_test(test_planned_as_one_shipment),
        cmocka_unit_test(test_failed_pickup_cancels_delivery),
        cmocka_unit_test(test_failed_delivery_after_collection),
        cmocka_unit_test(test_requires_matched),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
