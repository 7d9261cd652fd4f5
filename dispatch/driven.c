/* dispatch/driven.c: the distance a driver actually drove over a time span, from the accepted
 * position fixes (the phone's odometer is not trusted: apps reset it), so analytics can set it
 * against the planned leg (stop.arrived's driven_m and leg_m; docs/analytics.md), and the return
 * to the end depot after the last stop (route.returned, with the drive back as a leg). */
#include "dispatch/internal.h"
#include "geo/geo.h"
#include "store/store_positions.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define DRIVEN_FIXES_MAX 20000 /* fixes read per leg: a day at one fix every 5 s */

lm_status dispatch__driven_m(store_read *r, const char *driver_id, int64_t from_ms, int64_t to_ms,
                             int64_t *out, lm_errinfo *err) {
    store_position *pos = NULL;
    size_t n = 0;
    *out = -1;
    if (!driver_id[0] || to_ms <= from_ms) return LM_OK;
    lm_status rc =
        store_positions_list(r, NULL, driver_id, from_ms, to_ms, DRIVEN_FIXES_MAX, &pos, &n, err);
    if (rc != LM_OK) return rc;
    double m = 0;
    for (size_t i = 1; i < n; i++) {
        double d = geo_distance_m((geo_point){pos[i - 1].lat, pos[i - 1].lon},
                                  (geo_point){pos[i].lat, pos[i].lon});
        if (isfinite(d)) m += d;
    }
    if (n >= 2) *out = (int64_t)llround(m); /* fewer than two fixes: nothing measured */
    lm_free(pos);
    return LM_OK;
}

/* ---- The drive back to the depot ---- */

/* The live stops' last completion (breaks aside), and the planned length of the drive back: the
 * vehicle's route of the plan holding its last stop, less the legs to that plan's stops (a route's
 * distance runs from its start over every stop to its end). back_m = -1 for an open route. */
static lm_status back_leg(store_read *r, const char *vehicle_id, int64_t *left_ms, int64_t *back_m,
                          lm_errinfo *err) {
    store_stop_filter f = {.vehicle_id = vehicle_id, .live_only = true};
    store_stop *all = NULL;
    size_t n = 0;
    lm_status rc = store_stop_query(r, &f, &all, &n, err);
    if (rc != LM_OK) return rc;
    int64_t plan_id = 0, legs_m = 0;
    int32_t last_seq = INT32_MIN;
    *left_ms = 0;
    *back_m = -1;
    for (size_t i = 0; i < n; i++) {
        if (all[i].kind != DISPATCH_STOP_BREAK && all[i].done_ms > *left_ms)
            *left_ms = all[i].done_ms;
        if (all[i].seq > last_seq) {
            last_seq = all[i].seq;
            plan_id = all[i].plan_id;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (all[i].plan_id == plan_id) legs_m += all[i].leg_m;
    lm_free(all);
    store_plan_route *rts = NULL;
    if (plan_id <= 0 || (rc = store_plan_routes(r, plan_id, &rts, &n, err)) != LM_OK) return rc;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rts[i].vehicle_id, vehicle_id) && rts[i].has_end && rts[i].distance_m >= legs_m)
            *back_m = rts[i].distance_m - legs_m;
    lm_free(rts);
    return LM_OK;
}

lm_status dispatch__route_return(store_tx *tx, store_vstate *vs, geo_point here, double radius_m,
                                 int64_t t_ms, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    store_vehicle v;
    store_depot dep;
    if (store_vehicle_get(r, vs->vehicle_id, &v, NULL) != LM_OK || !v.end_depot[0] ||
        store_depot_get(r, v.end_depot, &dep, NULL) != LM_OK ||
        !geo_within_radius((geo_point){dep.lat, dep.lon}, radius_m, here))
        return LM_OK;
    int64_t left_ms = 0, back_m = -1, driven_m = -1;
    lm_status rc = back_leg(r, vs->vehicle_id, &left_ms, &back_m, err);
    if (rc != LM_OK || left_ms <= 0 || t_ms <= left_ms || back_m < 0) return rc;
    if ((rc = dispatch__driven_m(r, vs->driver_id, left_ms, t_ms, &driven_m, err)) != LM_OK)
        return rc;
    vs->returned_ms = t_ms;
    char driven[40] = "";
    if (driven_m >= 0) snprintf(driven, sizeof driven, ",\"driven_m\":%" PRId64, driven_m);
    return dispatch__event(tx, "route.returned", "vehicle", vs->vehicle_id,
                           "{\"vehicle_id\":\"%s\",\"driver_id\":\"%s\",\"t_ms\":%" PRId64
                           ",\"leg_m\":%" PRId64 "%s}",
                           vs->vehicle_id, vs->driver_id, t_ms, back_m, driven);
}
