/* api/formats/plan_json.c: JSON bodies of the planning routes (api/formats/plan_json.h), on the
 * project's one family of JSON readers (api/formats/json.h). */
#include "api/formats/plan_json.h"

#include "api/formats/json.h"
#include "api/formats/rfc3339.h"

#include <string.h>

#define DAY_START_MAX (INT64_C(1) << 40) /* epoch seconds, far beyond any real day */

static lm_status day_start(const cJSON *j, int64_t *out, lm_errinfo *err) {
    const cJSON *v = fmt_json_get(j, "day_start");
    if (!v || cJSON_IsNull(v)) return LM_OK;
    if (cJSON_IsString(v)) {
        const char *s = NULL;
        lm_status rc = fmt_json_string(j, "day_start", "", FMT_JSON_OPTIONAL, 64, &s, err);
        if (rc != LM_OK) return rc;
        if (!fmt_time_parse_rfc3339(s, out) || *out < 0)
            return lm_errinfo_set(err, LM_INVALID, "day_start",
                                  "must be epoch seconds or an RFC 3339 time with a zone "
                                  "(2026-11-23T00:00:00+01:00), a real date and offset");
        return LM_OK;
    }
    return fmt_json_int_item(v, "day_start", 0, DAY_START_MAX, out, err);
}

lm_status fmt_plan_from_json(const cJSON *j, fmt_plan_body *out, lm_errinfo *err) {
    static const char *const keys[] = {"depot", "time_limit_ms", "day_start", "vehicles", NULL};
    memset(out, 0, sizeof *out);
    if (!j) return LM_OK;
    lm_status rc;
    const cJSON *arr = NULL;
    size_t n = 0;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "depot", "", FMT_JSON_OPTIONAL, false, out->depot,
                                   sizeof out->depot, err)) != LM_OK ||
        (rc = fmt_json_int(j, "time_limit_ms", "", FMT_JSON_OPTIONAL, 0, 600000,
                           &out->time_limit_ms, err)) != LM_OK ||
        (rc = day_start(j, &out->day_start_s, err)) != LM_OK ||
        (rc = fmt_json_array(j, "vehicles", "", FMT_JSON_OPTIONAL, FMT_PLAN_VEHICLES_MAX, &arr, &n,
                             err)) != LM_OK)
        return rc;
    if (!arr) return LM_OK;
    out->has_vehicles = true;
    for (const cJSON *e = arr->child; e; e = e->next) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "vehicles", out->n_vehicle_ids);
        size_t len = cJSON_IsString(e) ? strlen(e->valuestring) : 0;
        if (!len || len > DISPATCH_ID_MAX || !fmt_json_utf8_ok(e->valuestring, len, false))
            return lm_errinfo_set(err, LM_INVALID, path,
                                  "must be a vehicle id: 1..%d bytes of UTF-8, no control "
                                  "characters",
                                  DISPATCH_ID_MAX);
        out->vehicle_ids[out->n_vehicle_ids++] = e->valuestring;
    }
    return LM_OK;
}

lm_status fmt_plan_move_from_json(const cJSON *j, fmt_plan_move *out, lm_errinfo *err) {
    static const char *const keys[] = {"stop", "to_vehicle", "position", NULL};
    memset(out, 0, sizeof *out);
    out->position = -1;
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = fmt_json_int(j, "stop", "", FMT_JSON_REQUIRED, 1, INT64_MAX / 2, &out->stop_id,
                           err)) != LM_OK ||
        (rc = fmt_json_int(j, "position", "", FMT_JSON_OPTIONAL, -1, 100000, &out->position,
                           err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "to_vehicle", "", FMT_JSON_REQUIRED, false, out->to_vehicle,
                                   sizeof out->to_vehicle, err)) != LM_OK)
        return rc;
    return LM_OK;
}

lm_status fmt_replan_from_json(const cJSON *j, char vehicle_id[DISPATCH_ID_MAX + 1],
                               lm_errinfo *err) {
    static const char *const keys[] = {"vehicle_id", NULL};
    vehicle_id[0] = '\0';
    if (!j) return LM_OK;
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK)
        return rc;
    return fmt_json_string_into(j, "vehicle_id", "", FMT_JSON_OPTIONAL, false, vehicle_id,
                                DISPATCH_ID_MAX + 1, err);
}

static lm_status hand_ids(const cJSON *j, fmt_hand_body *out, lm_errinfo *err) {
    const cJSON *arr = NULL;
    size_t n = 0;
    lm_status rc =
        fmt_json_array(j, "stop_ids", "", FMT_JSON_REQUIRED, FMT_HAND_STOPS_MAX, &arr, &n, err);
    for (size_t i = 0; rc == LM_OK && i < n; i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "stop_ids", i);
        rc = fmt_json_int_item(cJSON_GetArrayItem(arr, (int)i), path, 1, INT64_MAX / 2,
                               &out->stop_ids[i], err);
    }
    if (rc == LM_OK) out->n_stop_ids = n;
    return rc;
}

lm_status fmt_hand_from_json(const cJSON *j, fmt_hand_shape shape, fmt_hand_body *out,
                             lm_errinfo *err) {
    static const char *const keys[][5] = {
        {"order_id", "vehicle_id", "position", "dry_run", NULL},
        {"order_id", "stop_id", "position", "dry_run", NULL},
        {"stop_ids", "dry_run", NULL},
        {"locked", NULL},
    };
    memset(out, 0, sizeof *out);
    out->position = -1;
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys[shape], err)) != LM_OK)
        return rc;
    if (shape == FMT_HAND_LOCK)
        return fmt_json_bool(j, "locked", "", FMT_JSON_REQUIRED, &out->locked, err);
    if ((rc = fmt_json_bool(j, "dry_run", "", FMT_JSON_OPTIONAL, &out->dry_run, err)) != LM_OK)
        return rc;
    if (shape == FMT_HAND_ORDER) return hand_ids(j, out, err);
    fmt_json_need order = shape == FMT_HAND_ASSIGN ? FMT_JSON_REQUIRED : FMT_JSON_OPTIONAL;
    if ((rc = fmt_json_int(j, "order_id", "", order, 1, INT64_MAX / 2, &out->order_id, err)) !=
            LM_OK ||
        (rc = fmt_json_int(j, "position", "", FMT_JSON_OPTIONAL, -1, 100000, &out->position,
                           err)) != LM_OK)
        return rc;
    if (shape == FMT_HAND_ASSIGN)
        return fmt_json_string_into(j, "vehicle_id", "", FMT_JSON_REQUIRED, false, out->vehicle_id,
                                    sizeof out->vehicle_id, err);
    if ((rc = fmt_json_int(j, "stop_id", "", FMT_JSON_OPTIONAL, 1, INT64_MAX / 2, &out->stop_id,
                           err)) != LM_OK)
        return rc;
    if ((out->order_id != 0) == (out->stop_id != 0))
        return lm_errinfo_set(err, LM_INVALID, "order_id",
                              "give exactly one of order_id (assign a ready order) and stop_id "
                              "(move a stop here)");
    return LM_OK;
}
