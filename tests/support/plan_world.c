/* tests/support/plan_world.c: the committed-plan scenario shared by the driver API and simulate
 * suites (tests/support/plan_world.h). */
#include "tests/support/plan_world.h"

#include "orders/money.h"
#include "tests/support/test_day.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void scenario(plan_world *w, bool priced) {
    lm_errinfo err = {0};
    int64_t day = w->day;
    orders_depot dep = {
        .lon = PLAN_WORLD_DEPOT_LON, .lat = PLAN_WORLD_DEPOT_LAT, .open_s = 0, .close_s = 86399};
    lm_strlcpy(dep.id, "DEP", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot", sizeof dep.name);
    OKE(orders_depot_put(w->o, &dep, &err), err);
    orders_product pr = {.weight_g = 2000, .volume_cm3 = 3000, .active = true};
    lm_strlcpy(pr.sku, "SKU1", sizeof pr.sku);
    lm_strlcpy(pr.name, "Thing", sizeof pr.name);
    OKE(orders_product_put(w->o, &pr, &err), err);
    orders_stock stk;
    OKE(orders_stock_set(w->o, "DEP", "SKU1", 100, 0, &stk, &err), err);
    for (size_t i = 0; i < 6; i++) {
        orders_line l = {.qty = 1};
        lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
        orders_order in = {0};
        snprintf(in.customer_name, sizeof in.customer_name, "Customer Number%zu", i);
        snprintf(in.customer_phone, sizeof in.customer_phone, "+3361000%04zu", i);
        snprintf(in.customer_address, sizeof in.customer_address, "%zu rue Secrete, Lyon", i);
        in.has_location = true;
        in.lat = PLAN_WORLD_DEPOT_LAT + 0.01 * (double)(i + 1) * (i % 2 ? 1 : -1);
        in.lon = PLAN_WORLD_DEPOT_LON + 0.012 * (double)(i + 1);
        in.lines = &l;
        in.n_lines = 1;
        in.windows[0] = (store_window){day, day + 86399};
        in.n_windows = 1;
        orders_order out = {0};
        bool replayed = false;
        /* priced: cash on delivery at 15.00 EUR, but the last order is free (paid at once) */
        orders_money_line_in ml = {
            .has_unit_price = true, .unit_price = i < 5 ? 1500 : 0, .has_tax_rate = true};
        orders_money_in money = {.currency = "EUR", .lines = &ml};
        lm_strlcpy(money.payment_method, i < 5 ? "cod" : "card", sizeof money.payment_method);
        OKE(orders_order_create_priced(w->o, &in, priced ? &money : NULL, NULL, &out, NULL,
                                       &replayed, &err),
            err);
        w->order_ids[i] = out.id;
        orders_order_clear(&out);
        OKE(orders_order_picking(w->o, w->order_ids[i], NULL, &err), err);
        OKE(orders_order_ready(w->o, w->order_ids[i], 2000, 3000, 1, NULL, &err), err);
    }
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(w->s, &tx), LM_OK);
    /* as `lastmile serve` stores the offset it runs with (orders/recovery.c reads it) */
    assert_int_equal(store_meta_put(tx, "utc_offset_s", w->utc_offset_s), LM_OK);
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
        dr.allow_short_device_id = true; /* short test ids, by the operator's choice */
        OKE(dispatch_driver_save(tx, &dr, NULL, &err), err);
    }
    assert_int_equal(store_tx_commit(tx), LM_OK);
    dispatch_plan_req req = {0};
    req.day_start_s = day;
    int64_t plan = 0;
    OKE(dispatch_plan_create(w->d, &req, &plan, &err), err);
    dispatch_wait_idle(w->d);
    OKE(dispatch_plan_commit(w->d, plan, &err), err);
}

static void setup_world(plan_world *w, const char *prefix, bool priced, double track_rate) {
    memset(w, 0, sizeof *w);
    assert_int_equal(tmp_db_create(&w->tmp, prefix), 0);
    snprintf(w->data, sizeof w->data, "%s/data", w->tmp.dir);
    store_opts so;
    store_opts_init(&so);
    so.path = w->tmp.path;
    lm_errinfo err = {0};
    assert_int_equal(store_open(&so, &w->s, &err), LM_OK);
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = w->s;
    assert_int_equal(orders_create(&oo, &w->o), LM_OK);
    dispatch_opts d;
    dispatch_opts_init(&d);
    d.st = w->s;
    d.tick_ms = 0;
    d.plan_time_limit_ms = 300;
    d.replan_feasible_ms = 100;
    d.replan_polish_ms = 0;
    w->day = test_day_at_noon(&w->utc_offset_s);
    d.utc_offset_s = w->utc_offset_s;
    assert_int_equal(dispatch_create(&d, &w->d, &err), LM_OK);
    scenario(w, priced);
    store_key_info info;
    OKE(store_key_create(w->s, "admin", NULL, w->admin, &info, &err), err);
    OKE(store_key_create(w->s, "dispatcher", NULL, w->disp, &info, &err), err);
    OKE(store_key_create(w->s, "driver", "D1", w->d1, &info, &err), err);
    OKE(store_key_create(w->s, "driver", "D2", w->d2, &info, &err), err);
    api_server_opts o;
    api_server_opts_init(&o);
    o.port = 0;
    o.dispatch = w->d;
    o.log_fd = -1;
    o.data_dir = w->data;
    o.track_rate_per_s = track_rate > 0 ? track_rate : 0.2; /* small: the limit comes quickly */
    o.track_burst = track_rate > 0 ? 1000 : 6;
    o.osmand_port = 0;
    OKE(api_server_start(&o, w->s, &w->srv, &err), err);
    w->port = api_server_port(w->srv);
    w->osmand_port = api_server_osmand_port(w->srv);
}

void plan_world_setup(plan_world *w, const char *prefix) {
    setup_world(w, prefix, false, 0);
}

void plan_world_setup_priced(plan_world *w, const char *prefix) {
    setup_world(w, prefix, true, 0);
}

void plan_world_teardown(plan_world *w) {
    api_server_stop(w->srv, 2000);
    dispatch_destroy(w->d);
    orders_destroy(w->o);
    store_close(w->s);
    tmp_db_remove(&w->tmp);
}

void plan_world_setup_track_rate(plan_world *w, const char *prefix, double per_s) {
    setup_world(w, prefix, false, per_s);
}

void plan_world_http(const plan_world *w, http_test_resp *out, const char *method, const char *path,
                     const char *key, const char *body) {
    http_test_req req = {.method = method,
                         .path = path,
                         .key = key,
                         .body = body ? body : (strcmp(method, "POST") ? NULL : ""),
                         .content_type = body ? "application/json" : NULL,
                         .timeout_s = 30};
    http_test_request(w->port, &req, out);
}

long plan_world_status(const plan_world *w, const char *method, const char *path, const char *key,
                       const char *body) {
    http_test_resp r;
    plan_world_http(w, &r, method, path, key, body);
    long st = r.status;
    if (st >= 400 && getenv("VERBOSE"))
        fprintf(stderr, "%s %s -> %ld %s\n", method, path, st, http_test_body(&r));
    http_test_resp_free(&r);
    return st;
}
