/* api/health.c: GET /healthz (the server and its store answer) and GET /openapi.json. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"

lm_status api__healthz(http_req *r) {
    /* healthy = the store answers a read */
    store_read *rd = NULL;
    int64_t keys = 0;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc == LM_OK) rc = store_keys_count(rd, &keys);
    store_read_end(rd);
    if (rc != LM_OK) return http_error(r, LM_UNAVAILABLE, "store", "the store does not answer");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "version", LASTMILE_VERSION);
    return http_reply_json(r, 200, o);
}

lm_status api__openapi(http_req *r) {
    cJSON *doc = http_openapi_build(http_req_app(r));
    if (!doc) return http_error(r, LM_INTERNAL, "", "a route's OpenAPI schema text is invalid");
    return http_reply_json(r, 200, doc);
}
