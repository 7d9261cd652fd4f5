/* dispatch/hand.c: hand dispatch on live routes: assign a ready order to a van, move a stop
 * between vans, reorder a route, unassign, each evaluated from the vans' live state before it is
 * stored (dispatch/hand_eval.c); locks on stops and routes that re-plans respect; the live route
 * of a vehicle for the dispatcher. */
#include "dispatch/hand.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- Loading a live route ---- */

static void route_free(dispatch__hand_route *hr) {
    lm_free(hr->stops);
    hr->stops = NULL;
    hr->n = 0;
}

/* The plan new stops of vehicle_id join: the newest plan of its live stops, else the newest
 * committed plan. */
static lm_status route_plan(store_read *r, const char *vehicle_id, int64_t *out, lm_errinfo *err) {
    store_stop_filter f = {.vehicle_id = vehicle_id, .live_only = true};
    store_stop *all = NULL;
    size_t n = 0;
    lm_status rc = store_stop_query(r, &f, &all, &n, err);
    if (rc != LM_OK) return rc;
    *out = 0;
    for (size_t i = 0; i < n; i++)
        if (all[i].plan_id > *out) *out = all[i].plan_id;
    lm_free(all);
    if (*out) return LM_OK;
    store_plan *pl = NULL;
    if ((rc = store_plan_list(r, 50, &pl, &n, err)) != LM_OK) return rc;
    for (size_t i = 0; i < n && !*out; i++)
        if (pl[i].status == DISPATCH_PLAN_COMMITTED) *out = pl[i].id;
    lm_free(pl);
    if (!*out)
        return lm_errinfo_set(err, LM_CONFLICT, "vehicle_id",
                              "no plan has been committed yet: commit one before dispatching by "
                              "hand");
    return LM_OK;
}

static lm_status route_load(dispatch *d, store_read *r, const char *vehicle_id, int64_t now_s,
                            dispatch__hand_route *hr, lm_errinfo *err) {
    memset(hr, 0, sizeof *hr);
    lm_status rc = store_vehicle_get(r, vehicle_id, &hr->v, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_INVALID, "vehicle_id", "no vehicle \"%.64s\"", vehicle_id);
    if (rc != LM_OK) return rc;
    if ((rc = store_driver_by_vehicle(r, vehicle_id, &hr->drv, err)) != LM_OK) return rc;
    if (!hr->drv.id[0])
        return lm_errinfo_set(err, LM_CONFLICT, "vehicle_id", "vehicle %s has no driver today",
                              vehicle_id);
    if (store_vstate_get(r, vehicle_id, &hr->vs, NULL) != LM_OK) memset(&hr->vs, 0, sizeof hr->vs);
    if (hr->vs.broken)
        return lm_errinfo_set(err, LM_CONFLICT, "vehicle_id",
                              "vehicle %s broke down: it takes no work", vehicle_id);
    hr->started = hr->vs.started;
    store_depot dep;
    if ((rc = store_depot_get(r, hr->v.start_depot, &dep, err)) != LM_OK) return rc;
    hr->start = hr->started && hr->vs.has_position ? (geo_point){hr->vs.lat, hr->vs.lon}
                                                   : (geo_point){dep.lat, dep.lon};
    if (hr->v.end_depot[0] && store_depot_get(r, hr->v.end_depot, &dep, NULL) == LM_OK) {
        hr->has_end = true;
        hr->end = (geo_point){dep.lat, dep.lon};
    }
    /* the same clock as a re-plan: free from now plus the reported delay, overtime when the
     * shift is nearly over */
    int64_t day = dispatch__day_start(d, now_s);
    hr->start_s = day + hr->v.shift_start_s;
    if (hr->start_s < now_s + hr->vs.delay_s) hr->start_s = now_s + hr->vs.delay_s;
    hr->end_s = day + hr->v.shift_end_s;
    if (hr->end_s < hr->start_s + 3600) hr->end_s = hr->start_s + 4 * 3600;
    store_stop *ps = NULL;
    size_t n = 0;
    store_stop_filter f = {.vehicle_id = vehicle_id, .live_only = true, .pending_only = true};
    if ((rc = store_stop_query(r, &f, &ps, &n, err)) != LM_OK) return rc;
    if (n > DISPATCH__HAND_STOPS_MAX) {
        lm_free(ps);
        return lm_errinfo_set(err, LM_TOO_BIG, "vehicle_id",
                              "vehicle %s has more than %d pending stops", vehicle_id,
                              DISPATCH__HAND_STOPS_MAX);
    }
    hr->stops = lm_calloc(DISPATCH__HAND_STOPS_MAX + 2, sizeof *hr->stops);
    if (!hr->stops) {
        lm_free(ps);
        return LM_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        dispatch__hand_stop *hs = &hr->stops[hr->n++];
        hs->s = ps[i];
        /* a pickup's window is a collection's (return or pickup-and-delivery) */
        if (ps[i].tw_end_s && ps[i].kind != DISPATCH_STOP_BREAK) {
            hs->tws[0] = (solver_tw){ps[i].tw_start_s, ps[i].tw_end_s};
            hs->n_tws = 1;
            /* as a re-plan does: a window the van cannot reach any more from where it is */
            double m = geo_distance_m(hr->start, (geo_point){ps[i].lat, ps[i].lon});
            double travel = isfinite(m) ? m * d->o.matrix.detour_factor / d->o.matrix.speed_mps : 0;
            hs->window_dropped = ps[i].late || ps[i].eta_s > ps[i].tw_end_s ||
                                 hr->start_s + (int64_t)travel > ps[i].tw_end_s;
        }
    }
    hr->seq_base = n ? ps[0].seq : 0;
    lm_free(ps);
    if (!n) {
        store_stop_filter fa = {.vehicle_id = vehicle_id, .live_only = true};
        store_stop *all = NULL;
        size_t na = 0;
        if ((rc = store_stop_query(r, &fa, &all, &na, err)) != LM_OK) return rc;
        for (size_t i = 0; i < na; i++)
            if (all[i].seq + 1 > hr->seq_base) hr->seq_base = all[i].seq + 1;
        lm_free(all);
    }
    return route_plan(r, vehicle_id, &hr->plan_id, err);
}

static int find_stop(const dispatch__hand_route *hr, int64_t stop_id) {
    for (size_t i = 0; i < hr->n; i++)
        if (hr->stops[i].s.id == stop_id) return (int)i;
    return -1;
}

/* The first index a stop may take: a stop the driver is at stays first. */
static size_t first_free(const dispatch__hand_route *hr) {
    return hr->n && hr->stops[0].s.status == DISPATCH_STOP_ARRIVED ? 1 : 0;
}

static void insert_at(dispatch__hand_route *hr, size_t at, const dispatch__hand_stop *hs) {
    memmove(&hr->stops[at + 1], &hr->stops[at], (hr->n - at) * sizeof *hr->stops);
    hr->stops[at] = *hs;
    hr->n++;
}

static void remove_at(dispatch__hand_route *hr, size_t at) {
    memmove(&hr->stops[at], &hr->stops[at + 1], (hr->n - at - 1) * sizeof *hr->stops);
    hr->n--;
}

lm_status dispatch__hand_skills(store_read *r, int64_t order_id, const char *vehicle_id,
                                const char *field, lm_errinfo *err) {
    dispatch__task t;
    memset(&t, 0, sizeof t);
    store_vehicle v;
    store_driver drv;
    dispatch__vehicle mv;
    memset(&mv, 0, sizeof mv);
    lm_status rc = dispatch__task_requires(r, order_id, &t, err);
    if (rc == LM_OK && t.n_req == 0) return LM_OK;
    if (rc == LM_OK) rc = store_vehicle_get(r, vehicle_id, &v, err);
    if (rc == LM_OK) rc = store_driver_by_vehicle(r, vehicle_id, &drv, err);
    if (rc == LM_OK) rc = dispatch__vehicle_fill(r, 0, &v, &drv, &mv, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < t.n_req; i++) {
        bool has = false;
        for (size_t k = 0; k < mv.n_skills && !has; k++)
            has = mv.skills[k] == t.req[i];
        if (!has)
            return lm_errinfo_set(err, LM_CONFLICT, field,
                                  "order %" PRId64 " needs %s; vehicle %s and its driver do not "
                                  "have all of it",
                                  order_id, t.need, vehicle_id);
    }
    return LM_OK;
}

/* ---- Costing and placing ---- */

/* Cost of the routes as they are: strict, else relaxed (late already), else 0 when even that
 * cannot be evaluated. */
static int64_t routes_cost(dispatch *d, dispatch__hand_route *rts, size_t nr) {
    solver_solution *s = NULL;
    int64_t c = 0;
    if (dispatch__hand_eval(d, rts, nr, false, &s, NULL) == LM_OK ||
        dispatch__hand_eval(d, rts, nr, true, &s, NULL) == LM_OK)
        c = s->cost;
    solver_solution_destroy(s);
    return c;
}

static void violation(dispatch_hand_result *res, const char *msg) {
    if (res->n_violations < DISPATCH_HAND_VIOLATIONS_MAX)
        lm_strlcpy(res->violations[res->n_violations++].message, msg,
                   sizeof res->violations[0].message);
}

/* Inserts the new stops (a pickup in pick, may be NULL, then del) into route k at the cheapest
 * feasible positions (del at `position` when >= 0), evaluating every route of rts; on success
 * the routes hold the stops with their times, *at is del's index. LM_CONFLICT with violations
 * when no position works. */
static lm_status place(dispatch *d, dispatch__hand_route *rts, size_t nr, size_t k,
                       const dispatch__hand_stop *pick, const dispatch__hand_stop *del,
                       int position, dispatch_hand_result *res, size_t *at, lm_errinfo *err) {
    dispatch__hand_route *hr = &rts[k];
    size_t lo = first_free(hr), n0 = hr->n;
    if (position >= 0 && ((size_t)position > n0 || (size_t)position < lo))
        return lm_errinfo_set(err, LM_INVALID, "position",
                              "position must be %zu..%zu on %s's route", lo, n0, hr->v.id);
    size_t d_from = position >= 0 ? (size_t)position : lo, d_to = position >= 0 ? d_from : n0;
    int64_t best = INT64_MAX;
    size_t best_p = 0, best_d = 0, tries = 0;
    lm_errinfo first = {0};
    for (size_t pi = pick ? lo : 0; pi <= (pick ? n0 : 0) && tries < DISPATCH__HAND_TRIES_MAX; pi++)
        for (size_t di = d_from; di <= d_to && tries < DISPATCH__HAND_TRIES_MAX; di++) {
            if (pick && pi > di) continue;
            if (pick) insert_at(hr, pi, pick);
            insert_at(hr, pick ? di + 1 : di, del);
            solver_solution *s = NULL;
            lm_errinfo e = {0};
            tries++;
            if (dispatch__hand_eval(d, rts, nr, false, &s, &e) == LM_OK) {
                if (s->cost < best) {
                    best = s->cost;
                    best_p = pi;
                    best_d = di;
                }
            } else if (!first.message[0]) {
                first = e;
            }
            solver_solution_destroy(s);
            remove_at(hr, pick ? di + 1 : di);
            if (pick) remove_at(hr, pi);
        }
    if (best == INT64_MAX) {
        res->feasible = false;
        violation(res, first.message[0] ? first.message : "no feasible position");
        return lm_errinfo_set(err, LM_CONFLICT, position >= 0 ? "position" : "vehicle_id",
                              "%s's route cannot take it%s: %s", hr->v.id,
                              position >= 0 ? " there" : " anywhere", res->violations[0].message);
    }
    if (pick) insert_at(hr, best_p, pick);
    insert_at(hr, pick ? best_d + 1 : best_d, del);
    *at = pick ? best_d + 1 : best_d;
    return LM_OK;
}

/* ---- Storing an edit ---- */

static lm_status route_changed_event(store_tx *tx, const dispatch__hand_route *hr, const char *why,
                                     lm_errinfo *err) {
    lm_buf b;
    lm_buf_init(&b, 4096);
    lm_status rc = lm_buf_printf(&b,
                                 "{\"vehicle_id\":\"%s\",\"driver_id\":\"%s\",\"reason\":\"%s\","
                                 "\"stops\":[",
                                 hr->v.id, hr->drv.id, why);
    for (size_t i = 0; i < hr->n && rc == LM_OK; i++)
        rc = lm_buf_printf(&b, "%s%" PRId64, i ? "," : "", hr->stops[i].s.id);
    if (rc == LM_OK) rc = lm_buf_append(&b, "]}", 2);
    if (rc == LM_OK) rc = store_event_append(tx, "route.changed", "vehicle", hr->v.id, b.data);
    lm_buf_free(&b);
    if (rc != LM_OK) lm_errinfo_set(err, rc, "", "could not record the route change");
    return rc;
}

/* Writes route hr's pending stops in their new order (inserting new ones) and its event. */
static lm_status route_store(store_tx *tx, dispatch__hand_route *hr, const char *why,
                             int64_t now_ms, lm_errinfo *err) {
    lm_status rc = LM_OK;
    for (size_t i = 0; i < hr->n && rc == LM_OK; i++) {
        store_stop *s = &hr->stops[i].s;
        s->seq = hr->seq_base + (int32_t)i;
        lm_strlcpy(s->vehicle_id, hr->v.id, sizeof s->vehicle_id);
        lm_strlcpy(s->driver_id, hr->drv.id, sizeof s->driver_id);
        if (!hr->stops[i].is_new) {
            rc = store_stop_update(tx, s, err);
            continue;
        }
        s->plan_id = hr->plan_id;
        s->live = true;
        if ((rc = store_stop_insert(tx, s, &s->id, err)) == LM_OK &&
            s->kind == DISPATCH_STOP_DELIVERY)
            rc = dispatch__order_move(tx, s->order_id, "planned", now_ms, err);
    }
    if (rc == LM_OK) rc = route_changed_event(tx, hr, why, err);
    return rc;
}

/* ---- The edits ---- */

static lm_status new_stops(dispatch *d, store_read *r, const dispatch__hand_route *hr,
                           int64_t order_id, dispatch__hand_stop *pick, bool *has_pick,
                           dispatch__hand_stop *del, lm_errinfo *err) {
    store_order o = {0};
    lm_status rc = store_order_get(r, order_id, &o, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_INVALID, "order_id", "order %" PRId64 " not found", order_id);
    if (rc != LM_OK) return rc;
    if (strcmp(o.status, "ready"))
        rc = lm_errinfo_set(err, LM_CONFLICT, "order_id",
                            "order %" PRId64 " is %s; only a ready order can be assigned", order_id,
                            o.status);
    else if (!o.has_location)
        rc = lm_errinfo_set(err, LM_CONFLICT, "order_id", "order %" PRId64 " has no location",
                            order_id);
    else if ((rc = dispatch__same_depot(r, order_id, hr->v.id, err)) == LM_OK)
        rc = dispatch__hand_skills(r, order_id, hr->v.id, "vehicle_id", err);
    if (rc == LM_CONFLICT && !strcmp(err->field, "to_vehicle"))
        lm_strlcpy(err->field, "vehicle_id", sizeof err->field);
    if (rc != LM_OK) {
        store_order_clear(&o);
        return rc;
    }
    memset(del, 0, sizeof *del);
    del->is_new = true;
    store_stop *s = &del->s;
    s->kind = DISPATCH_STOP_DELIVERY;
    s->status = DISPATCH_STOP_PLANNED;
    s->order_id = order_id;
    s->lat = o.lat;
    s->lon = o.lon;
    s->service_s = dispatch__service_s(d, r, &o);
    s->weight_g = o.pkg_weight_g;
    s->volume_cm3 = o.pkg_volume_cm3;
    s->parcels = o.pkg_parcels > 0 ? o.pkg_parcels : 1;
    for (size_t i = 0; i < o.n_windows; i++)
        del->tws[del->n_tws++] = (solver_tw){o.windows[i].start_s, o.windows[i].end_s};
    store_pickup pk; /* collect-and-deliver: the van fetches it at its sender (dispatch/pd.c) */
    bool at_sender = dispatch__pd_pickup(r, order_id, &pk);
    *has_pick = hr->started || at_sender; /* a van on the road fetches it at its depot first */
    if (at_sender) {
        *pick = *del;
        pick->tws[0] = (solver_tw){pk.window_start_s, pk.window_end_s};
        pick->n_tws = 1;
        pick->s.kind = DISPATCH_STOP_PICKUP;
        pick->s.lat = pk.lat;
        pick->s.lon = pk.lon;
        pick->s.service_s = d->o.default_service_s;
        pick->s.tw_start_s = pk.window_start_s;
        pick->s.tw_end_s = pk.window_end_s;
    } else if (*has_pick) {
        store_depot dep;
        if ((rc = store_depot_get(r, o.depot_id, &dep, err)) == LM_OK) {
            *pick = *del;
            pick->n_tws = 0;
            pick->s.kind = DISPATCH_STOP_PICKUP;
            pick->s.lat = dep.lat;
            pick->s.lon = dep.lon;
            pick->s.service_s = 0;
        }
    }
    store_order_clear(&o);
    return rc;
}

/* A stop of another route moved onto this one: it leaves its route (*src holds it). */
static lm_status take_stop(dispatch *d, store_read *r, int64_t stop_id, int64_t now_s,
                           dispatch__hand_route *src, dispatch__hand_stop *out, lm_errinfo *err) {
    store_stop st;
    lm_status rc = store_stop_get(r, stop_id, &st, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_INVALID, "stop_id", "stop %" PRId64 " not found", stop_id);
    if (rc != LM_OK) return rc;
    if (!st.live || (st.status != DISPATCH_STOP_PLANNED && st.status != DISPATCH_STOP_ARRIVED))
        return lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                              "stop %" PRId64 " is not pending on a live route (it is %s)", stop_id,
                              dispatch_stop_status_name((dispatch_stop_status)st.status));
    if (st.kind != DISPATCH_STOP_DELIVERY)
        return lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                              "stop %" PRId64 " is a %s: only deliveries move between routes",
                              stop_id, dispatch_stop_kind_name((dispatch_stop_kind)st.kind));
    if (st.status == DISPATCH_STOP_ARRIVED)
        return lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                              "the driver is at stop %" PRId64 ": it stays on %s", stop_id,
                              st.vehicle_id);
    if ((rc = route_load(d, r, st.vehicle_id, now_s, src, err)) != LM_OK) return rc;
    int i = find_stop(src, stop_id);
    for (size_t k = 0; k < src->n; k++)
        if (src->stops[k].s.kind == DISPATCH_STOP_PICKUP && src->stops[k].s.order_id == st.order_id)
            return lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                                  "order %" PRId64 " is still to be picked up by %s: unassign it "
                                  "and assign it again",
                                  st.order_id, st.vehicle_id);
    if (src->started)
        return lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                              "order %" PRId64 " is on board %s (its route started): it can only "
                              "be reordered there",
                              st.order_id, st.vehicle_id);
    *out = src->stops[i];
    remove_at(src, (size_t)i);
    return LM_OK;
}

static lm_status reorder(dispatch__hand_route *hr, const int64_t *ids, size_t n, lm_errinfo *err) {
    if (n != hr->n)
        return lm_errinfo_set(err, LM_INVALID, "stop_ids",
                              "list every pending stop of %s's route once: it has %zu, got %zu",
                              hr->v.id, hr->n, n);
    dispatch__hand_stop *out = lm_calloc(n + 1, sizeof *out);
    bool *used = lm_calloc(n + 1, sizeof *used);
    lm_status rc = out && used ? LM_OK : LM_NOMEM;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        int at = find_stop(hr, ids[i]);
        char field[32];
        snprintf(field, sizeof field, "stop_ids[%zu]", i);
        if (at < 0)
            rc = lm_errinfo_set(err, LM_INVALID, field,
                                "stop %" PRId64 " is not pending on %s's route", ids[i], hr->v.id);
        else if (used[at])
            rc = lm_errinfo_set(err, LM_INVALID, field, "stop %" PRId64 " is listed twice", ids[i]);
        else if (hr->stops[at].s.status == DISPATCH_STOP_ARRIVED && i != 0)
            rc = lm_errinfo_set(err, LM_CONFLICT, field,
                                "the driver is at stop %" PRId64 ": it stays first", ids[i]);
        if (rc == LM_OK) {
            used[at] = true;
            out[i] = hr->stops[at];
        }
    }
    if (rc == LM_OK) memcpy(hr->stops, out, n * sizeof *out);
    lm_free(out);
    lm_free(used);
    return rc;
}

/* UNASSIGN: removes stop_id (a delivery, with its pickup) from *hr, loaded here. */
static lm_status unassign(dispatch *d, store_read *r, int64_t stop_id, int64_t now_s,
                          dispatch__hand_route *hr, store_stop *gone, size_t *n_gone,
                          lm_errinfo *err) {
    store_stop st;
    lm_status rc = store_stop_get(r, stop_id, &st, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_INVALID, "stop_id", "stop %" PRId64 " not found", stop_id);
    if (rc != LM_OK) return rc;
    if (!st.live || st.status != DISPATCH_STOP_PLANNED || st.kind != DISPATCH_STOP_DELIVERY)
        return lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                              "stop %" PRId64 " is not a planned delivery on a live route",
                              stop_id);
    if ((rc = route_load(d, r, st.vehicle_id, now_s, hr, err)) != LM_OK) return rc;
    bool pick = false;
    for (size_t k = 0; k < hr->n; k++)
        pick |=
            hr->stops[k].s.kind == DISPATCH_STOP_PICKUP && hr->stops[k].s.order_id == st.order_id;
    if (hr->started && !pick)
        return lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                              "order %" PRId64 " is on board %s (its route started): it cannot "
                              "go back to the depot from here",
                              st.order_id, st.vehicle_id);
    *n_gone = 0;
    for (size_t k = hr->n; k-- > 0;)
        if (hr->stops[k].s.order_id == st.order_id && hr->stops[k].s.kind != DISPATCH_STOP_BREAK) {
            gone[(*n_gone)++] = hr->stops[k].s;
            remove_at(hr, k);
        }
    return LM_OK;
}

static void result_routes(const dispatch__hand_route *rts, size_t nr, dispatch_hand_result *res) {
    for (size_t k = 0; k < nr && k < 2; k++) {
        dispatch_route *dr = &res->routes[res->n_routes];
        memset(dr, 0, sizeof *dr);
        lm_strlcpy(dr->vehicle_id, rts[k].v.id, sizeof dr->vehicle_id);
        lm_strlcpy(dr->driver_id, rts[k].drv.id, sizeof dr->driver_id);
        dr->start_lat = rts[k].start.lat;
        dr->start_lon = rts[k].start.lon;
        dr->has_end = rts[k].has_end;
        dr->end_lat = rts[k].end.lat;
        dr->end_lon = rts[k].end.lon;
        dr->start_s = rts[k].start_s;
        dr->cost = rts[k].cost;
        dr->distance_m = rts[k].distance_m;
        dr->duration_s = rts[k].duration_s;
        dr->stops = rts[k].n ? lm_calloc(rts[k].n, sizeof *dr->stops) : NULL;
        for (size_t i = 0; dr->stops && i < rts[k].n; i++)
            dr->stops[dr->n_stops++] = rts[k].stops[i].s;
        res->n_routes++;
    }
}

void dispatch_hand_result_clear(dispatch_hand_result *r) {
    if (!r) return;
    for (size_t k = 0; k < r->n_routes; k++)
        lm_free(r->routes[k].stops);
    memset(r, 0, sizeof *r);
}

static const char *kind_name(dispatch_hand_kind k) {
    static const char *const names[] = {"assigned", "moved", "reordered", "unassigned"};
    return names[k];
}

/* Builds the edited routes into rts (*nr of them) per req; the edit's own checks. */
static lm_status edit_build(dispatch *d, store_read *r, const dispatch_hand_req *req, int64_t now_s,
                            dispatch__hand_route *rts, size_t *nr, dispatch_hand_result *res,
                            store_stop *gone, size_t *n_gone, lm_errinfo *err) {
    lm_status rc = LM_OK;
    dispatch__hand_stop pick, del;
    bool has_pick = false;
    size_t at = 0;
    if (req->kind == DISPATCH_HAND_UNASSIGN) {
        *nr = 1;
        return unassign(d, r, req->stop_id, now_s, &rts[0], gone, n_gone, err);
    }
    if (!req->vehicle_id || !req->vehicle_id[0])
        return lm_errinfo_set(err, LM_INVALID, "vehicle_id", "a vehicle is required");
    if ((rc = route_load(d, r, req->vehicle_id, now_s, &rts[0], err)) != LM_OK) return rc;
    *nr = 1;
    if (req->kind == DISPATCH_HAND_REORDER)
        return reorder(&rts[0], req->stop_ids, req->n_stop_ids, err);
    if (req->kind == DISPATCH_HAND_ASSIGN) {
        if ((rc = new_stops(d, r, &rts[0], req->order_id, &pick, &has_pick, &del, err)) != LM_OK)
            return rc;
    } else {
        int i = find_stop(&rts[0], req->stop_id);
        if (i >= 0) { /* a move within the route: take it out, put it back where asked */
            if (rts[0].stops[i].s.status == DISPATCH_STOP_ARRIVED)
                return lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                                      "the driver is at stop %" PRId64 ": it stays first",
                                      req->stop_id);
            del = rts[0].stops[i];
            remove_at(&rts[0], (size_t)i);
        } else {
            if ((rc = take_stop(d, r, req->stop_id, now_s, &rts[1], &del, err)) != LM_OK ||
                (rc = dispatch__same_depot(r, del.s.order_id, rts[0].v.id, err)) != LM_OK ||
                (rc = dispatch__hand_skills(r, del.s.order_id, rts[0].v.id, "vehicle_id", err)) !=
                    LM_OK) {
                if (!strcmp(err->field, "to_vehicle"))
                    lm_strlcpy(err->field, "vehicle_id", sizeof err->field);
                *nr = rts[1].stops ? 2 : 1;
                return rc;
            }
            *nr = 2;
            del.window_dropped = false; /* a stop moved must meet its window on its new van */
            if (rts[0].started) {       /* the parcel is at the depot the other van starts from */
                pick = del;
                pick.n_tws = 0;
                pick.is_new = true;
                pick.s.id = 0;
                pick.s.kind = DISPATCH_STOP_PICKUP;
                pick.s.lat = rts[1].start.lat;
                pick.s.lon = rts[1].start.lon;
                pick.s.service_s = 0;
                pick.s.locked = false;
                has_pick = true;
            }
        }
    }
    if (rts[0].n + 2 > DISPATCH__HAND_STOPS_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "vehicle_id", "%s's route is full", rts[0].v.id);
    if ((rc = place(d, rts, *nr, 0, has_pick ? &pick : NULL, &del, req->position, res, &at, err)) !=
        LM_OK)
        return rc;
    res->position = (int)at;
    res->stop_id = rts[0].stops[at].s.id;
    return LM_OK;
}

lm_status dispatch_hand_edit(dispatch *d, const dispatch_hand_req *req, dispatch_hand_result *out,
                             lm_errinfo *err) {
    dispatch_hand_result res = {0};
    dispatch__hand_route rts[DISPATCH__HAND_ROUTES] = {0};
    dispatch__hand_route before[DISPATCH__HAND_ROUTES] = {0};
    store_stop gone[4];
    size_t nr = 0, n_gone = 0;
    store_tx *tx = NULL;
    solver_solution *s = NULL;
    int64_t now_ms = dispatch__now_ms(d), now_s = now_ms / 1000;
    res.feasible = true;
    lm_status rc = store_tx_begin(d->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    store_read *r = store_tx_read(tx);
    rc = edit_build(d, r, req, now_s, rts, &nr, &res, gone, &n_gone, err);
    if (rc != LM_OK) goto fail;
    /* the routes as they were, to cost the change */
    for (size_t k = 0; k < nr && rc == LM_OK; k++)
        rc = route_load(d, r, rts[k].v.id, now_s, &before[k], err);
    if (rc != LM_OK) goto fail;
    res.cost_before = routes_cost(d, before, nr);
    lm_errinfo e = {0};
    if (dispatch__hand_eval(d, rts, nr, false, &s, &e) != LM_OK) {
        res.feasible = false;
        violation(&res, e.message);
        rc = lm_errinfo_set(err, LM_CONFLICT, "stops", "the edited route breaks a constraint: %s",
                            e.message);
        goto fail;
    }
    dispatch__hand_apply_times(rts, nr, s);
    res.cost_after = s->cost;
    if (!req->dry_run) {
        for (size_t k = 0; k < nr && rc == LM_OK; k++)
            rc = route_store(tx, &rts[k], kind_name(req->kind), now_ms, err);
        for (size_t i = 0; i < n_gone && rc == LM_OK; i++) {
            gone[i].status = DISPATCH_STOP_SUPERSEDED;
            gone[i].live = false;
            if ((rc = store_stop_update(tx, &gone[i], err)) == LM_OK &&
                gone[i].kind == DISPATCH_STOP_DELIVERY)
                rc = dispatch__order_move(tx, gone[i].order_id, "ready", now_ms, err);
        }
        if (rc == LM_OK) rc = store_live_version_bump(tx, err);
        if (rc == LM_OK && (rc = store_tx_commit(tx)) != LM_OK)
            lm_errinfo_set(err, rc, "", "commit failed");
        tx = NULL;
        if (rc != LM_OK) goto fail;
        if (req->kind == DISPATCH_HAND_ASSIGN || req->kind == DISPATCH_HAND_MOVE)
            res.stop_id = rts[0].stops[res.position].s.id;
    }
    result_routes(rts, nr, &res);
fail:
    store_tx_rollback(tx);
    solver_solution_destroy(s);
    for (size_t k = 0; k < DISPATCH__HAND_ROUTES; k++) {
        route_free(&rts[k]);
        route_free(&before[k]);
    }
    if (rc == LM_OK || (rc == LM_CONFLICT && !res.feasible)) {
        *out = res;
    } else {
        dispatch_hand_result_clear(&res);
    }
    return rc;
}

/* ---- Locks ---- */

lm_status dispatch_stop_lock(dispatch *d, int64_t stop_id, bool locked, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(d->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    store_stop st;
    rc = store_stop_get(store_tx_read(tx), stop_id, &st, err);
    if (rc == LM_NOT_FOUND)
        rc = lm_errinfo_set(err, rc, "stop_id", "stop %" PRId64 " not found", stop_id);
    else if (rc == LM_OK && (!st.live || (st.status != DISPATCH_STOP_PLANNED &&
                                          st.status != DISPATCH_STOP_ARRIVED)))
        rc = lm_errinfo_set(err, LM_CONFLICT, "stop_id",
                            "stop %" PRId64 " is not pending on a live route (it is %s)", stop_id,
                            dispatch_stop_status_name((dispatch_stop_status)st.status));
    if (rc == LM_OK && st.locked != locked) {
        char ids[24];
        snprintf(ids, sizeof ids, "%" PRId64, stop_id);
        st.locked = locked;
        if ((rc = store_stop_update(tx, &st, err)) == LM_OK &&
            (rc = store_live_version_bump(tx, err)) == LM_OK &&
            (rc = dispatch__event(tx, locked ? "stop.locked" : "stop.unlocked", "stop", ids,
                                  "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64
                                  ",\"vehicle_id\":\"%s\"}",
                                  stop_id, st.order_id, st.vehicle_id)) == LM_OK)
            rc = store_tx_commit(tx);
        tx = NULL;
    }
    store_tx_rollback(tx);
    return rc;
}

lm_status dispatch_route_lock(dispatch *d, const char *vehicle_id, bool locked, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(d->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    store_read *r = store_tx_read(tx);
    store_vehicle v;
    store_vstate vs;
    rc = store_vehicle_get(r, vehicle_id, &v, err);
    if (rc == LM_NOT_FOUND)
        rc = lm_errinfo_set(err, rc, "vehicle_id", "no vehicle \"%.64s\"", vehicle_id);
    if (rc == LM_OK && store_vstate_get(r, vehicle_id, &vs, NULL) != LM_OK) {
        memset(&vs, 0, sizeof vs);
        lm_strlcpy(vs.vehicle_id, vehicle_id, sizeof vs.vehicle_id);
        vs.pace = 1;
    }
    if (rc == LM_OK && vs.route_locked != locked) {
        vs.route_locked = locked;
        if ((rc = store_vstate_put(tx, &vs, err)) == LM_OK &&
            (rc = store_live_version_bump(tx, err)) == LM_OK &&
            (rc = dispatch__event(tx, locked ? "route.locked" : "route.unlocked", "vehicle",
                                  vehicle_id, "{\"vehicle_id\":\"%s\"}", vehicle_id)) == LM_OK)
            rc = store_tx_commit(tx);
        tx = NULL;
    }
    store_tx_rollback(tx);
    return rc;
}

/* ---- The dispatcher's view of a live route ---- */

lm_status dispatch_live_route_get(store_read *r, const char *vehicle_id, dispatch_live_route *out,
                                  lm_errinfo *err) {
    dispatch_live_route rt = {0};
    store_vehicle v;
    lm_status rc = store_vehicle_get(r, vehicle_id, &v, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "vehicle_id", "no vehicle \"%.64s\"", vehicle_id);
    if (rc != LM_OK) return rc;
    lm_strlcpy(rt.vehicle_id, vehicle_id, sizeof rt.vehicle_id);
    store_driver drv;
    if (store_driver_by_vehicle(r, vehicle_id, &drv, NULL) == LM_OK)
        lm_strlcpy(rt.driver_id, drv.id, sizeof rt.driver_id);
    store_vstate vs;
    if (store_vstate_get(r, vehicle_id, &vs, NULL) == LM_OK) {
        rt.locked = vs.route_locked;
        rt.started = vs.started;
        rt.broken = vs.broken;
    }
    store_stop_filter f = {.vehicle_id = vehicle_id, .live_only = true, .pending_only = true};
    if ((rc = store_stop_query(r, &f, &rt.stops, &rt.n_stops, err)) != LM_OK) return rc;
    *out = rt;
    return LM_OK;
}

void dispatch_live_route_clear(dispatch_live_route *rt) {
    if (!rt) return;
    lm_free(rt->stops);
    memset(rt, 0, sizeof *rt);
}
