/* dispatch/hand_eval.c: a hand-edited live route as a solver problem: each van from where it is
 * now (position, now + reported delay, load on board), its shift, its breaks where their stops
 * are; evaluated exactly as given with solver_evaluate and verified with solver_check. */
#include "dispatch/hand.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define UNLIMITED (INT64_C(1) << 40)

/* What one evaluation builds: points (each van's start and end, then every stop), a window slot
 * row per stop (STORE_WINDOWS_MAX wide, ntw used), the vans' breaks, the sequences. */
typedef struct build {
    geo_point *pts;
    size_t n_pts, first_stop_pt;
    solver_tw *tws;
    size_t *ntw;
    solver_break *brk;
    solver_task_ref **seqs;
    size_t *lens;
    uint32_t *vidx;
} build;

static void build_free(build *b, size_t nr) {
    lm_free(b->pts);
    lm_free(b->tws);
    lm_free(b->ntw);
    lm_free(b->brk);
    for (size_t k = 0; b->seqs && k < nr; k++)
        lm_free(b->seqs[k]);
    lm_free(b->seqs);
    lm_free(b->lens);
    lm_free(b->vidx);
    memset(b, 0, sizeof *b);
}

/* The delivery after stop i on route hr for the same order, or hr->n. */
static size_t delivery_after(const dispatch__hand_route *hr, size_t i) {
    for (size_t j = i + 1; j < hr->n; j++)
        if (hr->stops[j].s.kind == DISPATCH_STOP_DELIVERY &&
            hr->stops[j].s.order_id == hr->stops[i].s.order_id)
            return j;
    return hr->n;
}

/* Window slots of every stop, and each van's breaks from its break stops (a break's window is its
 * stop's). relaxed: no windows at all (costing a route that is late already). */
static void fill_windows(dispatch__hand_route *rts, size_t nr, build *b, bool relaxed) {
    size_t at = 0, g = 0;
    for (size_t k = 0; k < nr; k++) {
        rts[k].brk0 = at;
        rts[k].n_breaks = 0;
        rts[k].stop0 = g;
        for (size_t i = 0; i < rts[k].n; i++, g++) {
            const dispatch__hand_stop *hs = &rts[k].stops[i];
            solver_tw *slot = &b->tws[g * STORE_WINDOWS_MAX];
            b->ntw[g] = 0;
            if (hs->s.kind == DISPATCH_STOP_BREAK) {
                slot[0] = relaxed || !hs->s.tw_end_s
                              ? (solver_tw){0, SOLVER_TIME_INF}
                              : (solver_tw){hs->s.tw_start_s, hs->s.tw_end_s};
                b->ntw[g] = 1;
                b->brk[at] = (solver_break){
                    .id = (uint64_t)at + 1, .tws = slot, .n_tws = 1, .service_s = hs->s.service_s};
                at++;
                rts[k].n_breaks++;
                continue;
            }
            if (relaxed || hs->window_dropped) continue;
            memcpy(slot, hs->tws, sizeof hs->tws);
            b->ntw[g] = hs->n_tws;
        }
    }
}

static lm_status add_route_tasks(solver_problem *p, const dispatch__hand_route *hr, size_t k,
                                 build *b, uint32_t *n_jobs, uint32_t *n_ships, lm_errinfo *err) {
    uint32_t *ship_of = lm_calloc(hr->n + 1, sizeof *ship_of);
    if (!ship_of) return LM_NOMEM;
    lm_status rc = LM_OK;
    uint32_t brk = 0;
    for (size_t i = 0; i < hr->n && rc == LM_OK; i++) {
        const dispatch__hand_stop *hs = &hr->stops[i];
        size_t g = hr->stop0 + i;
        uint32_t loc = (uint32_t)(b->first_stop_pt + g);
        solver_tw *slot = &b->tws[g * STORE_WINDOWS_MAX];
        if (hs->s.kind == DISPATCH_STOP_BREAK) {
            b->seqs[k][b->lens[k]++] = (solver_task_ref){SOLVER_STEP_BREAK, brk++};
            continue;
        }
        if (hs->s.kind == DISPATCH_STOP_PICKUP) {
            size_t j = delivery_after(hr, i);
            if (j == hr->n) {
                rc = lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                                    "stop %" PRId64 " picks up order %" PRId64
                                    " but the route never delivers it",
                                    hs->s.id, hs->s.order_id);
                break;
            }
            const dispatch__hand_stop *ds = &hr->stops[j];
            size_t dg = hr->stop0 + j;
            solver_shipment sh;
            solver_shipment_init(&sh);
            sh.pickup =
                (solver_task){.id = (uint64_t)g + 1, .location = loc, .service_s = hs->s.service_s};
            sh.pickup.tws = b->ntw[g] ? slot : NULL; /* a collection's window */
            sh.pickup.n_tws = b->ntw[g];
            sh.delivery = (solver_task){.id = (uint64_t)dg + 1,
                                        .location = (uint32_t)(b->first_stop_pt + dg),
                                        .service_s = ds->s.service_s};
            sh.delivery.tws = b->ntw[dg] ? &b->tws[dg * STORE_WINDOWS_MAX] : NULL;
            sh.delivery.n_tws = b->ntw[dg];
            int64_t da[SOLVER_MAX_DIMS] = {ds->s.weight_g, ds->s.volume_cm3, ds->s.parcels};
            memcpy(sh.amount, da, sizeof sh.amount);
            if ((rc = solver_problem_add_shipment(p, &sh, err)) != LM_OK) break;
            ship_of[j] = *n_ships + 1;
            b->seqs[k][b->lens[k]++] = (solver_task_ref){SOLVER_STEP_PICKUP, (*n_ships)++};
        } else if (ship_of[i]) {
            b->seqs[k][b->lens[k]++] = (solver_task_ref){SOLVER_STEP_DELIVERY, ship_of[i] - 1};
        } else {
            /* on board, or loaded at the depot before the van leaves */
            solver_job j;
            solver_job_init(&j);
            j.id = (uint64_t)g + 1;
            j.location = loc;
            j.service_s = hs->s.service_s;
            j.tws = b->ntw[g] ? slot : NULL;
            j.n_tws = b->ntw[g];
            int64_t amount[SOLVER_MAX_DIMS] = {hs->s.weight_g, hs->s.volume_cm3, hs->s.parcels};
            memcpy(j.delivery, amount, sizeof j.delivery);
            if ((rc = solver_problem_add_job(p, &j, err)) != LM_OK) break;
            b->seqs[k][b->lens[k]++] = (solver_task_ref){SOLVER_STEP_JOB, (*n_jobs)++};
        }
    }
    lm_free(ship_of);
    return rc;
}

static lm_status add_vehicle(solver_problem *p, const dispatch__hand_route *hr, size_t k,
                             uint32_t start, uint32_t end, const build *b, bool relaxed,
                             lm_errinfo *err) {
    solver_vehicle v;
    solver_vehicle_init(&v);
    v.id = (uint64_t)k + 1;
    v.start = start;
    v.end = end;
    v.shift = (solver_tw){hr->start_s, relaxed ? hr->start_s + 2 * 86400 : hr->end_s};
    v.capacity[0] = hr->v.capacity_g > 0 ? hr->v.capacity_g : UNLIMITED;
    v.capacity[1] = hr->v.capacity_cm3 > 0 ? hr->v.capacity_cm3 : UNLIMITED;
    v.capacity[2] = hr->v.capacity_parcels > 0 ? hr->v.capacity_parcels : UNLIMITED;
    v.cost_fixed = hr->v.cost_fixed;
    v.cost_per_hour = hr->v.cost_per_hour;
    v.cost_per_km = hr->v.cost_per_km;
    v.speed_factor = hr->v.speed_factor > 0 ? hr->v.speed_factor : 1;
    v.breaks = hr->n_breaks ? &b->brk[hr->brk0] : NULL;
    v.n_breaks = hr->n_breaks;
    return solver_problem_add_vehicle(p, &v, err);
}

lm_status dispatch__hand_eval(dispatch *d, dispatch__hand_route *rts, size_t nr, bool relaxed,
                              solver_solution **out, lm_errinfo *err) {
    build b = {0};
    solver_problem *p = NULL;
    geo_matrix *gm = NULL;
    size_t total = 0;
    for (size_t k = 0; k < nr; k++)
        total += rts[k].n;
    lm_status rc = LM_NOMEM;
    b.pts = lm_calloc(total + 2 * nr + 1, sizeof *b.pts);
    b.tws = lm_calloc((total + 1) * STORE_WINDOWS_MAX, sizeof *b.tws);
    b.ntw = lm_calloc(total + 1, sizeof *b.ntw);
    b.brk = lm_calloc(total + 1, sizeof *b.brk);
    b.seqs = lm_calloc(nr + 1, sizeof *b.seqs);
    b.lens = lm_calloc(nr + 1, sizeof *b.lens);
    b.vidx = lm_calloc(nr + 1, sizeof *b.vidx);
    if (!b.pts || !b.tws || !b.ntw || !b.brk || !b.seqs || !b.lens || !b.vidx) goto fail;
    for (size_t k = 0; k < nr; k++)
        if (!(b.seqs[k] = lm_calloc(rts[k].n + 1, sizeof **b.seqs))) goto fail;
    uint32_t starts[DISPATCH__HAND_ROUTES], ends[DISPATCH__HAND_ROUTES];
    for (size_t k = 0; k < nr; k++) {
        starts[k] = (uint32_t)b.n_pts;
        b.pts[b.n_pts++] = rts[k].start;
        ends[k] = SOLVER_NONE;
        if (rts[k].has_end) {
            ends[k] = (uint32_t)b.n_pts;
            b.pts[b.n_pts++] = rts[k].end;
        }
    }
    b.first_stop_pt = b.n_pts;
    for (size_t k = 0; k < nr; k++)
        for (size_t i = 0; i < rts[k].n; i++)
            b.pts[b.n_pts++] = (geo_point){rts[k].stops[i].s.lat, rts[k].stops[i].s.lon};
    if ((rc = geo_matrix_compute(d->geo, b.pts, b.n_pts, &gm, err)) != LM_OK) goto fail;
    solver_problem_opts po;
    solver_problem_opts_init(&po);
    po.n_dims = DISPATCH__DIMS;
    if ((rc = solver_problem_create(&po, &p)) != LM_OK) goto fail;
    if ((rc = solver_problem_set_matrix(p, b.n_pts, geo_matrix_durations(gm),
                                        geo_matrix_distances(gm), NULL, err)) != LM_OK)
        goto fail;
    fill_windows(rts, nr, &b, relaxed);
    uint32_t n_jobs = 0, n_ships = 0;
    for (size_t k = 0; k < nr; k++) {
        if ((rc = add_route_tasks(p, &rts[k], k, &b, &n_jobs, &n_ships, err)) != LM_OK ||
            (rc = add_vehicle(p, &rts[k], k, starts[k], ends[k], &b, relaxed, err)) != LM_OK)
            goto fail;
        b.vidx[k] = (uint32_t)k;
    }
    solver_solution *s = NULL;
    if ((rc = solver_evaluate(p, (const solver_task_ref *const *)b.seqs, b.lens, b.vidx, nr, &s,
                              err)) != LM_OK)
        goto fail;
    solver_check_report rep;
    if (solver_check(p, s, &rep) != LM_OK) {
        solver_solution_destroy(s);
        rc = lm_errinfo_set(err, LM_CONFLICT, "stops", "%s", rep.first);
        goto fail;
    }
    *out = s;
fail:
    solver_problem_destroy(p);
    geo_matrix_destroy(gm);
    build_free(&b, nr);
    return rc;
}

void dispatch__hand_apply_times(dispatch__hand_route *rts, size_t nr, const solver_solution *s) {
    for (size_t ri = 0; ri < s->n_routes; ri++) {
        const solver_route *r = &s->routes[ri];
        if (r->vehicle >= nr) continue;
        dispatch__hand_route *hr = &rts[r->vehicle];
        hr->cost = r->cost;
        hr->distance_m = r->distance_m;
        hr->duration_s = r->duration_s;
        int64_t prev_dur = 0, prev_dist = 0;
        size_t i = 0;
        for (size_t k = 0; k < r->n_steps && i <= hr->n; k++) {
            const solver_step *st = &r->steps[k];
            if (st->type == SOLVER_STEP_START) {
                prev_dur = st->duration_s;
                prev_dist = st->distance_m;
                continue;
            }
            if (st->type == SOLVER_STEP_END || i >= hr->n) continue;
            dispatch__hand_stop *hs = &hr->stops[i++];
            bool brk = st->type == SOLVER_STEP_BREAK;
            int64_t begin = brk ? st->arrival_s : st->arrival_s + st->waiting_s;
            hs->s.eta_s = begin;
            hs->s.planned_s = begin; /* the dispatcher's edit is the plan now */
            if (brk) {
                hs->s.leg_s = hs->s.leg_m = 0;
                continue;
            }
            hs->s.leg_s = st->duration_s - prev_dur;
            hs->s.leg_m = st->distance_m - prev_dist;
            prev_dur = st->duration_s;
            prev_dist = st->distance_m;
            /* the window the stop is served in, as plans store it */
            for (size_t w = 0; w < hs->n_tws && hs->s.kind == DISPATCH_STOP_DELIVERY; w++)
                if (begin <= hs->tws[w].end_s) {
                    hs->s.tw_start_s = hs->tws[w].start_s;
                    hs->s.tw_end_s = hs->tws[w].end_s;
                    break;
                }
        }
    }
}
