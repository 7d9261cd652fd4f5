/* orders/service.c: the orders service handle, reads (orders, exceptions, ready packages) and
 * the intake configuration.
 *
 * Every changing operation of orders/ (here, catalog.c, intake.c, transitions.c) is one store
 * transaction: checks, changes and the events recording them commit together, and the caller
 * hears back only after the commit. The single-writer store serialises these transactions,
 * which is what makes the stock check-then-reserve atomic (no oversell) and idempotency keys
 * race-free. */
#include "orders/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Order creations in one transaction at most (intake.c): room for an import chunk; HTTP
 * creations batch what is in flight, far fewer. */
#define INTAKE_BATCH_MAX 2000

void orders_opts_init(orders_opts *o) {
    memset(o, 0, sizeof *o);
    o->now_ms = lm_now_ms;
    o->backorder_batch = 500;
}

lm_status orders_create(const orders_opts *opts, orders_svc **out) {
    if (!opts || !opts->st) return LM_INVALID;
    orders_svc *o = lm_calloc(1, sizeof *o);
    if (!o) return LM_NOMEM;
    o->st = opts->st;
    o->now_ms = opts->now_ms ? opts->now_ms : lm_now_ms;
    o->backorder_batch = opts->backorder_batch ? opts->backorder_batch : 500;
    geo_matrix_opts gopts;
    geo_matrix_opts_init(&gopts);
    o->detour = gopts.detour_factor;
    o->speed_mps = gopts.speed_mps;
    /* with intake_thread, a writer thread of its own: an HTTP creation queues its order and frees
     * its connection's thread until the commit (orders_order_create_submit), so a batch gathers
     * every order in flight, not only as many as there are server threads
     * (bench/results/perf-intake.md); waiting callers (imports) share the same batches */
    store_cq_opts qo;
    store_cq_opts_init(&qo);
    qo.thread = opts->intake_thread;
    qo.batch_max_units = INTAKE_BATCH_MAX;
    qo.linger_us = opts->intake_linger_us;
    qo.linger_below = opts->intake_linger_below;
    /* the next batch's SQL runs while the last one's fsync does; each creation is still answered
     * (and its events published) only once its batch is durable (store/commit_queue.h) */
    qo.sync_behind = qo.sync_behind_events = opts->intake_thread;
    /* a creation opens its savepoint only on the general path (orders/intake.c: create_in_tx) */
    qo.lazy_savepoints = true;
    lm_status rc = store_cq_create(o->st, &qo, &o->intake);
    if (rc != LM_OK) {
        lm_free(o);
        return rc;
    }
    pthread_mutex_init(&o->area_mu, NULL);
    *out = o;
    return LM_OK;
}

void orders_intake_stop(orders_svc *o) {
    if (o) store_cq_stop(o->intake);
}

void orders_destroy(orders_svc *o) {
    if (!o) return;
    store_cq_destroy(o->intake);
    orders__facts_free(o);
    geo_area_destroy(o->area);
    lm_free(o->area_text);
    pthread_mutex_destroy(&o->area_mu);
    lm_free(o);
}

void orders_order_clear(orders_order *ord) {
    store_order_clear(ord);
}

void orders_order_list_free(orders_order *list, size_t n) {
    store_order_list_free(list, n);
}

static lm_status order_read(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_order_get(r, id, out, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "order %" PRId64 " not found", id);
    store_read_end(r);
    return rc;
}

lm_status orders_order_get(orders_svc *o, int64_t id, orders_order *out, lm_errinfo *err) {
    return order_read(o, id, out, err);
}

lm_status orders_order_list(orders_svc *o, const orders_filter *f, orders_order **out, size_t *n,
                            lm_errinfo *err) {
    if (f->status && f->status[0]) {
        orders_status s;
        if (!orders_status_parse(f->status, &s))
            return lm_errinfo_set(err, LM_INVALID, "status", "unknown status '%.40s'", f->status);
    }
    if (f->limit > 1000) return lm_errinfo_set(err, LM_INVALID, "limit", "limit must be 1..1000");
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_order_list(r, f, out, n, err);
    store_read_end(r);
    return rc;
}

/* ---- Exceptions and ready packages ---- */

lm_status orders_exception_list(orders_svc *o, bool only_open, int64_t order_id,
                                orders_exception **out, size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_exception_list(r, only_open, order_id, out, n, err);
    store_read_end(r);
    return rc;
}

lm_status orders_ready_list(orders_svc *o, const char *depot_id, orders_package **out, size_t *n,
                            lm_errinfo *err) {
    store_read *r = NULL;
    orders_package *arr = NULL;
    size_t len = 0, cap = 0;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    store_order_filter f = {.status = "ready", .limit = 1000};
    for (;;) {
        store_order *page = NULL;
        size_t np = 0;
        if ((rc = store_order_list(r, &f, &page, &np, err)) != LM_OK) goto fail;
        for (size_t i = 0; i < np; i++) {
            f.after_id = page[i].id;
            if (depot_id && depot_id[0] && strcmp(depot_id, page[i].depot_id)) continue;
            if (len == cap) {
                size_t nc = cap ? cap * 2 : 64;
                orders_package *p = lm_reallocarray(arr, nc, sizeof *p);
                if (!p) {
                    store_order_list_free(page, np);
                    rc = LM_NOMEM;
                    goto fail;
                }
                arr = p;
                cap = nc;
            }
            orders_package *pk = &arr[len++];
            memset(pk, 0, sizeof *pk);
            pk->order_id = page[i].id;
            lm_strlcpy(pk->depot_id, page[i].depot_id, sizeof pk->depot_id);
            pk->lon = page[i].lon;
            pk->lat = page[i].lat;
            pk->weight_g = page[i].pkg_weight_g;
            pk->volume_cm3 = page[i].pkg_volume_cm3;
            pk->parcels = page[i].pkg_parcels;
            memcpy(pk->windows, page[i].windows, sizeof pk->windows);
            pk->n_windows = page[i].n_windows;
            pk->priority = page[i].priority;
        }
        store_order_list_free(page, np);
        if (np < f.limit) break;
    }
    store_read_end(r);
    *out = arr;
    *n = len;
    return LM_OK;
fail:
    store_read_end(r);
    lm_free(arr);
    return rc;
}

/* ---- Configuration ---- */

void orders_config_clear(orders_config *cfg) {
    if (!cfg) return;
    lm_free(cfg->channels);
    lm_free(cfg->blacklist);
    lm_free(cfg->service_area);
    memset(cfg, 0, sizeof *cfg);
}

lm_status orders_config_get(orders_svc *o, orders_config *out, lm_errinfo *err) {
    orders_config c = {0};
    orders_config_defaults(&c.rules);
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = store_orders_config_get(r, &c.rules, err)) != LM_OK ||
        (rc = store_channel_policy_list(r, &c.channels, &c.n_channels, err)) != LM_OK ||
        (rc = store_blacklist_list(r, &c.blacklist, &c.n_blacklist, err)) != LM_OK ||
        (rc = store_area_get(r, &c.service_area, err)) != LM_OK) {
        store_read_end(r);
        orders_config_clear(&c);
        return rc;
    }
    store_read_end(r);
    *out = c;
    return LM_OK;
}

lm_status orders_config_put(orders_svc *o, const orders_config *cfg, lm_errinfo *err) {
    uint32_t mask;
    orders_oos pol;
    lm_status rc = orders_fields_parse(cfg->rules.required_fields, &mask, err);
    if (rc != LM_OK) return rc;
    if (!orders_oos_parse(cfg->rules.default_oos, &pol))
        return lm_errinfo_set(err, LM_INVALID, "default_out_of_stock",
                              "must be one of cancel, backorder, substitute");
    if (cfg->rules.duplicate_window_s < 0 || cfg->rules.duplicate_window_s > 30 * 86400)
        return lm_errinfo_set(err, LM_INVALID, "duplicate_window_s", "window must be 0..2592000 s");
    if (cfg->rules.max_weight_g < 0)
        return lm_errinfo_set(err, LM_INVALID, "max_weight_g", "must be >= 0 (0 = no limit)");
    if (cfg->rules.max_volume_cm3 < 0)
        return lm_errinfo_set(err, LM_INVALID, "max_volume_cm3", "must be >= 0 (0 = no limit)");
    for (size_t i = 0; i < cfg->n_channels; i++) {
        char f[96];
        snprintf(f, sizeof f, "channel_out_of_stock.%.30s", cfg->channels[i].channel);
        if (!orders_oos_parse(cfg->channels[i].oos_policy, &pol) || pol == ORDERS_OOS_UNSET)
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "must be one of cancel, backorder, substitute");
    }
    store_blacklist_entry *bl = NULL;
    if (cfg->n_blacklist) {
        bl = lm_calloc(cfg->n_blacklist, sizeof *bl);
        if (!bl) return LM_NOMEM;
    }
    for (size_t i = 0; i < cfg->n_blacklist; i++) {
        const store_blacklist_entry *e = &cfg->blacklist[i];
        bl[i] = *e;
        if (!strcmp(e->kind, "phone"))
            orders_phone_normalize(e->value, bl[i].value, sizeof bl[i].value);
        else if (!strcmp(e->kind, "email"))
            orders_email_normalize(e->value, bl[i].value, sizeof bl[i].value);
        else if (!strcmp(e->kind, "address"))
            orders_address_normalize(e->value, bl[i].value, sizeof bl[i].value);
        else {
            lm_free(bl);
            return lm_errinfo_set(err, LM_INVALID, "blacklist",
                                  "kind must be phone, email or address");
        }
    }
    const char *area = cfg->service_area ? cfg->service_area : "";
    if (area[0]) {
        geo_area *ga = NULL;
        rc = geo_area_from_geojson(area, strlen(area), &ga, err);
        geo_area_destroy(ga);
        if (rc != LM_OK) {
            char f[96];
            snprintf(f, sizeof f, "service_area.%.80s", err ? err->field : "");
            if (err) lm_strlcpy(err->field, f, sizeof err->field);
            lm_free(bl);
            return rc;
        }
    }
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(o->st, &tx)) != LM_OK) {
        lm_free(bl);
        return lm_errinfo_set(err, rc, "", "store unavailable");
    }
    if ((rc = store_orders_config_put(tx, &cfg->rules, err)) != LM_OK ||
        (rc = store_channel_policy_replace(tx, cfg->channels, cfg->n_channels, err)) != LM_OK ||
        (rc = store_blacklist_replace(tx, bl, cfg->n_blacklist, err)) != LM_OK ||
        (rc = store_area_put(tx, area, err)) != LM_OK ||
        (rc = store_event_append(tx, "orders.config", "config", "orders", NULL)) != LM_OK) {
        store_tx_rollback(tx);
        lm_free(bl);
        return rc;
    }
    lm_free(bl);
    return orders__commit(tx, err);
}
