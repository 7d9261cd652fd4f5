/* dispatch/plan.c: plans: the request recorded as `solving`, the solve on the worker (problem from
 * ready packages and the fleet, progress events), proposed routes stored as stops, reads, commit,
 * discard (hand moves on a proposal: dispatch/hand_plan.c). */
#include "dispatch/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Reading the fleet and the ready packages ---- */

/* Index+1 of depot id in ids[0..*n) (appending it when absent and room remains). */
static uint32_t depot_skill(char (*ids)[DISPATCH_ID_MAX + 1], size_t *n, size_t cap,
                            const char *id) {
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(ids[i], id)) return (uint32_t)i + 1;
    if (*n == cap) return SOLVER_NONE;
    lm_strlcpy(ids[*n], id, sizeof ids[0]);
    return (uint32_t)++ * n;
}

static bool wanted(const dispatch_plan_req *req, const char *vid) {
    if (!req->vehicle_ids) return true;
    for (size_t i = 0; i < req->n_vehicle_ids; i++)
        if (!strcmp(req->vehicle_ids[i], vid)) return true;
    return false;
}

/* Every active vehicle that has a driver today (and is in req's list). */
static lm_status fleet_load(store_read *r, const dispatch_plan_req *req, int64_t day_start_s,
                            dispatch__model *m, char (*depots)[DISPATCH_ID_MAX + 1],
                            size_t *n_depots, size_t cap_depots, lm_errinfo *err) {
    store_vehicle *vs = NULL;
    store_driver *ds = NULL;
    size_t nv = 0, nd = 0;
    lm_status rc = store_vehicle_list(r, &vs, &nv, err);
    if (rc == LM_OK) rc = store_driver_list(r, &ds, &nd, err);
    for (size_t i = 0; rc == LM_OK && i < nv; i++) {
        if (!vs[i].active || !wanted(req, vs[i].id)) continue;
        const store_driver *drv = NULL;
        for (size_t k = 0; k < nd && !drv; k++)
            if (!strcmp(ds[k].vehicle_id, vs[i].id)) drv = &ds[k];
        if (!drv) continue;
        dispatch__vehicle *mv = NULL;
        if ((rc = dispatch__model_add_vehicle(m, &mv)) != LM_OK) break;
        if ((rc = dispatch__vehicle_fill(r, day_start_s, &vs[i], drv, mv, err)) != LM_OK) break;
        uint32_t sk = depot_skill(depots, n_depots, cap_depots, vs[i].start_depot);
        if (sk != SOLVER_NONE) mv->skills[mv->n_skills++] = sk;
    }
    lm_free(vs);
    lm_free(ds);
    return rc;
}

lm_status dispatch__fleet_load(store_read *r, const dispatch_plan_req *req, int64_t day_start_s,
                               dispatch__model *m, char (*depots)[DISPATCH_ID_MAX + 1],
                               size_t *n_depots, size_t cap_depots, lm_errinfo *err) {
    return fleet_load(r, req, day_start_s, m, depots, n_depots, cap_depots, err);
}

lm_status dispatch__orders_each(store_read *r, const char *status,
                                lm_status (*fn)(void *ctx, const store_order *o), void *ctx,
                                lm_errinfo *err) {
    store_order_filter f = {.status = status, .limit = 1000};
    for (;;) {
        store_order *page = NULL;
        size_t np = 0;
        lm_status rc = store_order_list(r, &f, &page, &np, err);
        if (rc != LM_OK) return rc;
        for (size_t i = 0; i < np && rc == LM_OK; i++) {
            f.after_id = page[i].id;
            rc = fn(ctx, &page[i]);
        }
        store_order_list_free(page, np);
        if (rc != LM_OK) return rc;
        if (np < f.limit) return LM_OK;
    }
}

/* ---- Plan creation and the worker's solve ---- */

lm_status dispatch_plan_create(dispatch *d, const dispatch_plan_req *req, int64_t *plan_id,
                               lm_errinfo *err) {
    dispatch_plan_req empty = {0};
    if (!req) req = &empty;
    if (req->time_limit_ms < 0 || req->time_limit_ms > 600000)
        return lm_errinfo_set(err, LM_INVALID, "time_limit_ms", "must be 0..600000");
    if (req->n_vehicle_ids > 10000)
        return lm_errinfo_set(err, LM_TOO_BIG, "vehicle_ids", "at most 10000 vehicles");
    dispatch__job *job = lm_calloc(1, sizeof *job);
    if (!job) return LM_NOMEM;
    job->kind = DISPATCH__JOB_PLAN;
    job->req = *req;
    job->req.vehicle_ids = NULL;
    job->req.n_vehicle_ids = 0;
    job->req.depot_id = NULL;
    if (req->depot_id && req->depot_id[0]) {
        if (!(job->depot_id = lm_strdup(req->depot_id))) goto nomem;
        job->req.depot_id = job->depot_id;
    }
    job->req.pickups = NULL;
    job->req.n_pickups = 0;
    if (req->n_pickups > DISPATCH_PICKUPS_MAX) {
        dispatch__job_free(job);
        return lm_errinfo_set(err, LM_TOO_BIG, "pickups", "at most %d pickup tasks",
                              DISPATCH_PICKUPS_MAX);
    }
    if (req->n_pickups) {
        if (!(job->pickups = lm_calloc(req->n_pickups, sizeof *job->pickups))) goto nomem;
        memcpy(job->pickups, req->pickups, req->n_pickups * sizeof *job->pickups);
        job->req.pickups = job->pickups;
        job->req.n_pickups = req->n_pickups;
    }
    if (req->vehicle_ids) {
        const char **ids = lm_calloc(req->n_vehicle_ids + 1, sizeof *ids);
        if (!ids) goto nomem;
        job->req.vehicle_ids = ids;
        for (size_t i = 0; i < req->n_vehicle_ids; i++) {
            if (!(ids[i] = lm_strdup(req->vehicle_ids[i]))) goto nomem;
            job->req.n_vehicle_ids = i + 1;
        }
    }
    store_plan p = {.status = DISPATCH_PLAN_SOLVING, .best_cost = -1};
    p.created_ms = p.updated_ms = dispatch__now_ms(d);
    p.day_start_s = req->day_start_s;
    snprintf(p.request, sizeof p.request,
             "{\"depot\":\"%s\",\"time_limit_ms\":%" PRId64 ",\"vehicles\":%zu}",
             job->depot_id ? job->depot_id : "", req->time_limit_ms, req->n_vehicle_ids);
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(d->st, &tx);
    if (rc != LM_OK) {
        dispatch__job_free(job);
        return lm_errinfo_set(err, rc, "", "store unavailable");
    }
    int64_t id = 0;
    char ids[24];
    if ((rc = store_plan_insert(tx, &p, &id, err)) != LM_OK) goto fail;
    if ((rc = dispatch__plan_job_add(d, tx, id, &job->req, err)) != LM_OK) goto fail;
    snprintf(ids, sizeof ids, "%" PRId64, id);
    if ((rc = dispatch__event(tx, "plan.created", "plan", ids,
                              "{\"plan_id\":%" PRId64 ",\"status\":\"solving\"}", id)) != LM_OK)
        goto fail;
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) goto fail;
    /* the job row is the request now: the leading node's worker solves it */
    dispatch__job_free(job);
    dispatch__kick(d);
    *plan_id = id;
    return LM_OK;
fail:
    store_tx_rollback(tx);
    dispatch__job_free(job);
    return rc;
nomem:
    dispatch__job_free(job);
    return LM_NOMEM;
}

typedef struct progress_ctx {
    dispatch *d;
    int64_t plan_id;
    int64_t last_ms;
    pthread_mutex_t mu;
} progress_ctx;

static void on_progress(const solver_progress *pr, void *ud) {
    progress_ctx *c = ud;
    pthread_mutex_lock(&c->mu);
    int64_t now = lm_mono_ns() / 1000000;
    if (now - c->last_ms >= 250) {
        c->last_ms = now;
        store_tx *tx = NULL;
        store_plan p;
        char ids[24];
        snprintf(ids, sizeof ids, "%" PRId64, c->plan_id);
        if (store_tx_begin(c->d->st, &tx) == LM_OK) {
            if (store_plan_get(store_tx_read(tx), c->plan_id, &p, NULL) == LM_OK &&
                p.status == DISPATCH_PLAN_SOLVING) {
                p.best_cost = pr->best_cost;
                p.updated_ms = dispatch__now_ms(c->d);
                if (store_plan_update(tx, &p, NULL) == LM_OK &&
                    dispatch__event(tx, "plan.progress", "plan", ids,
                                    "{\"plan_id\":%" PRId64 ",\"best_cost\":%" PRId64
                                    ",\"unassigned\":%zu,\"elapsed_ms\":%" PRId64 "}",
                                    c->plan_id, pr->best_cost, pr->unassigned,
                                    pr->elapsed_ms) == LM_OK) {
                    if (store_tx_commit(tx) != LM_OK) {
                        /* progress is advisory: a failed commit only loses this report */
                    }
                    tx = NULL;
                }
            }
            store_tx_rollback(tx);
        }
    }
    pthread_mutex_unlock(&c->mu);
}

typedef struct ready_ctx {
    dispatch *d;
    store_read *r;
    dispatch__model *m;
    const char *depot;
    char (*depots)[DISPATCH_ID_MAX + 1];
    size_t *n_depots;
    store_unassigned *skipped;
    size_t n_skipped, cap_skipped;
    int64_t earliest_s;
} ready_ctx;

static lm_status skip(ready_ctx *c, int64_t order_id, const char *why) {
    if (c->n_skipped == c->cap_skipped) {
        size_t nc = c->cap_skipped ? c->cap_skipped * 2 : 16;
        store_unassigned *p = lm_reallocarray(c->skipped, nc, sizeof *p);
        if (!p) return LM_NOMEM;
        c->skipped = p;
        c->cap_skipped = nc;
    }
    store_unassigned *u = &c->skipped[c->n_skipped++];
    u->order_id = order_id;
    lm_strlcpy(u->reason, why, sizeof u->reason);
    return LM_OK;
}

static lm_status ready_add(void *ctx, const store_order *o) {
    ready_ctx *c = ctx;
    if (c->depot && c->depot[0] && strcmp(c->depot, o->depot_id)) return LM_OK;
    if (!o->has_location) return skip(c, o->id, "the order has no location");
    uint32_t sk = SOLVER_NONE;
    for (size_t i = 0; i < *c->n_depots; i++)
        if (!strcmp(c->depots[i], o->depot_id)) sk = (uint32_t)i + 1;
    if (sk == SOLVER_NONE) return skip(c, o->id, "no vehicle starts at the order's depot");
    dispatch__task *t = NULL;
    lm_status rc = dispatch__model_add_task(c->m, &t);
    if (rc != LM_OK) return rc;
    t->order_id = o->id;
    t->at = (geo_point){o->lat, o->lon};
    t->n_tws = o->n_windows;
    for (size_t i = 0; i < o->n_windows; i++) {
        t->tws[i] = (solver_tw){o->windows[i].start_s, o->windows[i].end_s};
        if (!c->earliest_s || o->windows[i].start_s < c->earliest_s)
            c->earliest_s = o->windows[i].start_s;
    }
    t->service_s = dispatch__service_s(c->d, c->r, o);
    if ((rc = dispatch__task_requires(c->r, o->id, t, NULL)) != LM_OK) return rc;
    t->amount[0] = o->pkg_weight_g;
    t->amount[1] = o->pkg_volume_cm3;
    t->amount[2] = o->pkg_parcels > 0 ? o->pkg_parcels : 1;
    t->priority = o->priority > 0 ? (uint32_t)o->priority : 0;
    t->skill = sk;
    /* collect at the sender first (dispatch/pd.c): its window may open the day */
    if (dispatch__pd_task(c->d, c->r, o->id, t) &&
        (!c->earliest_s || t->pick_tws[0].start_s < c->earliest_s))
        c->earliest_s = t->pick_tws[0].start_s;
    return LM_OK;
}

/* A pickup task as a shipment: collected at `from` in its window, carried, dropped at `to`; the
 * vans of its depot take it (any van when it names none; skipped when no van starts there). */
static lm_status pickup_add(ready_ctx *c, const dispatch_pickup_task *pk) {
    uint32_t sk = SOLVER_NONE;
    for (size_t i = 0; pk->depot_id[0] && i < *c->n_depots; i++)
        if (!strcmp(c->depots[i], pk->depot_id)) sk = (uint32_t)i + 1;
    if (pk->depot_id[0] && sk == SOLVER_NONE)
        return skip(c, pk->order_id, "no vehicle starts at the pickup's depot");
    dispatch__task *t = NULL;
    lm_status rc = dispatch__model_add_task(c->m, &t);
    if (rc != LM_OK) return rc;
    t->shipment = true;
    t->order_id = pk->order_id;
    t->return_id = pk->return_id;
    t->from = (geo_point){pk->from_lat, pk->from_lon};
    t->at = (geo_point){pk->to_lat, pk->to_lon};
    t->pickup_service_s = pk->service_s > 0 ? pk->service_s : c->d->o.default_service_s;
    if (pk->window_end_s > pk->window_start_s) {
        t->pick_tws[0] = (solver_tw){pk->window_start_s, pk->window_end_s};
        t->n_pick_tws = 1;
        if (!c->earliest_s || pk->window_start_s < c->earliest_s)
            c->earliest_s = pk->window_start_s;
    }
    t->amount[0] = pk->weight_g;
    t->amount[1] = pk->volume_cm3;
    t->amount[2] = pk->parcels > 0 ? pk->parcels : 1;
    t->skill = sk;
    return LM_OK;
}

static void plan_fail(dispatch *d, const dispatch__job *job, const char *why) {
    store_tx *tx = NULL;
    store_plan p;
    char ids[24];
    int64_t plan_id = job->plan_id;
    snprintf(ids, sizeof ids, "%" PRId64, plan_id);
    if (store_tx_begin(d->st, &tx) != LM_OK) return;
    bool claimed = false;
    if (dispatch__job_claim(d, tx, job, &claimed, NULL) != LM_OK || !claimed) {
        store_tx_rollback(tx); /* another leader has it */
        return;
    }
    if (store_plan_get(store_tx_read(tx), plan_id, &p, NULL) != LM_OK ||
        p.status != DISPATCH_PLAN_SOLVING) {
        /* discarded meanwhile: it stays so, and the job is done */
        if (store_tx_commit(tx) != LM_OK) {
            /* still pending: the next leader finds it discarded again */
        }
        return;
    }
    p.status = DISPATCH_PLAN_FAILED;
    p.updated_ms = dispatch__now_ms(d);
    lm_strlcpy(p.error, why, sizeof p.error);
    lm_buf b;
    lm_buf_init(&b, 1024);
    if (lm_buf_printf(&b, "{\"plan_id\":%" PRId64 ",\"error\":", plan_id) == LM_OK &&
        lm_buf_json_str(&b, why) == LM_OK && lm_buf_append(&b, "}", 1) == LM_OK &&
        store_plan_update(tx, &p, NULL) == LM_OK &&
        store_event_append(tx, "plan.failed", "plan", ids, b.data) == LM_OK) {
        if (store_tx_commit(tx) != LM_OK) {
            /* nothing else to record it with */
        }
        tx = NULL;
    }
    lm_buf_free(&b);
    store_tx_rollback(tx);
}

void dispatch__plan_run(dispatch *d, dispatch__job *job) {
    dispatch__model m = {0};
    ready_ctx rc_ = {.d = d, .m = &m, .depot = job->req.depot_id};
    char depots[64][DISPATCH_ID_MAX + 1];
    size_t n_depots = 0;
    rc_.depots = depots;
    rc_.n_depots = &n_depots;
    solver_solution *sol = NULL;
    lm_errinfo err = {0};
    store_read *r = NULL;
    progress_ctx pc = {.d = d, .plan_id = job->plan_id, .last_ms = lm_mono_ns() / 1000000};
    pthread_mutex_init(&pc.mu, NULL);
    lm_status rc = store_read_begin(d->st, &r);
    if (rc != LM_OK) {
        lm_errinfo_set(&err, rc, "", "store unavailable");
        goto fail;
    }
    /* the fleet is placed on the day once the ready windows say which day it is */
    int64_t day = job->req.day_start_s;
    dispatch__model fleet = {0};
    dispatch_plan_req fake = job->req;
    if ((rc = fleet_load(r, &fake, 0, &fleet, depots, &n_depots, 64, &err)) != LM_OK) {
        dispatch__model_free(&fleet);
        goto fail;
    }
    dispatch__model_free(&fleet);
    rc_.r = r;
    if ((rc = dispatch__orders_each(r, "ready", ready_add, &rc_, &err)) != LM_OK) goto fail;
    for (size_t i = 0; i < job->req.n_pickups; i++)
        if ((rc = pickup_add(&rc_, &job->req.pickups[i])) != LM_OK) goto fail;
    if (!day)
        day = dispatch__day_start(d, rc_.earliest_s ? rc_.earliest_s : dispatch__now_ms(d) / 1000);
    n_depots = 0;
    if ((rc = fleet_load(r, &job->req, day, &m, depots, &n_depots, 64, &err)) != LM_OK) goto fail;
    dispatch__work_hours(d, r, day, &m);
    store_read_end(r);
    r = NULL;
    if (m.n_veh == 0) {
        rc = lm_errinfo_set(&err, LM_CONFLICT, "vehicles",
                            "no active vehicle with a driver to plan with");
        goto fail;
    }
    if (m.n_tasks == 0) {
        /* nothing ready: an empty proposal, with the packages that could not be planned */
        if (!(sol = lm_calloc(1, sizeof *sol))) {
            rc = LM_NOMEM;
            goto fail;
        }
    } else {
        if ((rc = dispatch__model_problem(d, &m, &err)) != LM_OK) goto fail;
    }
    solver_opts so;
    solver_opts_init(&so);
    so.time_limit_ms =
        job->req.time_limit_ms > 0 ? job->req.time_limit_ms : d->o.plan_time_limit_ms;
    so.threads = d->o.solver_threads;
    so.seed = (uint64_t)job->plan_id;
    so.cancel = &d->cancel;
    so.on_progress = on_progress;
    so.progress_ud = &pc;
    solver_check_report rep;
    if (m.n_tasks && (rc = solver_solve(m.problem, &so, &sol, &err)) != LM_OK) goto fail;
    if (m.n_tasks && solver_check(m.problem, sol, &rep) != LM_OK) {
        rc = lm_errinfo_set(&err, LM_INTERNAL, "solution", "the solver's plan fails the check: %s",
                            rep.first);
        goto fail;
    }
    store_tx *tx = NULL;
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, job->plan_id);
    if ((rc = store_tx_begin(d->st, &tx)) != LM_OK) goto fail;
    store_plan p;
    bool claimed = false;
    /* the job row is the fence: a leader that lost the lead mid-solve finds it done by the new
     * one and stores nothing, so a plan is never proposed twice */
    if ((rc = dispatch__job_claim(d, tx, job, &claimed, &err)) != LM_OK || !claimed ||
        (rc = store_plan_get(store_tx_read(tx), job->plan_id, &p, &err)) != LM_OK ||
        p.status != DISPATCH_PLAN_SOLVING) {
        store_tx_rollback(tx); /* discarded meanwhile, or done by another leader */
        if (claimed && rc == LM_OK) dispatch__job_done_alone(d, job);
        goto done;
    }
    p.status = DISPATCH_PLAN_PROPOSED;
    p.day_start_s = day;
    p.best_cost = sol->cost;
    p.updated_ms = dispatch__now_ms(d);
    rc = dispatch__store_solution(tx, &m, sol, &p, &err);
    for (size_t i = 0; rc == LM_OK && i < rc_.n_skipped; i++)
        rc = store_unassigned_add(tx, p.id, &rc_.skipped[i], &err);
    if (rc == LM_OK) rc = store_plan_update(tx, &p, &err);
    if (rc == LM_OK)
        rc = dispatch__event(tx, "plan.proposed", "plan", ids,
                             "{\"plan_id\":%" PRId64 ",\"cost\":%" PRId64
                             ",\"routes\":%zu,\"unassigned\":%zu}",
                             p.id, p.cost, sol->n_routes, sol->n_unassigned + rc_.n_skipped);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        goto fail;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) {
        lm_errinfo_set(&err, rc, "", "could not store the plan");
        goto fail;
    }
    goto done;
fail:
    plan_fail(d, job, err.message[0] ? err.message : lm_strerror(rc));
done:
    store_read_end(r);
    solver_solution_destroy(sol);
    dispatch__model_free(&m);
    lm_free(rc_.skipped);
    pthread_mutex_destroy(&pc.mu);
}

/* ---- Reads ---- */

void dispatch_plan_clear(dispatch_plan *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n_routes; i++) {
        lm_free(p->routes[i].stops);
        lm_free(p->routes[i].geometry);
    }
    lm_free(p->routes);
    lm_free(p->unassigned);
    memset(p, 0, sizeof *p);
}

void dispatch_plan_list_free(dispatch_plan *list, size_t n) {
    for (size_t i = 0; list && i < n; i++)
        dispatch_plan_clear(&list[i]);
    lm_free(list);
}

static void plan_header(const store_plan *sp, dispatch_plan *p) {
    memset(p, 0, sizeof *p);
    p->id = sp->id;
    p->is_replan = sp->is_replan;
    p->status = (dispatch_plan_status)sp->status;
    p->created_ms = sp->created_ms;
    p->updated_ms = sp->updated_ms;
    p->day_start_s = sp->day_start_s;
    p->best_cost = sp->best_cost;
    p->cost = sp->cost;
    p->distance_m = sp->distance_m;
    p->duration_s = sp->duration_s;
    lm_strlcpy(p->error, sp->error, sizeof p->error);
    lm_strlcpy(p->router, sp->router, sizeof p->router);
    p->matrix_cells = sp->matrix_cells;
    p->cells_estimated = sp->cells_estimated;
    p->effect.cost_before = sp->cost_before;
    p->effect.cost_after = sp->cost;
    p->effect.late_before = sp->late_before;
    p->effect.late_after = sp->late_after;
    p->effect.unassigned_before = sp->unassigned_before;
    p->effect.unassigned_after = sp->unassigned_after;
    p->effect.routes_changed = sp->routes_changed;
    p->effect.stops_moved = sp->stops_moved;
    lm_strlcpy(p->effect.trigger, sp->trigger, sizeof p->effect.trigger);
    lm_strlcpy(p->effect.trigger_vehicle, sp->trigger_vehicle, sizeof p->effect.trigger_vehicle);
}

lm_status dispatch_plan_get(store_read *r, int64_t plan_id, dispatch_plan *out, lm_errinfo *err) {
    store_plan sp;
    store_plan_route *rts = NULL;
    store_stop *stops = NULL;
    store_unassigned *un = NULL;
    size_t n_rts = 0, n_stops = 0, n_un = 0;
    dispatch_plan p = {0};
    lm_status rc = store_plan_get(r, plan_id, &sp, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "id", "plan %" PRId64 " not found", plan_id);
    if (rc != LM_OK) return rc;
    plan_header(&sp, &p);
    store_stop_filter f = {.plan_id = plan_id};
    if ((rc = store_plan_routes(r, plan_id, &rts, &n_rts, err)) != LM_OK ||
        (rc = store_stop_query(r, &f, &stops, &n_stops, err)) != LM_OK ||
        (rc = store_unassigned_list(r, plan_id, &un, &n_un, err)) != LM_OK)
        goto fail;
    if (n_rts) {
        if (!(p.routes = lm_calloc(n_rts, sizeof *p.routes))) goto nomem;
    }
    for (size_t i = 0; i < n_rts; i++) {
        dispatch_route *dr = &p.routes[p.n_routes++];
        const store_plan_route *sr = &rts[i];
        lm_strlcpy(dr->vehicle_id, sr->vehicle_id, sizeof dr->vehicle_id);
        lm_strlcpy(dr->driver_id, sr->driver_id, sizeof dr->driver_id);
        dr->start_lat = sr->start_lat;
        dr->start_lon = sr->start_lon;
        dr->has_end = sr->has_end;
        dr->end_lat = sr->end_lat;
        dr->end_lon = sr->end_lon;
        dr->start_s = sr->start_s;
        dr->end_s = sr->end_s;
        dr->cost = sr->cost;
        dr->distance_m = sr->distance_m;
        dr->duration_s = sr->duration_s;
        dr->load_g = sr->load_g;
        dr->load_cm3 = sr->load_cm3;
        dr->load_parcels = sr->load_parcels;
        rc = store_route_geometry_get(r, plan_id, sr->vehicle_id, &dr->geometry,
                                      &dr->geometry_estimated, NULL);
        if (rc == LM_NOMEM) goto nomem;
        rc = LM_OK; /* none yet: the worker has not fetched it */
        size_t cnt = 0;
        for (size_t k = 0; k < n_stops; k++)
            cnt += !strcmp(stops[k].vehicle_id, sr->vehicle_id);
        if (cnt && !(dr->stops = lm_calloc(cnt, sizeof *dr->stops))) goto nomem;
        for (size_t k = 0; k < n_stops; k++)
            if (!strcmp(stops[k].vehicle_id, sr->vehicle_id)) dr->stops[dr->n_stops++] = stops[k];
    }
    if (n_un) {
        if (!(p.unassigned = lm_calloc(n_un, sizeof *p.unassigned))) goto nomem;
        for (size_t i = 0; i < n_un; i++) {
            p.unassigned[i].order_id = un[i].order_id;
            lm_strlcpy(p.unassigned[i].reason, un[i].reason, sizeof p.unassigned[i].reason);
        }
        p.n_unassigned = n_un;
    }
    lm_free(rts);
    lm_free(stops);
    lm_free(un);
    *out = p;
    return LM_OK;
nomem:
    rc = LM_NOMEM;
fail:
    lm_free(rts);
    lm_free(stops);
    lm_free(un);
    dispatch_plan_clear(&p);
    return rc;
}

lm_status dispatch_plan_list(store_read *r, size_t limit, dispatch_plan **out, size_t *n,
                             lm_errinfo *err) {
    store_plan *sp = NULL;
    size_t ns = 0;
    if (limit == 0 || limit > 1000) limit = 1000;
    lm_status rc = store_plan_list(r, limit, &sp, &ns, err);
    if (rc != LM_OK) return rc;
    dispatch_plan *list = ns ? lm_calloc(ns, sizeof *list) : NULL;
    if (ns && !list) {
        lm_free(sp);
        return LM_NOMEM;
    }
    for (size_t i = 0; i < ns; i++)
        plan_header(&sp[i], &list[i]);
    lm_free(sp);
    *out = list;
    *n = ns;
    return LM_OK;
}

lm_status dispatch__plan_totals(store_read *r, store_plan *p, lm_errinfo *err) {
    store_plan_route *rts = NULL;
    size_t n = 0;
    lm_status rc = store_plan_routes(r, p->id, &rts, &n, err);
    if (rc != LM_OK) return rc;
    p->cost = p->distance_m = p->duration_s = 0;
    for (size_t i = 0; i < n; i++) {
        p->cost += rts[i].cost;
        p->distance_m += rts[i].distance_m;
        p->duration_s += rts[i].duration_s;
    }
    lm_free(rts);
    return LM_OK;
}

lm_status dispatch__same_depot(store_read *r, int64_t order_id, const char *vehicle_id,
                               lm_errinfo *err) {
    store_vehicle v;
    lm_status rc = store_vehicle_get(r, vehicle_id, &v, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_INVALID, "to_vehicle", "vehicle '%s' not found", vehicle_id);
    if (rc != LM_OK) return rc;
    store_order o = {0};
    if ((rc = store_order_get(r, order_id, &o, err)) != LM_OK) return rc;
    if (strcmp(o.depot_id, v.start_depot))
        rc = lm_errinfo_set(err, LM_CONFLICT, "to_vehicle",
                            "order %" PRId64 " ships from depot %s; vehicle %s loads at depot %s: "
                            "choose a vehicle of depot %s",
                            order_id, o.depot_id, vehicle_id, v.start_depot, o.depot_id);
    store_order_clear(&o);
    return rc;
}

/* ---- Commit and discard ---- */

lm_status dispatch__plan_begin(dispatch *d, int64_t plan_id, const char *what, store_tx **tx,
                               store_plan *p, lm_errinfo *err) {
    lm_status rc = store_tx_begin(d->st, tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_plan_get(store_tx_read(*tx), plan_id, p, err);
    if (rc == LM_NOT_FOUND)
        lm_errinfo_set(err, rc, "id", "%s %" PRId64 " not found", what, plan_id);
    return rc;
}

lm_status dispatch_plan_commit(dispatch *d, int64_t plan_id, lm_errinfo *err) {
    store_tx *tx = NULL;
    store_stop *stops = NULL, *old = NULL;
    store_plan_route *rts = NULL;
    size_t n_stops = 0, n_old = 0, n_rts = 0;
    int64_t now = dispatch__now_ms(d);
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, plan_id);
    store_plan p;
    lm_status rc = dispatch__plan_begin(d, plan_id, "plan", &tx, &p, err);
    if (rc != LM_OK) goto fail;
    store_read *r = store_tx_read(tx);
    if (p.is_replan || p.status != DISPATCH_PLAN_PROPOSED) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            p.is_replan ? "plan %" PRId64 " is a re-plan: apply it instead"
                                        : "plan %" PRId64 " is %s; only a proposed plan can be "
                                          "committed",
                            plan_id, dispatch_plan_status_name((dispatch_plan_status)p.status));
        goto fail;
    }
    store_stop_filter f = {.plan_id = plan_id};
    if ((rc = store_plan_routes(r, plan_id, &rts, &n_rts, err)) != LM_OK ||
        (rc = store_stop_query(r, &f, &stops, &n_stops, err)) != LM_OK)
        goto fail;
    for (size_t i = 0; i < n_rts; i++) {
        store_stop_filter fv = {.vehicle_id = rts[i].vehicle_id, .live_only = true};
        if ((rc = store_stop_query(r, &fv, &old, &n_old, err)) != LM_OK) goto fail;
        for (size_t k = 0; k < n_old; k++) {
            if (old[k].status == DISPATCH_STOP_PLANNED || old[k].status == DISPATCH_STOP_ARRIVED) {
                rc = lm_errinfo_set(err, LM_CONFLICT, "vehicles",
                                    "vehicle %s still has pending stops on its live route; "
                                    "re-plan the day instead of committing a new plan",
                                    rts[i].vehicle_id);
                goto fail;
            }
            old[k].live = false; /* yesterday's finished route leaves the driver's view */
            if ((rc = store_stop_update(tx, &old[k], err)) != LM_OK) goto fail;
        }
        lm_free(old);
        old = NULL;
        store_vstate vs = {0};
        if (store_vstate_get(r, rts[i].vehicle_id, &vs, NULL) != LM_OK) {
            memset(&vs, 0, sizeof vs);
            lm_strlcpy(vs.vehicle_id, rts[i].vehicle_id, sizeof vs.vehicle_id);
        }
        lm_strlcpy(vs.driver_id, rts[i].driver_id, sizeof vs.driver_id);
        vs.pace = 1;
        vs.started = vs.broken = vs.silent = vs.full = false;
        vs.arrive_stop = vs.arrive_since_ms = vs.delay_s = 0;
        vs.started_ms = vs.returned_ms = 0;
        if ((rc = store_vstate_put(tx, &vs, err)) != LM_OK) goto fail;
    }
    for (size_t i = 0; i < n_stops; i++) {
        stops[i].live = true;
        if ((rc = store_stop_update(tx, &stops[i], err)) != LM_OK) goto fail;
        /* the ETA the customer is first given: analytics measures its accuracy */
        if ((rc = dispatch__event_eta_set(tx, &stops[i], now)) != LM_OK) goto fail;
        /* a pickup task's stops leave their order as it is (a return's order stays delivered) */
        if (stops[i].kind == DISPATCH_STOP_DELIVERY && !stops[i].return_id &&
            (rc = dispatch__order_move(tx, stops[i].order_id, "planned", now, err)) != LM_OK)
            goto fail;
    }
    for (size_t i = 0; i < n_rts; i++) {
        size_t cnt = 0;
        for (size_t k = 0; k < n_stops; k++)
            cnt += !strcmp(stops[k].vehicle_id, rts[i].vehicle_id);
        if ((rc = dispatch__event(tx, "route.assigned", "vehicle", rts[i].vehicle_id,
                                  "{\"plan_id\":%" PRId64
                                  ",\"vehicle_id\":\"%s\",\"driver_id\":\"%s\",\"stops\":%zu}",
                                  plan_id, rts[i].vehicle_id, rts[i].driver_id, cnt)) != LM_OK)
            goto fail;
    }
    p.status = DISPATCH_PLAN_COMMITTED;
    p.updated_ms = now;
    if ((rc = store_plan_update(tx, &p, err)) != LM_OK ||
        (rc = store_live_version_bump(tx, err)) != LM_OK ||
        (rc = dispatch__event(tx, "plan.committed", "plan", ids,
                              "{\"plan_id\":%" PRId64 ",\"routes\":%zu,\"stops\":%zu}", plan_id,
                              n_rts, n_stops)) != LM_OK)
        goto fail;
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) lm_errinfo_set(err, rc, "", "commit failed");
fail:
    store_tx_rollback(tx);
    lm_free(stops);
    lm_free(old);
    lm_free(rts);
    return rc;
}

lm_status dispatch_plan_discard(dispatch *d, int64_t plan_id, lm_errinfo *err) {
    store_tx *tx = NULL;
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, plan_id);
    store_plan p;
    lm_status rc = dispatch__plan_begin(d, plan_id, "plan", &tx, &p, err);
    if (rc != LM_OK) goto fail;
    if (p.status != DISPATCH_PLAN_PROPOSED && p.status != DISPATCH_PLAN_SOLVING) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "plan %" PRId64 " is %s; only a solving or proposed plan can be "
                            "discarded",
                            plan_id, dispatch_plan_status_name((dispatch_plan_status)p.status));
        goto fail;
    }
    p.status = DISPATCH_PLAN_DISCARDED;
    p.updated_ms = dispatch__now_ms(d);
    if ((rc = store_plan_update(tx, &p, err)) != LM_OK ||
        (rc = dispatch__event(tx, "plan.discarded", "plan", ids, "{\"plan_id\":%" PRId64 "}",
                              plan_id)) != LM_OK)
        goto fail;
    rc = store_tx_commit(tx);
    tx = NULL;
fail:
    store_tx_rollback(tx);
    return rc;
}
