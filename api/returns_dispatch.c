/* api/returns_dispatch.c: where returns/ meets dispatch/ (neither includes the other): approved
 * return pickups become pickup tasks of the next plan, a committed plan schedules the returns it
 * collects, the driver's route shows what to collect at a pickup stop, and the driver's
 * collected / failed at that stop moves the RMA in the stop's own transaction. */
#include "api/app.h"
#include "api/handlers.h"
#include "store/store_pd.h"
#include "dispatch/dispatch.h"
#include "returns/returns.h"
#include "store/store_orders.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Whether RMA id (of order_id) already has a pending pickup stop on a live route. */
static bool pickup_pending(store *st, int64_t order_id, int64_t id) {
    store_read *rd = NULL;
    if (store_read_begin(st, &rd) != LM_OK) return false;
    dispatch_stop s;
    lm_errinfo e;
    bool pending = dispatch_return_stop_get(rd, order_id, id, &s, &e) == LM_OK &&
                   (s.status == DISPATCH_STOP_PLANNED || s.status == DISPATCH_STOP_ARRIVED);
    store_read_end(rd);
    return pending;
}

/* Adds the pickup tasks of the RMAs in status to tasks (cap entries). */
static lm_status add_tasks(http_req *r, returns_svc *svc, const char *status,
                           dispatch_pickup_task *tasks, size_t cap, size_t *n) {
    int64_t *ids = NULL;
    size_t k = 0;
    lm_status rc = returns_rma_find(svc, status, 0, 0, 1000, &ids, &k, &r->err);
    returns_pickup *p = lm_calloc(1, sizeof *p);
    if (rc == LM_OK && !p) rc = http_error(r, LM_NOMEM, "", "out of memory");
    for (size_t i = 0; rc == LM_OK && i < k && *n < cap; i++) {
        lm_errinfo e;
        /* drop-offs and returns already on a route are not new work */
        if (returns_pickup_get(svc, ids[i], p, &e) != LM_OK) continue;
        if (!strcmp(status, "pickup_scheduled") &&
            pickup_pending(api_store(r), p->order_id, ids[i]))
            continue;
        dispatch_pickup_task *t = &tasks[(*n)++];
        memset(t, 0, sizeof *t);
        t->order_id = p->order_id;
        t->return_id = p->rma_id;
        lm_strlcpy(t->depot_id, p->depot_id, sizeof t->depot_id);
        t->from_lat = p->lat;
        t->from_lon = p->lon;
        t->to_lat = p->depot_lat;
        t->to_lon = p->depot_lon;
        t->window_start_s = p->window.start_s;
        t->window_end_s = p->window.end_s;
        t->weight_g = p->weight_g;
        t->volume_cm3 = p->volume_cm3;
        t->parcels = 1;
    }
    lm_free(p);
    lm_free(ids);
    return rc;
}

lm_status api__returns_pickup_tasks(http_req *r, dispatch_pickup_task **out, size_t *n) {
    *out = NULL;
    *n = 0;
    dispatch_pickup_task *tasks = lm_arena_alloc(r->arena, 1000 * sizeof *tasks);
    if (!tasks) return http_error(r, LM_NOMEM, "", "out of memory");
    api_returns rt;
    lm_status rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    size_t k = 0;
    rc = add_tasks(r, rt.svc, "approved", tasks, 1000, &k);
    /* a pickup that failed (or fell off a re-plan) stays scheduled: planned again */
    if (rc == LM_OK) rc = add_tasks(r, rt.svc, "pickup_scheduled", tasks, 1000, &k);
    api__returns_close(&rt);
    if (rc != LM_OK) return rc;
    *out = tasks;
    *n = k;
    return LM_OK;
}

void api__returns_plan_committed(http_req *r, int64_t plan_id) {
    store_read *rd = NULL;
    dispatch_plan p;
    memset(&p, 0, sizeof p);
    lm_errinfo e;
    if (store_read_begin(api_store(r), &rd) != LM_OK) return;
    lm_status rc = dispatch_plan_get(rd, plan_id, &p, &e);
    store_read_end(rd);
    if (rc != LM_OK) return;
    api_returns rt;
    if (api__returns_open(r, &rt) == LM_OK) {
        for (size_t i = 0; i < p.n_routes; i++)
            for (size_t k = 0; k < p.routes[i].n_stops; k++) {
                const dispatch_stop *s = &p.routes[i].stops[k];
                returns_rma m;
                if (s->kind != DISPATCH_STOP_PICKUP || !s->return_id) continue;
                /* approved -> pickup_scheduled; one planned again is scheduled already */
                if (returns_rma_get(rt.svc, s->return_id, &m, &e) != LM_OK ||
                    strcmp(m.status, "approved"))
                    continue;
                if (returns_rma_schedule(rt.svc, s->return_id, r->key_id, NULL, &e) != LM_OK)
                    fprintf(stderr, "lastmile: return %lld not scheduled: %s\n",
                            (long long)s->return_id, e.message);
            }
        api__returns_close(&rt);
    }
    dispatch_plan_clear(&p);
}

void api__returns_stop_into(store_read *rd, const dispatch_stop *s, cJSON *sj) {
    store_rma m;
    lm_errinfo e;
    if (!s->return_id || store_rma_get(rd, s->return_id, &m, &e) != LM_OK) return;
    cJSON *o = cJSON_AddObjectToObject(sj, "return");
    if (!o) return;
    cJSON_AddNumberToObject(o, "id", (double)m.id);
    cJSON_AddStringToObject(o, "reason", m.reason);
    cJSON_AddStringToObject(o, "depot_id", m.depot_id);
    cJSON *a = cJSON_AddArrayToObject(o, "lines");
    /* the stop's own "lines" too (the driver app lists them; an order's would be the wrong
     * ones): only the returned units */
    cJSON *top = cJSON_AddArrayToObject(sj, "lines");
    for (size_t i = 0; a && top && i < m.n_lines; i++) {
        store_product p;
        if (store_product_get(rd, m.lines[i].sku, &p, &e) != LM_OK) p.name[0] = '\0';
        for (int k = 0; k < 2; k++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "sku", m.lines[i].sku);
            cJSON_AddStringToObject(x, "name", p.name);
            cJSON_AddNumberToObject(x, "qty", (double)m.lines[i].qty);
            cJSON_AddItemToArray(k ? top : a, x);
        }
    }
}

lm_status api__returns_stop_done_tx(store_tx *tx, http_req *r, int64_t stop_id, bool collected,
                                    const char *reason) {
    dispatch_stop s;
    lm_status rc = dispatch_stop_get(store_tx_read(tx), stop_id, &s, &r->err);
    if (rc != LM_OK) return rc;
    bool is_pickup = s.return_id && s.kind == DISPATCH_STOP_PICKUP;
    const char *tail = strrchr(r->path, '/');
    /* a pickup-and-delivery order's pickup at its sender is collected too (dispatch records it);
     * a parcel fetched at the depot is not a collection */
    store_pickup pk;
    lm_errinfo pe;
    bool at_sender = s.kind == DISPATCH_STOP_PICKUP && !s.return_id && !s.transfer_from &&
                     store_pickup_get(store_tx_read(tx), s.order_id, &pk, &pe) == LM_OK &&
                     fabs(s.lat - pk.lat) < 1e-9 && fabs(s.lon - pk.lon) < 1e-9;
    if (collected && !is_pickup && !at_sender && tail && !strcmp(tail, "/collected"))
        return http_error(r, LM_CONFLICT, "id", "stop %lld collects nothing: mark it delivered",
                          (long long)stop_id);
    if (!is_pickup) return LM_OK;
    api_returns rt;
    if ((rc = api__returns_open(r, &rt)) != LM_OK) return rc;
    char actor[64];
    snprintf(actor, sizeof actor, "driver:%.50s", r->subject);
    if (collected)
        rc = returns_rma_move_tx(rt.svc, tx, s.return_id, RETURNS_COLLECTED, actor, NULL, &r->err);
    else
        rc = returns_pickup_failed_tx(rt.svc, tx, s.return_id, reason, actor, &r->err);
    api__returns_close(&rt);
    return rc;
}
