/* api/input.c: the request body checked for codecs, and one-field readers for trivial bodies,
 * all over api/formats/json.h (the project's one family of JSON readers). */
#include "api/input.h"

#include <string.h>

lm_status api__body(http_req *r, fmt_json_need need) {
    if (!r->json) {
        if (need == FMT_JSON_OPTIONAL) return LM_OK;
        return http_error(r, LM_INVALID, "body", "is required: a JSON object");
    }
    lm_status rc = fmt_json_check_text(r->body, r->body_len, "body", &r->err);
    if (rc != LM_OK) return rc;
    return api__need_object(r, r->json, "object");
}

lm_status api__body_any(http_req *r) {
    if (!r->json) return http_error(r, LM_INVALID, "body", "is required");
    return fmt_json_check_text(r->body, r->body_len, "body", &r->err);
}

lm_status api__no_body(http_req *r) {
    static const char *const none[] = {NULL};
    lm_status rc = api__body(r, FMT_JSON_OPTIONAL);
    if (rc == LM_OK && r->json) rc = fmt_json_only_keys(r->json, "", none, &r->err);
    if (rc == LM_INVALID && r->err.field[0] && strcmp(r->err.field, "body")) {
        size_t used = strlen(r->err.message);
        lm_strlcpy(r->err.message + used, " (this route takes no body)",
                   sizeof r->err.message - used);
    }
    return rc;
}

lm_status api__need_object(http_req *r, const cJSON *j, const char *what) {
    if (!cJSON_IsObject(j)) return http_error(r, LM_INVALID, "body", "expected a JSON %s", what);
    if (j == r->json && r->body) return fmt_json_check_text(r->body, r->body_len, "body", &r->err);
    return LM_OK;
}

lm_status api__json_str(http_req *r, const cJSON *obj, const char *key, const char *path, char *dst,
                        size_t cap, bool required) {
    lm_status rc = fmt_json_string_into(
        obj, key, "", required ? FMT_JSON_REQUIRED : FMT_JSON_OPTIONAL, false, dst, cap, &r->err);
    if (rc != LM_OK) lm_strlcpy(r->err.field, path, sizeof r->err.field);
    return rc;
}

lm_status api__json_int(http_req *r, const cJSON *obj, const char *key, const char *path,
                        int64_t min, int64_t max, bool required, int64_t *out, bool *present) {
    if (present) *present = false;
    const cJSON *v = fmt_json_get(obj, key);
    if (!v || cJSON_IsNull(v)) {
        if (required) return http_error(r, LM_INVALID, path, "is required");
        return LM_OK;
    }
    lm_status rc = fmt_json_int_item(v, path, min, max, out, &r->err);
    if (rc == LM_OK && present) *present = true;
    return rc;
}

lm_status api__only_keys(http_req *r, const cJSON *obj, const char *const *allowed) {
    return fmt_json_only_keys(obj, "", allowed, &r->err);
}

lm_status api__path_id(http_req *r, int64_t *id) {
    const char *s = http_param(r, "id");
    if (!s || !lm_parse_i64(s, 1, INT64_MAX, id))
        return http_error(r, LM_INVALID, "id", "the id in the path must be a positive integer");
    return LM_OK;
}
