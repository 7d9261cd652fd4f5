/* tests/dispatch/fixture.c: the dispatch suites' shared world: a real SQLite file, orders made
 * through orders/, a fake clock, a ring of ready orders around one depot and vans V1..Vk with
 * drivers D1..Dk, and the reads and actions the suites repeat (plans, routes, positions). */
#include "tests/dispatch/fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

int64_t fake_now_ms;
bool fixture_learn_speeds;
bool fixture_repair_only;
int64_t clock_fake(void) {
    return fake_now_ms;
}

int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    if (tmp_db_create(&f->db, "lm_dispatch_") != 0 || tmp_db_store_open(&f->db, 4, &f->s) != 0)
        return -1;
    lm_errinfo err = {0};
    fake_now_ms = (DAY + 7 * 3600) * 1000;
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = f->s;
    oo.now_ms = clock_fake;
    if (orders_create(&oo, &f->o) != LM_OK) return -1;
    dispatch_opts dopts;
    dispatch_opts_init(&dopts);
    dopts.st = f->s;
    dopts.now_ms = clock_fake;
    dopts.tick_ms = 0;
    dopts.plan_time_limit_ms = 300;
    dopts.replan_feasible_ms = 100;
    dopts.replan_polish_ms = fixture_repair_only ? 0 : 200;
    dopts.learn_speeds = fixture_learn_speeds;
    if (fixture_learn_speeds) dopts.eta_change_s = 0; /* every ETA written: read exactly */
    if (dispatch_create(&dopts, &f->d, &err) != LM_OK) return -1;
    *state = f;
    return 0;
}

int teardown(void **state) {
    fixture *f = *state;
    dispatch_destroy(f->d);
    orders_destroy(f->o);
    store_close(f->s);
    tmp_db_remove(&f->db);
    free(f);
    return 0;
}

int64_t add_order(fixture *f, double lat, double lon, int64_t from_s, int64_t to_s, int priority) {
    lm_errinfo err = {0};
    size_t i = f->n_orders;
    orders_line l = {.qty = 1};
    lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
    orders_order in = {0};
    snprintf(in.customer_name, sizeof in.customer_name, "Customer %zu", i);
    snprintf(in.customer_phone, sizeof in.customer_phone, "+3361000%04zu", i);
    snprintf(in.customer_address, sizeof in.customer_address, "%zu rue de Test, Lyon", i);
    in.has_location = true;
    in.lat = lat;
    in.lon = lon;
    in.lines = &l;
    in.n_lines = 1;
    in.priority = priority;
    in.windows[0] = (store_window){from_s, to_s};
    in.n_windows = 1;
    orders_order out = {0};
    bool replayed = false;
    OKE(orders_order_create(f->o, &in, NULL, &out, &replayed, &err), err);
    int64_t id = out.id;
    orders_order_clear(&out);
    OKE(orders_order_picking(f->o, id, NULL, &err), err);
    OKE(orders_order_ready(f->o, id, 2000, 3000, 1, NULL, &err), err);
    f->order_ids[f->n_orders++] = id;
    return id;
}

/* A depot, a product, stock, n ready orders on a ring around the depot (2-6 km), window
 * [from_h, to_h] of the day, and vehicles V1..Vk with drivers D1..Dk (capacity `parcels`). */
void scenario(fixture *f, size_t n, int64_t from_h, int64_t to_h, size_t k, int64_t parcels) {
    lm_errinfo err = {0};
    orders_depot dep = {
        .lon = DEPOT_LON, .lat = DEPOT_LAT, .open_s = 6 * 3600, .close_s = 20 * 3600};
    lm_strlcpy(dep.id, "DEP", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot", sizeof dep.name);
    OKE(orders_depot_put(f->o, &dep, &err), err);
    orders_product pr = {.weight_g = 2000, .volume_cm3 = 3000, .active = true};
    lm_strlcpy(pr.sku, "SKU1", sizeof pr.sku);
    lm_strlcpy(pr.name, "Thing", sizeof pr.name);
    OKE(orders_product_put(f->o, &pr, &err), err);
    orders_stock stk;
    OKE(orders_stock_set(f->o, "DEP", "SKU1", 1000, 0, &stk, &err), err);
    for (size_t i = 0; i < n; i++) {
        double ang = (double)i * 2.39996, rad = 0.02 + 0.04 * (double)(i % 5) / 4.0;
        add_order(f, DEPOT_LAT + rad * 0.7 * __builtin_sin(ang),
                  DEPOT_LON + rad * __builtin_cos(ang), DAY + from_h * 3600, DAY + to_h * 3600, 0);
    }
    store_tx *tx = NULL;
    OK(store_tx_begin(f->s, &tx));
    for (size_t v = 0; v < k; v++) {
        dispatch_vehicle veh;
        dispatch_vehicle_init(&veh);
        snprintf(veh.id, sizeof veh.id, "V%zu", v + 1);
        lm_strlcpy(veh.name, veh.id, sizeof veh.name);
        lm_strlcpy(veh.start_depot, "DEP", sizeof veh.start_depot);
        lm_strlcpy(veh.end_depot, "DEP", sizeof veh.end_depot);
        veh.capacity_parcels = parcels;
        veh.shift_start_s = 8 * 3600;
        veh.shift_end_s = 19 * 3600;
        OKE(dispatch_vehicle_put(tx, &veh, &err), err);
        dispatch_driver dr = {0};
        snprintf(dr.id, sizeof dr.id, "D%zu", v + 1);
        snprintf(dr.name, sizeof dr.name, "Driver %zu", v + 1);
        snprintf(dr.device_id, sizeof dr.device_id, "dev%zu", v + 1);
        lm_strlcpy(dr.vehicle_id, veh.id, sizeof dr.vehicle_id);
        dr.allow_short_device_id = true; /* short test ids, by the operator's choice */
        OKE(dispatch_driver_save(tx, &dr, NULL, &err), err);
    }
    OK(store_tx_commit(tx));
}

int64_t plan_now(fixture *f) {
    lm_errinfo err = {0};
    int64_t id = 0;
    dispatch_plan_req req = {0};
    OKE(dispatch_plan_create(f->d, &req, &id, &err), err);
    dispatch_wait_idle(f->d);
    return id;
}

dispatch_plan get_plan(fixture *f, int64_t id) {
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_plan p;
    lm_errinfo err = {0};
    OKE(dispatch_plan_get(r, id, &p, &err), err);
    store_read_end(r);
    return p;
}

const char *order_status(fixture *f, int64_t id) {
    static char st[24];
    orders_order o = {0};
    lm_errinfo err = {0};
    OKE(orders_order_get(f->o, id, &o, &err), err);
    lm_strlcpy(st, o.status, sizeof st);
    orders_order_clear(&o);
    return st;
}

dispatch_driver_route route_of(fixture *f, const char *driver) {
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_driver_route rt;
    lm_errinfo err = {0};
    OKE(dispatch_driver_route_get(r, driver, &rt, &err), err);
    store_read_end(r);
    return rt;
}

size_t pending_of(const dispatch_driver_route *rt) {
    size_t n = 0;
    for (size_t i = 0; i < rt->n_stops; i++)
        n += rt->stops[i].stop.status == DISPATCH_STOP_PLANNED ||
             rt->stops[i].stop.status == DISPATCH_STOP_ARRIVED;
    return n;
}

/* Posts one position of driver at (lat, lon) at the fake clock. */
dispatch_obs_result observe(fixture *f, const char *driver, double lat, double lon, double speed) {
    store_tx *tx = NULL;
    OK(store_tx_begin(f->s, &tx));
    dispatch_obs_result res;
    lm_errinfo err = {0};
    OKE(dispatch_observe_position(f->d, tx, driver, lat, lon, fake_now_ms, speed, &res, &err), err);
    OK(store_tx_commit(tx));
    return res;
}

int64_t latest_replan(fixture *f) {
    store_read *r = NULL;
    OK(store_read_begin(f->s, &r));
    dispatch_plan *list = NULL;
    size_t n = 0;
    OK(dispatch_plan_list(r, 20, &list, &n, NULL));
    store_read_end(r);
    int64_t id = 0;
    for (size_t i = 0; i < n && !id; i++)
        if (list[i].is_replan && list[i].status == DISPATCH_PLAN_PROPOSED) id = list[i].id;
    dispatch_plan_list_free(list, n);
    return id;
}

/* Every order pending on the live routes appears exactly once as a live pending delivery. */
void check_live_consistent(fixture *f, const char *const *drivers, size_t nd) {
    int counts[32] = {0};
    for (size_t k = 0; k < nd; k++) {
        dispatch_driver_route rt = route_of(f, drivers[k]);
        for (size_t i = 0; i < rt.n_stops; i++) {
            const dispatch_stop *s = &rt.stops[i].stop;
            bool pend = s->status == DISPATCH_STOP_PLANNED || s->status == DISPATCH_STOP_ARRIVED;
            if (!pend || s->kind != DISPATCH_STOP_DELIVERY) continue;
            for (size_t o = 0; o < f->n_orders; o++)
                if (f->order_ids[o] == s->order_id) counts[o]++;
        }
        dispatch_driver_route_clear(&rt);
    }
    for (size_t o = 0; o < f->n_orders; o++) {
        const char *st = order_status(f, f->order_ids[o]);
        bool open = !strcmp(st, "planned") || !strcmp(st, "out_for_delivery");
        if (open && counts[o] != 1)
            fail_msg("order %lld (%s) is on %d live pending deliveries", (long long)f->order_ids[o],
                     st, counts[o]);
        if (!open && counts[o] != 0)
            fail_msg("order %lld (%s) still pending on a route", (long long)f->order_ids[o], st);
    }
}

void commit_plan(fixture *f) {
    int64_t id = plan_now(f);
    lm_errinfo err = {0};
    OKE(dispatch_plan_commit(f->d, id, &err), err);
}

void start_vehicle(fixture *f, const char *driver) {
    dispatch_obs_result res = observe(f, driver, DEPOT_LAT + 0.003, DEPOT_LON + 0.003, 10);
    assert_true(res.started);
}

void deliver_first(fixture *f, const char *driver, dispatch_stop *out) {
    dispatch_driver_route rt = route_of(f, driver);
    dispatch_stop s = {0};
    for (size_t i = 0; i < rt.n_stops && !s.id; i++)
        if (rt.stops[i].stop.status == DISPATCH_STOP_PLANNED) s = rt.stops[i].stop;
    dispatch_driver_route_clear(&rt);
    assert_true(s.id > 0);
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    OK(store_tx_begin(f->s, &tx));
    OKE(dispatch_stop_delivered(f->d, tx, driver, s.id, "photo:1", fake_now_ms, &err), err);
    OK(store_tx_commit(tx));
    if (out) *out = s;
}
