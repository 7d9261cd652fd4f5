/* api/formats/config_json.c: PUT /v1/config/orders bodies (api/formats/config_json.h), on the
 * project's one family of JSON readers (api/formats/json.h). */
#include "api/formats/config_json.h"

#include "api/formats/json.h"

#include <stdio.h>
#include <string.h>

static lm_status rules(const cJSON *j, orders_config *c, lm_errinfo *err) {
    static const char *const names[] = {"required_fields", "service_area", "duplicate",
                                        "blacklist",       "oversize",     NULL};
    bool *flags[] = {&c->rules.rule_required, &c->rules.rule_service_area, &c->rules.rule_duplicate,
                     &c->rules.rule_blacklist, &c->rules.rule_oversize};
    const cJSON *rs = fmt_json_get(j, "rules");
    if (!rs) return LM_OK;
    lm_status rc;
    if (!cJSON_IsObject(rs))
        return lm_errinfo_set(err, LM_INVALID, "rules", "must be an object of booleans");
    if ((rc = fmt_json_only_keys(rs, "rules", names, err)) != LM_OK) return rc;
    for (size_t i = 0; names[i]; i++)
        if ((rc = fmt_json_bool(rs, names[i], "rules", FMT_JSON_OPTIONAL, flags[i], err)) != LM_OK)
            return rc;
    return LM_OK;
}

/* An array item at path as a string of at most max bytes, UTF-8 without control characters. */
static lm_status string_item(const cJSON *e, const char *path, size_t max, lm_errinfo *err) {
    if (!cJSON_IsString(e)) return lm_errinfo_set(err, LM_INVALID, path, "must be a string");
    size_t len = strlen(e->valuestring);
    if (len > max) return lm_errinfo_set(err, LM_TOO_BIG, path, "is longer than %zu bytes", max);
    if (!fmt_json_utf8_ok(e->valuestring, len, false))
        return lm_errinfo_set(err, LM_INVALID, path, "must be UTF-8 without control characters");
    return LM_OK;
}

static lm_status required_fields(const cJSON *j, orders_config *c, lm_errinfo *err) {
    const cJSON *arr = NULL;
    size_t n = 0;
    lm_status rc = fmt_json_array(j, "required_fields", "", FMT_JSON_OPTIONAL, 64, &arr, &n, err);
    if (rc != LM_OK || !arr) return rc;
    char out[sizeof c->rules.required_fields] = "";
    size_t i = 0, used = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "required_fields", i);
        if ((rc = string_item(e, path, 64, err)) != LM_OK) return rc;
        if (strchr(e->valuestring, ','))
            return lm_errinfo_set(err, LM_INVALID, path, "must be a field name (no comma)");
        size_t len = strlen(e->valuestring) + (i ? 1 : 0);
        if (used + len >= sizeof out)
            return lm_errinfo_set(err, LM_TOO_BIG, "required_fields",
                                  "the names take more than %zu bytes", sizeof out - 1);
        used +=
            (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? "," : "", e->valuestring);
    }
    lm_strlcpy(c->rules.required_fields, out, sizeof c->rules.required_fields);
    return LM_OK;
}

static lm_status channels(const cJSON *j, orders_config *c, lm_errinfo *err) {
    const cJSON *ch = fmt_json_get(j, "channel_out_of_stock");
    if (!ch) return LM_OK;
    if (!cJSON_IsObject(ch))
        return lm_errinfo_set(err, LM_INVALID, "channel_out_of_stock",
                              "must be an object {channel: policy}");
    size_t n = (size_t)cJSON_GetArraySize(ch);
    if (n > FMT_CONFIG_MAX_LIST)
        return lm_errinfo_set(err, LM_TOO_BIG, "channel_out_of_stock", "at most %d channels",
                              FMT_CONFIG_MAX_LIST);
    lm_free(c->channels);
    c->channels = n ? lm_calloc(n, sizeof *c->channels) : NULL;
    c->n_channels = 0;
    if (n && !c->channels) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    for (const cJSON *it = ch->child; it; it = it->next) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_key(path, "channel_out_of_stock", it->string ? it->string : "");
        size_t klen = it->string ? strlen(it->string) : 0;
        if (!klen || klen > STORE_ID_MAX || !fmt_json_utf8_ok(it->string, klen, false))
            return lm_errinfo_set(err, LM_INVALID, path,
                                  "the channel name must hold 1..%d bytes of UTF-8, no control "
                                  "characters",
                                  STORE_ID_MAX);
        if (!cJSON_IsString(it) || strlen(it->valuestring) >= sizeof c->channels[0].oos_policy)
            return lm_errinfo_set(err, LM_INVALID, path,
                                  "must be one of cancel, backorder, substitute");
        store_channel_policy *p = &c->channels[c->n_channels++];
        lm_strlcpy(p->channel, it->string, sizeof p->channel);
        lm_strlcpy(p->oos_policy, it->valuestring, sizeof p->oos_policy);
    }
    return LM_OK;
}

static lm_status blacklist(const cJSON *j, orders_config *c, lm_errinfo *err) {
    static const char *const kinds[] = {"phone", "email", "address", NULL};
    const cJSON *bl = fmt_json_get(j, "blacklist");
    if (!bl) return LM_OK;
    if (!cJSON_IsObject(bl))
        return lm_errinfo_set(err, LM_INVALID, "blacklist",
                              "must be {\"phone\": [...], \"email\": [...], \"address\": [...]}");
    lm_status rc = fmt_json_only_keys(bl, "blacklist", kinds, err);
    if (rc != LM_OK) return rc;
    size_t total = 0;
    for (const cJSON *it = bl->child; it; it = it->next) {
        const cJSON *arr = NULL;
        size_t n = 0;
        if ((rc = fmt_json_array(bl, it->string, "blacklist", FMT_JSON_REQUIRED,
                                 FMT_CONFIG_MAX_LIST, &arr, &n, err)) != LM_OK)
            return rc;
        total += n;
    }
    if (total > FMT_CONFIG_MAX_LIST)
        return lm_errinfo_set(err, LM_TOO_BIG, "blacklist", "at most %d entries",
                              FMT_CONFIG_MAX_LIST);
    lm_free(c->blacklist);
    c->blacklist = total ? lm_calloc(total, sizeof *c->blacklist) : NULL;
    c->n_blacklist = 0;
    if (total && !c->blacklist) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    for (const cJSON *it = bl->child; it; it = it->next) {
        char kpath[FMT_JSON_PATH_MAX];
        fmt_json_path_key(kpath, "blacklist", it->string);
        size_t i = 0;
        for (const cJSON *e = it->child; e; e = e->next, i++) {
            char path[FMT_JSON_PATH_MAX];
            fmt_json_path_index(path, kpath, i);
            if ((rc = string_item(e, path, STORE_ADDRESS_MAX, err)) != LM_OK) return rc;
            store_blacklist_entry *d = &c->blacklist[c->n_blacklist++];
            lm_strlcpy(d->kind, it->string, sizeof d->kind);
            lm_strlcpy(d->value, e->valuestring, sizeof d->value);
        }
    }
    return LM_OK;
}

lm_status fmt_orders_config_merge(const cJSON *j, orders_config *c, lm_errinfo *err) {
    static const char *const keys[] = {"rules",
                                       "required_fields",
                                       "duplicate_window_s",
                                       "max_weight_g",
                                       "max_volume_cm3",
                                       "default_out_of_stock",
                                       "channel_out_of_stock",
                                       "blacklist",
                                       "service_area",
                                       "money", /* the money settings: fmt_money_config_from_json */
                                       NULL};
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK || (rc = rules(j, c, err)) != LM_OK ||
        (rc = required_fields(j, c, err)) != LM_OK ||
        (rc = fmt_json_int(j, "duplicate_window_s", "", FMT_JSON_OPTIONAL, 0, 30 * 86400,
                           &c->rules.duplicate_window_s, err)) != LM_OK ||
        (rc = fmt_json_int(j, "max_weight_g", "", FMT_JSON_OPTIONAL, 0, INT64_C(1) << 40,
                           &c->rules.max_weight_g, err)) != LM_OK ||
        (rc = fmt_json_int(j, "max_volume_cm3", "", FMT_JSON_OPTIONAL, 0, INT64_C(1) << 40,
                           &c->rules.max_volume_cm3, err)) != LM_OK)
        return rc;
    if (fmt_json_get(j, "default_out_of_stock") &&
        (rc = fmt_json_string_into(j, "default_out_of_stock", "", FMT_JSON_REQUIRED, false,
                                   c->rules.default_oos, sizeof c->rules.default_oos, err)) !=
            LM_OK)
        return rc;
    if ((rc = channels(j, c, err)) != LM_OK || (rc = blacklist(j, c, err)) != LM_OK) return rc;
    const cJSON *area = fmt_json_get(j, "service_area");
    if (area) {
        if (!cJSON_IsNull(area) && !cJSON_IsObject(area))
            return lm_errinfo_set(err, LM_INVALID, "service_area",
                                  "must be a GeoJSON Polygon, MultiPolygon or Feature, or null");
        lm_free(c->service_area);
        c->service_area = cJSON_IsNull(area) ? lm_strdup("") : cJSON_PrintUnformatted(area);
        if (!c->service_area) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    }
    return LM_OK;
}
