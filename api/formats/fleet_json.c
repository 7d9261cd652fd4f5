/* api/formats/fleet_json.c: JSON bodies -> vehicles and drivers (api/formats/fleet_json.h), on the
 * project's one family of JSON readers (api/formats/json.h). */
#include "api/formats/fleet_json.h"

#include "api/formats/json.h"

#include <math.h>
#include <string.h>

#define DAY2_S (2 * 86400) /* windows may run past midnight into the next day */

lm_status fmt_json_day_window(const cJSON *v, const char *path, int64_t *start_s, int64_t *end_s,
                              lm_errinfo *err) {
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
        return lm_errinfo_set(err, LM_INVALID, path, "must be [start, end] in seconds");
    int64_t a = 0, b = 0;
    char p0[FMT_JSON_PATH_MAX], p1[FMT_JSON_PATH_MAX];
    fmt_json_path_index(p0, path, 0);
    fmt_json_path_index(p1, path, 1);
    lm_status rc;
    if ((rc = fmt_json_int_item(cJSON_GetArrayItem(v, 0), p0, 0, DAY2_S, &a, err)) != LM_OK ||
        (rc = fmt_json_int_item(cJSON_GetArrayItem(v, 1), p1, 0, DAY2_S, &b, err)) != LM_OK)
        return rc;
    if (a > b)
        return lm_errinfo_set(err, LM_INVALID, path,
                              "must satisfy 0 <= start <= end <= 172800 (start %lld > end %lld)",
                              (long long)a, (long long)b);
    *start_s = a;
    *end_s = b;
    return LM_OK;
}

/* o[key] in big units (kg, l) into small units (g, cm3), when present. */
static lm_status thousandths(const cJSON *o, const char *key, int64_t *out, lm_errinfo *err) {
    double x = -1;
    lm_status rc = fmt_json_number(o, key, "", FMT_JSON_OPTIONAL, 0, 1e6, &x, err);
    if (rc == LM_OK && x >= 0) *out = (int64_t)llround(x * 1000);
    return rc;
}

static lm_status skills(const cJSON *j, dispatch_vehicle *v, lm_errinfo *err) {
    const cJSON *arr = NULL;
    size_t n = 0;
    lm_status rc =
        fmt_json_array(j, "skills", "", FMT_JSON_OPTIONAL, DISPATCH_SKILLS_MAX, &arr, &n, err);
    if (rc != LM_OK || !arr) return rc;
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "skills", i);
        if (!cJSON_IsString(e)) return lm_errinfo_set(err, LM_INVALID, path, "must be a string");
        /* the item is read as the only member of a one-key view: the same checks as any id */
        size_t len = strlen(e->valuestring);
        if (len == 0 || len > DISPATCH_ID_MAX)
            return lm_errinfo_set(err, LM_INVALID, path, "must hold 1..%d bytes", DISPATCH_ID_MAX);
        if (!fmt_json_utf8_ok(e->valuestring, len, false))
            return lm_errinfo_set(err, LM_INVALID, path,
                                  "must be UTF-8 without control characters");
        lm_strlcpy(v->skills[v->n_skills++], e->valuestring, sizeof v->skills[0]);
    }
    return LM_OK;
}

static lm_status one_break(const cJSON *e, const char *path, dispatch_break *b, lm_errinfo *err) {
    static const char *const keys[] = {"time_windows", "service", NULL};
    const cJSON *tws = NULL;
    size_t n = 0;
    lm_status rc;
    if ((rc = fmt_json_require_object(e, path, err)) != LM_OK ||
        (rc = fmt_json_only_keys(e, path, keys, err)) != LM_OK ||
        (rc = fmt_json_array(e, "time_windows", path, FMT_JSON_REQUIRED, 1, &tws, &n, err)) !=
            LM_OK)
        return rc;
    char twp[FMT_JSON_PATH_MAX], w0[FMT_JSON_PATH_MAX];
    fmt_json_path_key(twp, path, "time_windows");
    if (n != 1) return lm_errinfo_set(err, LM_INVALID, twp, "must hold one [start, end] window");
    fmt_json_path_index(w0, twp, 0);
    if ((rc = fmt_json_day_window(tws->child, w0, &b->start_s, &b->end_s, err)) != LM_OK) return rc;
    return fmt_json_int(e, "service", path, FMT_JSON_REQUIRED, 0, 86400, &b->service_s, err);
}

static lm_status breaks(const cJSON *j, dispatch_vehicle *v, lm_errinfo *err) {
    const cJSON *arr = NULL;
    size_t n = 0;
    lm_status rc =
        fmt_json_array(j, "breaks", "", FMT_JSON_OPTIONAL, DISPATCH_BREAKS_MAX, &arr, &n, err);
    if (rc != LM_OK || !arr) return rc;
    for (const cJSON *e = arr->child; e; e = e->next) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "breaks", v->n_breaks);
        if ((rc = one_break(e, path, &v->breaks[v->n_breaks], err)) != LM_OK) return rc;
        v->n_breaks++;
    }
    return LM_OK;
}

lm_status fmt_vehicle_from_json(const cJSON *j, dispatch_vehicle *v, lm_errinfo *err) {
    static const char *const keys[] = {"id",
                                       "name",
                                       "start_depot",
                                       "end_depot",
                                       "capacity_kg",
                                       "capacity_l",
                                       "capacity_parcels",
                                       "cost_fixed",
                                       "cost_per_hour",
                                       "cost_per_km",
                                       "speed_factor",
                                       "time_window",
                                       "active",
                                       "skills",
                                       "breaks",
                                       NULL};
    dispatch_vehicle_init(v);
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "id", "", FMT_JSON_REQUIRED, false, v->id, sizeof v->id,
                                   err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "name", "", FMT_JSON_OPTIONAL, false, v->name, sizeof v->name,
                                   err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "start_depot", "", FMT_JSON_REQUIRED, false, v->start_depot,
                                   sizeof v->start_depot, err)) != LM_OK)
        return rc;
    if (!fmt_json_get(j, "end_depot"))
        lm_strlcpy(v->end_depot, v->start_depot, sizeof v->end_depot); /* back home by default */
    else if ((rc = fmt_json_string_into(j, "end_depot", "", FMT_JSON_OPTIONAL, false, v->end_depot,
                                        sizeof v->end_depot, err)) != LM_OK)
        return rc;
    if ((rc = thousandths(j, "capacity_kg", &v->capacity_g, err)) != LM_OK ||
        (rc = thousandths(j, "capacity_l", &v->capacity_cm3, err)) != LM_OK ||
        (rc = fmt_json_int(j, "capacity_parcels", "", FMT_JSON_OPTIONAL, 0, 1000000,
                           &v->capacity_parcels, err)) != LM_OK ||
        (rc = fmt_json_int(j, "cost_fixed", "", FMT_JSON_OPTIONAL, 0, INT64_C(1) << 40,
                           &v->cost_fixed, err)) != LM_OK ||
        (rc = fmt_json_int(j, "cost_per_hour", "", FMT_JSON_OPTIONAL, 0, INT64_C(1) << 30,
                           &v->cost_per_hour, err)) != LM_OK ||
        (rc = fmt_json_int(j, "cost_per_km", "", FMT_JSON_OPTIONAL, 0, INT64_C(1) << 30,
                           &v->cost_per_km, err)) != LM_OK ||
        (rc = fmt_json_number(j, "speed_factor", "", FMT_JSON_OPTIONAL, 0.01, 5, &v->speed_factor,
                              err)) != LM_OK ||
        (rc = fmt_json_bool(j, "active", "", FMT_JSON_OPTIONAL, &v->active, err)) != LM_OK)
        return rc;
    const cJSON *tw = fmt_json_get(j, "time_window");
    if (tw && (rc = fmt_json_day_window(tw, "time_window", &v->shift_start_s, &v->shift_end_s,
                                        err)) != LM_OK)
        return rc;
    if ((rc = skills(j, v, err)) != LM_OK) return rc;
    return breaks(j, v, err);
}

lm_status fmt_driver_from_json(const cJSON *j, dispatch_driver *d, lm_errinfo *err) {
    static const char *const keys[] = {
        "id", "name", "phone", "device_id", "vehicle_id", "allow_short_device_id", NULL};
    memset(d, 0, sizeof *d);
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "id", "", FMT_JSON_REQUIRED, false, d->id, sizeof d->id,
                                   err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "name", "", FMT_JSON_REQUIRED, false, d->name, sizeof d->name,
                                   err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "phone", "", FMT_JSON_OPTIONAL, false, d->phone,
                                   sizeof d->phone, err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "device_id", "", FMT_JSON_OPTIONAL, false, d->device_id,
                                   sizeof d->device_id, err)) != LM_OK ||
        (rc = fmt_json_string_into(j, "vehicle_id", "", FMT_JSON_OPTIONAL, false, d->vehicle_id,
                                   sizeof d->vehicle_id, err)) != LM_OK ||
        (rc = fmt_json_bool(j, "allow_short_device_id", "", FMT_JSON_OPTIONAL,
                            &d->allow_short_device_id, err)) != LM_OK)
        return rc;
    return LM_OK;
}
