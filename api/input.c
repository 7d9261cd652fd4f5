/* api/input.c: reading a request's JSON: field readers that name the field they reject in the
 * error reply ({"error": {"field": ...}}), shared by the handler files. Two families keep the
 * messages each resource has always given: api__json_str/int (orders, depots, products) and
 * api__json_number/whole/window (vehicles, plans). */
#include "api/input.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

lm_status api__need_object(http_req *r, const cJSON *j, const char *what) {
    if (!cJSON_IsObject(j)) return http_error(r, LM_INVALID, "body", "expected a JSON %s", what);
    return LM_OK;
}

lm_status api__json_str(http_req *r, const cJSON *obj, const char *key, const char *path, char *dst,
                        size_t cap, bool required) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    dst[0] = '\0';
    if (!v || cJSON_IsNull(v)) {
        if (required) return http_error(r, LM_INVALID, path, "%s is required", path);
        return LM_OK;
    }
    if (!cJSON_IsString(v)) return http_error(r, LM_INVALID, path, "%s must be a string", path);
    if (strlen(v->valuestring) >= cap)
        return http_error(r, LM_TOO_BIG, path, "%s is longer than %zu characters", path, cap - 1);
    lm_strlcpy(dst, v->valuestring, cap);
    return LM_OK;
}

lm_status api__json_int(http_req *r, const cJSON *obj, const char *key, const char *path,
                        int64_t min, int64_t max, bool required, int64_t *out, bool *present) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present) *present = false;
    if (!v || cJSON_IsNull(v)) {
        if (required) return http_error(r, LM_INVALID, path, "%s is required", path);
        return LM_OK;
    }
    double d = v->valuedouble;
    if (!cJSON_IsNumber(v) || !isfinite(d) || d != floor(d))
        return http_error(r, LM_INVALID, path, "%s must be an integer", path);
    if (d < (double)min || d > (double)max)
        return http_error(r, LM_INVALID, path, "%s must be in %" PRId64 "..%" PRId64, path, min,
                          max);
    *out = (int64_t)d;
    if (present) *present = true;
    return LM_OK;
}

lm_status api__path_id(http_req *r, int64_t *id) {
    const char *s = http_param(r, "id");
    if (!s || !lm_parse_i64(s, 1, INT64_MAX, id))
        return http_error(r, LM_INVALID, "id", "the id in the path must be a positive integer");
    return LM_OK;
}

lm_status api__json_number(http_req *r, const cJSON *o, const char *key, double min, double max,
                           double *out, bool *present) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *present = false;
    if (!v || cJSON_IsNull(v)) return LM_OK;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return http_error(r, LM_INVALID, key, "%s must be a number", key);
    if (v->valuedouble < min || v->valuedouble > max)
        return http_error(r, LM_INVALID, key, "%s must be in %g..%g", key, min, max);
    *out = v->valuedouble;
    *present = true;
    return LM_OK;
}

lm_status api__json_whole(http_req *r, const cJSON *o, const char *key, int64_t min, int64_t max,
                          int64_t *out) {
    double d = 0;
    bool present = false;
    lm_status rc = api__json_number(r, o, key, (double)min, (double)max, &d, &present);
    if (rc != LM_OK || !present) return rc;
    if (d != floor(d)) return http_error(r, LM_INVALID, key, "%s must be an integer", key);
    *out = (int64_t)d;
    return LM_OK;
}

/* [start, end] of seconds after midnight. */
lm_status api__json_window(http_req *r, const cJSON *v, const char *field, int64_t *a, int64_t *b) {
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 ||
        !cJSON_IsNumber(cJSON_GetArrayItem(v, 0)) || !cJSON_IsNumber(cJSON_GetArrayItem(v, 1)))
        return http_error(r, LM_INVALID, field, "%s must be [start, end] in seconds", field);
    double x = cJSON_GetArrayItem(v, 0)->valuedouble, y = cJSON_GetArrayItem(v, 1)->valuedouble;
    if (!(x >= 0 && y <= 2 * 86400 && x <= y))
        return http_error(r, LM_INVALID, field, "%s must satisfy 0 <= start <= end <= 172800",
                          field);
    *a = (int64_t)x;
    *b = (int64_t)y;
    return LM_OK;
}

const char *api__json_get_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}
