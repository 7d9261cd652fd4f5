/* api/order_config.c: GET and PUT /v1/config/orders: audit rules, out-of-stock policies, blacklist,
 * service area. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/orders.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static cJSON *config_json(const orders_config *c) {
    cJSON *j = cJSON_CreateObject();
    cJSON *rules = cJSON_AddObjectToObject(j, "rules");
    cJSON_AddBoolToObject(rules, "required_fields", c->rules.rule_required);
    cJSON_AddBoolToObject(rules, "service_area", c->rules.rule_service_area);
    cJSON_AddBoolToObject(rules, "duplicate", c->rules.rule_duplicate);
    cJSON_AddBoolToObject(rules, "blacklist", c->rules.rule_blacklist);
    cJSON_AddBoolToObject(rules, "oversize", c->rules.rule_oversize);
    cJSON *rf = cJSON_AddArrayToObject(j, "required_fields");
    for (const char *p = c->rules.required_fields; *p;) {
        size_t len = strcspn(p, ", ");
        if (len) {
            char name[64];
            lm_strlcpy(name, p, len + 1 < sizeof name ? len + 1 : sizeof name);
            cJSON_AddItemToArray(rf, cJSON_CreateString(name));
        }
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    cJSON_AddNumberToObject(j, "duplicate_window_s", (double)c->rules.duplicate_window_s);
    cJSON_AddNumberToObject(j, "max_weight_g", (double)c->rules.max_weight_g);
    cJSON_AddNumberToObject(j, "max_volume_cm3", (double)c->rules.max_volume_cm3);
    cJSON_AddStringToObject(j, "default_out_of_stock",
                            c->rules.default_oos[0] ? c->rules.default_oos : "backorder");
    cJSON *ch = cJSON_AddObjectToObject(j, "channel_out_of_stock");
    for (size_t i = 0; i < c->n_channels; i++)
        cJSON_AddStringToObject(ch, c->channels[i].channel, c->channels[i].oos_policy);
    cJSON *bl = cJSON_AddObjectToObject(j, "blacklist");
    static const char *const kinds[] = {"phone", "email", "address"};
    for (int k = 0; k < 3; k++) {
        cJSON *a = cJSON_AddArrayToObject(bl, kinds[k]);
        for (size_t i = 0; i < c->n_blacklist; i++)
            if (!strcmp(c->blacklist[i].kind, kinds[k]))
                cJSON_AddItemToArray(a, cJSON_CreateString(c->blacklist[i].value));
    }
    cJSON *area = c->service_area && c->service_area[0] ? cJSON_Parse(c->service_area) : NULL;
    cJSON_AddItemToObject(j, "service_area", area ? area : cJSON_CreateNull());
    return j;
}

static lm_status handle_orders_config_get(http_req *r, orders_svc *o) {
    orders_config c;
    lm_status rc = orders_config_get(o, &c, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *j = config_json(&c);
    orders_config_clear(&c);
    return http_reply_json(r, 200, j);
}

lm_status api__orders_config_get(http_req *r) {
    return api__with_orders(r, handle_orders_config_get);
}

#define CONFIG_MAX_LIST 10000

/* Merges the keys present in body onto *c (absent keys keep their current value). Lists are
 * allocated into *c (freed by orders_config_clear). */
static lm_status config_merge(http_req *r, const cJSON *j, orders_config *c) {
    lm_status rc = api__need_object(r, j, "object (the orders configuration)");
    if (rc != LM_OK) return rc;
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(j, "rules");
    if (rules) {
        if (!cJSON_IsObject(rules))
            return http_error(r, LM_INVALID, "rules", "rules must be an object of booleans");
        static const char *const names[] = {"required_fields", "service_area", "duplicate",
                                            "blacklist", "oversize"};
        bool *flags[] = {&c->rules.rule_required, &c->rules.rule_service_area,
                         &c->rules.rule_duplicate, &c->rules.rule_blacklist,
                         &c->rules.rule_oversize};
        const cJSON *it;
        cJSON_ArrayForEach(it, rules) {
            int k = -1;
            for (int i = 0; i < 5; i++)
                if (!strcmp(it->string, names[i])) k = i;
            char path[96];
            snprintf(path, sizeof path, "rules.%.60s", it->string);
            if (k < 0) return http_error(r, LM_INVALID, path, "unknown audit rule");
            if (!cJSON_IsBool(it)) return http_error(r, LM_INVALID, path, "must be a boolean");
            *flags[k] = cJSON_IsTrue(it);
        }
    }
    const cJSON *rf = cJSON_GetObjectItemCaseSensitive(j, "required_fields");
    if (rf) {
        if (!cJSON_IsArray(rf))
            return http_error(r, LM_INVALID, "required_fields", "must be an array of names");
        lm_buf b;
        lm_buf_init(&b, sizeof c->rules.required_fields - 1);
        const cJSON *it;
        int i = 0;
        cJSON_ArrayForEach(it, rf) {
            if (!cJSON_IsString(it) ||
                lm_buf_printf(&b, "%s%s", i++ ? "," : "", it->valuestring) != LM_OK) {
                lm_buf_free(&b);
                return http_error(r, LM_INVALID, "required_fields",
                                  "must be a short array of field names");
            }
        }
        lm_strlcpy(c->rules.required_fields, b.data ? b.data : "", sizeof c->rules.required_fields);
        lm_buf_free(&b);
    }
    bool has = false;
    int64_t v;
    if ((rc = api__json_int(r, j, "duplicate_window_s", "duplicate_window_s", 0, 30 * 86400, false,
                            &v, &has)) != LM_OK)
        return rc;
    if (has) c->rules.duplicate_window_s = v;
    if ((rc = api__json_int(r, j, "max_weight_g", "max_weight_g", 0, INT64_C(1) << 40, false, &v,
                            &has)) != LM_OK)
        return rc;
    if (has) c->rules.max_weight_g = v;
    if ((rc = api__json_int(r, j, "max_volume_cm3", "max_volume_cm3", 0, INT64_C(1) << 40, false,
                            &v, &has)) != LM_OK)
        return rc;
    if (has) c->rules.max_volume_cm3 = v;
    if (cJSON_GetObjectItemCaseSensitive(j, "default_out_of_stock") &&
        (rc = api__json_str(r, j, "default_out_of_stock", "default_out_of_stock",
                            c->rules.default_oos, sizeof c->rules.default_oos, true)) != LM_OK)
        return rc;
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(j, "channel_out_of_stock");
    if (ch) {
        if (!cJSON_IsObject(ch))
            return http_error(r, LM_INVALID, "channel_out_of_stock",
                              "must be an object {channel: policy}");
        int n = cJSON_GetArraySize(ch);
        if (n > CONFIG_MAX_LIST)
            return http_error(r, LM_TOO_BIG, "channel_out_of_stock", "at most %d channels",
                              CONFIG_MAX_LIST);
        lm_free(c->channels);
        c->channels = n ? lm_calloc((size_t)n, sizeof *c->channels) : NULL;
        c->n_channels = 0;
        if (n && !c->channels) return http_error(r, LM_NOMEM, "", "out of memory");
        const cJSON *it;
        cJSON_ArrayForEach(it, ch) {
            char path[96];
            snprintf(path, sizeof path, "channel_out_of_stock.%.60s", it->string);
            if (!cJSON_IsString(it) || strlen(it->string) > STORE_ID_MAX ||
                strlen(it->valuestring) >= sizeof c->channels[0].oos_policy)
                return http_error(r, LM_INVALID, path,
                                  "must be one of cancel, backorder, substitute");
            lm_strlcpy(c->channels[c->n_channels].channel, it->string,
                       sizeof c->channels[0].channel);
            lm_strlcpy(c->channels[c->n_channels].oos_policy, it->valuestring,
                       sizeof c->channels[0].oos_policy);
            c->n_channels++;
        }
    }
    const cJSON *bl = cJSON_GetObjectItemCaseSensitive(j, "blacklist");
    if (bl) {
        if (!cJSON_IsObject(bl))
            return http_error(r, LM_INVALID, "blacklist",
                              "must be {\"phone\": [...], \"email\": [...], \"address\": [...]}");
        size_t total = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, bl) {
            char path[96];
            snprintf(path, sizeof path, "blacklist.%.60s", it->string);
            if (strcmp(it->string, "phone") && strcmp(it->string, "email") &&
                strcmp(it->string, "address"))
                return http_error(r, LM_INVALID, path, "kind must be phone, email or address");
            if (!cJSON_IsArray(it)) return http_error(r, LM_INVALID, path, "must be an array");
            total += (size_t)cJSON_GetArraySize(it);
        }
        if (total > CONFIG_MAX_LIST)
            return http_error(r, LM_TOO_BIG, "blacklist", "at most %d entries", CONFIG_MAX_LIST);
        lm_free(c->blacklist);
        c->blacklist = total ? lm_calloc(total, sizeof *c->blacklist) : NULL;
        c->n_blacklist = 0;
        if (total && !c->blacklist) return http_error(r, LM_NOMEM, "", "out of memory");
        cJSON_ArrayForEach(it, bl) {
            const cJSON *e;
            int i = 0;
            cJSON_ArrayForEach(e, it) {
                char path[96];
                snprintf(path, sizeof path, "blacklist.%s[%d]", it->string, i++);
                if (!cJSON_IsString(e) || strlen(e->valuestring) > STORE_ADDRESS_MAX)
                    return http_error(r, LM_INVALID, path, "must be a string of at most %d bytes",
                                      STORE_ADDRESS_MAX);
                store_blacklist_entry *d = &c->blacklist[c->n_blacklist++];
                lm_strlcpy(d->kind, it->string, sizeof d->kind);
                lm_strlcpy(d->value, e->valuestring, sizeof d->value);
            }
        }
    }
    const cJSON *area = cJSON_GetObjectItemCaseSensitive(j, "service_area");
    if (area) {
        lm_free(c->service_area);
        c->service_area = cJSON_IsNull(area) ? lm_strdup("") : cJSON_PrintUnformatted(area);
        if (!c->service_area) return http_error(r, LM_NOMEM, "", "out of memory");
    }
    return LM_OK;
}

static lm_status handle_orders_config_put(http_req *r, orders_svc *o) {
    orders_config c;
    lm_status rc = orders_config_get(o, &c, &r->err);
    if (rc != LM_OK) return rc;
    if ((rc = config_merge(r, r->json, &c)) == LM_OK &&
        (rc = orders_config_put(o, &c, &r->err)) == LM_OK) {
        orders_config_clear(&c);
        if ((rc = orders_config_get(o, &c, &r->err)) != LM_OK) return rc;
        cJSON *j = config_json(&c);
        orders_config_clear(&c);
        return http_reply_json(r, 200, j);
    }
    orders_config_clear(&c);
    return rc;
}

lm_status api__orders_config_put(http_req *r) {
    return api__with_orders(r, handle_orders_config_put);
}
