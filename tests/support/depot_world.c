/* tests/support/depot_world.c: the starting world of the dispatch HTTP suites
 * (tests/support/depot_world.h). */
#include "tests/support/depot_world.h"

#include <curl/curl.h>
#include <string.h>

static lm_status catalogue(depot_world *w, lm_errinfo *err) {
    orders_depot dep = {
        .lon = DEPOT_WORLD_LON, .lat = DEPOT_WORLD_LAT, .open_s = 6 * 3600, .close_s = 20 * 3600};
    lm_strlcpy(dep.id, "DEP", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot", sizeof dep.name);
    orders_product pr = {.weight_g = 1000, .volume_cm3 = 1000, .active = true};
    lm_strlcpy(pr.sku, "SKU1", sizeof pr.sku);
    lm_strlcpy(pr.name, "Thing", sizeof pr.name);
    orders_stock stk;
    lm_status rc = orders_depot_put(w->o, &dep, err);
    if (rc == LM_OK) rc = orders_product_put(w->o, &pr, err);
    if (rc == LM_OK) rc = orders_stock_set(w->o, "DEP", "SKU1", 100, 0, &stk, err);
    return rc;
}

lm_status depot_world_start(depot_world *w, const char *prefix, int64_t (*now_ms)(void),
                            int64_t plan_time_limit_ms, lm_errinfo *err) {
    memset(w, 0, sizeof *w);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (tmp_db_create(&w->tmp, prefix) != 0 || tmp_db_store_open(&w->tmp, 8, &w->s) != 0)
        return LM_IO;
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = w->s;
    oo.now_ms = now_ms;
    lm_status rc = orders_create(&oo, &w->o);
    if (rc == LM_OK) rc = catalogue(w, err);
    if (rc != LM_OK) return rc;
    dispatch_opts dopts;
    dispatch_opts_init(&dopts);
    dopts.st = w->s;
    dopts.now_ms = now_ms;
    dopts.tick_ms = 0; /* the suites tick */
    dopts.plan_time_limit_ms = plan_time_limit_ms;
    dopts.replan_feasible_ms = 50;
    dopts.replan_polish_ms = 100;
    if ((rc = dispatch_create(&dopts, &w->d, err)) != LM_OK) return rc;
    api_server_opts ao;
    api_server_opts_init(&ao);
    ao.port = 0;
    ao.log_fd = -1;
    ao.dispatch = w->d;
    if ((rc = api_server_start(&ao, w->s, &w->srv, err)) != LM_OK) return rc;
    w->port = api_server_port(w->srv);
    rc = store_key_create(w->s, "dispatcher", NULL, w->disp, NULL, err);
    if (rc == LM_OK) rc = store_key_create(w->s, "warehouse", NULL, w->wh, NULL, err);
    if (rc == LM_OK) rc = store_key_create(w->s, "driver", "D1", w->d1, NULL, err);
    return rc;
}

void depot_world_stop(depot_world *w) {
    api_server_stop(w->srv, 1000);
    dispatch_destroy(w->d);
    orders_destroy(w->o);
    store_close(w->s);
    tmp_db_remove(&w->tmp);
    curl_global_cleanup();
}

lm_status depot_world_ready_order(depot_world *w, orders_order *in, int64_t *id, lm_errinfo *err) {
    orders_line l = {.qty = 1};
    lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
    in->lines = &l;
    in->n_lines = 1;
    orders_order out = {0};
    bool replayed = false;
    lm_status rc = orders_order_create(w->o, in, NULL, &out, &replayed, err);
    in->lines = NULL;
    in->n_lines = 0;
    if (rc != LM_OK) return rc;
    *id = out.id;
    orders_order_clear(&out);
    if ((rc = orders_order_picking(w->o, *id, NULL, err)) != LM_OK) return rc;
    return orders_order_ready(w->o, *id, 1000, 1000, 1, NULL, err);
}

lm_status depot_world_van(depot_world *w, const char *vid, const char *driver_id,
                          int64_t capacity_parcels, int64_t shift_end_s, lm_errinfo *err) {
    dispatch_vehicle v;
    dispatch_vehicle_init(&v);
    lm_strlcpy(v.id, vid, sizeof v.id);
    lm_strlcpy(v.name, vid, sizeof v.name);
    lm_strlcpy(v.start_depot, "DEP", sizeof v.start_depot);
    lm_strlcpy(v.end_depot, "DEP", sizeof v.end_depot);
    v.capacity_parcels = capacity_parcels;
    v.shift_start_s = 6 * 3600;
    v.shift_end_s = shift_end_s;
    dispatch_driver dr = {0};
    lm_strlcpy(dr.id, driver_id, sizeof dr.id);
    lm_strlcpy(dr.name, driver_id, sizeof dr.name);
    lm_strlcpy(dr.vehicle_id, vid, sizeof dr.vehicle_id);
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(w->s, &tx);
    if (rc != LM_OK) return rc;
    rc = dispatch_vehicle_put(tx, &v, err);
    if (rc == LM_OK) rc = dispatch_driver_save(tx, &dr, NULL, err);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return store_tx_commit(tx);
}
