/* api/formats/fleet_json.h: JSON bodies -> dispatch/ fleet records, the codec behind
 * POST /v1/vehicles and POST /v1/drivers. Unknown keys are refused with the key named, strings
 * are UTF-8 without control characters, numbers are range-checked before any cast. Whether the
 * depots and the vehicle referred to exist is dispatch/'s check (dispatch_vehicle_put and
 * dispatch_driver_put), made before anything is written.
 * Errors name the field by its JSON path ("breaks[1].service") in err; *out is undefined on
 * failure. No store, no HTTP, no globals. */
#ifndef LASTMILE_FORMATS_FLEET_JSON_H
#define LASTMILE_FORMATS_FLEET_JSON_H

#include "common/common.h"
#include "dispatch/dispatch.h"

#include <cjson/cJSON.h>

/* {"id", "name", "start_depot", "end_depot" (absent: start_depot; null or "": open route),
 * "capacity_kg", "capacity_l", "capacity_parcels", "cost_fixed", "cost_per_hour", "cost_per_km",
 * "speed_factor", "time_window": [start_s, end_s], "active", "skills": [...],
 * "breaks": [{"time_windows": [[start_s, end_s]], "service": s}]}. */
LM_MUST_USE lm_status fmt_vehicle_from_json(const cJSON *j, dispatch_vehicle *v, lm_errinfo *err);

/* {"id", "name", "phone", "device_id", "vehicle_id", "allow_short_device_id"}. */
LM_MUST_USE lm_status fmt_driver_from_json(const cJSON *j, dispatch_driver *d, lm_errinfo *err);

/* v as [start, end] seconds after midnight, 0 <= start <= end <= 172800, at path. */
LM_MUST_USE lm_status fmt_json_day_window(const cJSON *v, const char *path, int64_t *start_s,
                                          int64_t *end_s, lm_errinfo *err);

#endif
