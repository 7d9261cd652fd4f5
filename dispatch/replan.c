/* dispatch/replan.c: re-planning the remaining work after an exception. The live day becomes a
 * routing model (each vehicle from where it is now, parcels on board pinned to it, transfers
 * from a broken vehicle, depot pickups for parcels not loaded yet), solved twice: first as a
 * repair of the live routes, every stop kept on its vehicle in its order and only the work without
 * a vehicle inserted (dispatch/replan_repair.c: fast, changes little), then free from that answer
 * with a penalty per moved stop; the better answer is proposed with its effect, and applied on
 * request or at once (auto_apply). */
#include "dispatch/internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PRIO_ON_BOARD 100 /* parcels on a van must be delivered before anything new is taken */
#define PRIO_PLANNED  50  /* stops already promised to customers */

lm_status dispatch_replan_request(dispatch *d, dispatch_trigger why, const char *vehicle_id,
                                  int64_t *replan_id, lm_errinfo *err) {
    if (replan_id) *replan_id = 0; /* the worker creates the row; it is announced by an event */
    pthread_mutex_lock(&d->mu);
    bool queued = d->replan_queued;
    pthread_mutex_unlock(&d->mu);
    if (queued) return LM_OK; /* the queued re-plan reads the state when it runs: it covers this */
    /* recorded, not queued here: this node may not lead (dispatch/jobs.c) */
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(d->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = dispatch__replan_job_add(d, tx, why, vehicle_id, err)) == LM_OK) {
        rc = store_tx_commit(tx);
        tx = NULL;
    }
    store_tx_rollback(tx);
    if (rc == LM_OK) dispatch__kick(d);
    return rc;
}

/* ---- Building the live model ---- */

typedef struct live_src {
    store_stop *stops; /* every pending live stop, grouped by vehicle in seq order */
    size_t n_stops;
} live_src;

static double est_travel_s(const dispatch *d, geo_point a, geo_point b) {
    double m = geo_distance_m(a, b);
    return isfinite(m) ? m * d->o.matrix.detour_factor / d->o.matrix.speed_mps : 0;
}

static lm_status add_stop_tasks(dispatch *d, store_read *r, dispatch__model *m, live_src *src,
                                const char *veh_id, int vi, const store_vstate *vs, geo_point depot,
                                int64_t now_s, lm_errinfo *err) {
    bool broken = vs && vs->broken;
    bool started = vs && vs->started;
    geo_point here = vs && vs->has_position ? (geo_point){vs->lat, vs->lon} : depot;
    /* a delay the driver reported holds the van up before anything else: windows it makes
     * unreachable are counted late, not promised */
    int64_t ready_s = now_s + (vs && !broken ? vs->delay_s : 0);
    lm_status rc = LM_OK;
    bool first = true;
    for (size_t i = 0; i < src->n_stops; i++) {
        const store_stop *s = &src->stops[i];
        if (strcmp(s->vehicle_id, veh_id)) continue;
        if (s->kind != DISPATCH_STOP_DELIVERY) continue;
        const store_stop *pick = NULL;
        for (size_t k = 0; k < src->n_stops; k++)
            if (src->stops[k].kind == DISPATCH_STOP_PICKUP &&
                src->stops[k].order_id == s->order_id && !strcmp(src->stops[k].vehicle_id, veh_id))
                pick = &src->stops[k];
        bool on_board = started && !pick;
        dispatch__task *t = NULL;
        if ((rc = dispatch__model_add_task(m, &t)) != LM_OK) return rc;
        int ti = (int)(m->n_tasks - 1);
        t->order_id = s->order_id;
        t->at = (geo_point){s->lat, s->lon};
        t->service_s = s->service_s;
        t->amount[0] = s->weight_g;
        t->amount[1] = s->volume_cm3;
        t->amount[2] = s->parcels;
        t->stop_id = s->id;
        if ((rc = dispatch__task_requires(r, s->order_id, t, err)) != LM_OK) return rc;
        if (s->tw_end_s) {
            t->tws[0] = (solver_tw){s->tw_start_s, s->tw_end_s};
            t->n_tws = 1;
            /* a window that cannot be met any more would make the stop unplannable: it is
             * served late instead, and counted as such */
            if (ready_s + (int64_t)est_travel_s(d, here, t->at) > s->tw_end_s) {
                t->n_tws = 0;
                t->was_late = true;
            }
        }
        if (on_board && !broken) {
            t->only_vehicle = (uint32_t)vi;
            t->home_vehicle = vi;
            t->priority = PRIO_ON_BOARD;
        } else if (on_board && broken) {
            t->shipment = true;
            t->from = here;
            t->pickup_service_s = d->o.transfer_service_s;
            t->transfer_from = s->id;
            t->skill = 0;
            t->priority = PRIO_ON_BOARD;
        } else {
            t->shipment = true;
            t->from = pick ? (geo_point){pick->lat, pick->lon} : depot;
            t->pickup_service_s = pick ? pick->service_s : 0;
            t->pickup_stop = pick ? pick->id : 0;
            if (pick && pick->tw_end_s) { /* a pickup task's window (returns) */
                t->pick_tws[0] = (solver_tw){pick->tw_start_s, pick->tw_end_s};
                t->n_pick_tws = 1;
            }
            t->transfer_from = pick ? pick->transfer_from : 0;
            t->skill = 0;
            t->home_vehicle = vi;
            t->priority = PRIO_PLANNED;
        }
        if (s->locked && vi >= 0 && !broken) { /* the dispatcher's choice of van */
            t->locked = true;
            t->only_vehicle = (uint32_t)vi;
            t->skill = SOLVER_NONE;
        }
        /* the stop the van is driving to (or standing at) stays its first */
        const store_stop *head = pick && pick->seq < s->seq ? pick : s;
        if (first && vi >= 0 && started && !broken && vs->has_position) {
            bool is_first = true;
            for (size_t k = 0; k < src->n_stops; k++)
                if (!strcmp(src->stops[k].vehicle_id, veh_id) && src->stops[k].seq < head->seq &&
                    src->stops[k].kind != DISPATCH_STOP_BREAK)
                    is_first = false;
            if (is_first) {
                m->veh[vi].fixed_task = ti;
                m->veh[vi].fixed_pickup = t->shipment;
                t->only_vehicle = (uint32_t)vi;
                t->skill = SOLVER_NONE;
            }
        }
        first = false;
        (void)r;
    }
    return rc;
}

typedef struct new_ctx {
    dispatch *d;
    dispatch__model *m;
    store_read *r;
    const live_src *src;
    int64_t now_s;
} new_ctx;

/* An urgent order must not wait for the cheapest slot of the day (often its end): its windows
 * are cut to [now, now + within_s]. When none of them meets that span (the customer asked for
 * later), they stay as they are; when no van can make the deadline, the re-plan falls back to
 * them (urgent_fallback). */
static void urgent_deadline(dispatch__task *t, int64_t now_s, int64_t within_s) {
    solver_tw cut[STORE_WINDOWS_MAX];
    size_t n = 0;
    int64_t until = now_s + within_s;
    if (t->n_tws == 0) cut[n++] = (solver_tw){now_s, until};
    for (size_t i = 0; i < t->n_tws; i++) {
        int64_t a = t->tws[i].start_s > now_s ? t->tws[i].start_s : now_s;
        int64_t b = t->tws[i].end_s < until ? t->tws[i].end_s : until;
        if (a <= b) cut[n++] = (solver_tw){a, b};
    }
    if (n == 0) return;
    memcpy(t->own_tws, t->tws, sizeof t->tws);
    t->n_own_tws = t->n_tws;
    memcpy(t->tws, cut, sizeof cut);
    t->n_tws = n;
    t->urgent = true;
}

static lm_status new_order(void *ctx, const store_order *o) {
    new_ctx *c = ctx;
    if (!o->has_location) return LM_OK;
    for (size_t i = 0; i < c->src->n_stops; i++)
        if (c->src->stops[i].order_id == o->id) return LM_OK;
    store_depot dep;
    if (store_depot_get(c->r, o->depot_id, &dep, NULL) != LM_OK) return LM_OK;
    dispatch__task *t = NULL;
    lm_status rc = dispatch__model_add_task(c->m, &t);
    if (rc != LM_OK) return rc;
    t->shipment = true;
    t->order_id = o->id;
    t->at = (geo_point){o->lat, o->lon};
    t->from = (geo_point){dep.lat, dep.lon};
    t->n_tws = o->n_windows;
    for (size_t i = 0; i < o->n_windows; i++)
        t->tws[i] = (solver_tw){o->windows[i].start_s, o->windows[i].end_s};
    t->service_s = dispatch__service_s(c->d, c->r, o);
    if ((rc = dispatch__task_requires(c->r, o->id, t, NULL)) != LM_OK) return rc;
    t->amount[0] = o->pkg_weight_g;
    t->amount[1] = o->pkg_volume_cm3;
    t->amount[2] = o->pkg_parcels > 0 ? o->pkg_parcels : 1;
    t->priority = o->priority > 0 ? (uint32_t)o->priority : 0;
    t->skill = 0;
    dispatch__pd_task(c->d, c->r, o->id, t); /* collected at its sender, not the depot */
    if (o->priority >= c->d->o.urgent_priority)
        urgent_deadline(t, c->now_s, c->d->o.urgent_within_s);
    return LM_OK;
}

/* A break the driver has taken (done) is not scheduled again; one in progress (arrived) holds
 * the van until it ends. all[0..n) are the vehicle's live stops. */
static void drop_taken_breaks(dispatch__vehicle *mv, const store_stop *all, size_t n) {
    for (size_t k = 0; k < n; k++) {
        const store_stop *s = &all[k];
        if (s->kind != DISPATCH_STOP_BREAK) continue;
        if (s->status != DISPATCH_STOP_DONE && s->status != DISPATCH_STOP_ARRIVED) continue;
        int b = dispatch__break_of(mv, s->tw_start_s, s->tw_end_s);
        if (b < 0) continue;
        if (s->status == DISPATCH_STOP_ARRIVED && s->arrived_ms / 1000 + s->service_s > mv->start_s)
            mv->start_s = s->arrived_ms / 1000 + s->service_s;
        mv->breaks[b] = mv->breaks[mv->n_breaks - 1];
        mv->break_tws[b] = mv->break_tws[mv->n_breaks - 1];
        mv->n_breaks--;
    }
}

/* Each fleet vehicle's live stops (one indexed query per vehicle: a query of every live stop
 * scans the whole history of stops) into lv->all[i]; the pending ones (planned, arrived) also
 * into src->stops, grouped by vehicle in the fleet's order, vehicle i's at [lo[i], hi[i]). */
typedef struct live_vans {
    store_stop **all;
    size_t *n_all, *lo, *hi;
} live_vans;

static void live_vans_free(live_vans *lv, size_t nv) {
    for (size_t i = 0; lv->all && i < nv; i++)
        lm_free(lv->all[i]);
    lm_free(lv->all);
    lm_free(lv->n_all);
    lm_free(lv->lo);
    lm_free(lv->hi);
}

static lm_status live_stops(store_read *r, const store_vehicle *vs, size_t nv, live_vans *lv,
                            live_src *src, lm_errinfo *err) {
    lv->all = lm_calloc(nv + 1, sizeof *lv->all);
    lv->n_all = lm_calloc(nv + 1, sizeof *lv->n_all);
    lv->lo = lm_calloc(nv + 1, sizeof *lv->lo);
    lv->hi = lm_calloc(nv + 1, sizeof *lv->hi);
    if (!lv->all || !lv->n_all || !lv->lo || !lv->hi) return LM_NOMEM;
    size_t cap = 0;
    for (size_t i = 0; i < nv; i++) {
        store_stop_filter fv = {.vehicle_id = vs[i].id, .live_only = true};
        lm_status rc = store_stop_query(r, &fv, &lv->all[i], &lv->n_all[i], err);
        if (rc != LM_OK) return rc;
        lv->lo[i] = src->n_stops;
        for (size_t k = 0; k < lv->n_all[i]; k++) {
            const store_stop *x = &lv->all[i][k];
            if (x->status != DISPATCH_STOP_PLANNED && x->status != DISPATCH_STOP_ARRIVED) continue;
            if (src->n_stops == cap) {
                size_t nc = cap ? cap * 2 : 64;
                store_stop *g = lm_reallocarray(src->stops, nc, sizeof *g);
                if (!g) return LM_NOMEM;
                src->stops = g;
                cap = nc;
            }
            src->stops[src->n_stops++] = *x;
        }
        lv->hi[i] = src->n_stops;
    }
    return LM_OK;
}

/* Reads the live day into m (inside a tx view, so it follows every committed change). */
static lm_status live_model(dispatch *d, store_read *r, int64_t now_s, dispatch__model *m,
                            live_src *src, lm_errinfo *err) {
    store_vehicle *vs = NULL;
    store_driver *ds = NULL;
    store_vstate *st = NULL;
    size_t nv = 0, nd = 0, nst = 0;
    lm_status rc;
    live_vans lv = {0};
    int *veh_model = NULL;
    m->day_start_s = dispatch__day_start(d, now_s);
    if ((rc = store_vehicle_list(r, &vs, &nv, err)) != LM_OK ||
        (rc = store_driver_list(r, &ds, &nd, err)) != LM_OK ||
        (rc = store_vstate_list(r, &st, &nst, err)) != LM_OK ||
        (rc = live_stops(r, vs, nv, &lv, src, err)) != LM_OK)
        goto fail;
    /* vehicles first (tasks refer to their indices) */
    if (!(veh_model = lm_calloc(nv + 1, sizeof *veh_model))) {
        rc = LM_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < nv; i++) {
        veh_model[i] = -1;
        const store_driver *drv = NULL;
        for (size_t k = 0; k < nd && !drv; k++)
            if (!strcmp(ds[k].vehicle_id, vs[i].id)) drv = &ds[k];
        const store_vstate *s = NULL;
        for (size_t k = 0; k < nst && !s; k++)
            if (!strcmp(st[k].vehicle_id, vs[i].id)) s = &st[k];
        if (!vs[i].active || !drv || (s && (s->broken || s->route_locked))) continue;
        dispatch__vehicle *mv = NULL;
        if ((rc = dispatch__model_add_vehicle(m, &mv)) != LM_OK ||
            (rc = dispatch__vehicle_fill(r, m->day_start_s, &vs[i], drv, mv, err)) != LM_OK)
            goto fail;
        veh_model[i] = (int)(m->n_veh - 1);
        if (s && s->started && s->has_position) mv->start = (geo_point){s->lat, s->lon};
        /* the van is free from now, plus the delay its driver reported */
        int64_t ready_s = now_s + (s ? s->delay_s : 0);
        if (mv->start_s < ready_s) mv->start_s = ready_s;
        /* the day's stops keep counting after the last one done; breaks taken stay taken */
        for (size_t k = 0; k < lv.n_all[i]; k++)
            if (lv.all[i][k].seq + 1 > mv->seq_base) mv->seq_base = lv.all[i][k].seq + 1;
        drop_taken_breaks(mv, lv.all[i], lv.n_all[i]);
        if (mv->end_s < mv->start_s + 3600) mv->end_s = mv->start_s + 4 * 3600; /* overtime */
        size_t kept = 0;
        for (size_t b = 0; b < mv->n_breaks; b++)
            if (mv->break_tws[b].end_s >= mv->start_s) {
                mv->break_tws[kept] = mv->break_tws[b];
                mv->breaks[kept++] = mv->breaks[b];
            }
        mv->n_breaks = kept;
        if (!(s && (s->full || s->silent))) mv->skills[mv->n_skills++] = 0;
    }
    for (size_t i = 0; i < nv && rc == LM_OK; i++) {
        const store_vstate *s = NULL;
        for (size_t k = 0; k < nst && !s; k++)
            if (!strcmp(st[k].vehicle_id, vs[i].id)) s = &st[k];
        if (s && s->route_locked && !s->broken) continue; /* left exactly as it is */
        store_depot dep;
        geo_point depot = {0, 0};
        if (store_depot_get(r, vs[i].start_depot, &dep, NULL) == LM_OK)
            depot = (geo_point){dep.lat, dep.lon};
        /* the vehicle's own pending stops: the searches for its pickups stay within them */
        live_src own = {.stops = src->stops + lv.lo[i], .n_stops = lv.hi[i] - lv.lo[i]};
        rc = add_stop_tasks(d, r, m, &own, vs[i].id, veh_model[i], s, depot, now_s, err);
    }
    if (rc != LM_OK) goto fail;
    new_ctx c = {.d = d, .m = m, .r = r, .src = src, .now_s = now_s};
    rc = dispatch__orders_each(r, "ready", new_order, &c, err);
fail:
    lm_free(veh_model);
    live_vans_free(&lv, nv);
    lm_free(vs);
    lm_free(ds);
    lm_free(st);
    return rc;
}

/* ---- Solving and comparing ---- */

typedef struct outcome {
    solver_solution *sol;
    size_t moved;
    int64_t penalised;
} outcome;

static size_t moved_count(const dispatch__model *m, const solver_solution *s) {
    size_t moved = 0;
    for (size_t ri = 0; ri < s->n_routes; ri++)
        for (size_t k = 0; k < s->routes[ri].n_steps; k++) {
            const solver_step *st = &s->routes[ri].steps[k];
            if (st->type != SOLVER_STEP_JOB && st->type != SOLVER_STEP_DELIVERY) continue;
            int ti = dispatch__model_task_of(m, st);
            if (ti >= 0 && m->tasks[ti].home_vehicle >= 0 &&
                (uint32_t)m->tasks[ti].home_vehicle != s->routes[ri].vehicle)
                moved++;
        }
    return moved;
}

/* One solve of m: pinned, the repair of the live routes; free, a search from `from` (the
 * repaired answer, NULL: from scratch). */
static lm_status solve_once(dispatch *d, dispatch__model *m, const live_src *src, bool pinned,
                            const solver_solution *from, int64_t limit_ms, uint64_t seed,
                            outcome *out, lm_errinfo *err) {
    uint32_t *saved = lm_calloc(m->n_tasks + 1, sizeof *saved);
    uint32_t *saved_skill = lm_calloc(m->n_tasks + 1, sizeof *saved_skill);
    if (!saved || !saved_skill) {
        lm_free(saved);
        lm_free(saved_skill);
        return LM_NOMEM;
    }
    for (size_t i = 0; i < m->n_tasks; i++) {
        saved[i] = m->tasks[i].only_vehicle;
        saved_skill[i] = m->tasks[i].skill;
        if (pinned && m->tasks[i].home_vehicle >= 0 && m->tasks[i].only_vehicle == SOLVER_NONE) {
            m->tasks[i].only_vehicle = (uint32_t)m->tasks[i].home_vehicle;
            m->tasks[i].skill = SOLVER_NONE; /* its own van, even when full or silent */
        }
    }
    lm_status rc = dispatch__model_problem(d, m, err);
    for (size_t i = 0; i < m->n_tasks; i++) {
        m->tasks[i].only_vehicle = saved[i];
        m->tasks[i].skill = saved_skill[i];
    }
    lm_free(saved);
    lm_free(saved_skill);
    if (rc != LM_OK) return rc;
    solver_opts so;
    solver_opts_init(&so);
    so.time_limit_ms = limit_ms;
    so.threads = d->o.solver_threads;
    so.seed = seed;
    so.cancel = &d->cancel;
    so.move_penalty = d->o.move_penalty;
    /* The minimal-change pass repairs the live routes (dispatch/replan_repair.c) and answers
     * with that first feasible plan: the free pass is the one that searches
     * (bench/results/perf-replan.md). A route that cannot be kept as it is (a delay made a
     * window unreachable) is rebuilt on its van by insertion. */
    so.stop_at_feasible = pinned;
    solver_task_ref **seeds = NULL;
    size_t *seed_lens = NULL;
    if (pinned)
        rc = dispatch__live_routes(m, src->stops, src->n_stops, true, &seeds, &seed_lens);
    else if (from) /* a route the free problem refuses as it is (skills) is left out */
        rc = dispatch__solution_seeds(m, from, &seeds, &seed_lens);
    if (rc != LM_OK) return rc;
    so.seed_routes = (const solver_task_ref *const *)seeds;
    so.seed_lens = seed_lens;
    so.seed_lenient = true;
    so.start_unpolished = pinned;
    solver_solution *s = NULL;
    rc = solver_solve(m->problem, &so, &s, err);
    dispatch__live_routes_free(seeds, m->n_veh, seed_lens);
    if (rc != LM_OK) return rc;
    solver_check_report rep;
    if (solver_check(m->problem, s, &rep) != LM_OK) {
        solver_solution_destroy(s);
        return lm_errinfo_set(err, LM_INTERNAL, "solution", "re-plan fails the check: %s",
                              rep.first);
    }
    out->sol = s;
    out->moved = moved_count(m, s);
    out->penalised = s->cost + (int64_t)d->o.move_penalty * (int64_t)out->moved;
    return LM_OK;
}

/* Served priority first (the solver's own first objective), then penalised cost. */
static bool better(const outcome *a, const outcome *b) {
    if (a->sol->priority != b->sol->priority) return a->sol->priority > b->sol->priority;
    if (a->sol->n_unassigned != b->sol->n_unassigned)
        return a->sol->n_unassigned < b->sol->n_unassigned;
    return a->penalised < b->penalised;
}

/* The model's tasks for parcels on board a running van (pinned to it, no pickup left) that the
 * solution leaves unassigned, into out[] (task indices); returns their count. Such a parcel
 * cannot go back to the depot or to another van: a re-plan must keep delivering it. */
static size_t on_board_dropped(const dispatch__model *m, const solver_solution *s, int *out) {
    size_t n = 0;
    for (size_t i = 0; i < s->n_unassigned; i++) {
        solver_step tmp = {.type = s->unassigned[i].type == SOLVER_STEP_JOB ? SOLVER_STEP_JOB
                                                                            : SOLVER_STEP_PICKUP,
                           .index = s->unassigned[i].index};
        int ti = dispatch__model_task_of(m, &tmp);
        if (ti >= 0 && !m->tasks[ti].shipment && m->tasks[ti].home_vehicle >= 0 &&
            m->tasks[ti].priority == PRIO_ON_BOARD)
            out[n++] = ti;
    }
    return n;
}

/* Urgent orders the answer leaves out (no van makes the deadline) get their own windows back:
 * later beats never. Returns whether any did. */
static bool urgent_fallback(dispatch__model *m, const solver_solution *s) {
    bool changed = false;
    for (size_t i = 0; i < s->n_unassigned; i++) {
        solver_step tmp = {.type = s->unassigned[i].type == SOLVER_STEP_JOB ? SOLVER_STEP_JOB
                                                                            : SOLVER_STEP_PICKUP,
                           .index = s->unassigned[i].index};
        int ti = dispatch__model_task_of(m, &tmp);
        if (ti < 0 || !m->tasks[ti].urgent) continue;
        dispatch__task *t = &m->tasks[ti];
        memcpy(t->tws, t->own_tws, sizeof t->tws);
        t->n_tws = t->n_own_tws;
        t->urgent = false;
        changed = true;
    }
    return changed;
}

/* Loosens the model for the on-board parcels a solve dropped, in two steps, each tried once:
 * first the van's pinned first stop is freed (it may be the one that makes the rest impossible,
 * e.g. a stop whose window opens after the others' close), then their windows are dropped: a
 * parcel served late beats a parcel on no route. Returns false when nothing is left to loosen. */
static bool loosen_for_on_board(dispatch__model *m, const int *dropped, size_t n, int step) {
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
        dispatch__task *t = &m->tasks[dropped[i]];
        dispatch__vehicle *v = &m->veh[t->home_vehicle];
        if (step == 0 && v->fixed_task >= 0) {
            v->fixed_task = -1;
            changed = true;
        } else if (step == 1 && t->n_tws) {
            t->n_tws = 0;
            t->was_late = true;
            changed = true;
        }
    }
    return changed;
}

static int64_t evaluate_cost(const dispatch__model *m, solver_task_ref **seqs, const size_t *lens) {
    size_t nv = m->n_veh, n = 0;
    const solver_task_ref **routes = lm_calloc(nv + 1, sizeof *routes);
    size_t *rl = lm_calloc(nv + 1, sizeof *rl);
    uint32_t *vidx = lm_calloc(nv + 1, sizeof *vidx);
    int64_t cost = -1;
    for (size_t v = 0; routes && rl && vidx && v < nv; v++)
        if (lens[v]) {
            routes[n] = seqs[v];
            rl[n] = lens[v];
            vidx[n++] = (uint32_t)v;
        }
    solver_solution *s = NULL;
    if (routes && rl && vidx && solver_evaluate(m->problem, routes, rl, vidx, n, &s, NULL) == LM_OK)
        cost = s->cost;
    solver_solution_destroy(s);
    lm_free(routes);
    lm_free(rl);
    lm_free(vidx);
    return cost;
}

/* Cost of the current routes (without the stops of broken vehicles). Routes that cannot be kept
 * as they are (a window already missed, a delay past the shift) are costed as driven anyway:
 * windows, shift ends and break windows relaxed; the model is rebuilt as it was afterwards. As a
 * last resort (an evaluation error) the planned legs and service times are summed: the effect
 * always has a cost before. */
static lm_status cost_before(dispatch *d, dispatch__model *m, const live_src *src, int64_t *out,
                             lm_errinfo *err) {
    size_t nv = m->n_veh;
    solver_task_ref **seqs = NULL;
    size_t *lens = NULL;
    lm_status rc = dispatch__live_routes(m, src->stops, src->n_stops, false, &seqs, &lens);
    int64_t cost = rc == LM_OK ? evaluate_cost(m, seqs, lens) : -1;
    if (rc == LM_OK && cost < 0) {
        dispatch__model relaxed = *m; /* the same tasks and vehicles, copied to loosen */
        dispatch__task *tasks = lm_calloc(m->n_tasks + 1, sizeof *tasks);
        dispatch__vehicle *veh = lm_calloc(nv + 1, sizeof *veh);
        if (!tasks || !veh) rc = LM_NOMEM;
        for (size_t i = 0; rc == LM_OK && i < m->n_tasks; i++) {
            tasks[i] = m->tasks[i];
            tasks[i].n_tws = 0;
        }
        for (size_t v = 0; rc == LM_OK && v < nv; v++) {
            veh[v] = m->veh[v];
            veh[v].end_s = veh[v].start_s + 2 * 86400;
            for (size_t b = 0; b < veh[v].n_breaks; b++)
                veh[v].break_tws[b] = (solver_tw){veh[v].start_s, veh[v].end_s};
        }
        if (rc == LM_OK) {
            relaxed.tasks = tasks;
            relaxed.veh = veh;
            relaxed.problem = NULL;
            /* the matrix and points are shared with m: only the problem is built anew */
            relaxed.pts = NULL;
            relaxed.task_loc = relaxed.task_from_loc = relaxed.job_task = relaxed.ship_task = NULL;
            if ((rc = dispatch__model_problem(d, &relaxed, err)) == LM_OK)
                cost = evaluate_cost(&relaxed, seqs, lens);
            solver_problem_destroy(relaxed.problem);
            lm_free(relaxed.pts);
            lm_free(relaxed.task_loc);
            lm_free(relaxed.task_from_loc);
            lm_free(relaxed.job_task);
            lm_free(relaxed.ship_task);
        }
        lm_free(tasks);
        lm_free(veh);
    }
    if (rc == LM_OK && cost < 0) {
        cost = 0;
        for (size_t i = 0; i < src->n_stops; i++)
            cost += src->stops[i].leg_s + src->stops[i].service_s;
    }
    dispatch__live_routes_free(seqs, nv, lens);
    if (rc == LM_OK) *out = cost;
    return rc;
}

static void effect_after(const dispatch__model *m, const live_src *src, const solver_solution *s,
                         store_plan *p) {
    p->unassigned_after = (int64_t)s->n_unassigned;
    p->late_after = 0;
    for (size_t i = 0; i < s->n_unassigned; i++) {
        solver_step tmp = {.type = s->unassigned[i].type, .index = s->unassigned[i].index};
        int ti = dispatch__model_task_of(m, &tmp);
        if (ti >= 0 && m->tasks[ti].stop_id) p->late_after++; /* a promised stop not served */
    }
    for (size_t ri = 0; ri < s->n_routes; ri++) {
        const solver_route *r = &s->routes[ri];
        bool changed = false;
        size_t pos = 0;
        const char *vid = m->veh[r->vehicle].v.id;
        for (size_t k = 0; k < r->n_steps; k++) {
            const solver_step *st = &r->steps[k];
            int ti = dispatch__model_task_of(m, st);
            if (ti < 0) continue;
            if (st->type != SOLVER_STEP_PICKUP && m->tasks[ti].was_late) p->late_after++;
            /* compare with the vehicle's current pending sequence */
            int64_t want =
                st->type == SOLVER_STEP_PICKUP ? m->tasks[ti].pickup_stop : m->tasks[ti].stop_id;
            while (pos < src->n_stops && (strcmp(src->stops[pos].vehicle_id, vid) ||
                                          src->stops[pos].kind == DISPATCH_STOP_BREAK))
                pos++;
            if (pos >= src->n_stops || src->stops[pos].id != want) changed = true;
            if (pos < src->n_stops) pos++;
        }
        if (changed) p->routes_changed++;
    }
    p->stops_moved = (int64_t)moved_count(m, s);
}

lm_status dispatch__replan_run(dispatch *d, dispatch_trigger why, const char *vehicle,
                               int64_t *replan_id, lm_errinfo *err) {
    dispatch__model m = {0};
    live_src src = {0};
    outcome a = {0}, b = {0};
    store_tx *tx = NULL;
    int64_t now_ms = dispatch__now_ms(d), now_s = now_ms / 1000, version = 0;
    /* a write tx, released at once: it starts after any tx that queued this re-plan committed */
    lm_status rc = store_tx_begin(d->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = store_live_version(store_tx_read(tx), &version, err)) != LM_OK ||
        (rc = live_model(d, store_tx_read(tx), now_s, &m, &src, err)) != LM_OK) {
        store_tx_rollback(tx);
        goto done;
    }
    store_tx_rollback(tx);
    tx = NULL;
    if (m.n_veh == 0) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "vehicles", "no vehicle can take the work");
        goto done;
    }
    if (m.n_tasks == 0) {
        rc = LM_OK; /* nothing left to plan */
        if (replan_id) *replan_id = 0;
        goto done;
    }
    store_plan p = {.is_replan = true, .status = DISPATCH_PLAN_PROPOSED, .based_on = version};
    p.created_ms = p.updated_ms = now_ms;
    p.day_start_s = m.day_start_s;
    lm_strlcpy(p.trigger, dispatch_trigger_name(why), sizeof p.trigger);
    lm_strlcpy(p.trigger_vehicle, vehicle ? vehicle : "", sizeof p.trigger_vehicle);
    for (size_t i = 0; i < src.n_stops; i++)
        if (src.stops[i].tw_end_s && src.stops[i].eta_s > src.stops[i].tw_end_s) p.late_before++;
    for (size_t i = 0; i < m.n_tasks; i++)
        if (m.tasks[i].home_vehicle < 0 && m.veh[0].v.id[0] &&
            (m.tasks[i].transfer_from || !m.tasks[i].stop_id))
            p.unassigned_before++;
    int64_t t0 = lm_mono_ns();
    if ((rc = solve_once(d, &m, &src, true, NULL, d->o.replan_feasible_ms, (uint64_t)now_ms, &a,
                         err)) != LM_OK)
        goto done;
    if ((rc = cost_before(d, &m, &src, &p.cost_before, err)) != LM_OK) goto done;
    const outcome *best = &a;
    if (d->o.replan_polish_ms > 0) {
        if ((rc = solve_once(d, &m, &src, false, a.sol, d->o.replan_polish_ms, (uint64_t)now_ms + 1,
                             &b, err)) != LM_OK)
            goto done;
        if (better(&b, &a)) best = &b;
    }
    if (urgent_fallback(&m, best->sol)) {
        outcome c = {0};
        if ((rc = solve_once(d, &m, &src, true, NULL, d->o.replan_feasible_ms, (uint64_t)now_ms + 5,
                             &c, err)) != LM_OK)
            goto done;
        solver_solution_destroy(a.sol);
        solver_solution_destroy(b.sol);
        a = c;
        b = (outcome){0};
        best = &a;
    }
    /* a parcel on a running van is never dropped: loosen and solve again (bounded: 2 steps) */
    int *dropped = lm_calloc(m.n_tasks + 1, sizeof *dropped);
    if (!dropped) {
        rc = LM_NOMEM;
        goto done;
    }
    for (int step = 0; step < 2 && rc == LM_OK; step++) {
        size_t n_dropped = on_board_dropped(&m, best->sol, dropped);
        if (!n_dropped || !loosen_for_on_board(&m, dropped, n_dropped, step)) continue;
        outcome c = {0};
        rc = solve_once(d, &m, &src, true, NULL, d->o.replan_feasible_ms,
                        (uint64_t)now_ms + 2 + (uint64_t)step, &c, err);
        if (rc != LM_OK) break;
        solver_solution_destroy(a.sol);
        solver_solution_destroy(b.sol);
        a = c;
        b = (outcome){0};
        best = &a;
    }
    lm_free(dropped);
    if (rc != LM_OK) goto done;
    /* store against the problem the chosen answer came from */
    if (best == &a && b.sol && (rc = dispatch__model_problem(d, &m, err)) != LM_OK) goto done;
    (void)t0;
    effect_after(&m, &src, best->sol, &p);
    if ((rc = store_tx_begin(d->st, &tx)) != LM_OK) goto done;
    int64_t id = 0;
    if ((rc = store_plan_insert(tx, &p, &id, err)) != LM_OK) goto done;
    p.id = id;
    if ((rc = dispatch__store_solution(tx, &m, best->sol, &p, err)) != LM_OK ||
        (rc = store_plan_update(tx, &p, err)) != LM_OK)
        goto done;
    /* an older proposal is overtaken by this one */
    store_plan *older = NULL;
    size_t n_older = 0;
    if ((rc = store_plan_list(store_tx_read(tx), 50, &older, &n_older, err)) != LM_OK) goto done;
    for (size_t i = 0; i < n_older && rc == LM_OK; i++)
        if (older[i].is_replan && older[i].id != id && older[i].status == DISPATCH_PLAN_PROPOSED) {
            older[i].status = DISPATCH_PLAN_SUPERSEDED;
            rc = store_plan_update(tx, &older[i], err);
        }
    lm_free(older);
    if (rc != LM_OK) goto done;
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    if ((rc = dispatch__event(
             tx, "plan.replan_proposed", "plan", ids,
             "{\"plan_id\":%" PRId64 ",\"trigger\":\"%s\",\"vehicle_id\":\"%s\","
             "\"cost_before\":%" PRId64 ",\"cost_after\":%" PRId64 ",\"late_before\":%" PRId64
             ",\"late_after\":%" PRId64 ",\"routes_changed\":%" PRId64 ",\"stops_moved\":%" PRId64
             ",\"unassigned\":%" PRId64 "}",
             id, p.trigger, p.trigger_vehicle, p.cost_before, p.cost, p.late_before, p.late_after,
             p.routes_changed, p.stops_moved, p.unassigned_after)) != LM_OK)
        goto done;
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) goto done;
    if (replan_id) *replan_id = id;
    bool apply = false; /* the depots' auto-apply policies (dispatch/settings.c) */
    if ((rc = dispatch__replan_auto(d, id, &apply, err)) == LM_OK && apply)
        rc = dispatch_replan_apply(d, id, err);
done:
    store_tx_rollback(tx);
    solver_solution_destroy(a.sol);
    solver_solution_destroy(b.sol);
    dispatch__model_free(&m);
    lm_free(src.stops);
    return rc;
}

/* ---- Applying ---- */

/* Drops from stops[0..n) those of vehicles whose route a dispatcher locked (the re-plan left
 * them out: they stay live as they are); returns how many are left. */
static size_t without_locked_routes(store_read *r, store_stop *stops, size_t n) {
    size_t kept = 0;
    char last[DISPATCH_ID_MAX + 1] = "";
    bool last_locked = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(last, stops[i].vehicle_id)) {
            store_vstate vs;
            lm_strlcpy(last, stops[i].vehicle_id, sizeof last);
            last_locked =
                store_vstate_get(r, last, &vs, NULL) == LM_OK && vs.route_locked && !vs.broken;
        }
        if (!last_locked) stops[kept++] = stops[i];
    }
    return kept;
}

/* The re-plan's reason for leaving order_id out, or "" when it has none. */
static void unassigned_reason(const store_unassigned *un, size_t n_un, int64_t order_id, char *out,
                              size_t size) {
    lm_strlcpy(out, "", size);
    for (size_t i = 0; i < n_un; i++)
        if (un[i].order_id == order_id) lm_strlcpy(out, un[i].reason, size);
}

/* Nothing silently dropped: an order that had a pending delivery before the re-plan and has
 * none in it goes back to "ready" while it is still at the depot (planned), so the next plan
 * or re-plan takes it as new work; a parcel already on a van (out_for_delivery: on the broken
 * van that no other van could take) gets an open "unrouted" exception and an order.unrouted
 * event for the dispatcher. Returns how many orders were handed back or reported. */
static lm_status account_dropped(store_tx *tx, int64_t replan_id, const store_stop *old,
                                 size_t n_old, const store_stop *fresh, size_t n_fresh,
                                 int64_t now_ms, size_t *handed_back, size_t *reported,
                                 lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    store_unassigned *un = NULL;
    size_t n_un = 0;
    lm_status rc = store_unassigned_list(r, replan_id, &un, &n_un, err);
    for (size_t k = 0; k < n_old && rc == LM_OK; k++) {
        if (old[k].kind != DISPATCH_STOP_DELIVERY) continue;
        bool kept = false;
        for (size_t i = 0; i < n_fresh && !kept; i++)
            kept = fresh[i].kind == DISPATCH_STOP_DELIVERY && fresh[i].order_id == old[k].order_id;
        if (kept) continue;
        store_order o = {0};
        if ((rc = store_order_get(r, old[k].order_id, &o, err)) != LM_OK) break;
        bool planned = !strcmp(o.status, "planned"), on_van = !strcmp(o.status, "out_for_delivery");
        store_order_clear(&o);
        char why[64], ids[24];
        unassigned_reason(un, n_un, old[k].order_id, why, sizeof why);
        snprintf(ids, sizeof ids, "%" PRId64, old[k].order_id);
        if (planned) {
            rc = dispatch__order_move(tx, old[k].order_id, "ready", now_ms, err);
            (*handed_back)++;
        } else if (on_van) {
            store_exception e = {.order_id = old[k].order_id, .created_ms = now_ms};
            lm_strlcpy(e.rule, "unrouted", sizeof e.rule);
            snprintf(e.message, sizeof e.message,
                     "on board %s, which cannot deliver it; re-plan %" PRId64
                     " found no van to take it over (%s): hand it over by hand",
                     old[k].vehicle_id, replan_id, why[0] ? why : "not planned");
            rc = store_exception_add(tx, &e, err);
            if (rc == LM_OK)
                rc = dispatch__event(tx, "order.unrouted", "order", ids,
                                     "{\"order_id\":%" PRId64 ",\"vehicle_id\":\"%s\","
                                     "\"plan_id\":%" PRId64 ",\"reason\":\"%s\"}",
                                     old[k].order_id, old[k].vehicle_id, replan_id, why);
            (*reported)++;
        }
    }
    lm_free(un);
    return rc;
}

lm_status dispatch_replan_apply(dispatch *d, int64_t replan_id, lm_errinfo *err) {
    store_tx *tx = NULL;
    store_stop *fresh = NULL, *old = NULL;
    size_t n_fresh = 0, n_old = 0, kept = 0, dropped = 0;
    int64_t now_ms = dispatch__now_ms(d), version = 0;
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, replan_id);
    store_plan p;
    lm_status rc = dispatch__plan_begin(d, replan_id, "re-plan", &tx, &p, err);
    if (rc != LM_OK) goto fail;
    store_read *r = store_tx_read(tx);
    if (!p.is_replan || p.status != DISPATCH_PLAN_PROPOSED) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "plan %" PRId64 " is %s%s; only a proposed re-plan can be applied",
                            replan_id, p.is_replan ? "" : "not a re-plan and ",
                            dispatch_plan_status_name((dispatch_plan_status)p.status));
        goto fail;
    }
    if ((rc = store_live_version(r, &version, err)) != LM_OK) goto fail;
    if (version != p.based_on) {
        /* routes were committed, stops added or cancelled, a van broke down since: stale */
        p.status = DISPATCH_PLAN_SUPERSEDED;
        p.updated_ms = now_ms;
        if ((rc = store_plan_update(tx, &p, err)) != LM_OK) goto fail;
        if ((rc = store_tx_commit(tx)) != LM_OK) {
            tx = NULL;
            goto fail;
        }
        tx = NULL;
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "the live routes changed since re-plan %" PRId64
                            " was computed; it is superseded, re-plan again",
                            replan_id);
        goto fail;
    }
    store_stop_filter fn = {.plan_id = replan_id};
    if ((rc = dispatch__live_pending(r, &old, &n_old, err)) != LM_OK ||
        (rc = store_stop_query(r, &fn, &fresh, &n_fresh, err)) != LM_OK)
        goto fail;
    n_old = without_locked_routes(r, old, n_old);
    for (size_t i = 0; i < n_fresh; i++) {
        store_stop *s = &fresh[i];
        if (s->source_stop) {
            const store_stop *src = NULL;
            for (size_t k = 0; k < n_old && !src; k++)
                if (old[k].id == s->source_stop) src = &old[k];
            if (!src) { /* served or failed meanwhile: nothing left to do for it */
                dropped++;
                continue;
            }
            if (src->status == DISPATCH_STOP_ARRIVED && !strcmp(src->vehicle_id, s->vehicle_id)) {
                s->status = DISPATCH_STOP_ARRIVED;
                s->arrived_ms = src->arrived_ms;
            }
            s->late = src->late && s->eta_s > s->tw_end_s && s->tw_end_s;
        }
        s->live = true;
        /* the re-planned ETA, so ETA accuracy covers re-planned stops from the moment of the
         * re-plan (not only from the next stop.eta_changed) */
        if ((rc = store_stop_update(tx, s, err)) != LM_OK ||
            (rc = dispatch__event_eta_set(tx, s, now_ms)) != LM_OK)
            goto fail;
        kept++;
        if (s->kind == DISPATCH_STOP_DELIVERY) {
            store_order o = {0};
            if ((rc = store_order_get(r, s->order_id, &o, err)) != LM_OK) goto fail;
            bool ready = !strcmp(o.status, "ready");
            store_order_clear(&o);
            if (ready &&
                (rc = dispatch__order_move(tx, s->order_id, "planned", now_ms, err)) != LM_OK)
                goto fail;
        }
    }
    size_t handed_back = 0, reported = 0;
    if ((rc = account_dropped(tx, replan_id, old, n_old, fresh, n_fresh, now_ms, &handed_back,
                              &reported, err)) != LM_OK)
        goto fail;
    for (size_t k = 0; k < n_old; k++) {
        old[k].status = DISPATCH_STOP_SUPERSEDED;
        old[k].live = false;
        if ((rc = store_stop_update(tx, &old[k], err)) != LM_OK) goto fail;
    }
    p.status = DISPATCH_PLAN_COMMITTED;
    p.updated_ms = now_ms;
    if ((rc = store_plan_update(tx, &p, err)) != LM_OK ||
        (rc = store_live_version_bump(tx, err)) != LM_OK ||
        (rc = dispatch__event(
             tx, "plan.replanned", "plan", ids,
             "{\"plan_id\":%" PRId64 ",\"trigger\":\"%s\",\"vehicle_id\":\"%s\","
             "\"cost_before\":%" PRId64 ",\"cost_after\":%" PRId64 ",\"routes_changed\":%" PRId64
             ",\"stops_moved\":%" PRId64 ",\"stops\":%zu,\"dropped\":%zu,\"handed_back\":%zu,"
             "\"unrouted\":%zu}",
             replan_id, p.trigger, p.trigger_vehicle, p.cost_before, p.cost, p.routes_changed,
             p.stops_moved, kept, dropped, handed_back, reported)) != LM_OK)
        goto fail;
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) lm_errinfo_set(err, rc, "", "commit failed");
fail:
    store_tx_rollback(tx);
    lm_free(fresh);
    lm_free(old);
    return rc;
}
