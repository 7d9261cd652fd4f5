/* dispatch/live.c: the live day: positions update each vehicle's state, detect arrivals and
 * recompute ETAs (planned legs scaled by the driver's pace); stop actions and driver exceptions
 * move stops and orders along in the caller's tx and queue re-plans; the tick finds silent
 * vehicles and cancelled orders; lookups for the driver app, tracking and the dashboard. */
#include "dispatch/internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool pending(const store_stop *s) {
    return s->status == DISPATCH_STOP_PLANNED || s->status == DISPATCH_STOP_ARRIVED;
}

static bool is_break(const store_stop *s) {
    return s->kind == DISPATCH_STOP_BREAK;
}

/* Breaks still pending before stop `at` (seq order) among all[0..n) were taken on the way (or
 * skipped: either way they are behind the driver): done, so no re-plan schedules them again. */
static lm_status breaks_behind(store_tx *tx, store_stop *all, size_t n, const store_stop *at,
                               int64_t t_ms, lm_errinfo *err) {
    lm_status rc = LM_OK;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        store_stop *b = &all[i];
        if (!is_break(b) || !pending(b) || b->seq >= at->seq || b->id == at->id) continue;
        b->status = DISPATCH_STOP_DONE;
        if (!b->arrived_ms) b->arrived_ms = t_ms;
        b->done_ms = t_ms;
        char ids[24];
        snprintf(ids, sizeof ids, "%" PRId64, b->id);
        if ((rc = store_stop_update(tx, b, err)) == LM_OK)
            rc = dispatch__event(tx, "stop.break_taken", "stop", ids,
                                 "{\"stop_id\":%" PRId64 ",\"vehicle_id\":\"%s\",\"t_ms\":%" PRId64
                                 "}",
                                 b->id, b->vehicle_id, t_ms);
    }
    return rc;
}

static lm_status vstate_load(store_read *r, const store_driver *drv, store_vstate *vs,
                             lm_errinfo *err) {
    lm_status rc = store_vstate_get(r, drv->vehicle_id, vs, err);
    if (rc == LM_NOT_FOUND) {
        memset(vs, 0, sizeof *vs);
        lm_strlcpy(vs->vehicle_id, drv->vehicle_id, sizeof vs->vehicle_id);
        vs->pace = 1;
        if (err) lm_errinfo_clear(err);
        rc = LM_OK;
    }
    if (rc == LM_OK) lm_strlcpy(vs->driver_id, drv->id, sizeof vs->driver_id);
    return rc;
}

static lm_status pending_stops(store_read *r, const char *vehicle_id, store_stop **out, size_t *n,
                               lm_errinfo *err) {
    store_stop_filter f = {.vehicle_id = vehicle_id, .live_only = true, .pending_only = true};
    return store_stop_query(r, &f, out, n, err);
}

/* Asks for a re-plan: recorded inside tx when the cause is still being written (it commits or
 * vanishes with it), else in a tx of its own. */
static void queue_replan(dispatch *d, store_tx *tx, dispatch_trigger why, const char *vehicle) {
    lm_errinfo e = {0};
    pthread_mutex_lock(&d->mu);
    bool queued = d->replan_queued; /* one waiting on this (leading) node reads the state later */
    pthread_mutex_unlock(&d->mu);
    if (queued) return;
    lm_status rc = tx ? dispatch__replan_job_add(d, tx, why, vehicle, &e)
                      : dispatch_replan_request(d, why, vehicle, NULL, &e);
    if (rc != LM_OK)
        fprintf(stderr, "lastmile dispatch: could not queue a re-plan: %s\n", e.message);
    else if (tx)
        dispatch__kick(d); /* the worker's feed waits for this tx's commit (dispatch/jobs.c) */
}

/* Starts vs's route: the goods on board leave the depot (orders planned -> out_for_delivery),
 * except those still to be picked up on the way. */
static lm_status route_start(dispatch *d, store_tx *tx, store_vstate *vs, int64_t t_ms,
                             lm_errinfo *err) {
    store_stop *ps = NULL;
    size_t n = 0;
    lm_status rc = pending_stops(store_tx_read(tx), vs->vehicle_id, &ps, &n, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        if (ps[i].kind != DISPATCH_STOP_DELIVERY) continue;
        bool to_pick = false;
        for (size_t k = 0; k < n; k++)
            to_pick |= ps[k].kind == DISPATCH_STOP_PICKUP && ps[k].order_id == ps[i].order_id;
        if (to_pick) continue;
        store_order o = {0};
        if ((rc = store_order_get(store_tx_read(tx), ps[i].order_id, &o, err)) != LM_OK) break;
        bool planned = !strcmp(o.status, "planned");
        store_order_clear(&o);
        if (planned) rc = dispatch__order_move(tx, ps[i].order_id, "out_for_delivery", t_ms, err);
    }
    if (rc == LM_OK) {
        vs->started = true;
        vs->started_ms = t_ms;
        rc = dispatch__event(tx, "route.started", "vehicle", vs->vehicle_id,
                             "{\"vehicle_id\":\"%s\",\"driver_id\":\"%s\",\"stops\":%zu,"
                             "\"t_ms\":%" PRId64 "}",
                             vs->vehicle_id, vs->driver_id, n, t_ms);
    }
    lm_free(ps);
    return rc;
}

/* Local hour of day (0..23) of epoch second t_s: learned speeds are per hour. */
static int local_hour(const dispatch *d, int64_t t_s) {
    int64_t s = (t_s + d->o.utc_offset_s) % 86400;
    return (int)((s < 0 ? s + 86400 : s) / 3600);
}

double dispatch_speed_factor(dispatch *d, geo_point from, geo_point to, int64_t at_s) {
    return geo_speeds_factor(d->speeds, from, to, local_hour(d, at_s));
}

/* Marks st arrived at t_ms and learns from the leg just driven: the zone's speed at that hour
 * (learned speeds), and the driver's pace against the plan corrected by it (so a slow zone is
 * not also counted as a slow driver). */
static lm_status mark_arrived(dispatch *d, store_tx *tx, store_vstate *vs, store_stop *st,
                              int64_t t_ms, lm_errinfo *err) {
    store_stop_filter f = {.vehicle_id = st->vehicle_id, .live_only = true};
    store_stop *all = NULL;
    size_t n = 0;
    lm_status rc = store_stop_query(store_tx_read(tx), &f, &all, &n, err);
    if (rc != LM_OK) return rc;
    int64_t left_ms = 0; /* when the previous stop was finished */
    geo_point from = {st->lat, st->lon}, here = {st->lat, st->lon};
    for (size_t i = 0; i < n; i++)
        if (all[i].seq < st->seq && all[i].done_ms > left_ms && !is_break(&all[i])) {
            left_ms = all[i].done_ms;
            from = (geo_point){all[i].lat, all[i].lon};
        }
    rc = breaks_behind(tx, all, n, st, t_ms, err);
    lm_free(all);
    if (rc != LM_OK) return rc;
    if (left_ms > 0 && st->leg_s >= 60 && t_ms > left_ms) {
        double actual_s = (double)(t_ms - left_ms) / 1000.0;
        int hour = local_hour(d, left_ms / 1000);
        double zone_f = geo_speeds_factor(d->speeds, from, here, hour);
        geo_speeds_observe(d->speeds, from, here, hour, (double)st->leg_s, actual_s);
        double ratio = actual_s / ((double)st->leg_s * zone_f);
        ratio = ratio < 0.5 ? 0.5 : ratio > 3 ? 3 : ratio;
        vs->pace = 0.7 * (vs->pace > 0 ? vs->pace : 1) + 0.3 * ratio;
    }
    st->status = DISPATCH_STOP_ARRIVED;
    st->arrived_ms = t_ms;
    vs->arrive_stop = 0;
    vs->arrive_since_ms = 0;
    vs->delay_s = 0; /* a reported delay is absorbed once the driver reaches a stop */
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, st->id);
    if ((rc = store_stop_update(tx, st, err)) != LM_OK) return rc;
    /* the leg from the previous stop as driven, beside its plan (analytics: planned vs driven);
     * the first leg from the route's start (the fix that left the depot) */
    int64_t driven_m = -1, from_ms = left_ms > 0 ? left_ms : vs->started_ms;
    if (from_ms > 0 && (rc = dispatch__driven_m(store_tx_read(tx), vs->driver_id, from_ms, t_ms,
                                                &driven_m, err)) != LM_OK)
        return rc;
    char leg[64] = "";
    if (driven_m >= 0)
        snprintf(leg, sizeof leg, ",\"leg_m\":%" PRId64 ",\"driven_m\":%" PRId64, st->leg_m,
                 driven_m);
    return dispatch__event(tx, "stop.arrived", "stop", ids,
                           "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64
                           ",\"vehicle_id\":\"%s\",\"t_ms\":%" PRId64 ",\"pace\":%.3f%s}",
                           st->id, st->order_id, st->vehicle_id, t_ms, vs->pace, leg);
}

lm_status dispatch__etas_update(dispatch *d, store_tx *tx, const store_vstate *vs, int64_t now_s,
                                size_t *changed, size_t *late, lm_errinfo *err) {
    store_stop *ps = NULL;
    size_t n = 0;
    lm_status rc = pending_stops(store_tx_read(tx), vs->vehicle_id, &ps, &n, err);
    if (rc != LM_OK) return rc;
    double pace = vs->pace > 0 ? vs->pace : 1;
    int64_t t = now_s + vs->delay_s;
    bool first_leg = true; /* the next stop is reached from where the driver is now */
    dispatch__cfg cfg;     /* the operator's settings for this van's depot, as of now */
    dispatch__cfg_vehicle(d, store_tx_read(tx), vs->vehicle_id, &cfg);
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        store_stop *s = &ps[i];
        int64_t eta, begin;
        if (s->status == DISPATCH_STOP_ARRIVED) {
            eta = begin = s->arrived_ms / 1000;
            t = begin + s->service_s > t ? begin + s->service_s : t;
            first_leg = false;
            continue;
        }
        if (is_break(s)) {
            /* taken where the van is: no travel, not before its window opens, never "late" */
            begin = s->tw_start_s && t < s->tw_start_s ? s->tw_start_s : t;
            if (begin != s->eta_s) {
                s->eta_s = begin;
                rc = store_stop_update(tx, s, err);
            }
            t = begin + s->service_s;
            continue;
        }
        double leg;
        /* where this leg starts: the stop before, or the van */
        geo_point from = i > 0              ? (geo_point){ps[i - 1].lat, ps[i - 1].lon}
                         : vs->has_position ? (geo_point){vs->lat, vs->lon}
                                            : (geo_point){s->lat, s->lon};
        if (first_leg && vs->has_position) {
            /* the first leg from where the driver is now, estimated like the matrix would */
            double m = geo_distance_m((geo_point){vs->lat, vs->lon}, (geo_point){s->lat, s->lon});
            leg = isfinite(m) ? m * d->o.matrix.detour_factor / d->o.matrix.speed_mps : 0;
        } else {
            leg = (double)s->leg_s;
        }
        /* learned speeds: what this zone's roads take at this hour against the plan */
        leg *= geo_speeds_factor(d->speeds, from, (geo_point){s->lat, s->lon}, local_hour(d, t));
        eta = t + (int64_t)llround(leg * pace);
        begin = s->tw_start_s && eta < s->tw_start_s ? s->tw_start_s : eta;
        char ids[24];
        snprintf(ids, sizeof ids, "%" PRId64, s->id);
        bool dirty = false;
        if (llabs(begin - s->eta_s) > cfg.eta_change_s) {
            rc = dispatch__event(tx, "stop.eta_changed", "stop", ids,
                                 "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64
                                 ",\"vehicle_id\":\"%s\",\"eta_s\":%" PRId64
                                 ",\"previous_eta_s\":%" PRId64 "}",
                                 s->id, s->order_id, s->vehicle_id, begin, s->eta_s);
            s->eta_s = begin;
            dirty = true;
            if (changed) ++*changed;
        }
        if (rc == LM_OK && s->tw_end_s && !s->late && begin > s->tw_end_s + cfg.late_threshold_s) {
            s->late = true;
            dirty = true;
            rc = dispatch__event(tx, "stop.late", "stop", ids,
                                 "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64
                                 ",\"vehicle_id\":\"%s\",\"eta_s\":%" PRId64
                                 ",\"window_end_s\":%" PRId64 "}",
                                 s->id, s->order_id, s->vehicle_id, begin, s->tw_end_s);
            if (late) ++*late;
        }
        if (rc == LM_OK && dirty) rc = store_stop_update(tx, s, err);
        t = begin + s->service_s;
        first_leg = false;
    }
    lm_free(ps);
    return rc;
}

lm_status dispatch_observe_position(dispatch *d, store_tx *tx, const char *driver_id, double lat,
                                    double lon, int64_t t_ms, double speed_mps,
                                    dispatch_obs_result *out, lm_errinfo *err) {
    return dispatch__observe(d, tx, driver_id, lat, lon, t_ms, speed_mps, INT64_MAX, out, err);
}

lm_status dispatch__observe(dispatch *d, store_tx *tx, const char *driver_id, double lat,
                            double lon, int64_t t_ms, double speed_mps, int64_t thaw_after_ms,
                            dispatch_obs_result *out, lm_errinfo *err) {
    dispatch_obs_result res = {0};
    geo_point here = {lat, lon};
    lm_status rc = geo_point_check(here, "position", err);
    if (rc != LM_OK) return rc;
    store_read *r = store_tx_read(tx);
    store_driver drv;
    if ((rc = store_driver_get(r, driver_id, &drv, err)) != LM_OK) {
        if (rc == LM_NOT_FOUND)
            lm_errinfo_set(err, rc, "driver_id", "driver '%s' not found", driver_id);
        return rc;
    }
    if (!drv.vehicle_id[0]) {
        if (out) *out = res;
        return LM_OK;
    }
    store_vstate vs;
    if ((rc = vstate_load(r, &drv, &vs, err)) != LM_OK) return rc;
    /* out of order: the newer one already counted, unless that one is from the far future */
    if (vs.has_position && t_ms < vs.seen_ms && vs.seen_ms <= thaw_after_ms) {
        if (out) *out = res;
        return LM_OK;
    }
    vs.has_position = true;
    vs.lat = lat;
    vs.lon = lon;
    vs.speed_mps = speed_mps;
    vs.seen_ms = t_ms;
    vs.silent = false;
    store_stop *ps = NULL;
    size_t n = 0;
    if ((rc = pending_stops(r, drv.vehicle_id, &ps, &n, err)) != LM_OK) return rc;
    res.known = n > 0;
    dispatch__cfg cfg; /* the operator's settings for this van's depot, as of this position */
    dispatch__cfg_vehicle(d, r, drv.vehicle_id, &cfg);
    bool slow = speed_mps < 0 || speed_mps < d->o.arrival_speed_mps;
    if (n > 0 && !vs.started && !vs.broken) {
        store_vehicle v;
        store_depot dep;
        bool away = !slow;
        if (store_vehicle_get(r, drv.vehicle_id, &v, NULL) == LM_OK &&
            store_depot_get(r, v.start_depot, &dep, NULL) == LM_OK)
            away |= !geo_within_radius((geo_point){dep.lat, dep.lon}, cfg.arrival_radius_m, here);
        if (away) {
            if ((rc = route_start(d, tx, &vs, t_ms, err)) != LM_OK) goto fail;
            res.started = true;
        }
    }
    size_t ni = 0; /* the next stop to drive to: breaks are taken wherever the van is */
    while (ni < n && is_break(&ps[ni]) && ps[ni].status == DISPATCH_STOP_PLANNED)
        ni++;
    if (ni < n && vs.started && ps[ni].status == DISPATCH_STOP_PLANNED) {
        store_stop *next = &ps[ni];
        if (slow &&
            geo_within_radius((geo_point){next->lat, next->lon}, cfg.arrival_radius_m, here)) {
            if (vs.arrive_stop != next->id) {
                vs.arrive_stop = next->id;
                vs.arrive_since_ms = t_ms;
            } else if (t_ms - vs.arrive_since_ms >= cfg.arrival_dwell_ms) {
                if ((rc = mark_arrived(d, tx, &vs, next, vs.arrive_since_ms, err)) != LM_OK)
                    goto fail;
                res.arrived_stop = next->id;
            }
        } else {
            vs.arrive_stop = 0;
            vs.arrive_since_ms = 0;
        }
    }
    /* back at the end depot after the last stop: the drive back as a leg (analytics) */
    if (n == 0 && vs.started && slow && vs.returned_ms < vs.started_ms &&
        (rc = dispatch__route_return(tx, &vs, here, cfg.arrival_radius_m, t_ms, err)) != LM_OK)
        goto fail;
    if (vs.started && (rc = dispatch__etas_update(d, tx, &vs, t_ms / 1000, &res.etas_changed,
                                                  &res.late, err)) != LM_OK)
        goto fail;
    if ((rc = store_vstate_put(tx, &vs, err)) != LM_OK) goto fail;
    if (res.late > 0) {
        queue_replan(d, tx, DISPATCH_TRIGGER_LATE, vs.vehicle_id);
        res.replan_requested = true;
    }
    if (out) *out = res;
fail:
    lm_free(ps);
    return rc;
}

/* ---- Stop actions ---- */

/* Loads a pending live stop that driver_id (NULL: a dispatcher) may act on. */
static lm_status stop_for_action(store_read *r, const char *driver_id, int64_t stop_id,
                                 store_stop *st, store_driver *drv, lm_errinfo *err) {
    lm_status rc = store_stop_get(r, stop_id, st, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "stop", "stop %" PRId64 " not found", stop_id);
    if (rc != LM_OK) return rc;
    if (driver_id) {
        if ((rc = store_driver_get(r, driver_id, drv, err)) != LM_OK) return rc;
        if (!st->live ||
            (strcmp(st->driver_id, driver_id) && strcmp(drv->vehicle_id, st->vehicle_id)))
            return lm_errinfo_set(err, LM_FORBIDDEN, "stop",
                                  "stop %" PRId64 " is not on your route", stop_id);
    } else {
        if ((rc = store_driver_by_vehicle(r, st->vehicle_id, drv, err)) != LM_OK) return rc;
        if (!drv->id[0]) lm_strlcpy(drv->id, st->driver_id, sizeof drv->id);
        lm_strlcpy(drv->vehicle_id, st->vehicle_id, sizeof drv->vehicle_id);
    }
    if (!st->live)
        return lm_errinfo_set(err, LM_CONFLICT, "stop",
                              "stop %" PRId64 " is not on a live route (it is %s)", stop_id,
                              dispatch_stop_status_name((dispatch_stop_status)st->status));
    return LM_OK;
}

static lm_status ensure_started(dispatch *d, store_tx *tx, const store_driver *drv,
                                store_vstate *vs, int64_t t_ms, lm_errinfo *err) {
    lm_status rc = vstate_load(store_tx_read(tx), drv, vs, err);
    if (rc == LM_OK && !vs->started) rc = route_start(d, tx, vs, t_ms, err);
    return rc;
}

/* breaks_behind over the live route of st. */
static lm_status breaks_behind_stop(store_tx *tx, const store_stop *st, int64_t t_ms,
                                    lm_errinfo *err) {
    store_stop_filter f = {.vehicle_id = st->vehicle_id, .live_only = true, .pending_only = true};
    store_stop *all = NULL;
    size_t n = 0;
    lm_status rc = store_stop_query(store_tx_read(tx), &f, &all, &n, err);
    if (rc == LM_OK) rc = breaks_behind(tx, all, n, st, t_ms, err);
    lm_free(all);
    return rc;
}

/* The driver starts (arrived) or ends (done) a break: no order moves, no stop.* order event. */
static lm_status break_step(store_tx *tx, store_stop *st, bool done, int64_t t_ms,
                            lm_errinfo *err) {
    if (!st->arrived_ms) st->arrived_ms = t_ms;
    st->status = done ? DISPATCH_STOP_DONE : DISPATCH_STOP_ARRIVED;
    if (done) st->done_ms = t_ms;
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, st->id);
    lm_status rc = store_stop_update(tx, st, err);
    if (rc == LM_OK)
        rc = dispatch__event(tx, done ? "stop.break_taken" : "stop.break_started", "stop", ids,
                             "{\"stop_id\":%" PRId64 ",\"vehicle_id\":\"%s\",\"t_ms\":%" PRId64 "}",
                             st->id, st->vehicle_id, t_ms);
    return rc;
}

lm_status dispatch_driver_start(dispatch *d, store_tx *tx, const char *driver_id, int64_t t_ms,
                                bool *already, lm_errinfo *err) {
    store_driver drv;
    store_vstate vs;
    store_stop *ps = NULL;
    size_t n = 0;
    *already = false;
    lm_status rc = store_driver_get(store_tx_read(tx), driver_id, &drv, err);
    if (rc != LM_OK) return rc;
    if (!drv.vehicle_id[0])
        return lm_errinfo_set(err, LM_CONFLICT, "route", "you have no vehicle today");
    if ((rc = vstate_load(store_tx_read(tx), &drv, &vs, err)) != LM_OK) return rc;
    if (vs.broken)
        return lm_errinfo_set(err, LM_CONFLICT, "route", "your vehicle is reported broken down");
    if (vs.started) { /* a retried or queued request: already on the way */
        *already = true;
        return LM_OK;
    }
    if ((rc = pending_stops(store_tx_read(tx), drv.vehicle_id, &ps, &n, err)) != LM_OK) return rc;
    lm_free(ps);
    if (n == 0) return lm_errinfo_set(err, LM_CONFLICT, "route", "you have no stops to start");
    if ((rc = route_start(d, tx, &vs, t_ms, err)) != LM_OK) return rc;
    return store_vstate_put(tx, &vs, err);
}

static lm_status not_pending(const store_stop *st, const char *action, lm_errinfo *err) {
    return lm_errinfo_set(err, LM_CONFLICT, "stop", "stop %" PRId64 " is %s; it cannot be %s",
                          st->id, dispatch_stop_status_name((dispatch_stop_status)st->status),
                          action);
}

lm_status dispatch_stop_arrived(dispatch *d, store_tx *tx, const char *driver_id, int64_t stop_id,
                                int64_t t_ms, lm_errinfo *err) {
    store_stop st;
    store_driver drv;
    store_vstate vs;
    lm_status rc = stop_for_action(store_tx_read(tx), driver_id, stop_id, &st, &drv, err);
    if (rc != LM_OK) return rc;
    if (st.status == DISPATCH_STOP_ARRIVED) return LM_OK; /* a retried request */
    if (st.status != DISPATCH_STOP_PLANNED) return not_pending(&st, "marked arrived", err);
    if (is_break(&st)) return break_step(tx, &st, false, t_ms, err);
    if ((rc = ensure_started(d, tx, &drv, &vs, t_ms, err)) != LM_OK) return rc;
    if ((rc = mark_arrived(d, tx, &vs, &st, t_ms, err)) != LM_OK) return rc;
    return store_vstate_put(tx, &vs, err);
}

lm_status dispatch_stop_delivered(dispatch *d, store_tx *tx, const char *driver_id, int64_t stop_id,
                                  const char *proof, int64_t t_ms, lm_errinfo *err) {
    store_stop st;
    store_driver drv;
    store_vstate vs;
    if (proof && strlen(proof) > DISPATCH_NOTE_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "proof", "proof is longer than %d bytes",
                              DISPATCH_NOTE_MAX);
    lm_status rc = stop_for_action(store_tx_read(tx), driver_id, stop_id, &st, &drv, err);
    if (rc != LM_OK) return rc;
    if (!pending(&st)) return not_pending(&st, "delivered", err);
    if (is_break(&st)) return break_step(tx, &st, true, t_ms, err);
    if ((rc = ensure_started(d, tx, &drv, &vs, t_ms, err)) != LM_OK) return rc;
    if (st.status == DISPATCH_STOP_PLANNED &&
        (rc = mark_arrived(d, tx, &vs, &st, t_ms, err)) != LM_OK)
        return rc;
    st.status = DISPATCH_STOP_DONE;
    st.done_ms = t_ms;
    lm_strlcpy(st.proof, proof ? proof : "", sizeof st.proof);
    if ((rc = store_stop_update(tx, &st, err)) != LM_OK) return rc;
    const char *to = st.kind == DISPATCH_STOP_DELIVERY ? "delivered" : "out_for_delivery";
    /* a pickup task's stops leave the order as it is (a return's order stays delivered) */
    if (!st.return_id && (rc = dispatch__order_move(tx, st.order_id, to, t_ms, err)) != LM_OK)
        return rc;
    /* collect-and-deliver: the goods are on the van now, not at the sender (dispatch/pd.c) */
    if (st.kind == DISPATCH_STOP_PICKUP && !st.return_id && !st.transfer_from &&
        (rc = store_pickup_collected(tx, st.order_id, t_ms, err)) != LM_OK)
        return rc;
    if ((rc = store_vstate_put(tx, &vs, err)) != LM_OK) return rc;
    lm_buf b;
    lm_buf_init(&b, 2048);
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, st.id);
    rc =
        lm_buf_printf(&b,
                      "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64
                      ",\"vehicle_id\":\"%s\",\"driver_id\":\"%s\",\"t_ms\":%" PRId64 ",\"proof\":",
                      st.id, st.order_id, st.vehicle_id, drv.id, t_ms);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, st.proof);
    if (rc == LM_OK && st.return_id)
        rc = lm_buf_printf(&b, ",\"return_id\":%" PRId64, st.return_id);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    const char *type = st.kind == DISPATCH_STOP_DELIVERY ? "stop.delivered" : "stop.picked_up";
    if (st.return_id) type = st.kind == DISPATCH_STOP_DELIVERY ? "stop.dropped" : "stop.collected";
    if (rc == LM_OK) rc = store_event_append(tx, type, "stop", ids, b.data);
    lm_buf_free(&b);
    return rc;
}

static bool reason_ok(const char *r) {
    static const char *const ok[] = {"not_home", "refused", "address_not_found", "damaged",
                                     "other"};
    for (size_t i = 0; r && i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(r, ok[i])) return true;
    return false;
}

lm_status dispatch_stop_failed(dispatch *d, store_tx *tx, const char *driver_id, int64_t stop_id,
                               const char *reason, const char *note, int64_t t_ms,
                               lm_errinfo *err) {
    if (!reason_ok(reason))
        return lm_errinfo_set(err, LM_INVALID, "reason",
                              "reason must be not_home, refused, address_not_found, damaged or "
                              "other");
    if (note && strlen(note) > DISPATCH_NOTE_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "note", "note is longer than %d bytes",
                              DISPATCH_NOTE_MAX);
    store_stop st;
    store_driver drv;
    store_vstate vs;
    store_read *r = store_tx_read(tx);
    lm_status rc = stop_for_action(r, driver_id, stop_id, &st, &drv, err);
    if (rc != LM_OK) return rc;
    if (!pending(&st)) return not_pending(&st, "failed", err);
    if (is_break(&st))
        return lm_errinfo_set(err, LM_CONFLICT, "stop",
                              "stop %" PRId64 " is a break: it cannot fail; mark it done", st.id);
    if ((rc = ensure_started(d, tx, &drv, &vs, t_ms, err)) != LM_OK) return rc;
    st.status = DISPATCH_STOP_FAILED;
    st.done_ms = t_ms;
    if (!st.arrived_ms) st.arrived_ms = t_ms;
    lm_strlcpy(st.reason, reason, sizeof st.reason);
    lm_strlcpy(st.note, note ? note : "", sizeof st.note);
    if ((rc = store_stop_update(tx, &st, err)) != LM_OK) return rc;
    if ((rc = breaks_behind_stop(tx, &st, t_ms, err)) != LM_OK) return rc;
    if ((rc = dispatch__pickup_failed(tx, &st, t_ms, err)) != LM_OK) return rc;
    /* a retry later today when a window leaves time for it (refusals and damage are final) */
    bool retry = false;
    store_window win = {0};
    int64_t now_s = t_ms / 1000;
    if (st.kind == DISPATCH_STOP_DELIVERY && !st.return_id &&
        (!strcmp(reason, "not_home") || !strcmp(reason, "other"))) {
        store_order o = {0};
        if ((rc = store_order_get(r, st.order_id, &o, err)) != LM_OK) return rc;
        for (size_t i = 0; i < o.n_windows && !retry; i++)
            if (o.windows[i].end_s > now_s + 1800) {
                retry = true;
                win = o.windows[i];
                /* not back at the door within half an hour: the customer just was not home */
                if (win.start_s < now_s + 1800) win.start_s = now_s + 1800;
            }
        store_order_clear(&o);
    }
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, st.id);
    if (retry) {
        store_stop_filter f = {.vehicle_id = st.vehicle_id, .live_only = true};
        store_stop *all = NULL;
        size_t n = 0;
        if ((rc = store_stop_query(r, &f, &all, &n, err)) != LM_OK) return rc;
        int32_t seq = 0;
        for (size_t i = 0; i < n; i++)
            seq = all[i].seq >= seq ? all[i].seq + 1 : seq;
        lm_free(all);
        store_stop again = st;
        again.id = 0;
        again.seq = seq;
        again.status = DISPATCH_STOP_PLANNED;
        again.tw_start_s = win.start_s;
        again.tw_end_s = win.end_s;
        again.eta_s = again.planned_s = win.start_s;
        again.late = false;
        again.arrived_ms = again.done_ms = 0;
        again.reason[0] = again.note[0] = again.proof[0] = '\0';
        again.leg_s = 0;
        again.leg_m = 0;
        again.source_stop = 0;
        int64_t new_id = 0;
        if ((rc = store_stop_insert(tx, &again, &new_id, err)) != LM_OK ||
            (rc = store_live_version_bump(tx, err)) != LM_OK)
            return rc;
        rc = dispatch__event(tx, "stop.failed", "stop", ids,
                             "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64
                             ",\"vehicle_id\":\"%s\",\"reason\":\"%s\",\"retry\":true,"
                             "\"retry_stop_id\":%" PRId64 ",\"retry_after_s\":%" PRId64 "}",
                             st.id, st.order_id, st.vehicle_id, reason, new_id, win.start_s);
        if (rc == LM_OK) queue_replan(d, tx, DISPATCH_TRIGGER_FAILED, st.vehicle_id);
    } else {
        if (st.kind == DISPATCH_STOP_DELIVERY && !st.return_id &&
            (rc = dispatch__order_move(tx, st.order_id, "failed", t_ms, err)) != LM_OK)
            return rc;
        rc = dispatch__event(tx, "stop.failed", "stop", ids,
                             "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64
                             ",\"vehicle_id\":\"%s\",\"reason\":\"%s\",\"retry\":false,"
                             "\"parcel\":\"%s\"}",
                             st.id, st.order_id, st.vehicle_id, reason,
                             st.kind == DISPATCH_STOP_PICKUP ? "not_collected" : "back_to_depot");
        if (rc == LM_OK && st.kind == DISPATCH_STOP_PICKUP) {
            rc = store_live_version_bump(tx, err);
            if (rc == LM_OK) queue_replan(d, tx, DISPATCH_TRIGGER_FAILED, st.vehicle_id);
        }
    }
    if (rc == LM_OK) rc = store_vstate_put(tx, &vs, err);
    return rc;
}

lm_status dispatch_driver_exception(dispatch *d, store_tx *tx, const char *driver_id,
                                    dispatch_exception_kind kind, int64_t delay_s, const char *note,
                                    int64_t t_ms, lm_errinfo *err) {
    if (note && strlen(note) > DISPATCH_NOTE_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "note", "note is longer than %d bytes",
                              DISPATCH_NOTE_MAX);
    if (kind == DISPATCH_EXC_DELAY && (delay_s <= 0 || delay_s > 86400))
        return lm_errinfo_set(err, LM_INVALID, "delay_s", "a delay must be 1..86400 seconds");
    store_read *r = store_tx_read(tx);
    store_driver drv;
    lm_status rc = store_driver_get(r, driver_id, &drv, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "driver_id", "driver '%s' not found", driver_id);
    if (rc != LM_OK) return rc;
    if (!drv.vehicle_id[0])
        return lm_errinfo_set(err, LM_CONFLICT, "driver_id", "driver '%s' has no vehicle today",
                              driver_id);
    store_vstate vs;
    if ((rc = vstate_load(r, &drv, &vs, err)) != LM_OK) return rc;
    static const char *const names[] = {"breakdown", "delay", "accident", "vehicle_full"};
    lm_buf b;
    lm_buf_init(&b, 2048);
    rc = lm_buf_printf(
        &b,
        "{\"driver_id\":\"%s\",\"vehicle_id\":\"%s\",\"kind\":\"%s\",\"delay_s\":%" PRId64
        ",\"t_ms\":%" PRId64 ",\"note\":",
        drv.id, drv.vehicle_id, names[kind], delay_s, t_ms);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, note);
    if (rc == LM_OK && vs.has_position)
        rc = lm_buf_printf(&b, ",\"position\":[%.6f,%.6f]", vs.lon, vs.lat);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    if (rc == LM_OK) rc = store_event_append(tx, "driver.exception", "driver", drv.id, b.data);
    dispatch_trigger why = DISPATCH_TRIGGER_MANUAL;
    bool replan = false;
    if (rc == LM_OK) {
        switch (kind) {
        case DISPATCH_EXC_BREAKDOWN:
        case DISPATCH_EXC_ACCIDENT:
            vs.broken = true;
            rc = store_event_append(tx, "vehicle.breakdown", "vehicle", drv.vehicle_id, b.data);
            why = DISPATCH_TRIGGER_BREAKDOWN;
            replan = true;
            break;
        case DISPATCH_EXC_DELAY: {
            vs.delay_s += delay_s;
            size_t changed = 0, late = 0;
            rc = dispatch__etas_update(d, tx, &vs, t_ms / 1000, &changed, &late, err);
            why = DISPATCH_TRIGGER_LATE;
            replan = late > 0;
            break;
        }
        case DISPATCH_EXC_VEHICLE_FULL:
            vs.full = true;
            why = DISPATCH_TRIGGER_FULL;
            replan = true;
            break;
        }
    }
    lm_buf_free(&b);
    if (rc == LM_OK) rc = store_vstate_put(tx, &vs, err);
    if (rc == LM_OK && replan && kind != DISPATCH_EXC_DELAY) rc = store_live_version_bump(tx, err);
    if (rc == LM_OK && replan) queue_replan(d, tx, why, drv.vehicle_id);
    return rc;
}

/* ---- The tick ---- */

lm_status dispatch_tick(dispatch *d, int64_t now_ms, lm_errinfo *err) {
    store_tx *tx = NULL;
    store_vstate *vs = NULL;
    int64_t *cancelled = NULL;
    size_t n_vs = 0, n_c = 0;
    char silent[16][DISPATCH_ID_MAX + 1];
    size_t n_silent = 0;
    lm_status rc = store_tx_begin(d->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    store_read *r = store_tx_read(tx);
    if ((rc = store_vstate_list(r, &vs, &n_vs, err)) != LM_OK) goto fail;
    dispatch__cfg cfg; /* silence is a fleet-wide setting */
    dispatch__cfg_get(d, r, "", &cfg);
    bool any_started = false;
    for (size_t i = 0; i < n_vs; i++) {
        store_vstate *s = &vs[i];
        if (!s->started || s->broken) continue;
        any_started = true;
        if (s->silent || !s->has_position || now_ms - s->seen_ms < cfg.silent_after_ms) continue;
        store_stop *ps = NULL;
        size_t n = 0;
        if ((rc = pending_stops(r, s->vehicle_id, &ps, &n, err)) != LM_OK) goto fail;
        size_t work = 0;
        for (size_t k = 0; k < n; k++)
            work += !is_break(&ps[k]);
        lm_free(ps);
        if (work == 0)
            continue; /* finished its route (a break left is no work): silence is
                         expected */
        n = work;
        s->silent = true;
        if ((rc = store_vstate_put(tx, s, err)) != LM_OK ||
            (rc = dispatch__event(
                 tx, "vehicle.silent", "vehicle", s->vehicle_id,
                 "{\"vehicle_id\":\"%s\",\"driver_id\":\"%s\",\"last_seen_ms\":%" PRId64
                 ",\"pending_stops\":%zu}",
                 s->vehicle_id, s->driver_id, s->seen_ms, n)) != LM_OK)
            goto fail;
        if (n_silent < 16) lm_strlcpy(silent[n_silent++], s->vehicle_id, sizeof silent[0]);
    }
    if ((rc = store_stops_cancelled(r, &cancelled, &n_c, err)) != LM_OK) goto fail;
    for (size_t i = 0; i < n_c; i++) {
        store_stop st;
        if ((rc = store_stop_get(r, cancelled[i], &st, err)) != LM_OK) goto fail;
        st.status = DISPATCH_STOP_CANCELLED;
        st.done_ms = now_ms;
        char ids[24];
        snprintf(ids, sizeof ids, "%" PRId64, st.id);
        if ((rc = store_stop_update(tx, &st, err)) != LM_OK ||
            (rc = dispatch__event(tx, "stop.cancelled", "stop", ids,
                                  "{\"stop_id\":%" PRId64 ",\"order_id\":%" PRId64
                                  ",\"vehicle_id\":\"%s\"}",
                                  st.id, st.order_id, st.vehicle_id)) != LM_OK)
            goto fail;
    }
    if (n_c && (rc = store_live_version_bump(tx, err)) != LM_OK) goto fail;
    /* urgent orders that became ready while routes run */
    bool urgent = false;
    if (any_started) {
        store_order_filter f = {.status = "ready", .limit = 200};
        store_order *ro = NULL;
        size_t nr = 0;
        if ((rc = store_order_list(r, &f, &ro, &nr, err)) != LM_OK) goto fail;
        pthread_mutex_lock(&d->mu);
        for (size_t i = 0; i < nr; i++) {
            if (ro[i].priority < d->o.urgent_priority) continue;
            bool seen = false;
            for (size_t k = 0; k < d->n_urgent_seen && !seen; k++)
                seen = d->urgent_seen[k] == ro[i].id;
            if (seen) continue;
            if (d->n_urgent_seen == DISPATCH__URGENT_SEEN_MAX) d->n_urgent_seen = 0;
            d->urgent_seen[d->n_urgent_seen++] = ro[i].id;
            urgent = true;
        }
        pthread_mutex_unlock(&d->mu);
        store_order_list_free(ro, nr);
    }
    rc = store_tx_commit(tx);
    tx = NULL;
    if (rc != LM_OK) goto fail;
    for (size_t i = 0; i < n_silent; i++)
        queue_replan(d, NULL, DISPATCH_TRIGGER_SILENT, silent[i]);
    if (n_c) queue_replan(d, NULL, DISPATCH_TRIGGER_CANCELLED, "");
    if (urgent) queue_replan(d, NULL, DISPATCH_TRIGGER_URGENT, "");
fail:
    store_tx_rollback(tx);
    lm_free(vs);
    lm_free(cancelled);
    return rc;
}

/* ---- Lookups ---- */

void dispatch_driver_route_clear(dispatch_driver_route *rt) {
    if (!rt) return;
    lm_free(rt->stops);
    memset(rt, 0, sizeof *rt);
}

lm_status dispatch_driver_route_get(store_read *r, const char *driver_id,
                                    dispatch_driver_route *out, lm_errinfo *err) {
    dispatch_driver_route rt = {0};
    store_stop *stops = NULL;
    size_t n = 0;
    lm_status rc = store_driver_get(r, driver_id, &rt.driver, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "driver_id", "driver '%s' not found", driver_id);
    if (rc != LM_OK) return rc;
    if (rt.driver.vehicle_id[0]) {
        lm_strlcpy(rt.vehicle_id, rt.driver.vehicle_id, sizeof rt.vehicle_id);
        store_vstate vs;
        if (store_vstate_get(r, rt.vehicle_id, &vs, NULL) == LM_OK) {
            rt.started = vs.started;
            rt.broken = vs.broken;
        }
        store_stop_filter f = {.vehicle_id = rt.vehicle_id, .live_only = true};
        if ((rc = store_stop_query(r, &f, &stops, &n, err)) != LM_OK) return rc;
        if (n && !(rt.stops = lm_calloc(n, sizeof *rt.stops))) {
            lm_free(stops);
            return LM_NOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            dispatch_stop_view *v = &rt.stops[rt.n_stops++];
            v->stop = stops[i];
            store_order o = {0};
            if (store_order_get(r, stops[i].order_id, &o, NULL) == LM_OK) {
                lm_strlcpy(v->customer_name, o.customer_name, sizeof v->customer_name);
                lm_strlcpy(v->customer_phone, o.customer_phone, sizeof v->customer_phone);
                lm_strlcpy(v->address, o.customer_address, sizeof v->address);
                lm_strlcpy(v->instructions, o.notes, sizeof v->instructions);
                store_order_clear(&o);
            }
        }
        rt.has_route = n > 0;
        lm_free(stops);
    }
    *out = rt;
    return LM_OK;
}

lm_status dispatch_stop_get(store_read *r, int64_t stop_id, dispatch_stop *out, lm_errinfo *err) {
    lm_status rc = store_stop_get(r, stop_id, out, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "stop", "stop %" PRId64 " not found", stop_id);
    return rc;
}

lm_status dispatch_stop_owner(store_read *r, int64_t stop_id, char driver_out[DISPATCH_ID_MAX + 1],
                              lm_errinfo *err) {
    store_stop st;
    lm_status rc = dispatch_stop_get(r, stop_id, &st, err);
    if (rc != LM_OK) return rc;
    driver_out[0] = '\0';
    if (!st.live) return LM_OK;
    store_driver drv;
    if ((rc = store_driver_by_vehicle(r, st.vehicle_id, &drv, err)) != LM_OK) return rc;
    lm_strlcpy(driver_out, drv.id[0] ? drv.id : st.driver_id, DISPATCH_ID_MAX + 1);
    return LM_OK;
}

lm_status dispatch_tracking_get(store_read *r, int64_t order_id, dispatch_tracking *out,
                                lm_errinfo *err) {
    dispatch_tracking t = {0};
    store_stop *mine = NULL, *ps = NULL;
    size_t n = 0, np = 0;
    store_stop_filter f = {.order_id = order_id, .live_only = true};
    lm_status rc = store_stop_query(r, &f, &mine, &n, err);
    if (rc != LM_OK) return rc;
    const store_stop *sel = NULL;
    for (size_t i = 0; i < n; i++) {
        if (mine[i].kind != DISPATCH_STOP_DELIVERY || mine[i].return_id) continue;
        if (!sel || (pending(&mine[i]) && !pending(sel)) ||
            (pending(&mine[i]) == pending(sel) && mine[i].id > sel->id))
            sel = &mine[i];
    }
    if (sel) {
        t.on_route = true;
        lm_strlcpy(t.stop_status, dispatch_stop_status_name((dispatch_stop_status)sel->status),
                   sizeof t.stop_status);
        if (sel->status == DISPATCH_STOP_DONE) {
            t.delivered = true;
            t.delivered_ms = sel->done_ms;
            lm_strlcpy(t.proof, sel->proof, sizeof t.proof);
        } else if (sel->status == DISPATCH_STOP_FAILED) {
            t.failed = true;
            lm_strlcpy(t.failed_reason, sel->reason, sizeof t.failed_reason);
        } else if (pending(sel)) {
            if ((rc = pending_stops(r, sel->vehicle_id, &ps, &np, err)) != LM_OK) goto fail;
            for (size_t i = 0; i < np; i++)
                if (ps[i].seq < sel->seq && !is_break(&ps[i])) t.stops_before++;
            t.eta_s = sel->eta_s;
            /* the window widens with the stops still to be served before this one */
            int64_t half = 600 + 120 * t.stops_before;
            if (half > 3600) half = 3600;
            t.eta_from_s = t.eta_s - half / 2;
            t.eta_to_s = t.eta_s + half;
            store_vstate vs;
            if (t.stops_before == 0 && store_vstate_get(r, sel->vehicle_id, &vs, NULL) == LM_OK &&
                vs.has_position && vs.started) {
                t.driver_visible = true;
                t.driver_lat = vs.lat;
                t.driver_lon = vs.lon;
                t.driver_seen_ms = vs.seen_ms;
            }
        }
    }
    *out = t;
fail:
    lm_free(mine);
    lm_free(ps);
    return rc;
}

lm_status dispatch_vehicle_states(store_read *r, dispatch_vehicle_state **out, size_t *n,
                                  lm_errinfo *err) {
    store_vstate *vs = NULL;
    size_t nv = 0;
    lm_status rc = store_vstate_list(r, &vs, &nv, err);
    if (rc != LM_OK) return rc;
    dispatch_vehicle_state *arr = nv ? lm_calloc(nv, sizeof *arr) : NULL;
    if (nv && !arr) {
        lm_free(vs);
        return LM_NOMEM;
    }
    for (size_t i = 0; i < nv; i++) {
        dispatch_vehicle_state *a = &arr[i];
        lm_strlcpy(a->vehicle_id, vs[i].vehicle_id, sizeof a->vehicle_id);
        lm_strlcpy(a->driver_id, vs[i].driver_id, sizeof a->driver_id);
        a->has_position = vs[i].has_position;
        a->lat = vs[i].lat;
        a->lon = vs[i].lon;
        a->speed_mps = vs[i].speed_mps;
        a->seen_ms = vs[i].seen_ms;
        a->pace = vs[i].pace;
        a->started = vs[i].started;
        a->broken = vs[i].broken;
        a->silent = vs[i].silent;
        a->full = vs[i].full;
        store_stop *ps = NULL;
        size_t np = 0;
        if ((rc = pending_stops(r, vs[i].vehicle_id, &ps, &np, err)) != LM_OK) {
            lm_free(arr);
            lm_free(vs);
            return rc;
        }
        a->next_stop_id = np ? ps[0].id : 0;
        lm_free(ps);
    }
    lm_free(vs);
    *out = arr;
    *n = nv;
    return LM_OK;
}
