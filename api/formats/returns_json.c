/* api/formats/returns_json.c: JSON bodies -> returns/ records (api/formats/returns_json.h), on the
 * project's one family of JSON readers (api/formats/json.h). */
#include "api/formats/returns_json.h"

#include "api/formats/json.h"
#include "api/formats/rfc3339.h"

#include <math.h>
#include <string.h>

static lm_status need_object(const cJSON *j, const char *what, lm_errinfo *err) {
    if (cJSON_IsObject(j)) return LM_OK;
    return lm_errinfo_set(err, LM_INVALID, "body", "expected a JSON object (%s)", what);
}

/* obj[key] copied into dst[cap] when it is one of the names in list ("a|b|c"); absent: dst "". */
static lm_status one_of(const cJSON *obj, const char *key, fmt_json_need need, const char *list,
                        char *dst, size_t cap, lm_errinfo *err) {
    char v[32];
    lm_status rc = fmt_json_string_into(obj, key, "", need, false, v, sizeof v, err);
    if (rc != LM_OK) return rc;
    if (!v[0] && need == FMT_JSON_OPTIONAL) {
        dst[0] = '\0';
        return LM_OK;
    }
    size_t n = strlen(v);
    for (const char *p = list; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !strncmp(p, v, n)) {
            lm_strlcpy(dst, v, cap);
            return LM_OK;
        }
        p += len + (bar ? 1 : 0);
    }
    return lm_errinfo_set(err, LM_INVALID, key, "'%s' is not one of %s", v, list);
}

/* key: [{"sku", "qty"}], 1..STORE_RMA_LINES_MAX entries (optional: absent leaves *n 0). */
static lm_status lines_of(const cJSON *j, const char *key, fmt_json_need need, store_line *out,
                          size_t *n_out, lm_errinfo *err) {
    static const char *const keys[] = {"sku", "qty", NULL};
    const cJSON *arr = NULL;
    size_t n = 0;
    lm_status rc = fmt_json_array(j, key, "", need, STORE_RMA_LINES_MAX, &arr, &n, err);
    if (rc != LM_OK) return rc;
    if (!arr) {
        *n_out = 0;
        return LM_OK;
    }
    if (n == 0) return lm_errinfo_set(err, LM_INVALID, key, "must list at least one line");
    size_t i = 0;
    for (const cJSON *l = arr->child; l; l = l->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, key, i);
        if (!cJSON_IsObject(l))
            return lm_errinfo_set(err, LM_INVALID, path, "must be {\"sku\", \"qty\"}");
        memset(&out[i], 0, sizeof out[i]);
        if ((rc = fmt_json_only_keys(l, path, keys, err)) != LM_OK ||
            (rc = fmt_json_string_into(l, "sku", path, FMT_JSON_REQUIRED, false, out[i].sku,
                                       sizeof out[i].sku, err)) != LM_OK ||
            (rc = fmt_json_int(l, "qty", path, FMT_JSON_REQUIRED, 1, 1000000, &out[i].qty, err)) !=
                LM_OK)
            return rc;
        if (!out[i].sku[0]) {
            char f[FMT_JSON_PATH_MAX];
            fmt_json_path_key(f, path, "sku");
            return lm_errinfo_set(err, LM_INVALID, f, "must not be empty");
        }
    }
    *n_out = n;
    return LM_OK;
}

/* One end of a window: epoch seconds or an RFC 3339 time with a zone. */
static lm_status time_of(const cJSON *w, const char *key, int64_t *out, lm_errinfo *err) {
    char path[FMT_JSON_PATH_MAX];
    fmt_json_path_key(path, "pickup_window", key);
    const cJSON *v = fmt_json_get(w, key);
    int64_t t = 0;
    if (!v) return lm_errinfo_set(err, LM_INVALID, path, "is required");
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble) &&
        v->valuedouble >= 0 && v->valuedouble < 1e11) {
        *out = (int64_t)v->valuedouble;
        return LM_OK;
    }
    if (cJSON_IsString(v) && fmt_time_parse_rfc3339(v->valuestring, &t) && t >= 0 &&
        t < INT64_C(100000000000)) {
        *out = t;
        return LM_OK;
    }
    return lm_errinfo_set(err, LM_INVALID, path,
                          "must be epoch seconds or an RFC 3339 time with a zone");
}

static lm_status window_of(const cJSON *j, store_window *out, lm_errinfo *err) {
    static const char *const keys[] = {"start", "end", NULL};
    const cJSON *w = fmt_json_get(j, "pickup_window");
    if (!w || cJSON_IsNull(w)) return LM_OK;
    store_window v = {0};
    lm_status rc = fmt_json_require_object(w, "pickup_window", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(w, "pickup_window", keys, err);
    if (rc == LM_OK) rc = time_of(w, "start", &v.start_s, err);
    if (rc == LM_OK) rc = time_of(w, "end", &v.end_s, err);
    if (rc != LM_OK) return rc;
    if (v.start_s >= v.end_s)
        return lm_errinfo_set(err, LM_INVALID, "pickup_window", "must end after it starts");
    *out = v;
    return LM_OK;
}

#define REASONS "changed_mind|damaged|defective|wrong_item|missing_item|late_delivery"

lm_status fmt_ret_request_from_json(const cJSON *j, bool staff, returns_request *out,
                                    lm_errinfo *err) {
    static const char *const keys_staff[] = {"order_id", "reason",        "method", "note",
                                             "lines",    "pickup_window", NULL};
    static const char *const keys_customer[] = {"reason", "method",        "note",
                                                "lines",  "pickup_window", NULL};
    returns_request *v = lm_calloc(1, sizeof *v);
    if (!v) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status rc = need_object(j, "a return request", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", staff ? keys_staff : keys_customer, err);
    if (rc == LM_OK && staff)
        rc =
            fmt_json_int(j, "order_id", "", FMT_JSON_REQUIRED, 1, INT64_MAX / 2, &v->order_id, err);
    if (rc == LM_OK)
        rc = one_of(j, "reason", FMT_JSON_REQUIRED, REASONS, v->reason, sizeof v->reason, err);
    if (rc == LM_OK)
        rc = one_of(j, "method", FMT_JSON_OPTIONAL, "pickup|dropoff", v->method, sizeof v->method,
                    err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(j, "note", "", FMT_JSON_OPTIONAL, true, v->note, sizeof v->note,
                                  err);
    if (rc == LM_OK) rc = lines_of(j, "lines", FMT_JSON_REQUIRED, v->lines, &v->n_lines, err);
    if (rc == LM_OK) rc = window_of(j, &v->pickup_window, err);
    if (rc == LM_OK) *out = *v;
    lm_free(v);
    return rc;
}

lm_status fmt_ret_refuse_from_json(const cJSON *j, char reason[STORE_RMA_NOTE_MAX + 1],
                                   lm_errinfo *err) {
    static const char *const keys[] = {"reason", NULL};
    char v[STORE_RMA_NOTE_MAX + 1];
    lm_status rc = need_object(j, "a refusal", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(j, "reason", "", FMT_JSON_REQUIRED, true, v, sizeof v, err);
    if (rc == LM_OK && !v[0]) rc = lm_errinfo_set(err, LM_INVALID, "reason", "must not be empty");
    if (rc == LM_OK) lm_strlcpy(reason, v, STORE_RMA_NOTE_MAX + 1);
    return rc;
}

lm_status fmt_ret_inspect_from_json(const cJSON *j, fmt_ret_inspection *out, lm_errinfo *err) {
    static const char *const keys[] = {"line", "condition", "note", NULL};
    fmt_ret_inspection v;
    memset(&v, 0, sizeof v);
    int64_t line = 0;
    lm_status rc = need_object(j, "an inspection", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "line", "", FMT_JSON_REQUIRED, 0, STORE_RMA_LINES_MAX - 1, &line, err);
    if (rc == LM_OK)
        rc = one_of(j, "condition", FMT_JSON_REQUIRED, "resellable|damaged|defective", v.condition,
                    sizeof v.condition, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(j, "note", "", FMT_JSON_OPTIONAL, true, v.note, sizeof v.note,
                                  err);
    if (rc != LM_OK) return rc;
    v.line = (size_t)line;
    *out = v;
    return LM_OK;
}

lm_status fmt_ret_refund_from_json(const cJSON *j, int64_t *amount, lm_errinfo *err) {
    static const char *const keys[] = {"amount", NULL};
    int64_t a = 0;
    if (!j) {
        *amount = 0;
        return LM_OK;
    }
    lm_status rc = need_object(j, "a refund", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "amount", "", FMT_JSON_OPTIONAL, 1, INT64_MAX / 4, &a, err);
    if (rc == LM_OK) *amount = a;
    return rc;
}

lm_status fmt_ret_case_from_json(const cJSON *j, returns_case_in *out, lm_errinfo *err) {
    static const char *const keys[] = {"order_id", "kind",  "resolution", "note",
                                       "lines",    "right", NULL};
    returns_case_in *v = lm_calloc(1, sizeof *v);
    if (!v) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status rc = need_object(j, "an after-sales case", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK)
        rc =
            fmt_json_int(j, "order_id", "", FMT_JSON_REQUIRED, 1, INT64_MAX / 2, &v->order_id, err);
    if (rc == LM_OK)
        rc = one_of(j, "kind", FMT_JSON_REQUIRED, "missing|wrong_item|damaged", v->kind,
                    sizeof v->kind, err);
    if (rc == LM_OK)
        rc = one_of(j, "resolution", FMT_JSON_OPTIONAL, "reship|refund|return|pending",
                    v->resolution, sizeof v->resolution, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(j, "note", "", FMT_JSON_OPTIONAL, true, v->note, sizeof v->note,
                                  err);
    if (rc == LM_OK) rc = lines_of(j, "lines", FMT_JSON_REQUIRED, v->lines, &v->n_lines, err);
    if (rc == LM_OK) rc = lines_of(j, "right", FMT_JSON_OPTIONAL, v->right, &v->n_right, err);
    if (rc == LM_OK && !strcmp(v->kind, "wrong_item") && !v->n_right)
        rc = lm_errinfo_set(err, LM_INVALID, "right",
                            "a wrong_item case names what should have come");
    if (rc == LM_OK && strcmp(v->kind, "wrong_item") && v->n_right)
        rc = lm_errinfo_set(err, LM_INVALID, "right", "only a wrong_item case has right lines");
    if (rc == LM_OK) *out = *v;
    lm_free(v);
    return rc;
}

lm_status fmt_ret_resolve_from_json(const cJSON *j, char resolution[16], lm_errinfo *err) {
    static const char *const keys[] = {"resolution", NULL};
    char v[16] = "";
    if (!j) {
        resolution[0] = '\0';
        return LM_OK;
    }
    lm_status rc = need_object(j, "a resolution", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK)
        rc = one_of(j, "resolution", FMT_JSON_OPTIONAL, "reship|refund|return", v, sizeof v, err);
    if (rc == LM_OK) lm_strlcpy(resolution, v, 16);
    return rc;
}

/* ---- The policy ---- */

/* key: an array of reason names into a bit mask (absent: *mask untouched). */
static lm_status reasons_of(const cJSON *obj, const char *key, const char *parent, uint32_t *mask,
                            lm_errinfo *err) {
    const cJSON *arr = NULL;
    size_t n = 0;
    char base[FMT_JSON_PATH_MAX];
    fmt_json_path_key(base, parent, key);
    lm_status rc =
        fmt_json_array(obj, key, parent, FMT_JSON_OPTIONAL, RETURNS_REASON_COUNT, &arr, &n, err);
    if (rc != LM_OK || !arr) return rc;
    uint32_t bits = 0;
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, base, i);
        returns_reason r;
        if (!cJSON_IsString(e) || !returns_reason_parse(e->valuestring, &r))
            return lm_errinfo_set(err, LM_INVALID, path, "must be one of %s", REASONS);
        if (bits & (1u << r)) return lm_errinfo_set(err, LM_INVALID, path, "is listed twice");
        bits |= 1u << r;
    }
    *mask = bits;
    return LM_OK;
}

static lm_status windows_of(const cJSON *j, returns_policy *p, lm_errinfo *err) {
    static const char *const keys[] = {"kind", "key", "days", NULL};
    const cJSON *arr = NULL;
    size_t n = 0;
    lm_status rc = fmt_json_array(j, "windows", "", FMT_JSON_OPTIONAL, STORE_RETURN_WINDOWS_MAX,
                                  &arr, &n, err);
    if (rc != LM_OK || !arr) return rc;
    size_t i = 0;
    for (const cJSON *w = arr->child; w; w = w->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "windows", i);
        store_return_window *x = &p->windows[i];
        memset(x, 0, sizeof *x);
        if ((rc = fmt_json_require_object(w, path, err)) != LM_OK ||
            (rc = fmt_json_only_keys(w, path, keys, err)) != LM_OK ||
            (rc = fmt_json_string_into(w, "kind", path, FMT_JSON_REQUIRED, false, x->kind,
                                       sizeof x->kind, err)) != LM_OK ||
            (rc = fmt_json_string_into(w, "key", path, FMT_JSON_REQUIRED, false, x->key,
                                       sizeof x->key, err)) != LM_OK ||
            (rc = fmt_json_int(w, "days", path, FMT_JSON_REQUIRED, 0, 3650, &x->days, err)) !=
                LM_OK)
            return rc;
    }
    p->n_windows = n;
    return LM_OK;
}

static lm_status auto_approve_of(const cJSON *j, returns_policy *p, lm_errinfo *err) {
    static const char *const keys[] = {"reasons", "max_value", NULL};
    const cJSON *a = fmt_json_get(j, "auto_approve");
    if (!a) return LM_OK;
    lm_status rc = fmt_json_require_object(a, "auto_approve", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(a, "auto_approve", keys, err);
    if (rc == LM_OK)
        rc = reasons_of(a, "reasons", "auto_approve", &p->rules.auto_approve_mask, err);
    if (rc == LM_OK)
        rc = fmt_json_int(a, "max_value", "auto_approve", FMT_JSON_OPTIONAL, 0, INT64_MAX / 4,
                          &p->rules.auto_approve_max_value, err);
    return rc;
}

lm_status fmt_ret_policy_from_json(const cJSON *j, const returns_policy *base, returns_policy *out,
                                   lm_errinfo *err) {
    static const char *const keys[] = {"default_window_days",
                                       "windows",
                                       "reasons",
                                       "auto_approve",
                                       "payer",
                                       "offer_pickup",
                                       "offer_dropoff",
                                       "refund_rule",
                                       "return_shipping_fee",
                                       "quality_threshold",
                                       "quality_window_days",
                                       "wrong_item",
                                       "damaged",
                                       NULL};
    returns_policy *v = lm_calloc(1, sizeof *v);
    if (!v) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    *v = *base;
    store_return_config *c = &v->rules;
    char s[16];
    lm_status rc = need_object(j, "the return policy", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK && !j->child)
        rc = lm_errinfo_set(err, LM_INVALID, "body", "give at least one member");
    if (rc == LM_OK)
        rc = fmt_json_int(j, "default_window_days", "", FMT_JSON_OPTIONAL, 0, 3650,
                          &c->default_window_days, err);
    if (rc == LM_OK) rc = windows_of(j, v, err);
    if (rc == LM_OK) rc = reasons_of(j, "reasons", "", &c->reasons_mask, err);
    if (rc == LM_OK) rc = auto_approve_of(j, v, err);
    if (rc == LM_OK && fmt_json_get(j, "payer") &&
        (rc = one_of(j, "payer", FMT_JSON_REQUIRED, "customer|merchant", s, sizeof s, err)) ==
            LM_OK)
        lm_strlcpy(c->payer, s, sizeof c->payer);
    if (rc == LM_OK)
        rc = fmt_json_bool(j, "offer_pickup", "", FMT_JSON_OPTIONAL, &c->offer_pickup, err);
    if (rc == LM_OK)
        rc = fmt_json_bool(j, "offer_dropoff", "", FMT_JSON_OPTIONAL, &c->offer_dropoff, err);
    if (rc == LM_OK && fmt_json_get(j, "refund_rule") &&
        (rc = one_of(j, "refund_rule", FMT_JSON_REQUIRED, "full|minus_shipping|store_credit", s,
                     sizeof s, err)) == LM_OK)
        lm_strlcpy(c->refund_rule, s, sizeof c->refund_rule);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "return_shipping_fee", "", FMT_JSON_OPTIONAL, 0, INT64_MAX / 4,
                          &c->return_shipping_fee, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "quality_threshold", "", FMT_JSON_OPTIONAL, 0, 1000000,
                          &c->quality_threshold, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "quality_window_days", "", FMT_JSON_OPTIONAL, 0, 3650,
                          &c->quality_window_days, err);
    if (rc == LM_OK && fmt_json_get(j, "wrong_item") &&
        (rc = one_of(j, "wrong_item", FMT_JSON_REQUIRED, "pickup|keep", s, sizeof s, err)) == LM_OK)
        lm_strlcpy(c->wrong_item, s, sizeof c->wrong_item);
    if (rc == LM_OK && fmt_json_get(j, "damaged") &&
        (rc = one_of(j, "damaged", FMT_JSON_REQUIRED, "reship|refund|return", s, sizeof s, err)) ==
            LM_OK)
        lm_strlcpy(c->damaged, s, sizeof c->damaged);
    if (rc == LM_OK) *out = *v;
    lm_free(v);
    return rc;
}
