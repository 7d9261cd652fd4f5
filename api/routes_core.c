/* api/routes_core.c: handlers of the core routes that are not about one business area: who am I,
 * API key creation, and reading the event log. */
#include "api/app.h"
#include "api/routes_driver.h"

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

lm_status api__events_list(http_req *r) {
    /* dashboards ask for a live stream (api/sse.c); anything else gets the JSON page */
    if (api__wants_event_stream(r)) return api__events_stream(r);
    int64_t after = 0, limit = 100;
    const char *q = http_query(r, "after");
    if (q && !lm_parse_i64(q, 0, INT64_MAX, &after))
        return http_error(r, LM_INVALID, "after", "after must be an event seq >= 0");
    q = http_query(r, "limit");
    if (q && !lm_parse_i64(q, 1, 1000, &limit))
        return http_error(r, LM_INVALID, "limit", "limit must be 1..1000");
    store_read *rd = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "the store is not available");
    rc = store_events_since(rd, after, (size_t)limit, &ev, &n);
    store_read_end(rd);
    if (rc != LM_OK) return http_error(r, rc, "", "could not read the event log");
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "events");
    int64_t last = after;
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "seq", (double)ev[i].seq);
        cJSON_AddNumberToObject(e, "time_ms", (double)ev[i].time_ms);
        cJSON_AddStringToObject(e, "type", ev[i].type);
        cJSON_AddStringToObject(e, "entity", ev[i].entity);
        if (ev[i].entity_id)
            cJSON_AddStringToObject(e, "entity_id", ev[i].entity_id);
        else
            cJSON_AddNullToObject(e, "entity_id");
        /* payloads were checked as JSON on the way in */
        cJSON *payload = cJSON_Parse(ev[i].payload_json);
        cJSON_AddItemToObject(e, "payload", payload ? payload : cJSON_CreateObject());
        cJSON_AddItemToArray(arr, e);
        last = ev[i].seq;
    }
    cJSON_AddNumberToObject(o, "next_after", (double)last);
    store_events_free(ev, n);
    return http_reply_json(r, 200, o);
}
