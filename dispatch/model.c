/* dispatch/model.c: the routing model shared by plans and re-plans: vehicles placed on the day
 * with their live start, tasks (jobs or shipments) from packages and stops, the travel matrix from
 * geo/, the solver problem, and storing a solution as a plan's routes and stops. */
#include "dispatch/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define UNLIMITED (INT64_C(1) << 40)

void dispatch__model_free(dispatch__model *m) {
    if (!m) return;
    lm_free(m->veh);
    lm_free(m->tasks);
    lm_free(m->pts);
    lm_free(m->task_loc);
    lm_free(m->task_from_loc);
    lm_free(m->job_task);
    lm_free(m->ship_task);
    solver_problem_destroy(m->problem); /* first: it borrows m->matrix's arrays and m->memo */
    solver_memo_destroy(m->memo);
    geo_matrix_destroy(m->matrix);
    memset(m, 0, sizeof *m);
}

static lm_status grow(void **arr, size_t *cap, size_t n, size_t elem) {
    if (n < *cap) return LM_OK;
    size_t nc = *cap ? *cap * 2 : 32;
    void *p = lm_reallocarray(*arr, nc, elem);
    if (!p) return LM_NOMEM;
    *arr = p;
    *cap = nc;
    return LM_OK;
}

lm_status dispatch__model_add_vehicle(dispatch__model *m, dispatch__vehicle **out) {
    lm_status rc = grow((void **)&m->veh, &m->cap_veh, m->n_veh, sizeof *m->veh);
    if (rc != LM_OK) return rc;
    dispatch__vehicle *v = &m->veh[m->n_veh++];
    memset(v, 0, sizeof *v);
    v->fixed_task = -1;
    *out = v;
    return LM_OK;
}

lm_status dispatch__model_add_task(dispatch__model *m, dispatch__task **out) {
    lm_status rc = grow((void **)&m->tasks, &m->cap_tasks, m->n_tasks, sizeof *m->tasks);
    if (rc != LM_OK) return rc;
    dispatch__task *t = &m->tasks[m->n_tasks++];
    memset(t, 0, sizeof *t);
    t->only_vehicle = SOLVER_NONE;
    t->skill = SOLVER_NONE;
    t->home_vehicle = -1;
    *out = t;
    return LM_OK;
}

lm_status dispatch__vehicle_fill(store_read *r, int64_t day_start_s, const store_vehicle *v,
                                 const store_driver *drv, dispatch__vehicle *mv, lm_errinfo *err) {
    store_depot dep;
    lm_status rc = store_depot_get(r, v->start_depot, &dep, err);
    if (rc != LM_OK)
        return lm_errinfo_set(err, rc == LM_NOT_FOUND ? LM_INVALID : rc, "start_depot",
                              "vehicle %s: start depot '%s' not found", v->id, v->start_depot);
    mv->v = *v;
    if (drv) mv->drv = *drv;
    mv->start = (geo_point){dep.lat, dep.lon};
    if (v->end_depot[0]) {
        rc = store_depot_get(r, v->end_depot, &dep, err);
        if (rc != LM_OK)
            return lm_errinfo_set(err, rc == LM_NOT_FOUND ? LM_INVALID : rc, "end_depot",
                                  "vehicle %s: end depot '%s' not found", v->id, v->end_depot);
        mv->has_end = true;
        mv->end = (geo_point){dep.lat, dep.lon};
    }
    mv->start_s = day_start_s + v->shift_start_s;
    mv->end_s = day_start_s + v->shift_end_s;
    mv->n_breaks = v->n_breaks;
    for (size_t i = 0; i < v->n_breaks; i++) {
        mv->break_tws[i] =
            (solver_tw){day_start_s + v->breaks[i].start_s, day_start_s + v->breaks[i].end_s};
        mv->breaks[i] = (solver_break){.id = i + 1,
                                       .tws = NULL, /* set when the problem is built */
                                       .n_tws = 1,
                                       .service_s = v->breaks[i].service_s};
    }
    mv->fixed_task = -1;
    /* the van's own skills and its driver's: what an order's requirements are matched to */
    for (size_t i = 0; i < v->n_skills && mv->n_skills < DISPATCH__VSKILLS_MAX; i++)
        mv->skills[mv->n_skills++] = dispatch__skill_id(v->skills[i]);
    store_skill ds[DISPATCH__REQ_MAX];
    size_t n_ds = 0;
    if (drv && drv->id[0] &&
        (rc = store_requirements_get(r, "driver", drv->id, ds, DISPATCH__REQ_MAX, &n_ds, err)) !=
            LM_OK)
        return rc;
    for (size_t i = 0; i < n_ds && mv->n_skills < DISPATCH__VSKILLS_MAX; i++)
        mv->skills[mv->n_skills++] = dispatch__skill_id(ds[i]);
    return LM_OK;
}

uint32_t dispatch__skill_id(const char *name) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    return 0x40000000u | (h & 0x3fffffffu);
}

/* Adds skill to t's requirements once. One more than fits makes the task unplannable (a skill no
 * van has) rather than quietly dropping a requirement. */
static void require(dispatch__task *t, const char *skill) {
    uint32_t id = dispatch__skill_id(skill);
    for (size_t i = 0; i < t->n_req; i++)
        if (t->req[i] == id) return;
    if (t->n_req == DISPATCH__REQ_MAX) {
        t->req[DISPATCH__REQ_MAX - 1] = 0x3fffffffu; /* below the hashed ids: no van has it */
        lm_strlcpy(t->need, "more skills than a van can be matched on", sizeof t->need);
        return;
    }
    t->req[t->n_req++] = id;
    size_t len = strlen(t->need);
    snprintf(t->need + len, sizeof t->need - len, "%s%s", len ? ", " : "", skill);
}

lm_status dispatch__task_requires(store_read *r, int64_t order_id, dispatch__task *t,
                                  lm_errinfo *err) {
    char ref[24];
    store_skill sk[DISPATCH__REQ_MAX];
    size_t n = 0;
    snprintf(ref, sizeof ref, "%lld", (long long)order_id);
    lm_status rc = store_requirements_get(r, "order", ref, sk, DISPATCH__REQ_MAX, &n, err);
    for (size_t i = 0; i < n && rc == LM_OK; i++)
        require(t, sk[i]);
    store_order o = {0};
    if (rc == LM_OK && (rc = store_order_get(r, order_id, &o, err)) == LM_NOT_FOUND) rc = LM_OK;
    for (size_t l = 0; l < o.n_lines && rc == LM_OK; l++) {
        rc = store_requirements_get(r, "product", o.lines[l].sku, sk, DISPATCH__REQ_MAX, &n, err);
        for (size_t i = 0; i < n && rc == LM_OK; i++)
            require(t, sk[i]);
    }
    store_order_clear(&o);
    return rc;
}

static lm_status add_point(dispatch__model *m, size_t *cap, geo_point p, uint32_t *loc) {
    lm_status rc = grow((void **)&m->pts, cap, m->n_pts, sizeof *m->pts);
    if (rc != LM_OK) return rc;
    m->pts[m->n_pts] = p;
    *loc = (uint32_t)m->n_pts++;
    return LM_OK;
}

lm_status dispatch__model_problem(dispatch *d, dispatch__model *m, lm_errinfo *err) {
    size_t cap = 0;
    lm_status rc = LM_OK;
    /* a rebuild (re-plans solve twice) keeps the points and the matrix */
    bool rebuild = m->matrix != NULL;
    if (rebuild) {
        solver_problem_destroy(m->problem);
        m->problem = NULL;
        m->n_jobs = m->n_ships = 0;
        m->n_pts = 0;
        lm_free(m->task_loc);
        lm_free(m->task_from_loc);
        lm_free(m->job_task);
        lm_free(m->ship_task);
        lm_free(m->pts);
        m->pts = NULL;
    }
    uint32_t *vstart = lm_calloc(m->n_veh + 1, sizeof *vstart);
    uint32_t *vend = lm_calloc(m->n_veh + 1, sizeof *vend);
    m->task_loc = lm_calloc(m->n_tasks + 1, sizeof *m->task_loc);
    m->task_from_loc = lm_calloc(m->n_tasks + 1, sizeof *m->task_from_loc);
    m->job_task = lm_calloc(m->n_tasks + 1, sizeof *m->job_task);
    m->ship_task = lm_calloc(m->n_tasks + 1, sizeof *m->ship_task);
    solver_task_ref *fixed = lm_calloc(m->n_veh + 1, sizeof *fixed);
    if (!vstart || !vend || !m->task_loc || !m->task_from_loc || !m->job_task || !m->ship_task ||
        !fixed) {
        rc = LM_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < m->n_veh; i++) {
        if ((rc = add_point(m, &cap, m->veh[i].start, &vstart[i])) != LM_OK) goto fail;
        vend[i] = SOLVER_NONE;
        if (m->veh[i].has_end && (rc = add_point(m, &cap, m->veh[i].end, &vend[i])) != LM_OK)
            goto fail;
    }
    for (size_t i = 0; i < m->n_tasks; i++) {
        if ((rc = add_point(m, &cap, m->tasks[i].at, &m->task_loc[i])) != LM_OK) goto fail;
        m->task_from_loc[i] = SOLVER_NONE;
        if (m->tasks[i].shipment &&
            (rc = add_point(m, &cap, m->tasks[i].from, &m->task_from_loc[i])) != LM_OK)
            goto fail;
    }
    if (m->n_pts == 0) {
        rc = lm_errinfo_set(err, LM_INVALID, "vehicles", "no vehicle to plan with");
        goto fail;
    }
    if (!rebuild && (rc = geo_matrix_compute(d->geo, m->pts, m->n_pts, &m->matrix, err)) != LM_OK)
        goto fail;
    /* the memo lives and dies with the matrix (solver.h): a rebuild keeps both */
    if (!m->memo && (rc = solver_memo_create(&m->memo)) != LM_OK) goto fail;
    geo_matrix_kind kind = geo_matrix_provider_kind(d->geo);
    m->router = kind == GEO_MATRIX_OSRM       ? "osrm"
                : kind == GEO_MATRIX_VALHALLA ? "valhalla"
                : kind == GEO_MATRIX_GIVEN    ? "given"
                                              : "geodesic";
    solver_problem_opts po;
    solver_problem_opts_init(&po);
    po.n_dims = DISPATCH__DIMS;
    if ((rc = solver_problem_create(&po, &m->problem)) != LM_OK) goto fail;
    /* m->matrix outlives every problem built on it (model_free destroys the problem first) */
    if ((rc = solver_problem_share_matrix_memo(
             m->problem, m->n_pts, geo_matrix_durations(m->matrix), geo_matrix_distances(m->matrix),
             NULL, m->memo, err)) != LM_OK)
        goto fail;
    for (size_t i = 0; i < m->n_tasks; i++) {
        dispatch__task *t = &m->tasks[i];
        /* the depot's (or "takes new work") skill, then what the order requires */
        uint32_t skills[1 + DISPATCH__REQ_MAX];
        size_t n_skills = 0;
        if (t->skill != SOLVER_NONE) skills[n_skills++] = t->skill;
        for (size_t k = 0; k < t->n_req; k++)
            skills[n_skills++] = t->req[k];
        if (!t->shipment) {
            solver_job j;
            solver_job_init(&j);
            j.id = (uint64_t)i + 1;
            j.location = m->task_loc[i];
            j.service_s = t->service_s;
            memcpy(j.delivery, t->amount, sizeof t->amount);
            j.tws = t->n_tws ? t->tws : NULL;
            j.n_tws = t->n_tws;
            j.skills = n_skills ? skills : NULL;
            j.n_skills = n_skills;
            j.priority = t->priority;
            j.only_vehicle = t->only_vehicle;
            if ((rc = solver_problem_add_job(m->problem, &j, err)) != LM_OK) goto fail;
            t->index = (uint32_t)m->n_jobs;
            m->job_task[m->n_jobs++] = (uint32_t)i;
        } else {
            solver_shipment s;
            solver_shipment_init(&s);
            s.pickup.id = (uint64_t)i + 1;
            s.pickup.location = m->task_from_loc[i];
            s.pickup.service_s = t->pickup_service_s;
            s.pickup.tws = t->n_pick_tws ? t->pick_tws : NULL;
            s.pickup.n_tws = t->n_pick_tws;
            s.delivery.id = (uint64_t)i + 1;
            s.delivery.location = m->task_loc[i];
            s.delivery.service_s = t->service_s;
            s.delivery.tws = t->n_tws ? t->tws : NULL;
            s.delivery.n_tws = t->n_tws;
            memcpy(s.amount, t->amount, sizeof t->amount);
            s.skills = n_skills ? skills : NULL;
            s.n_skills = n_skills;
            s.priority = t->priority;
            s.only_vehicle = t->only_vehicle;
            if ((rc = solver_problem_add_shipment(m->problem, &s, err)) != LM_OK) goto fail;
            t->index = (uint32_t)m->n_ships;
            m->ship_task[m->n_ships++] = (uint32_t)i;
        }
    }
    for (size_t i = 0; i < m->n_veh; i++) {
        dispatch__vehicle *mv = &m->veh[i];
        solver_vehicle v;
        solver_vehicle_init(&v);
        v.id = (uint64_t)i + 1;
        v.start = vstart[i];
        v.end = vend[i];
        v.capacity[0] = mv->v.capacity_g > 0 ? mv->v.capacity_g : UNLIMITED;
        v.capacity[1] = mv->v.capacity_cm3 > 0 ? mv->v.capacity_cm3 : UNLIMITED;
        v.capacity[2] = mv->v.capacity_parcels > 0 ? mv->v.capacity_parcels : UNLIMITED;
        v.shift = (solver_tw){mv->start_s, mv->end_s};
        for (size_t b = 0; b < mv->n_breaks; b++)
            mv->breaks[b].tws = &mv->break_tws[b];
        v.breaks = mv->n_breaks ? mv->breaks : NULL;
        v.n_breaks = mv->n_breaks;
        v.skills = mv->n_skills ? mv->skills : NULL;
        v.n_skills = mv->n_skills;
        v.cost_fixed = mv->v.cost_fixed;
        v.cost_per_hour = mv->v.cost_per_hour;
        v.cost_per_km = mv->v.cost_per_km;
        v.speed_factor = mv->v.speed_factor > 0 ? mv->v.speed_factor : 1;
        memcpy(v.initial_load, mv->initial_load, sizeof mv->initial_load);
        if (mv->fixed_task >= 0) {
            const dispatch__task *t = &m->tasks[mv->fixed_task];
            fixed[i].type = !t->shipment       ? SOLVER_STEP_JOB
                            : mv->fixed_pickup ? SOLVER_STEP_PICKUP
                                               : SOLVER_STEP_DELIVERY;
            fixed[i].index = t->index;
            v.fixed_steps = &fixed[i];
            v.n_fixed_steps = 1;
        }
        if ((rc = solver_problem_add_vehicle(m->problem, &v, err)) != LM_OK) goto fail;
    }
fail:
    lm_free(vstart);
    lm_free(vend);
    lm_free(fixed);
    return rc;
}

int dispatch__model_task_of(const dispatch__model *m, const solver_step *st) {
    if (st->type == SOLVER_STEP_JOB && st->index < m->n_jobs) return (int)m->job_task[st->index];
    if ((st->type == SOLVER_STEP_PICKUP || st->type == SOLVER_STEP_DELIVERY) &&
        st->index < m->n_ships)
        return (int)m->ship_task[st->index];
    return -1;
}

static void window_of(const dispatch__task *t, int64_t start, int64_t *a, int64_t *b) {
    *a = *b = 0;
    for (size_t i = 0; i < t->n_tws; i++)
        if (start <= t->tws[i].end_s) {
            *a = t->tws[i].start_s;
            *b = t->tws[i].end_s;
            return;
        }
}

/* Stores break step st of vehicle mv as a break stop at `at` (where the van is then); a hand
 * edit rewrites the stop that already holds that break. */
static lm_status store_break_stop(store_tx *tx, const dispatch__model *m,
                                  const dispatch__vehicle *mv, const solver_step *st,
                                  int64_t plan_id, int32_t seq, geo_point at, lm_errinfo *err) {
    size_t b = st->index < mv->n_breaks ? st->index : 0;
    store_stop so = {0};
    so.plan_id = plan_id;
    lm_strlcpy(so.vehicle_id, mv->v.id, sizeof so.vehicle_id);
    lm_strlcpy(so.driver_id, mv->drv.id, sizeof so.driver_id);
    so.seq = seq;
    so.kind = DISPATCH_STOP_BREAK;
    so.status = DISPATCH_STOP_PLANNED;
    so.lat = at.lat;
    so.lon = at.lon;
    so.tw_start_s = mv->break_tws[b].start_s;
    so.tw_end_s = mv->break_tws[b].end_s;
    so.service_s = st->service_s;
    so.eta_s = so.planned_s = st->arrival_s; /* a break's arrival is when it starts */
    if (m->update_in_place && mv->break_stop[b]) {
        store_stop old;
        lm_status rc = store_stop_get(store_tx_read(tx), mv->break_stop[b], &old, err);
        if (rc != LM_OK) return rc;
        so.id = old.id;
        so.live = old.live;
        return store_stop_update(tx, &so, err);
    }
    int64_t id = 0;
    return store_stop_insert(tx, &so, &id, err);
}

/* A re-planned stop keeps the RMA its source stop collects (re-plans rebuild tasks from stops). */
static lm_status source_return(store_tx *tx, store_stop *so, lm_errinfo *err) {
    store_stop old;
    lm_status rc = store_stop_get(store_tx_read(tx), so->source_stop, &old, err);
    if (rc == LM_OK) so->return_id = old.return_id;
    return rc;
}

lm_status dispatch__store_solution(store_tx *tx, const dispatch__model *m, const solver_solution *s,
                                   store_plan *p, lm_errinfo *err) {
    lm_status rc = LM_OK;
    p->cost = s->cost;
    p->distance_m = s->distance_m;
    p->duration_s = s->duration_s;
    if (m->matrix) {
        const geo_matrix_stats *ms = geo_matrix_stats_get(m->matrix);
        size_t n = geo_matrix_size(m->matrix);
        lm_strlcpy(p->router, m->router ? m->router : "geodesic", sizeof p->router);
        p->matrix_cells = (int64_t)(n * (n - 1));
        p->cells_estimated = (int64_t)(ms->cells_fallback + ms->cells_estimated);
    }
    for (size_t ri = 0; ri < s->n_routes; ri++) {
        const solver_route *r = &s->routes[ri];
        const dispatch__vehicle *mv = &m->veh[r->vehicle];
        store_plan_route pr = {.plan_id = p->id};
        lm_strlcpy(pr.vehicle_id, mv->v.id, sizeof pr.vehicle_id);
        lm_strlcpy(pr.driver_id, mv->drv.id, sizeof pr.driver_id);
        pr.start_lat = mv->start.lat;
        pr.start_lon = mv->start.lon;
        pr.has_end = mv->has_end;
        pr.end_lat = mv->end.lat;
        pr.end_lon = mv->end.lon;
        pr.start_s = r->n_steps ? r->steps[0].arrival_s : mv->start_s;
        pr.end_s = r->n_steps ? r->steps[r->n_steps - 1].arrival_s : mv->start_s;
        pr.cost = r->cost;
        pr.distance_m = r->distance_m;
        pr.duration_s = r->duration_s;
        if (r->n_steps) {
            pr.load_g = r->steps[0].load[0];
            pr.load_cm3 = r->steps[0].load[1];
            pr.load_parcels = r->steps[0].load[2];
        }
        if ((rc = store_plan_route_put(tx, &pr, err)) != LM_OK) return rc;
        int64_t prev_dur = 0, prev_dist = 0;
        int32_t seq = (int32_t)mv->seq_base;
        geo_point here = mv->start; /* where the van is after the previous step */
        for (size_t k = 0; k < r->n_steps; k++) {
            const solver_step *st = &r->steps[k];
            if (st->type == SOLVER_STEP_START) {
                prev_dur = st->duration_s;
                prev_dist = st->distance_m;
                continue;
            }
            if (st->type == SOLVER_STEP_BREAK) {
                if ((rc = store_break_stop(tx, m, mv, st, p->id, seq++, here, err)) != LM_OK)
                    return rc;
                continue;
            }
            int ti = dispatch__model_task_of(m, st);
            if (ti < 0) continue;
            const dispatch__task *t = &m->tasks[ti];
            store_stop so = {0};
            so.plan_id = p->id;
            lm_strlcpy(so.vehicle_id, mv->v.id, sizeof so.vehicle_id);
            lm_strlcpy(so.driver_id, mv->drv.id, sizeof so.driver_id);
            so.seq = seq++;
            bool pickup = st->type == SOLVER_STEP_PICKUP;
            so.kind = pickup ? DISPATCH_STOP_PICKUP : DISPATCH_STOP_DELIVERY;
            so.status = DISPATCH_STOP_PLANNED;
            so.order_id = t->order_id;
            so.lat = pickup ? t->from.lat : t->at.lat;
            so.lon = pickup ? t->from.lon : t->at.lon;
            here = (geo_point){so.lat, so.lon};
            int64_t begin = st->arrival_s + st->waiting_s;
            if (!pickup) window_of(t, begin, &so.tw_start_s, &so.tw_end_s);
            if (pickup && t->n_pick_tws) {
                so.tw_start_s = t->pick_tws[0].start_s;
                so.tw_end_s = t->pick_tws[0].end_s;
            }
            so.service_s = st->service_s;
            so.leg_s = st->duration_s - prev_dur;
            so.leg_m = st->distance_m - prev_dist;
            prev_dur = st->duration_s;
            prev_dist = st->distance_m;
            so.eta_s = so.planned_s = begin;
            so.weight_g = t->amount[0];
            so.volume_cm3 = t->amount[1];
            so.parcels = t->amount[2];
            so.transfer_from = pickup ? t->transfer_from : 0;
            so.source_stop = pickup ? t->pickup_stop : t->stop_id;
            so.locked = !pickup && t->locked;
            so.return_id = t->return_id;
            if (!so.return_id && so.source_stop && (rc = source_return(tx, &so, err)) != LM_OK)
                return rc;
            if (m->update_in_place && t->stop_id && !pickup) {
                store_stop old;
                if ((rc = store_stop_get(store_tx_read(tx), t->stop_id, &old, err)) != LM_OK)
                    return rc;
                so.id = old.id;
                so.live = old.live;
                so.source_stop = old.source_stop;
                so.transfer_from = old.transfer_from;
                if ((rc = store_stop_update(tx, &so, err)) != LM_OK) return rc;
                continue;
            }
            int64_t id = 0;
            if ((rc = store_stop_insert(tx, &so, &id, err)) != LM_OK) return rc;
        }
    }
    for (size_t i = 0; i < s->n_unassigned; i++) {
        const solver_unassigned *u = &s->unassigned[i];
        solver_step tmp = {.type =
                               u->type == SOLVER_STEP_JOB ? SOLVER_STEP_JOB : SOLVER_STEP_PICKUP,
                           .index = u->index};
        int ti = dispatch__model_task_of(m, &tmp);
        if (ti < 0) continue;
        store_unassigned su = {.order_id = m->tasks[ti].order_id};
        lm_strlcpy(su.reason, solver_reason_text(u->reason), sizeof su.reason);
        if (u->reason == SOLVER_REASON_SKILLS && m->tasks[ti].need[0])
            snprintf(su.reason, sizeof su.reason, "no van has %.50s", m->tasks[ti].need);
        if ((rc = store_unassigned_add(tx, p->id, &su, err)) != LM_OK) return rc;
    }
    return LM_OK;
}
