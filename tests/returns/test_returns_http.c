/* tests/returns/test_returns_http.c: issue 19's acceptance through the real server on 127.0.0.1
 * (in-process, free port, real SQLite file, the dispatch worker solving for real): an order paid
 * and delivered by the driver app; a return asked for through the tracking token and approved by
 * policy; planned as a pickup in the next plan together with new deliveries (the van's capacity
 * forces the pickup after a delivery, and the route's load is checked stop by stop); collected by
 * the driver with a proof, dropped at the depot, received and inspected by a warehouse key (one
 * line restocked: stock and a waiting backorder move; one line defective: the SKU's sales are
 * blocked and the next order for it is held until a person clears it); refunded through the
 * money module (capped by what was paid) and closed. After-sales cases: a reship for a missing
 * item and for a wrong item (with a pickup of the wrong one), a pending case resolved once. Every
 * illegal move is 409 naming the current state and every bad input 4xx naming the field, and
 * neither appends an event. Every step's event is in the log the webhooks and SSE read. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "store/store.h"
#include "tests/support/http_test.h"
#include "tests/support/test_day.h"
#include "tests/support/tmp_db.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CAP_G 10000 /* the van: two 4 kg deliveries and a 5 kg return fit only in that order */

static struct {
    tmp_db tmp;
    store *s;
    dispatch *d;
    api_server *srv;
    uint16_t port;
    char admin[STORE_KEY_MAX], disp[STORE_KEY_MAX], wh[STORE_KEY_MAX], drv[STORE_KEY_MAX];
    int64_t day;
} W;

/* ---- HTTP helpers ---- */

static cJSON *call(const char *method, const char *path, const char *key, const char *body,
                   long want) {
    http_test_req req = {.method = method,
                         .path = path,
                         .key = key,
                         .body = body ? body : (strcmp(method, "POST") ? NULL : ""),
                         .content_type = body ? "application/json" : NULL,
                         .timeout_s = 20};
    http_test_resp r;
    http_test_request(W.port, &req, &r);
    if (r.status != want)
        fail_msg("%s %s: expected %ld, got %ld: %s", method, path, want, r.status,
                 r.body.data ? r.body.data : "");
    cJSON *j = r.json;
    r.json = NULL;
    http_test_resp_free(&r);
    return j ? j : cJSON_CreateNull();
}

static void call0(const char *method, const char *path, const char *key, const char *body,
                  long want) {
    cJSON_Delete(call(method, path, key, body, want));
}

static const cJSON *jget(const cJSON *j, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    if (!v) fail_msg("no member '%s'", k);
    return v;
}
static int64_t jint(const cJSON *j, const char *k) {
    const cJSON *v = jget(j, k);
    if (!cJSON_IsNumber(v)) fail_msg("'%s' is not a number", k);
    return (int64_t)v->valuedouble;
}
static const char *jstr(const cJSON *j, const char *k) {
    const cJSON *v = jget(j, k);
    if (!cJSON_IsString(v)) fail_msg("'%s' is not a string", k);
    return v->valuestring;
}

/* The sequence number of the newest event: unchanged = nothing was appended. */
static int64_t last_seq(void) {
    store_read *rd = NULL;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    int64_t after = 0;
    for (int page = 0; page < 1000; page++) {
        store_event *ev = NULL;
        size_t n = 0;
        assert_int_equal(store_events_since(rd, after, 1000, &ev, &n), LM_OK);
        if (n) after = ev[n - 1].seq;
        store_events_free(ev, n);
        if (n < 1000) break;
    }
    store_read_end(rd);
    return after;
}

/* A refused request: the status, the field named, and no event appended. */
static void refused(const char *method, const char *path, const char *key, const char *body,
                    long status, const char *field) {
    int64_t before = last_seq();
    cJSON *j = call(method, path, key, body, status);
    const cJSON *e = jget(j, "error");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, "field");
    if (!cJSON_IsString(f) || strcmp(f->valuestring, field))
        fail_msg("%s %s: expected field '%s', got %s (%s)", method, path, field,
                 cJSON_IsString(f) ? f->valuestring : "null", jstr(e, "message"));
    cJSON_Delete(j);
    assert_int_equal(last_seq(), before);
}

/* An illegal move: 409 on "status", the message naming the current state. */
static void illegal(int64_t rma, const char *action, const char *key, const char *body,
                    const char *state) {
    char path[96];
    snprintf(path, sizeof path, "/v1/returns/%lld/%s", (long long)rma, action);
    int64_t before = last_seq();
    cJSON *j = call("POST", path, key, body, 409);
    const cJSON *e = jget(j, "error");
    assert_string_equal(jstr(e, "field"), "status");
    if (!strstr(jstr(e, "message"), state))
        fail_msg("%s: message '%s' does not name the state %s", path, jstr(e, "message"), state);
    cJSON_Delete(j);
    assert_int_equal(last_seq(), before);
}

static cJSON *rma_move(int64_t rma, const char *action, const char *key, const char *body,
                       const char *want_status) {
    char path[96];
    snprintf(path, sizeof path, "/v1/returns/%lld/%s", (long long)rma, action);
    cJSON *j = call("POST", path, key, body, 200);
    assert_string_equal(jstr(j, "status"), want_status);
    return j;
}

static int64_t events_of(const char *type) {
    return tmp_db_count_events(W.s, type);
}

/* ---- The world: catalogue, fleet and keys over HTTP ---- */

static int n_customer;

/* Creates an order for a customer at lon/lat (windows: today) and returns its JSON. */
static cJSON *order(const char *lines, double lon, double lat, const char *extra, long want) {
    char body[2048];
    n_customer++;
    snprintf(body, sizeof body,
             "{\"customer\":{\"name\":\"C%d\",\"phone\":\"+3360%07d\",\"address\":\"%d Rue "
             "Haute\",\"location\":[%.4f,%.4f]},\"lines\":%s,\"time_windows\":[[%lld,%lld]]%s%s}",
             n_customer, n_customer, n_customer, lon, lat, lines, (long long)W.day,
             (long long)W.day + 86399, extra ? "," : "", extra ? extra : "");
    return call("POST", "/v1/orders", W.disp, body, want);
}

static void ready(int64_t id, int weight_g) {
    char path[96], body[96];
    snprintf(path, sizeof path, "/v1/orders/%lld/picking", (long long)id);
    call0("POST", path, W.wh, NULL, 200);
    snprintf(path, sizeof path, "/v1/orders/%lld/ready", (long long)id);
    snprintf(body, sizeof body, "{\"weight_g\":%d,\"volume_cm3\":1000,\"parcels\":1}", weight_g);
    call0("POST", path, W.wh, body, 200);
}

static void pay(int64_t id, int64_t amount) {
    char path[96], body[96];
    snprintf(path, sizeof path, "/v1/orders/%lld/payments", (long long)id);
    snprintf(body, sizeof body, "{\"status\":\"paid\",\"amount\":%lld}", (long long)amount);
    call0("POST", path, W.admin, body, 200);
}

static const char *order_status(int64_t id, char *buf, size_t size) {
    char path[96];
    snprintf(path, sizeof path, "/v1/orders/%lld", (long long)id);
    cJSON *j = call("GET", path, W.disp, NULL, 200);
    snprintf(buf, size, "%s", jstr(j, "status"));
    cJSON_Delete(j);
    return buf;
}

static int64_t on_hand(const char *sku) {
    cJSON *j = call("GET", "/v1/stock", W.wh, NULL, 200);
    int64_t v = -1;
    const cJSON *it;
    cJSON_ArrayForEach(it, jget(j, "stock")) {
        if (!strcmp(jstr(it, "sku"), sku)) v = jint(it, "on_hand");
    }
    cJSON_Delete(j);
    return v;
}

static int setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(&W, 0, sizeof W);
    int64_t utc_offset_s = 0;
    W.day = test_day_at_noon(&utc_offset_s);
    if (tmp_db_create(&W.tmp, "lm_returns_http_") != 0 || tmp_db_store_open(&W.tmp, 8, &W.s) != 0)
        return -1;
    lm_errinfo err = {0};
    dispatch_opts d;
    dispatch_opts_init(&d);
    d.st = W.s;
    d.tick_ms = 0;
    d.plan_time_limit_ms = 400;
    d.utc_offset_s = utc_offset_s;
    d.replan_feasible_ms = 100;
    d.replan_polish_ms = 0;
    if (dispatch_create(&d, &W.d, &err) != LM_OK) return -1;
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.dispatch = W.d;
    o.log_fd = -1;
    o.track_rate_per_s = 1000;
    o.track_burst = 1000;
    o.osmand_port = -1;
    if (api_server_start(&o, W.s, &W.srv, &err) != LM_OK) {
        fprintf(stderr, "server: %s\n", err.message);
        return -1;
    }
    W.port = api_server_port(W.srv);
    if (store_key_create(W.s, "admin", NULL, W.admin, NULL, &err) != LM_OK ||
        store_key_create(W.s, "dispatcher", NULL, W.disp, NULL, &err) != LM_OK ||
        store_key_create(W.s, "warehouse", NULL, W.wh, NULL, &err) != LM_OK ||
        store_key_create(W.s, "driver", "D1", W.drv, NULL, &err) != LM_OK)
        return -1;
    call0("POST", "/v1/depots", W.admin,
          "{\"id\":\"DEP\",\"name\":\"Depot\",\"location\":[4.85,45.75]}", 201);
    static const char *const products[] = {
        "{\"sku\":\"MUG\",\"name\":\"Mug\",\"weight_g\":3000,\"volume_cm3\":500}",
        "{\"sku\":\"LAMP\",\"name\":\"Lamp\",\"weight_g\":2000,\"volume_cm3\":500}",
        "{\"sku\":\"BOOK\",\"name\":\"Book\",\"weight_g\":4000,\"volume_cm3\":500}",
        "{\"sku\":\"PEN\",\"name\":\"Pen\",\"weight_g\":100,\"volume_cm3\":50}"};
    for (size_t i = 0; i < 4; i++)
        call0("POST", "/v1/products", W.admin, products[i], 201);
    /* one mug only: the order after the first waits for a returned one */
    call0("PUT", "/v1/stock/DEP/MUG", W.wh, "{\"on_hand\":1}", 200);
    call0("PUT", "/v1/stock/DEP/LAMP", W.wh, "{\"on_hand\":10}", 200);
    call0("PUT", "/v1/stock/DEP/BOOK", W.wh, "{\"on_hand\":10}", 200);
    call0("PUT", "/v1/stock/DEP/PEN", W.wh, "{\"on_hand\":10}", 200);
    call0("PUT", "/v1/prices/MUG/EUR", W.admin, "{\"unit_price\":1000,\"tax_rate_bp\":2000}", 200);
    call0("PUT", "/v1/prices/LAMP/EUR", W.admin, "{\"unit_price\":2500,\"tax_rate_bp\":2000}", 200);
    char veh[256];
    snprintf(veh, sizeof veh,
             "{\"id\":\"V1\",\"start_depot\":\"DEP\",\"end_depot\":\"DEP\",\"capacity_kg\":%d,"
             "\"time_window\":[0,86399]}",
             CAP_G / 1000);
    call0("POST", "/v1/vehicles", W.disp, veh, 201);
    call0("POST", "/v1/drivers", W.disp,
          "{\"id\":\"D1\",\"name\":\"Ann\",\"vehicle_id\":\"V1\",\"device_id\":\"phone1\","
          "\"allow_short_device_id\":true}",
          201);
    /* a defective unit is enough to stop a SKU's sales here */
    call0("PUT", "/v1/config/returns", W.admin, "{\"quality_threshold\":1}", 200);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    api_server_stop(W.srv, 2000);
    dispatch_destroy(W.d);
    store_close(W.s);
    tmp_db_remove(&W.tmp);
    curl_global_cleanup();
    return 0;
}

/* ---- Plans and the driver ---- */

/* Plans, waits for the proposal (bounded), commits; returns the committed plan's JSON. */
static cJSON *plan_and_commit(void) {
    cJSON *j = call("POST", "/v1/plans", W.disp, "{}", 202);
    int64_t id = jint(j, "id");
    cJSON_Delete(j);
    char path[96];
    snprintf(path, sizeof path, "/v1/plans/%lld", (long long)id);
    for (int i = 0; i < 600; i++) { /* 60 s at most */
        j = call("GET", path, W.disp, NULL, 200);
        if (strcmp(jstr(j, "status"), "solving")) break;
        cJSON_Delete(j);
        j = NULL;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL); /* polling a condition with a deadline, not a sleep-as-sync */
    }
    if (!j) fail_msg("plan %lld still solving after 60 s", (long long)id);
    assert_string_equal(jstr(j, "status"), "proposed");
    cJSON_Delete(j);
    char commit[128];
    snprintf(commit, sizeof commit, "/v1/plans/%lld/commit", (long long)id);
    call0("POST", commit, W.disp, NULL, 200);
    return call("GET", path, W.disp, NULL, 200); /* with its routes and unassigned */
}

/* The driver's stops in route order (JSON array owned by *route). */
static const cJSON *driver_stops(cJSON **route) {
    *route = call("GET", "/v1/driver/route", W.drv, NULL, 200);
    return jget(*route, "stops");
}

static void stop_action(int64_t stop, const char *what, const char *body, long want) {
    char path[96];
    snprintf(path, sizeof path, "/v1/driver/stops/%lld/%s", (long long)stop, what);
    call0("POST", path, W.drv, body, want);
}

/* Delivers every pending stop of the driver's route in order (all of them deliveries). */
static void deliver_all(void) {
    cJSON *route = NULL;
    const cJSON *stops = driver_stops(&route), *s;
    cJSON_ArrayForEach(s, stops) {
        if (strcmp(jstr(s, "status"), "planned")) continue;
        stop_action(jint(s, "id"), "delivered", "{\"recipient_name\":\"Door\"}", 200);
    }
    cJSON_Delete(route);
}

/* The acceptance's shared state: the orders and the return. */
static struct {
    int64_t o1, o4, o5, backorder, rma;
    char token[64], token4[64];
    int64_t paid;
} S;

/* Order 1 (a mug and a lamp, prepaid), orders 4 and 5 (no money) delivered by the driver app;
 * then a second mug order waits for stock. */
static void deliver_first_orders(void) {
    cJSON *j = order("[{\"sku\":\"MUG\",\"qty\":1},{\"sku\":\"LAMP\",\"qty\":1}]", 4.87, 45.76,
                     "\"currency\":\"EUR\"", 201);
    S.o1 = jint(j, "id");
    S.paid = jint(jget(j, "totals"), "total");
    assert_int_equal(S.paid, 4200); /* (1000 + 2500) + 20 % tax */
    snprintf(S.token, sizeof S.token, "%s", jstr(j, "tracking_token"));
    cJSON_Delete(j);
    pay(S.o1, S.paid);
    j = order("[{\"sku\":\"PEN\",\"qty\":2}]", 4.83, 45.74, NULL, 201);
    S.o4 = jint(j, "id");
    snprintf(S.token4, sizeof S.token4, "%s", jstr(j, "tracking_token"));
    cJSON_Delete(j);
    j = order("[{\"sku\":\"LAMP\",\"qty\":1}]", 4.86, 45.73, NULL, 201);
    S.o5 = jint(j, "id");
    cJSON_Delete(j);
    ready(S.o1, 5000);
    ready(S.o4, 200);
    ready(S.o5, 2000);
    cJSON_Delete(plan_and_commit());
    deliver_all();
    char st[32];
    assert_string_equal(order_status(S.o1, st, sizeof st), "delivered");
    assert_string_equal(order_status(S.o4, st, sizeof st), "delivered");
    assert_string_equal(order_status(S.o5, st, sizeof st), "delivered");
    j = order("[{\"sku\":\"MUG\",\"qty\":1}]", 4.80, 45.70, NULL, 201);
    S.backorder = jint(j, "id");
    assert_string_equal(jstr(j, "status"), "backordered");
    cJSON_Delete(j);
}

/* The customer asks through the tracking token; bad requests are refused field by field. */
static void request_by_token(void) {
    char path[128], body[512];
    snprintf(path, sizeof path, "/v1/track/%s/returns", S.token);
    cJSON *j = call("GET", path, NULL, NULL, 200);
    const cJSON *el = jget(j, "eligibility");
    assert_true(cJSON_IsTrue(jget(el, "can_return")));
    assert_int_equal(cJSON_GetArraySize(jget(el, "lines")), 2);
    assert_int_equal(jint(cJSON_GetArrayItem(jget(el, "lines"), 0), "returnable"), 1);
    assert_int_equal(cJSON_GetArraySize(jget(j, "returns")), 0);
    cJSON_Delete(j);
    refused("POST", path, NULL,
            "{\"reason\":\"defective\",\"lines\":[{\"sku\":\"MUG\",\"qty\":2}]}", 400,
            "lines[0].qty");
    refused("POST", path, NULL,
            "{\"reason\":\"defective\",\"lines\":[{\"sku\":\"BOOK\",\"qty\":1}]}", 400,
            "lines[0].sku");
    refused("POST", path, NULL, "{\"reason\":\"bored\",\"lines\":[{\"sku\":\"MUG\",\"qty\":1}]}",
            400, "reason");
    refused("POST", path, NULL,
            "{\"reason\":\"defective\",\"order_id\":1,\"lines\":[{\"sku\":\"MUG\",\"qty\":1}]}",
            400, "order_id");
    refused("POST", path, NULL, "{\"reason\":\"defective\",\"lines\":[]}", 400, "lines");
    refused("POST", "/v1/track/00000000000000000000000000000000/returns", NULL,
            "{\"reason\":\"defective\",\"lines\":[{\"sku\":\"MUG\",\"qty\":1}]}", 404, "token");
    /* defective is approved by the default policy: no person needed */
    snprintf(body, sizeof body,
             "{\"reason\":\"defective\",\"note\":\"the lamp flickers\",\"lines\":[{\"sku\":\"MUG\","
             "\"qty\":1},{\"sku\":\"LAMP\",\"qty\":1}],\"pickup_window\":{\"start\":%lld,"
             "\"end\":%lld}}",
             (long long)W.day, (long long)W.day + 86399);
    j = call("POST", path, NULL, body, 201);
    S.rma = jint(j, "id");
    assert_string_equal(jstr(j, "status"), "approved");
    assert_int_equal(jint(j, "value"), S.paid); /* both lines: what was paid for them */
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "actor")); /* the customer's view */
    cJSON_Delete(j);
    /* the same units cannot be asked for twice */
    refused("POST", path, NULL, "{\"reason\":\"damaged\",\"lines\":[{\"sku\":\"MUG\",\"qty\":1}]}",
            400, "lines[0].qty");
    assert_int_equal(events_of("return.requested"), 1);
    assert_int_equal(events_of("return.approved"), 1);
}

/* The next plan takes the pickup with two new deliveries; the load never exceeds the van. */
static void plan_pickup_with_deliveries(void) {
    int64_t ids[2];
    for (int i = 0; i < 2; i++) {
        cJSON *j = order("[{\"sku\":\"BOOK\",\"qty\":1}]", 4.84 + 0.02 * i, 45.77, NULL, 201);
        ids[i] = jint(j, "id");
        cJSON_Delete(j);
        ready(ids[i], 4000);
    }
    cJSON *plan = plan_and_commit();
    assert_int_equal(cJSON_GetArraySize(jget(plan, "unassigned")), 0);
    const cJSON *routes = jget(plan, "routes");
    assert_int_equal(cJSON_GetArraySize(routes), 1);
    const cJSON *stops = jget(cJSON_GetArrayItem(routes, 0), "stops"), *s;
    /* on board at the start: the deliveries; the return is taken on at its pickup */
    int64_t load = 0, deliveries_before_pickup = -1, delivered = 0;
    int pickup_at = -1, drop_at = -1, k = 0;
    cJSON_ArrayForEach(s, stops) {
        if (!cJSON_GetObjectItemCaseSensitive(s, "return_id")) load += jint(s, "weight_g");
    }
    assert_int_equal(load, 8000);
    cJSON_ArrayForEach(s, stops) {
        const cJSON *rid = cJSON_GetObjectItemCaseSensitive(s, "return_id");
        bool ret = rid && (int64_t)rid->valuedouble == S.rma;
        bool pick = !strcmp(jstr(s, "kind"), "pickup");
        if (ret && pick) {
            pickup_at = k;
            deliveries_before_pickup = delivered;
            load += jint(s, "weight_g");
            assert_int_equal(jint(s, "weight_g"), 5000); /* mug 3 kg + lamp 2 kg */
        } else {
            if (ret) drop_at = k;
            if (!ret) delivered++;
            load -= jint(s, "weight_g");
        }
        if (load > CAP_G) fail_msg("stop %d: %lld g on a %d g van", k, (long long)load, CAP_G);
        k++;
    }
    assert_int_equal(k, 4);
    assert_true(pickup_at >= 0 && drop_at > pickup_at);
    assert_true(deliveries_before_pickup >= 1); /* 8 + 5 kg would not fit */
    assert_int_equal(load, 0);
    cJSON_Delete(plan);
    char path[96];
    snprintf(path, sizeof path, "/v1/returns/%lld", (long long)S.rma);
    cJSON *j = call("GET", path, W.disp, NULL, 200);
    assert_string_equal(jstr(j, "status"), "pickup_scheduled");
    assert_true(jint(jget(j, "pickup"), "eta_s") > 0);
    cJSON_Delete(j);
    /* the customer follows it like a delivery */
    snprintf(path, sizeof path, "/v1/track/%s/returns", S.token);
    j = call("GET", path, NULL, NULL, 200);
    const cJSON *r0 = cJSON_GetArrayItem(jget(j, "returns"), 0);
    assert_string_equal(jstr(r0, "status"), "pickup_scheduled");
    assert_string_equal(jstr(jget(r0, "pickup"), "status"), "planned");
    assert_true(jint(jget(r0, "pickup"), "eta_s") > 0);
    cJSON_Delete(j);
}

/* A re-plan rebuilds the return's pickup like any pending stop: the same RMA, the customer's
 * window on the pickup, the drop at the depot after it; applying it leaves the return scheduled. */
static void replan_keeps_pickup(void) {
    call0("POST", "/v1/replans", W.disp, "{}", 202);
    dispatch_wait_idle(W.d);
    cJSON *j = call("GET", "/v1/plans?limit=1", W.disp, NULL, 200);
    const cJSON *p0 = cJSON_GetArrayItem(jget(j, "plans"), 0);
    assert_true(cJSON_IsTrue(jget(p0, "is_replan")));
    int64_t id = jint(p0, "id");
    cJSON_Delete(j);
    char path[96];
    snprintf(path, sizeof path, "/v1/plans/%lld", (long long)id);
    j = call("GET", path, W.disp, NULL, 200);
    int pick = -1, drop = -1, k = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, jget(cJSON_GetArrayItem(jget(j, "routes"), 0), "stops")) {
        const cJSON *rid = cJSON_GetObjectItemCaseSensitive(s, "return_id");
        if (rid && (int64_t)rid->valuedouble == S.rma) {
            if (!strcmp(jstr(s, "kind"), "pickup")) {
                pick = k;
                const cJSON *tw = jget(s, "time_window");
                assert_int_equal((int64_t)cJSON_GetArrayItem(tw, 0)->valuedouble, W.day);
                assert_int_equal((int64_t)cJSON_GetArrayItem(tw, 1)->valuedouble, W.day + 86399);
            } else {
                drop = k;
            }
        }
        k++;
    }
    cJSON_Delete(j);
    assert_true(pick >= 0 && drop > pick);
    snprintf(path, sizeof path, "/v1/replans/%lld/apply", (long long)id);
    call0("POST", path, W.disp, NULL, 200);
    snprintf(path, sizeof path, "/v1/returns/%lld", (long long)S.rma);
    j = call("GET", path, W.disp, NULL, 200);
    assert_string_equal(jstr(j, "status"), "pickup_scheduled");
    assert_string_equal(jstr(jget(j, "pickup"), "status"), "planned");
    cJSON_Delete(j);
}

/* The driver collects the return with a proof and drops it at the depot. */
static void collect_and_drop(void) {
    cJSON *route = NULL;
    const cJSON *stops = driver_stops(&route), *s;
    bool seen_lines = false;
    cJSON_ArrayForEach(s, stops) {
        if (strcmp(jstr(s, "status"), "planned")) continue;
        int64_t id = jint(s, "id");
        const cJSON *ret = cJSON_GetObjectItemCaseSensitive(s, "return");
        if (!ret) {
            /* "collected" is for a return's pickup stop only */
            char path[96];
            snprintf(path, sizeof path, "/v1/driver/stops/%lld/collected", (long long)id);
            refused("POST", path, W.drv, "{\"recipient_name\":\"X\"}", 409, "id");
            stop_action(id, "delivered", "{\"recipient_name\":\"Door\"}", 200);
        } else if (!strcmp(jstr(s, "kind"), "pickup")) {
            /* the lines to collect */
            const cJSON *lines = jget(ret, "lines");
            assert_int_equal(cJSON_GetArraySize(lines), 2);
            assert_string_equal(jstr(cJSON_GetArrayItem(lines, 0), "sku"), "MUG");
            assert_string_equal(jstr(cJSON_GetArrayItem(lines, 1), "sku"), "LAMP");
            assert_int_equal(jint(ret, "id"), S.rma);
            seen_lines = true;
            stop_action(id, "collected", "{\"recipient_name\":\"Customer\"}", 200);
            char path[96];
            snprintf(path, sizeof path, "/v1/returns/%lld", (long long)S.rma);
            cJSON *j = call("GET", path, W.wh, NULL, 200);
            assert_string_equal(jstr(j, "status"), "collected");
            cJSON_Delete(j);
        } else {
            stop_action(id, "delivered", "{\"recipient_name\":\"Depot\"}", 200);
        }
    }
    cJSON_Delete(route);
    assert_true(seen_lines);
    assert_int_equal(events_of("stop.collected"), 1);
    assert_int_equal(events_of("stop.dropped"), 1);
    assert_int_equal(events_of("return.collected"), 1);
    illegal(S.rma, "collect", W.disp, NULL, "collected");
    illegal(S.rma, "approve", W.disp, NULL, "collected");
}

/* The warehouse receives and inspects: a mug back on the shelf (the waiting order gets it), a
 * defective lamp stops the lamp's sales until a person clears it. */
static void receive_and_inspect(void) {
    char path[96];
    snprintf(path, sizeof path, "/v1/returns/%lld/receive", (long long)S.rma);
    call0("POST", path, W.disp, NULL, 403); /* receipt takes a warehouse key */
    cJSON_Delete(rma_move(S.rma, "receive", W.wh, NULL, "received"));
    illegal(S.rma, "refund", W.disp, "{}", "received");
    illegal(S.rma, "receive", W.wh, NULL, "received");
    snprintf(path, sizeof path, "/v1/returns/%lld/inspect", (long long)S.rma);
    refused("POST", path, W.wh, "{\"line\":5,\"condition\":\"damaged\"}", 400, "line");
    refused("POST", path, W.wh, "{\"line\":0,\"condition\":\"fine\"}", 400, "condition");
    refused("POST", path, W.wh, "{\"line\":0,\"condition\":\"damaged\",\"by\":\"me\"}", 400, "by");
    char st[32];
    assert_string_equal(order_status(S.backorder, st, sizeof st), "backordered");
    cJSON_Delete(
        rma_move(S.rma, "inspect", W.wh, "{\"line\":0,\"condition\":\"resellable\"}", "received"));
    /* the mug is back on hand and went at once to the order waiting for it */
    assert_string_equal(order_status(S.backorder, st, sizeof st), "allocated");
    assert_int_equal(on_hand("MUG"), 1);
    assert_int_equal(events_of("stock.returned"), 1);
    refused("POST", path, W.wh, "{\"line\":0,\"condition\":\"damaged\"}", 409, "line");
    cJSON *j =
        rma_move(S.rma, "inspect", W.wh,
                 "{\"line\":1,\"condition\":\"defective\",\"note\":\"flickers\"}", "inspected");
    const cJSON *l1 = cJSON_GetArrayItem(jget(j, "lines"), 1);
    assert_string_equal(jstr(l1, "disposition"), "quarantined");
    cJSON_Delete(j);
    j = call("GET", "/v1/products/LAMP/sales-block", W.wh, NULL, 200);
    assert_true(cJSON_IsTrue(jget(j, "sales_blocked")));
    assert_non_null(strstr(jstr(j, "reason"), "defective"));
    cJSON_Delete(j);
    /* the next lamp order is held, not sold */
    j = order("[{\"sku\":\"LAMP\",\"qty\":1}]", 4.81, 45.71, NULL, 201);
    int64_t held = jint(j, "id");
    assert_string_equal(jstr(j, "status"), "held");
    cJSON_Delete(j);
    snprintf(path, sizeof path, "/v1/orders/%lld", (long long)held);
    j = call("GET", path, W.disp, NULL, 200);
    assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "exceptions"), 0), "rule"),
                        "sales_blocked");
    cJSON_Delete(j);
    call0("DELETE", "/v1/products/LAMP/sales-block", W.wh, NULL, 403); /* a dispatcher decides */
    call0("DELETE", "/v1/products/LAMP/sales-block", W.disp, NULL, 204);
    refused("DELETE", "/v1/products/LAMP/sales-block", W.disp, NULL, 404, "sku");
    j = order("[{\"sku\":\"LAMP\",\"qty\":1}]", 4.81, 45.72, NULL, 201);
    assert_string_equal(jstr(j, "status"), "allocated");
    cJSON_Delete(j);
}

/* Refunded through the money module (capped by what was paid), then closed. */
static void refund_and_close(void) {
    char path[96];
    snprintf(path, sizeof path, "/v1/returns/%lld/refund", (long long)S.rma);
    refused("POST", path, W.disp, "{\"amount\":999999}", 400, "amount");
    refused("POST", path, W.disp, "{\"amount\":\"all\"}", 400, "amount");
    cJSON *j = rma_move(S.rma, "refund", W.disp, "{}", "refunded");
    assert_int_equal(jint(j, "refund_amount"), S.paid);
    cJSON_Delete(j);
    snprintf(path, sizeof path, "/v1/orders/%lld/payments", (long long)S.o1);
    j = call("GET", path, W.disp, NULL, 200);
    assert_string_equal(jstr(jget(j, "payment"), "status"), "refunded");
    assert_int_equal(jint(jget(j, "payment"), "refunded"), S.paid);
    cJSON_Delete(j);
    illegal(S.rma, "refund", W.disp, "{}", "refunded");
    illegal(S.rma, "inspect", W.wh, "{\"line\":0,\"condition\":\"damaged\"}", "refunded");
    cJSON_Delete(rma_move(S.rma, "close", W.disp, NULL, "closed"));
    illegal(S.rma, "close", W.disp, NULL, "closed");
    illegal(S.rma, "schedule", W.disp, NULL, "closed");
    illegal(S.rma, "receive", W.wh, NULL, "closed");
    /* every step is an event the webhooks and the SSE stream carry */
    static const char *const types[] = {
        "return.requested", "return.approved",        "return.pickup_scheduled",
        "return.collected", "return.received",        "return.line_inspected",
        "return.inspected", "return.refund_recorded", "return.refunded",
        "return.closed",    "product.sales_blocked",  "product.sales_cleared"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (events_of(types[i]) < 1) fail_msg("no %s event", types[i]);
    j = call("GET", "/v1/events?limit=1000", W.disp, NULL, 200);
    bool found = false;
    const cJSON *e;
    cJSON_ArrayForEach(e, jget(j, "events")) {
        found |= !strcmp(jstr(e, "type"), "return.refunded");
    }
    assert_true(found);
    cJSON_Delete(j);
    j = call("GET", "/v1/reports/returns/refund-times", W.disp, NULL, 200);
    assert_int_equal(jint(j, "count"), 1);
    cJSON_Delete(j);
    j = call("GET", "/v1/reports/returns/rates?by=product", W.disp, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(jget(j, "groups")), 2); /* LAMP, MUG */
    cJSON_Delete(j);
    refused("GET", "/v1/reports/returns/rates?by=colour", W.disp, NULL, 400, "by");
}

static void test_return_loop(void **state) {
    (void)state;
    deliver_first_orders();
    request_by_token();
    plan_pickup_with_deliveries();
    replan_keeps_pickup();
    collect_and_drop();
    receive_and_inspect();
    refund_and_close();
}

static cJSON *open_case(const char *body, long want) {
    return call("POST", "/v1/cases", W.disp, body, want);
}

/* A staff return that needs a person (changed mind), refused with a reason; the moves a refused
 * return cannot make. */
static void refused_return(void) {
    char body[256];
    refused("POST", "/v1/returns", W.disp,
            "{\"reason\":\"changed_mind\",\"lines\":[{\"sku\":\"PEN\",\"qty\":1}]}", 400,
            "order_id");
    snprintf(body, sizeof body,
             "{\"order_id\":%lld,\"reason\":\"changed_mind\",\"lines\":[{\"sku\":"
             "\"PEN\",\"qty\":3}]}",
             (long long)S.o4);
    refused("POST", "/v1/returns", W.disp, body, 400, "lines[0].qty");
    snprintf(body, sizeof body,
             "{\"order_id\":%lld,\"reason\":\"changed_mind\",\"lines\":[{\"sku\":"
             "\"PEN\",\"qty\":1}]}",
             (long long)S.backorder);
    refused("POST", "/v1/returns", W.disp, body, 409, "order_id"); /* not delivered */
    snprintf(body, sizeof body,
             "{\"order_id\":%lld,\"reason\":\"changed_mind\",\"method\":"
             "\"dropoff\",\"lines\":[{\"sku\":\"PEN\",\"qty\":1}]}",
             (long long)S.o4);
    call0("POST", "/v1/returns", W.drv, body, 403);
    cJSON *j = call("POST", "/v1/returns", W.disp, body, 201);
    int64_t id = jint(j, "id");
    assert_string_equal(jstr(j, "status"), "requested"); /* changed mind: a person decides */
    cJSON_Delete(j);
    illegal(id, "schedule", W.disp, NULL, "requested");
    illegal(id, "receive", W.wh, NULL, "requested");
    char path[96];
    snprintf(path, sizeof path, "/v1/returns/%lld/refuse", (long long)id);
    refused("POST", path, W.disp, "{\"reason\":\"\"}", 400, "reason");
    refused("POST", path, W.disp, NULL, 400, "body");
    cJSON_Delete(rma_move(id, "refuse", W.disp, "{\"reason\":\"used\"}", "refused"));
    illegal(id, "approve", W.disp, NULL, "refused");
    illegal(id, "close", W.disp, NULL, "refused");
    snprintf(path, sizeof path, "/v1/returns?status=refused&order_id=%lld", (long long)S.o4);
    j = call("GET", path, W.wh, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(jget(j, "returns")), 1);
    cJSON_Delete(j);
    refused("GET", "/v1/returns?status=lost", W.disp, NULL, 400, "status");
    refused("POST", "/v1/returns/99999/approve", W.disp, NULL, 404, "id");
}

/* The planned stop of return rma on the committed plan's route, of kind ("pickup" | "delivery"). */
static bool plan_has(const cJSON *plan, int64_t rma, const char *kind) {
    const cJSON *r, *s;
    cJSON_ArrayForEach(r, jget(plan, "routes")) {
        cJSON_ArrayForEach(s, jget(r, "stops")) {
            const cJSON *rid = cJSON_GetObjectItemCaseSensitive(s, "return_id");
            if (rid && (int64_t)rid->valuedouble == rma && !strcmp(jstr(s, "kind"), kind))
                return true;
        }
    }
    return false;
}

/* The customer was not home: the return stays scheduled (return.pickup_failed), its drop at the
 * depot comes off the route, and the next plan takes the pickup again. */
static void failed_pickup_planned_again(int64_t rma) {
    cJSON *plan = plan_and_commit();
    assert_true(plan_has(plan, rma, "pickup") && plan_has(plan, rma, "delivery"));
    cJSON_Delete(plan);
    cJSON *route = NULL;
    const cJSON *stops = driver_stops(&route), *s;
    int64_t pick = 0, drop = 0;
    cJSON_ArrayForEach(s, stops) {
        const cJSON *ret = cJSON_GetObjectItemCaseSensitive(s, "return");
        if (!ret || jint(ret, "id") != rma) continue;
        if (!strcmp(jstr(s, "kind"), "pickup"))
            pick = jint(s, "id");
        else
            drop = jint(s, "id");
    }
    cJSON_Delete(route);
    assert_true(pick > 0 && drop > 0);
    stop_action(pick, "failed", "{\"reason\":\"not_home\",\"note\":\"nobody\"}", 200);
    assert_int_equal(events_of("return.pickup_failed"), 1);
    char path[96];
    snprintf(path, sizeof path, "/v1/returns/%lld", (long long)rma);
    cJSON *j = call("GET", path, W.disp, NULL, 200);
    assert_string_equal(jstr(j, "status"), "pickup_scheduled");
    assert_string_equal(jstr(jget(j, "pickup"), "status"), "failed");
    cJSON_Delete(j);
    stops = driver_stops(&route);
    bool dropped_off = false;
    cJSON_ArrayForEach(s, stops) {
        if (jint(s, "id") == drop) dropped_off = !strcmp(jstr(s, "status"), "cancelled");
    }
    cJSON_Delete(route);
    assert_true(dropped_off); /* nothing was collected, nothing to drop */
    plan = plan_and_commit();
    assert_true(plan_has(plan, rma, "pickup"));
    cJSON_Delete(plan);
}

static void test_cases(void **state) {
    (void)state;
    deliver_first_orders();
    refused_return();
    char body[512], path[96], st[32];
    /* bad cases change nothing */
    snprintf(body, sizeof body,
             "{\"order_id\":%lld,\"kind\":\"missing\",\"lines\":[{\"sku\":"
             "\"PEN\",\"qty\":3}]}",
             (long long)S.o4);
    refused("POST", "/v1/cases", W.disp, body, 400, "lines[0].qty");
    snprintf(body, sizeof body,
             "{\"order_id\":%lld,\"kind\":\"wrong_item\",\"lines\":[{\"sku\":"
             "\"LAMP\",\"qty\":1}]}",
             (long long)S.o5);
    refused("POST", "/v1/cases", W.disp, body, 400, "right");
    refused("POST", "/v1/cases", W.disp,
            "{\"order_id\":99999,\"kind\":\"missing\",\"lines\":[{\"sku\":\"PEN\",\"qty\":1}]}",
            404, "order_id");
    snprintf(body, sizeof body,
             "{\"order_id\":%lld,\"kind\":\"missing\",\"lines\":[{\"sku\":"
             "\"MUG\",\"qty\":1}]}",
             (long long)S.backorder);
    refused("POST", "/v1/cases", W.disp, body, 409, "order_id");
    /* missing: a reship of the missing pen, no payment, the stock allocated */
    snprintf(body, sizeof body,
             "{\"order_id\":%lld,\"kind\":\"missing\",\"lines\":[{\"sku\":"
             "\"PEN\",\"qty\":1}]}",
             (long long)S.o4);
    cJSON *c = open_case(body, 201);
    assert_string_equal(jstr(c, "status"), "resolved");
    assert_string_equal(jstr(c, "resolution"), "reship");
    int64_t reship = jint(c, "reship_order_id");
    char ref[32];
    snprintf(ref, sizeof ref, "case:%lld", (long long)jint(c, "id"));
    assert_string_equal(jstr(c, "ref"), ref); /* a complaint's case_ref */
    cJSON_Delete(c);
    snprintf(path, sizeof path, "/v1/orders/%lld", (long long)reship);
    c = call("GET", path, W.disp, NULL, 200);
    assert_string_equal(jstr(c, "channel"), "reship");
    assert_string_equal(jstr(c, "status"), "allocated");
    assert_string_equal(jstr(cJSON_GetArrayItem(jget(c, "lines"), 0), "sku"), "PEN");
    assert_null(cJSON_GetObjectItemCaseSensitive(c, "totals")); /* nothing to pay */
    cJSON_Delete(c);
    /* wrong item: the lamp came instead of a book: the book is reshipped, the lamp picked up */
    snprintf(body, sizeof body,
             "{\"order_id\":%lld,\"kind\":\"wrong_item\",\"lines\":[{\"sku\":"
             "\"LAMP\",\"qty\":1}],\"right\":[{\"sku\":\"BOOK\",\"qty\":1}]}",
             (long long)S.o5);
    c = open_case(body, 201);
    int64_t case_id = jint(c, "id"), rma = jint(c, "rma_id");
    reship = jint(c, "reship_order_id");
    cJSON_Delete(c);
    snprintf(path, sizeof path, "/v1/returns/%lld", (long long)rma);
    c = call("GET", path, W.disp, NULL, 200);
    assert_string_equal(jstr(c, "status"), "approved");
    assert_string_equal(jstr(c, "method"), "pickup");
    assert_int_equal(jint(c, "case_id"), case_id);
    cJSON_Delete(c);
    assert_string_equal(order_status(reship, st, sizeof st), "allocated");
    failed_pickup_planned_again(rma);
    /* a pending case waits for support; reshipped once, never twice */
    snprintf(body, sizeof body,
             "{\"order_id\":%lld,\"kind\":\"damaged\",\"resolution\":"
             "\"pending\",\"lines\":[{\"sku\":\"PEN\",\"qty\":1}]}",
             (long long)S.o4);
    c = open_case(body, 201);
    case_id = jint(c, "id");
    assert_string_equal(jstr(c, "status"), "open");
    cJSON_Delete(c);
    snprintf(path, sizeof path, "/v1/cases/%lld/resolve", (long long)case_id);
    refused("POST", path, W.disp, "{\"resolution\":\"pending\"}", 400, "resolution");
    snprintf(path, sizeof path, "/v1/cases/%lld/reship", (long long)case_id);
    refused("POST", path, W.disp, "{\"x\":1}", 400, "x");
    c = call("POST", path, W.disp, NULL, 200);
    assert_string_equal(jstr(c, "status"), "resolved");
    assert_true(jint(c, "reship_order_id") > 0);
    cJSON_Delete(c);
    refused("POST", path, W.disp, NULL, 409, "status");
    c = call("GET", "/v1/cases?status=resolved", W.disp, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(jget(c, "cases")), 3);
    cJSON_Delete(c);
    assert_int_equal(events_of("case.opened"), 3);
    assert_int_equal(events_of("case.resolved"), 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_return_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
