/* api/keys.c: GET /v1/whoami, POST /v1/keys (the key is shown only in that reply), GET /v1/keys
 * (ids and prefixes, never secrets) and DELETE /v1/keys/{id} (revocation, effective at once). */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"

#include <stdio.h>
#include <string.h>

lm_status api__whoami(http_req *r) {
    static const char *const names[] = {"admin", "dispatcher", "warehouse", "driver"};
    const char *role = "";
    for (unsigned i = 0; i < 4; i++)
        if (r->role == 1u << i) role = names[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key_id", r->key_id);
    cJSON_AddStringToObject(o, "role", role);
    if (r->subject[0])
        cJSON_AddStringToObject(o, "driver_id", r->subject);
    else
        cJSON_AddNullToObject(o, "driver_id");
    return http_reply_json(r, 200, o);
}

lm_status api__keys_create(http_req *r) {
    static const char *const keys[] = {"role", "driver_id", NULL};
    const char *role = NULL, *driver_id = NULL;
    lm_status rc;
    if ((rc = api__body(r, FMT_JSON_REQUIRED)) != LM_OK ||
        (rc = api__only_keys(r, r->json, keys)) != LM_OK)
        return rc;
    if (fmt_json_string(r->json, "role", "", FMT_JSON_REQUIRED, 32, &role, &r->err) != LM_OK)
        return http_error(r, LM_INVALID, "role",
                          "role is required: admin, dispatcher, warehouse or driver");
    if (!cJSON_IsNull(fmt_json_get(r->json, "driver_id")) &&
        (rc = fmt_json_string(r->json, "driver_id", "", FMT_JSON_OPTIONAL, 64, &driver_id,
                              &r->err)) != LM_OK)
        return rc;
    char key[STORE_KEY_MAX];
    store_key_info info;
    rc = store_key_create(api_store(r), role, driver_id, key, &info, &r->err);
    if (rc != LM_OK) {
        if (!strcmp(r->err.field, "driver")) lm_strlcpy(r->err.field, "driver_id", 96);
        return rc;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", key);
    cJSON_AddStringToObject(o, "key_id", info.id);
    cJSON_AddStringToObject(o, "role", info.role);
    if (info.driver_id[0])
        cJSON_AddStringToObject(o, "driver_id", info.driver_id);
    else
        cJSON_AddNullToObject(o, "driver_id");
    memset(key, 0, sizeof key);
    return http_reply_json(r, 201, o);
}

lm_status api__keys_list(http_req *r) {
    store_read *rd = NULL;
    store_key_row *rows = NULL;
    size_t n = 0;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "the key store is not available");
    rc = store_keys_list(rd, &rows, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "keys");
    for (size_t i = 0; list && i < n; i++) {
        const store_key_row *k = &rows[i];
        cJSON *e = cJSON_CreateObject();
        char prefix[STORE_KEY_ID_LEN + 8];
        snprintf(prefix, sizeof prefix, "lm_%s_", k->info.id);
        cJSON_AddStringToObject(e, "key_id", k->info.id);
        cJSON_AddStringToObject(e, "prefix", prefix);
        cJSON_AddStringToObject(e, "role", k->info.role);
        if (k->info.driver_id[0])
            cJSON_AddStringToObject(e, "driver_id", k->info.driver_id);
        else
            cJSON_AddNullToObject(e, "driver_id");
        cJSON_AddNumberToObject(e, "created_ms", (double)k->info.created_ms);
        if (k->revoked_ms)
            cJSON_AddNumberToObject(e, "revoked_ms", (double)k->revoked_ms);
        else
            cJSON_AddNullToObject(e, "revoked_ms");
        /* not recorded: writing on every request would make the key check a write */
        cJSON_AddNullToObject(e, "last_used_ms");
        cJSON_AddItemToArray(list, e);
    }
    lm_free(rows);
    return http_reply_json(r, 200, o);
}

lm_status api__keys_revoke(http_req *r) {
    /* api__auth_key checks keys through the store's key cache, which this commit empties
     * before it returns: the commit below is the moment the key stops working */
    return store_key_revoke(api_store(r), http_param(r, "id"), &r->err);
}
