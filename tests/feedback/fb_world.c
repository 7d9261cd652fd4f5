/* tests/feedback/fb_world.c: the feedback suites' world (fb_world.h). */
#include "tests/feedback/fb_world.h"
#include "store/store_orders.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

int64_t fb_now_ms;

static int64_t fb_clock(void) {
    return fb_now_ms;
}

static int open_handles(fb_world *w) {
    lm_errinfo err = {0};
    if (tmp_db_store_open(&w->db, 4, &w->s) != 0) return -1;
    dispatch_opts dopts;
    dispatch_opts_init(&dopts);
    dopts.st = w->s;
    dopts.now_ms = fb_clock;
    dopts.tick_ms = 0;
    if (dispatch_create(&dopts, &w->d, &err) != LM_OK) {
        fprintf(stderr, "dispatch_create: %s\n", err.message);
        return -1;
    }
    feedback_opts fopts;
    feedback_opts_init(&fopts);
    fopts.st = w->s;
    fopts.now_ms = fb_clock;
    if (feedback_create(&fopts, &w->fb, &err) != LM_OK) {
        fprintf(stderr, "feedback_create: %s\n", err.message);
        return -1;
    }
    return 0;
}

static lm_status build(fb_world *w, store_tx *tx, lm_errinfo *err) {
    store_depot dep = {.lon = 4.85, .lat = 45.75, .open_s = 6 * 3600, .close_s = 20 * 3600};
    lm_strlcpy(dep.id, "DEP", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot", sizeof dep.name);
    lm_status rc = store_depot_put(tx, &dep, err);
    if (rc != LM_OK) return rc;
    dispatch_vehicle v;
    dispatch_vehicle_init(&v);
    lm_strlcpy(v.id, "V1", sizeof v.id);
    lm_strlcpy(v.name, "Van 1", sizeof v.name);
    lm_strlcpy(v.start_depot, "DEP", sizeof v.start_depot);
    v.shift_start_s = 8 * 3600;
    v.shift_end_s = 19 * 3600;
    if ((rc = dispatch_vehicle_put(tx, &v, err)) != LM_OK) return rc;
    dispatch_driver dr = {0};
    lm_strlcpy(dr.id, "D1", sizeof dr.id);
    lm_strlcpy(dr.name, "Driver 1", sizeof dr.name);
    lm_strlcpy(dr.device_id, "device-one-0123456789", sizeof dr.device_id);
    lm_strlcpy(dr.vehicle_id, "V1", sizeof dr.vehicle_id);
    if ((rc = dispatch_driver_save(tx, &dr, NULL, err)) != LM_OK) return rc;
    store_plan p = {.status = DISPATCH_PLAN_COMMITTED,
                    .created_ms = fb_now_ms,
                    .updated_ms = fb_now_ms,
                    .day_start_s = 1773705600};
    int64_t plan_id = 0;
    if ((rc = store_plan_insert(tx, &p, &plan_id, err)) != LM_OK) return rc;
    store_plan_route rt = {.plan_id = plan_id, .start_lat = 45.75, .start_lon = 4.85};
    lm_strlcpy(rt.vehicle_id, "V1", sizeof rt.vehicle_id);
    lm_strlcpy(rt.driver_id, "D1", sizeof rt.driver_id);
    if ((rc = store_plan_route_put(tx, &rt, err)) != LM_OK) return rc;
    for (int i = 0; i < FB_ORDERS; i++) {
        store_order o;
        memset(&o, 0, sizeof o);
        snprintf(o.external_ref, sizeof o.external_ref, "shop-%d", i);
        snprintf(o.customer_name, sizeof o.customer_name, "Customer %d", i);
        lm_strlcpy(o.status, "planned", sizeof o.status);
        lm_strlcpy(o.depot_id, "DEP", sizeof o.depot_id);
        snprintf(o.tracking_token, sizeof o.tracking_token, "%032x", 0xabc0 + i);
        o.created_ms = o.updated_ms = fb_now_ms;
        if ((rc = store_order_insert(tx, &o, &w->order_ids[i], err)) != LM_OK) return rc;
        lm_strlcpy(w->tokens[i], o.tracking_token, sizeof w->tokens[i]);
        store_stop s;
        memset(&s, 0, sizeof s);
        s.plan_id = plan_id;
        lm_strlcpy(s.vehicle_id, "V1", sizeof s.vehicle_id);
        lm_strlcpy(s.driver_id, "D1", sizeof s.driver_id);
        s.seq = i;
        s.kind = DISPATCH_STOP_DELIVERY;
        s.status = DISPATCH_STOP_PLANNED;
        s.order_id = w->order_ids[i];
        s.lat = 45.76 + 0.01 * i;
        s.lon = 4.86;
        s.live = true;
        if ((rc = store_stop_insert(tx, &s, &w->stop_ids[i], err)) != LM_OK) return rc;
    }
    return LM_OK;
}

int fb_world_setup(fb_world *w, const char *prefix) {
    memset(w, 0, sizeof *w);
    fb_now_ms = FB_T0_MS;
    if (tmp_db_create(&w->db, prefix) != 0 || open_handles(w) != 0) return -1;
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    if (store_tx_begin(w->s, &tx) != LM_OK) return -1;
    if (build(w, tx, &err) != LM_OK) {
        fprintf(stderr, "world: %s: %s\n", err.field, err.message);
        store_tx_rollback(tx);
        return -1;
    }
    return store_tx_commit(tx) == LM_OK ? 0 : -1;
}

static void close_handles(fb_world *w) {
    feedback_destroy(w->fb);
    dispatch_destroy(w->d);
    store_close(w->s);
    w->fb = NULL;
    w->d = NULL;
    w->s = NULL;
}

void fb_world_restart(fb_world *w) {
    close_handles(w);
    if (open_handles(w) != 0) fail_msg("restart: could not reopen %s", w->db.path);
}

void fb_world_teardown(fb_world *w) {
    close_handles(w);
    tmp_db_remove(&w->db);
}

static void stop_action(fb_world *w, int i, bool ok) {
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    if (store_tx_begin(w->s, &tx) != LM_OK) fail_msg("store_tx_begin");
    lm_status rc =
        ok ? dispatch_stop_delivered(w->d, tx, "D1", w->stop_ids[i], "", fb_now_ms, &err)
           : dispatch_stop_failed(w->d, tx, "D1", w->stop_ids[i], "refused", "", fb_now_ms, &err);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        fail_msg("stop %d: %s: %s: %s", i, lm_status_name(rc), err.field, err.message);
    }
    if (store_tx_commit(tx) != LM_OK) fail_msg("commit");
}

void fb_deliver(fb_world *w, int i) {
    stop_action(w, i, true);
}

void fb_fail(fb_world *w, int i) {
    stop_action(w, i, false);
}

store_tx *fb_begin(fb_world *w) {
    store_tx *tx = NULL;
    if (store_tx_begin(w->s, &tx) != LM_OK) fail_msg("store_tx_begin");
    return tx;
}

lm_status fb_end(store_tx *tx, lm_status rc) {
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return store_tx_commit(tx);
}

int64_t fb_events(fb_world *w, const char *type) {
    return tmp_db_count_events(w->s, type);
}
