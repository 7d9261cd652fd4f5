/* dispatch/filter.c: the Traccar-style position filters (dispatch/ingest.h) as one pure function
 * over a driver's filter state, so that every rule can be tested with made-up fixes and no
 * clock; and their defaults. */
#include "dispatch/ingest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dispatch_filter_opts_init(dispatch_filter_opts *o) {
    memset(o, 0, sizeof *o);
    o->future_skew_ms = 5 * 60 * 1000;
    o->max_backwards_ms = 10 * 60 * 1000;
    o->max_speed_mps = 250.0 / 3.6;
    o->max_accuracy_m = 5000;
    o->jump_confirm = 3;
    o->event_every_ms = 60 * 1000;
    o->keep_refused = 20;
}

const char *dispatch_refusal_name(dispatch_refusal r) {
    static const char *const names[DISPATCH_REFUSAL_COUNT] = {
        "accepted", "invalid",   "zero", "accuracy", "future",
        "stale",    "duplicate", "jump", "no_fix",   "no_location"};
    return (unsigned)r < DISPATCH_REFUSAL_COUNT ? names[r] : "unknown";
}

/* The slack a fix's reported accuracy earns it: none when unknown, never more than the worst
 * accuracy the filters accept. */
static double slack_m(const dispatch_filter_opts *o, double accuracy_m) {
    if (!isfinite(accuracy_m) || accuracy_m <= 0) return 0;
    return o->max_accuracy_m > 0 && accuracy_m > o->max_accuracy_m ? o->max_accuracy_m : accuracy_m;
}

/* Whether a vehicle could have gone from a to b: the distance, less both accuracies, within
 * max_speed_mps over the time between them (at least one second, so that two fixes sent in the
 * same second are judged as one second apart rather than infinitely fast). */
static bool reachable(const dispatch_filter_opts *o, const dispatch_fix *a, const dispatch_fix *b) {
    double dt_s = (double)llabs(b->time_ms - a->time_ms) / 1000.0;
    if (dt_s < 1) dt_s = 1;
    double sa = slack_m(o, a->accuracy_m), sb = slack_m(o, b->accuracy_m);
    double limit = o->max_speed_mps * dt_s + sa + sb;
    geo_point pa = {a->lat, a->lon}, pb = {b->lat, b->lon};
    /* the sphere's distance decides when it is clear of the limit by twice its error bound
     * (test_sphere_within_err in tests/geo), so the answers are the geodesic's; Karney's exact
     * solution was most of the ingest writer's filter time (perf-positions.md, round 4) */
    if (geo_point_check(pa, "", NULL) == LM_OK && geo_point_check(pb, "", NULL) == LM_OK) {
        double h = geo_sphere_distance_m(pa, pb);
        if (h * (1 + 2 * GEO_SPHERE_ERR) <= limit) return true;
        if (h * (1 - 2 * GEO_SPHERE_ERR) > limit) return false;
    }
    double d = geo_distance_m(pa, pb);
    if (!isfinite(d)) return false;
    return d - sa - sb <= o->max_speed_mps * dt_s;
}

/* A refused jump: counts it towards a re-anchor when it agrees with the previous refused one. */
static dispatch_refusal jump(const dispatch_filter_opts *o, dispatch_filter_state *st,
                             const dispatch_fix *f) {
    if (o->jump_confirm <= 0) return DISPATCH_REFUSED_JUMP;
    bool agrees = st->run > 0 && f->time_ms > st->run_end.time_ms && reachable(o, &st->run_end, f);
    st->run = agrees ? st->run + 1 : 1;
    st->run_end = *f;
    if (st->run < o->jump_confirm) return DISPATCH_REFUSED_JUMP;
    /* the phone keeps reporting a consistent track away from the anchor: the anchor was wrong
     * (or the van was moved without reporting), so the track wins */
    st->last = *f;
    st->run = 0;
    return DISPATCH_ACCEPTED;
}

dispatch_refusal dispatch_filter_check(const dispatch_filter_opts *o, dispatch_filter_state *st,
                                       const dispatch_position *p, int64_t time_ms,
                                       int64_t recv_ms) {
    if (p->no_location) return DISPATCH_REFUSED_NO_LOCATION; /* nothing to place on a map */
    if (!isfinite(p->lat) || !isfinite(p->lon) || fabs(p->lat) > 90 || fabs(p->lon) > 180 ||
        (isfinite(p->accuracy_m) && p->accuracy_m < 0) || isinf(p->accuracy_m))
        return DISPATCH_REFUSED_INVALID;
    /* the phone's own word that these are not fix coordinates (a last known or network guess):
     * Traccar's filter.invalid refuses them too */
    if (p->no_fix) return DISPATCH_REFUSED_NO_FIX;
    if (p->lat == 0 && p->lon == 0) return DISPATCH_REFUSED_ZERO;
    if (o->max_accuracy_m > 0 && isfinite(p->accuracy_m) && p->accuracy_m > o->max_accuracy_m)
        return DISPATCH_REFUSED_ACCURACY;
    if (o->future_skew_ms > 0 && time_ms - recv_ms > o->future_skew_ms)
        return DISPATCH_REFUSED_FUTURE;
    dispatch_fix f = {time_ms, p->lat, p->lon, p->accuracy_m};
    if (st->has_last) {
        if (o->max_backwards_ms > 0 && st->last.time_ms - time_ms > o->max_backwards_ms)
            return DISPATCH_REFUSED_STALE;
        if (time_ms == st->last.time_ms && p->lat == st->last.lat && p->lon == st->last.lon)
            return DISPATCH_REFUSED_DUPLICATE;
        if (o->max_speed_mps > 0 && !reachable(o, &st->last, &f)) return jump(o, st, &f);
    }
    st->run = 0;
    if (!st->has_last || time_ms > st->last.time_ms) {
        st->last = f;
        st->has_last = true;
    }
    return DISPATCH_ACCEPTED;
}
