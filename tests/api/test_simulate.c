/* `lastmile simulate` (the real binary) against the real server on a committed plan: it drives
 * both routes to the end through OsmAnd and the driver API, fails some stops with valid reasons at
 * --failure-rate, injects a breakdown (driver.exception + vehicle.breakdown events) and a late
 * driver, and every position it sent is stored under the drivers' device ids. */
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "store/store_positions.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define DEPOT_LAT 45.75
#define DEPOT_LON 4.85

typedef struct world {
    char dir[64], db[128], data[128];
    store *s;
    orders_svc *o;
    dispatch *d;
    api_server *srv;
    uint16_t port;
    char admin[STORE_KEY_MAX], disp[STORE_KEY_MAX], d1[STORE_KEY_MAX], d2[STORE_KEY_MAX];
    int64_t order_ids[8];
} world;

static world W;

#define OKE(expr, err)                                                                             \
    do {                                                                                           \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK)                                                                          \
            fail_msg("%s -> %s: %s: %s", #expr, lm_status_name(rc_), (err).field, (err).message);  \
    } while (0)

/* ---- Fixture: 6 ready orders, 2 vans with drivers D1 and D2, a committed plan ---- */

static void scenario(void) {
    lm_errinfo err = {0};
    int64_t day = (int64_t)time(NULL) / 86400 * 86400;
    orders_depot dep = {.lon = DEPOT_LON, .lat = DEPOT_LAT, .open_s = 0, .close_s = 86399};
    lm_strlcpy(dep.id, "DEP", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot", sizeof dep.name);
    OKE(orders_depot_put(W.o, &dep, &err), err);
    orders_product pr = {.weight_g = 2000, .volume_cm3 = 3000, .active = true};
    lm_strlcpy(pr.sku, "SKU1", sizeof pr.sku);
    lm_strlcpy(pr.name, "Thing", sizeof pr.name);
    OKE(orders_product_put(W.o, &pr, &err), err);
    orders_stock stk;
    OKE(orders_stock_set(W.o, "DEP", "SKU1", 100, 0, &stk, &err), err);
    for (size_t i = 0; i < 6; i++) {
        orders_line l = {.qty = 1};
        lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
        orders_order in = {0};
        snprintf(in.customer_name, sizeof in.customer_name, "Customer Number%zu", i);
        snprintf(in.customer_phone, sizeof in.customer_phone, "+3361000%04zu", i);
        snprintf(in.customer_address, sizeof in.customer_address, "%zu rue Secrete, Lyon", i);
        in.has_location = true;
        in.lat = DEPOT_LAT + 0.01 * (double)(i + 1) * (i % 2 ? 1 : -1);
        in.lon = DEPOT_LON + 0.012 * (double)(i + 1);
        in.lines = &l;
        in.n_lines = 1;
        in.windows[0] = (store_window){day, day + 86399};
        in.n_windows = 1;
        orders_order out = {0};
        bool replayed = false;
        OKE(orders_order_create(W.o, &in, NULL, &out, &replayed, &err), err);
        W.order_ids[i] = out.id;
        orders_order_clear(&out);
        OKE(orders_order_picking(W.o, W.order_ids[i], NULL, &err), err);
        OKE(orders_order_ready(W.o, W.order_ids[i], 2000, 3000, 1, NULL, &err), err);
    }
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    for (size_t v = 0; v < 2; v++) {
        dispatch_vehicle veh;
        dispatch_vehicle_init(&veh);
        snprintf(veh.id, sizeof veh.id, "V%zu", v + 1);
        lm_strlcpy(veh.name, veh.id, sizeof veh.name);
        lm_strlcpy(veh.start_depot, "DEP", sizeof veh.start_depot);
        lm_strlcpy(veh.end_depot, "DEP", sizeof veh.end_depot);
        veh.capacity_parcels = 3; /* both vans are needed */
        veh.shift_start_s = 0;
        veh.shift_end_s = 86399;
        OKE(dispatch_vehicle_put(tx, &veh, &err), err);
        dispatch_driver dr = {0};
        snprintf(dr.id, sizeof dr.id, "D%zu", v + 1);
        snprintf(dr.name, sizeof dr.name, "Driver %zu", v + 1);
        snprintf(dr.device_id, sizeof dr.device_id, "phone%zu", v + 1);
        lm_strlcpy(dr.vehicle_id, veh.id, sizeof dr.vehicle_id);
        OKE(dispatch_driver_put(tx, &dr, &err), err);
    }
    assert_int_equal(store_tx_commit(tx), LM_OK);
    dispatch_plan_req req = {0};
    req.day_start_s = day;
    int64_t plan = 0;
    OKE(dispatch_plan_create(W.d, &req, &plan, &err), err);
    dispatch_wait_idle(W.d);
    OKE(dispatch_plan_commit(W.d, plan, &err), err);
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    snprintf(W.dir, sizeof W.dir, "/tmp/lm-sim-XXXXXX");
    assert_non_null(mkdtemp(W.dir));
    snprintf(W.db, sizeof W.db, "%s/t.db", W.dir);
    snprintf(W.data, sizeof W.data, "%s/data", W.dir);
    store_opts so;
    store_opts_init(&so);
    so.path = W.db;
    lm_errinfo err = {0};
    assert_int_equal(store_open(&so, &W.s, &err), LM_OK);
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = W.s;
    assert_int_equal(orders_create(&oo, &W.o), LM_OK);
    dispatch_opts d;
    dispatch_opts_init(&d);
    d.st = W.s;
    d.tick_ms = 0;
    d.plan_time_limit_ms = 300;
    d.replan_feasible_ms = 100;
    d.replan_polish_ms = 0;
    assert_int_equal(dispatch_create(&d, &W.d, &err), LM_OK);
    scenario();
    store_key_info info;
    OKE(store_key_create(W.s, "admin", NULL, W.admin, &info, &err), err);
    OKE(store_key_create(W.s, "dispatcher", NULL, W.disp, &info, &err), err);
    OKE(store_key_create(W.s, "driver", "D1", W.d1, &info, &err), err);
    OKE(store_key_create(W.s, "driver", "D2", W.d2, &info, &err), err);
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.dispatch = W.d;
    o.log_fd = -1;
    o.data_dir = W.data;
    o.track_rate_per_s = 0.2; /* small, so the test reaches the limit quickly */
    o.track_burst = 6;
    OKE(api_server_start(&o, W.s, &W.srv, &err), err);
    W.port = api_server_port(W.srv);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    api_server_stop(W.srv, 2000);
    dispatch_destroy(W.d);
    orders_destroy(W.o);
    store_close(W.s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", W.dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", W.dir);
    return 0;
}

/* Runs the binary; returns its exit status and its stdout in out. */
static int run_sim(const char *args, char *out, size_t cap) {
    const char *bin_dir = getenv("LASTMILE_BINARY_DIR");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/cli/lastmile simulate --server http://127.0.0.1:%u --key %s %s",
             bin_dir ? bin_dir : ".", (unsigned)W.port, W.admin, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int64_t count_events(const char *type) {
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    int64_t after = 0, count = 0;
    assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
    for (;;) {
        assert_int_equal(store_events_since(rd, after, 10000, &ev, &n), LM_OK);
        if (!n) break;
        for (size_t i = 0; i < n; i++)
            count += !strcmp(ev[i].type, type);
        after = ev[n - 1].seq;
        store_events_free(ev, n);
    }
    store_read_end(rd);
    return count;
}

static void test_simulate_drives_the_day(void **state) {
    (void)state;
    char out[4096];
    assert_int_equal(run_sim("--bogus 1", out, sizeof out), 64);
    assert_int_equal(
        run_sim("--speed-up 400 --seed 7 --failure-rate 0.5 --duration 25", out, sizeof out), 0);
    fprintf(stderr, "%s", out);
    assert_non_null(strstr(out, "simulate: 2 drivers:"));
    assert_non_null(strstr(out, " 0 errors"));
    /* every stop of the van that did not break down is served; outcomes are valid */
    int64_t done = count_events("stop.delivered"), failed = count_events("stop.failed");
    assert_true(done + failed >= 3);
    assert_true(failed >= 1); /* at a 50 % failure rate over 3+ stops, for this seed */
    assert_int_equal(count_events("vehicle.breakdown"), 1);
    assert_true(count_events("driver.exception") >= 2); /* the breakdown and the delay */
    assert_true(count_events("stop.arrived") >= done + failed);
    /* positions went through OsmAnd with the drivers' phones */
    for (int d = 1; d <= 2; d++) {
        char dev[16];
        snprintf(dev, sizeof dev, "phone%d", d);
        store_read *rd = NULL;
        store_position *p = NULL;
        size_t n = 0;
        lm_errinfo err;
        assert_int_equal(store_read_begin(W.s, &rd), LM_OK);
        assert_int_equal(store_positions_list(rd, dev, NULL, 0, INT64_MAX, 100000, &p, &n, &err),
                         LM_OK);
        store_read_end(rd);
        assert_true(n >= 2);
        lm_free(p);
    }
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulate_drives_the_day),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
