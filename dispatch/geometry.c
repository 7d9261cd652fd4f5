/* dispatch/geometry.c: road geometry of committed routes. The worker asks the router's route
 * service (geo_route_geometry) for each committed route of the last day that has none yet, a few
 * per tick, off the HTTP threads, and stores the polyline with the plan; what the engine cannot
 * route is drawn straight and marked estimated. */
#include "dispatch/internal.h"

#include <stdio.h>
#include <string.h>

#define PASS_EVERY_MS 1000
#define PER_PASS      8
#define LOOKBACK_MS   (INT64_C(86400) * 1000)

/* The route's points: start, its stops in order (cancelled and superseded ones left out), end. */
static lm_status route_points(store_read *r, const store_route_ref *ref, geo_point **out, size_t *n,
                              lm_errinfo *err) {
    store_plan_route *rts = NULL;
    store_stop *stops = NULL;
    size_t n_rts = 0, n_stops = 0;
    store_stop_filter f = {.plan_id = ref->plan_id, .vehicle_id = ref->vehicle_id};
    lm_status rc = store_plan_routes(r, ref->plan_id, &rts, &n_rts, err);
    if (rc == LM_OK) rc = store_stop_query(r, &f, &stops, &n_stops, err);
    const store_plan_route *rt = NULL;
    for (size_t i = 0; rc == LM_OK && i < n_rts; i++)
        if (!strcmp(rts[i].vehicle_id, ref->vehicle_id)) rt = &rts[i];
    geo_point *pts = NULL;
    if (rc == LM_OK && !rt) rc = lm_errinfo_set(err, LM_NOT_FOUND, "route", "route gone");
    if (rc == LM_OK && !(pts = lm_calloc(n_stops + 2, sizeof *pts))) rc = LM_NOMEM;
    if (rc == LM_OK) {
        size_t k = 0;
        pts[k++] = (geo_point){rt->start_lat, rt->start_lon};
        for (size_t i = 0; i < n_stops; i++) {
            if (stops[i].status == DISPATCH_STOP_CANCELLED ||
                stops[i].status == DISPATCH_STOP_SUPERSEDED)
                continue;
            pts[k++] = (geo_point){stops[i].lat, stops[i].lon};
        }
        if (rt->has_end) pts[k++] = (geo_point){rt->end_lat, rt->end_lon};
        *out = pts;
        *n = k;
    }
    lm_free(rts);
    lm_free(stops);
    return rc;
}

/* Fetches and stores one route's geometry; a route of one point is stored as that point. */
static lm_status geometry_one(dispatch *d, const store_route_ref *ref, lm_errinfo *err) {
    store_read *r = NULL;
    geo_point *pts = NULL;
    size_t n = 0;
    lm_status rc = store_read_begin(d->st, &r);
    if (rc == LM_OK) rc = route_points(r, ref, &pts, &n, err);
    store_read_end(r);
    if (rc != LM_OK) return rc;
    char *poly = NULL;
    bool estimated = false;
    if (n >= 2)
        rc = geo_route_geometry(d->geo, pts, n, &poly, NULL, NULL, &estimated, err);
    else
        rc = geo_polyline_encode(pts, n, 5, &poly, err);
    lm_free(pts);
    store_tx *tx = NULL;
    if (rc == LM_OK) rc = store_tx_begin(d->st, &tx);
    if (rc == LM_OK)
        rc = store_route_geometry_put(tx, ref->plan_id, ref->vehicle_id, poly, estimated,
                                      dispatch__now_ms(d), err);
    if (rc == LM_OK) {
        rc = store_tx_commit(tx);
    } else {
        store_tx_rollback(tx);
    }
    lm_free(poly);
    return rc;
}

void dispatch__geometry_pass(dispatch *d) {
    int64_t now = dispatch__now_ms(d);
    if (now - d->last_geometry_ms < PASS_EVERY_MS) return;
    d->last_geometry_ms = now;
    store_read *r = NULL;
    store_route_ref *refs = NULL;
    size_t n = 0;
    lm_errinfo err = {0};
    lm_status rc = store_read_begin(d->st, &r);
    if (rc == LM_OK)
        rc = store_route_geometry_missing(r, now - LOOKBACK_MS, PER_PASS, &refs, &n, &err);
    store_read_end(r);
    for (size_t i = 0; rc == LM_OK && i < n; i++) {
        if (atomic_load(&d->cancel)) break;
        if (geometry_one(d, &refs[i], &err) != LM_OK)
            fprintf(stderr, "lastmile dispatch: geometry of plan %lld vehicle %s: %s\n",
                    (long long)refs[i].plan_id, refs[i].vehicle_id, err.message);
    }
    lm_free(refs);
}
