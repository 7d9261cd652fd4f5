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
    if (!cJSON_IsObject(r->json))
        return http_error(r, LM_INVALID, "body", "expected a JSON object {\"role\": ...}");
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(r->json, "role");
    const cJSON *driver = cJSON_GetObjectItemCaseSensitive(r->json, "driver_id");
    if (!cJSON_IsString(role))
        return http_error(r, LM_INVALID, "role",
                          "role is required: admin, dispatcher, warehouse or driver");
    if (driver && !cJSON_IsNull(driver) && !cJSON_IsString(driver))
        return http_error(r, LM_INVALID, "driver_id", "driver_id must be a string");
    const char *driver_id = cJSON_IsString(driver) ? driver->valuestring : NULL;
    char key[STORE_KEY_MAX];
    store_key_info info;
    lm_status rc =
        store_key_create(api_store(r), role->valuestring, driver_id, key, &info, &r->err);
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
