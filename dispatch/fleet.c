/* dispatch/fleet.c: vehicles and drivers: validation of the vehicle records, persistence with
 * their events, and reads (drivers are saved by dispatch/devices.c, which owns the device id
 * rules). */
#include "dispatch/internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

bool dispatch__id_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > DISPATCH_ID_MAX) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return false;
    return true;
}

void dispatch_vehicle_init(dispatch_vehicle *v) {
    memset(v, 0, sizeof *v);
    v->cost_per_hour = 3600;
    v->shift_end_s = 86400;
    v->speed_factor = 1;
    v->active = true;
}

lm_status dispatch_vehicle_put(store_tx *tx, const dispatch_vehicle *v, lm_errinfo *err) {
    if (!dispatch__id_ok(v->id))
        return lm_errinfo_set(err, LM_INVALID, "id",
                              "vehicle id must be 1-64 characters of A-Z a-z 0-9 . _ -");
    if (v->capacity_g < 0 || v->capacity_cm3 < 0 || v->capacity_parcels < 0)
        return lm_errinfo_set(err, LM_INVALID, "capacity", "capacities must be >= 0");
    if (v->cost_fixed < 0 || v->cost_per_hour < 0 || v->cost_per_km < 0)
        return lm_errinfo_set(err, LM_INVALID, "costs", "costs must be >= 0");
    if (v->shift_start_s < 0 || v->shift_end_s > 2 * 86400 || v->shift_start_s >= v->shift_end_s)
        return lm_errinfo_set(err, LM_INVALID, "shift",
                              "shift must be [start, end] seconds after midnight, start < end");
    if (v->n_breaks > DISPATCH_BREAKS_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "breaks", "at most %d breaks", DISPATCH_BREAKS_MAX);
    for (size_t i = 0; i < v->n_breaks; i++) {
        const dispatch_break *b = &v->breaks[i];
        if (b->start_s < 0 || b->start_s > b->end_s || b->service_s < 0 || b->service_s > 86400) {
            char f[32];
            snprintf(f, sizeof f, "breaks[%zu]", i);
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "a break needs 0 <= start <= end and 0 <= service <= 86400");
        }
    }
    for (size_t i = 0; i < v->n_skills; i++)
        if (!dispatch__id_ok(v->skills[i])) {
            char f[32];
            snprintf(f, sizeof f, "skills[%zu]", i);
            return lm_errinfo_set(err, LM_INVALID, f, "skill names are 1-64 of A-Z a-z 0-9 . _ -");
        }
    if (!(v->speed_factor > 0 && v->speed_factor <= 5))
        return lm_errinfo_set(err, LM_INVALID, "speed_factor", "speed_factor must be in (0, 5]");
    store_depot dep;
    lm_status rc = store_depot_get(store_tx_read(tx), v->start_depot, &dep, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, LM_INVALID, "start_depot", "depot '%s' does not exist",
                              v->start_depot);
    if (rc != LM_OK) return rc;
    if (v->end_depot[0]) {
        rc = store_depot_get(store_tx_read(tx), v->end_depot, &dep, err);
        if (rc == LM_NOT_FOUND)
            return lm_errinfo_set(err, LM_INVALID, "end_depot", "depot '%s' does not exist",
                                  v->end_depot);
        if (rc != LM_OK) return rc;
    }
    if ((rc = store_vehicle_put(tx, v, err)) != LM_OK) return rc;
    return dispatch__event(tx, "vehicle.put", "vehicle", v->id,
                           "{\"id\":\"%s\",\"start_depot\":\"%s\",\"active\":%s}", v->id,
                           v->start_depot, v->active ? "true" : "false");
}

lm_status dispatch_vehicle_get(store_read *r, const char *id, dispatch_vehicle *out,
                               lm_errinfo *err) {
    lm_status rc = store_vehicle_get(r, id, out, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "vehicle '%s' not found", id);
    return rc;
}

lm_status dispatch_driver_get(store_read *r, const char *id, dispatch_driver *out,
                              lm_errinfo *err) {
    lm_status rc = store_driver_get(r, id, out, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "driver '%s' not found", id);
    return rc;
}

lm_status dispatch_driver_by_device(store_read *r, const char *device_id, dispatch_driver *out,
                                    lm_errinfo *err) {
    lm_status rc = store_driver_by_device(r, device_id, out, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "device_id", "unknown device '%s'", device_id);
    return rc;
}

lm_status dispatch_vehicle_list(store_read *r, dispatch_vehicle **out, size_t *n, lm_errinfo *err) {
    return store_vehicle_list(r, out, n, err);
}

lm_status dispatch_driver_list(store_read *r, dispatch_driver **out, size_t *n, lm_errinfo *err) {
    return store_driver_list(r, out, n, err);
}
