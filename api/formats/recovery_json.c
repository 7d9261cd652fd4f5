/* api/formats/recovery_json.c: the recovery policy, the customer's window and delivery
 * instructions from JSON (api/formats/recovery_json.h). */
#include "api/formats/recovery_json.h"

#include "api/formats/json.h"
#include "api/formats/rfc3339.h"

#include <string.h>

static lm_status rule_from_json(const cJSON *it, const char *path, store_recovery_rule *r,
                                lm_errinfo *err) {
    static const char *const keys[] = {"reason", "action", "reschedule", "max_attempts", NULL};
    memset(r, 0, sizeof *r);
    r->max_attempts = 3;
    lm_status rc;
    if ((rc = fmt_json_require_object(it, path, err)) != LM_OK ||
        (rc = fmt_json_only_keys(it, path, keys, err)) != LM_OK ||
        (rc = fmt_json_string_into(it, "reason", path, FMT_JSON_REQUIRED, false, r->reason,
                                   sizeof r->reason, err)) != LM_OK ||
        (rc = fmt_json_string_into(it, "action", path, FMT_JSON_REQUIRED, false, r->action,
                                   sizeof r->action, err)) != LM_OK ||
        (rc = fmt_json_string_into(it, "reschedule", path, FMT_JSON_OPTIONAL, false, r->reschedule,
                                   sizeof r->reschedule, err)) != LM_OK)
        return rc;
    return fmt_json_int(it, "max_attempts", path, FMT_JSON_OPTIONAL, 1, 10, &r->max_attempts, err);
}

lm_status fmt_recovery_policy_from_json(const cJSON *j, store_recovery_policy *out,
                                        lm_errinfo *err) {
    static const char *const keys[] = {"rules", NULL};
    const cJSON *arr = NULL;
    size_t n = 0;
    lm_status rc;
    memset(out, 0, sizeof *out);
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = fmt_json_array(j, "rules", "", FMT_JSON_REQUIRED, STORE_RECOVERY_REASONS, &arr, &n,
                             err)) != LM_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "rules", i);
        if ((rc = rule_from_json(cJSON_GetArrayItem(arr, (int)i), path, &out->rules[i], err)) !=
            LM_OK)
            return rc;
    }
    out->n_rules = n;
    return LM_OK;
}

static lm_status time_member(const cJSON *j, const char *key, int64_t *out, lm_errinfo *err) {
    const char *s = NULL;
    lm_status rc = fmt_json_string(j, key, "", FMT_JSON_REQUIRED, 40, &s, err);
    if (rc != LM_OK) return rc;
    if (!fmt_time_parse_rfc3339(s, out))
        return lm_errinfo_set(err, LM_INVALID, key,
                              "must be an RFC 3339 time with a real date, e.g. "
                              "2026-12-08T09:00:00Z");
    return LM_OK;
}

lm_status fmt_window_from_json(const cJSON *j, store_window *out, lm_errinfo *err) {
    static const char *const keys[] = {"from", "to", NULL};
    lm_status rc;
    int64_t a = 0, b = 0;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = time_member(j, "from", &a, err)) != LM_OK ||
        (rc = time_member(j, "to", &b, err)) != LM_OK)
        return rc;
    if (b <= a) return lm_errinfo_set(err, LM_INVALID, "to", "must be after from");
    if (b - a > 86400) return lm_errinfo_set(err, LM_INVALID, "to", "a window is at most 24 h");
    out->start_s = a;
    out->end_s = b;
    return LM_OK;
}

lm_status fmt_instructions_from_json(const cJSON *j, store_instructions *out, lm_errinfo *err) {
    static const char *const keys[] = {"instructions", "safe_place", NULL};
    lm_status rc;
    memset(out, 0, sizeof *out);
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK)
        return rc;
    if (!fmt_json_get(j, "instructions") && !fmt_json_get(j, "safe_place"))
        return lm_errinfo_set(err, LM_INVALID, "instructions",
                              "give instructions, safe_place or both");
    if ((rc = fmt_json_string_into(j, "instructions", "", FMT_JSON_OPTIONAL, true,
                                   out->instructions, sizeof out->instructions, err)) != LM_OK)
        return rc;
    return fmt_json_string_into(j, "safe_place", "", FMT_JSON_OPTIONAL, false, out->safe_place,
                                sizeof out->safe_place, err);
}

lm_status fmt_split_policy_from_json(const cJSON *j, store_split_policy *out, lm_errinfo *err) {
    static const char *const keys[] = {"mode", "max_parts", NULL};
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK)
        return rc;
    if (fmt_json_get(j, "mode") &&
        (rc = fmt_json_string_into(j, "mode", "", FMT_JSON_REQUIRED, false, out->mode,
                                   sizeof out->mode, err)) != LM_OK)
        return rc;
    return fmt_json_int(j, "max_parts", "", FMT_JSON_OPTIONAL, 2, 4, &out->max_parts, err);
}
