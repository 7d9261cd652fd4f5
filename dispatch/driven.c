/* dispatch/driven.c: the distance a driver actually drove over a time span, from the accepted
 * position fixes (the phone's odometer is not trusted: apps reset it), so analytics can set it
 * against the planned leg (stop.arrived's driven_m and leg_m; docs/analytics.md). */
#include "dispatch/internal.h"
#include "geo/geo.h"
#include "store/store_positions.h"

#include <math.h>

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
