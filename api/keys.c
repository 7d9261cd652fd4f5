/* api/keys.c: GET /v1/whoami and POST /v1/keys (the key is shown only in that reply). */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"

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
