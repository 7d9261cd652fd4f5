/* dispatch/hand_plan.c: hand moves on a proposed plan (before it is committed): a stop moved to
 * a vehicle and position, the two routes evaluated from each van's depot and shift (breaks where
 * their stops are, the orders' own windows) with the evaluator and solver_check, then stored with
 * their new times, route totals and the plan's totals. */
#include "dispatch/hand.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Route vehicle_id of proposed plan p, from the plan's stops all[0..n). */
static lm_status plan_route(store_read *r, const store_plan *p, const char *vehicle_id,
                            const store_stop *all, size_t n, dispatch__hand_route *hr,
                            lm_errinfo *err) {
    memset(hr, 0, sizeof *hr);
    lm_status rc = store_vehicle_get(r, vehicle_id, &hr->v, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_INVALID, "to_vehicle", "vehicle '%s' not found", vehicle_id);
    if (rc != LM_OK || (rc = store_driver_by_vehicle(r, vehicle_id, &hr->drv, err)) != LM_OK)
        return rc;
    store_depot dep;
    if ((rc = store_depot_get(r, hr->v.start_depot, &dep, err)) != LM_OK) return rc;
    hr->start = (geo_point){dep.lat, dep.lon};
    if (hr->v.end_depot[0] && store_depot_get(r, hr->v.end_depot, &dep, NULL) == LM_OK) {
        hr->has_end = true;
        hr->end = (geo_point){dep.lat, dep.lon};
    }
    hr->start_s = p->day_start_s + hr->v.shift_start_s;
    hr->end_s = p->day_start_s + hr->v.shift_end_s;
    hr->plan_id = p->id;
    if (!(hr->stops = lm_calloc(n + 2, sizeof *hr->stops))) return LM_NOMEM;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        if (strcmp(all[i].vehicle_id, vehicle_id)) continue;
        dispatch__hand_stop *hs = &hr->stops[hr->n++];
        hs->s = all[i];
        if (all[i].kind != DISPATCH_STOP_DELIVERY) continue;
        /* a plan may still pick any of the order's windows */
        store_order o = {0};
        if ((rc = store_order_get(r, all[i].order_id, &o, err)) != LM_OK) break;
        for (size_t w = 0; w < o.n_windows; w++)
            hs->tws[hs->n_tws++] = (solver_tw){o.windows[w].start_s, o.windows[w].end_s};
        store_order_clear(&o);
    }
    hr->seq_base = hr->n ? hr->stops[0].s.seq : 0;
    return rc;
}

/* Stores route hr of the plan: its stops re-timed and renumbered, its route row (or none when it
 * is empty). */
static lm_status plan_route_store(store_tx *tx, int64_t plan_id, dispatch__hand_route *hr,
                                  lm_errinfo *err) {
    lm_status rc = store_plan_route_delete(tx, plan_id, hr->v.id, err);
    store_plan_route pr = {.plan_id = plan_id};
    lm_strlcpy(pr.vehicle_id, hr->v.id, sizeof pr.vehicle_id);
    lm_strlcpy(pr.driver_id, hr->drv.id, sizeof pr.driver_id);
    pr.start_lat = hr->start.lat;
    pr.start_lon = hr->start.lon;
    pr.has_end = hr->has_end;
    pr.end_lat = hr->end.lat;
    pr.end_lon = hr->end.lon;
    pr.start_s = pr.end_s = hr->start_s;
    pr.cost = hr->cost;
    pr.distance_m = hr->distance_m;
    pr.duration_s = hr->duration_s;
    for (size_t i = 0; i < hr->n && rc == LM_OK; i++) {
        store_stop *s = &hr->stops[i].s;
        s->seq = hr->seq_base + (int32_t)i;
        lm_strlcpy(s->vehicle_id, hr->v.id, sizeof s->vehicle_id);
        lm_strlcpy(s->driver_id, hr->drv.id, sizeof s->driver_id);
        if (s->kind == DISPATCH_STOP_DELIVERY) {
            pr.load_g += s->weight_g;
            pr.load_cm3 += s->volume_cm3;
            pr.load_parcels += s->parcels;
        }
        pr.end_s = s->eta_s + s->service_s;
        rc = store_stop_update(tx, s, err);
    }
    if (rc == LM_OK && hr->n) rc = store_plan_route_put(tx, &pr, err);
    return rc;
}

lm_status dispatch_plan_move(dispatch *d, int64_t plan_id, int64_t stop_id, const char *to_vehicle,
                             int position, dispatch_violation *violations, size_t cap,
                             size_t *n_violations, lm_errinfo *err) {
    store_tx *tx = NULL;
    store_stop *all = NULL;
    size_t n_all = 0, nr = 0;
    dispatch__hand_route rts[DISPATCH__HAND_ROUTES] = {0};
    solver_solution *sol = NULL;
    *n_violations = 0;
    store_plan p;
    lm_status rc = dispatch__plan_begin(d, plan_id, "plan", &tx, &p, err);
    if (rc != LM_OK) goto fail;
    store_read *r = store_tx_read(tx);
    if (p.is_replan || p.status != DISPATCH_PLAN_PROPOSED) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "status",
                            "only a proposed plan can be edited; plan %" PRId64 " is %s", plan_id,
                            dispatch_plan_status_name((dispatch_plan_status)p.status));
        goto fail;
    }
    store_stop_filter f = {.plan_id = plan_id};
    if ((rc = store_stop_query(r, &f, &all, &n_all, err)) != LM_OK) goto fail;
    const store_stop *moving = NULL;
    for (size_t i = 0; i < n_all; i++)
        if (all[i].id == stop_id) moving = &all[i];
    if (!moving) {
        rc = lm_errinfo_set(err, LM_NOT_FOUND, "stop", "stop %" PRId64 " is not in plan %" PRId64,
                            stop_id, plan_id);
        goto fail;
    }
    if (moving->kind == DISPATCH_STOP_BREAK) {
        rc = lm_errinfo_set(err, LM_CONFLICT, "stop",
                            "stop %" PRId64 " is %s's break: it stays with its van", stop_id,
                            moving->vehicle_id);
        goto fail;
    }
    if ((rc = dispatch__same_depot(r, moving->order_id, to_vehicle, err)) != LM_OK ||
        (rc = dispatch__hand_skills(r, moving->order_id, to_vehicle, "to_vehicle", err)) != LM_OK ||
        (rc = plan_route(r, &p, to_vehicle, all, n_all, &rts[0], err)) != LM_OK)
        goto fail;
    nr = 1;
    if (strcmp(moving->vehicle_id, to_vehicle)) {
        if ((rc = plan_route(r, &p, moving->vehicle_id, all, n_all, &rts[1], err)) != LM_OK)
            goto fail;
        nr = 2;
    }
    /* out of its route, into the target at position (the end when -1 or past it) */
    dispatch__hand_route *from = &rts[nr - 1];
    dispatch__hand_stop hs = {0};
    for (size_t i = 0; i < from->n; i++)
        if (from->stops[i].s.id == stop_id) {
            hs = from->stops[i];
            memmove(&from->stops[i], &from->stops[i + 1], (from->n - i - 1) * sizeof hs);
            from->n--;
            break;
        }
    dispatch__hand_route *to = &rts[0];
    size_t pos = position < 0 || (size_t)position > to->n ? to->n : (size_t)position;
    memmove(&to->stops[pos + 1], &to->stops[pos], (to->n - pos) * sizeof hs);
    to->stops[pos] = hs;
    to->n++;
    lm_errinfo eval = {0};
    if (dispatch__hand_eval(d, rts, nr, false, &sol, &eval) != LM_OK) {
        if (cap > 0) {
            lm_strlcpy(violations[0].message, eval.message, sizeof violations[0].message);
            *n_violations = 1;
        }
        rc = lm_errinfo_set(err, LM_CONFLICT, "stop",
                            "moving stop %" PRId64 " to %s at position %zu breaks a constraint: %s",
                            stop_id, to_vehicle, pos, eval.message);
        goto fail;
    }
    dispatch__hand_apply_times(rts, nr, sol);
    for (size_t k = 0; k < nr && rc == LM_OK; k++)
        rc = plan_route_store(tx, plan_id, &rts[k], err);
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, plan_id);
    if (rc != LM_OK || (rc = dispatch__plan_totals(r, &p, err)) != LM_OK) goto fail;
    p.updated_ms = dispatch__now_ms(d);
    if ((rc = store_plan_update(tx, &p, err)) != LM_OK ||
        (rc = dispatch__event(tx, "plan.edited", "plan", ids,
                              "{\"plan_id\":%" PRId64 ",\"order_id\":%" PRId64
                              ",\"to_vehicle\":\"%s\",\"position\":%zu,\"cost\":%" PRId64 "}",
                              plan_id, hs.s.order_id, to_vehicle, pos, p.cost)) != LM_OK)
        goto fail;
    rc = store_tx_commit(tx);
    tx = NULL;
fail:
    store_tx_rollback(tx);
    solver_solution_destroy(sol);
    for (size_t k = 0; k < DISPATCH__HAND_ROUTES; k++)
        lm_free(rts[k].stops);
    lm_free(all);
    return rc;
}
