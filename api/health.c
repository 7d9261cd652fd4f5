/* api/health.c: GET /healthz (the server and its store answer; the routing engine is asked
 * whether it answers), GET /v1/map/config (the basemap the web pages draw) and GET
 * /openapi.json. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "geo/geo.h"

#include "common/leader.h"

#define PROBE_TIMEOUT_MS 1500

/* The router's entries; an engine that does not answer leaves the server healthy (its cells are
 * estimated) but says so. */
static cJSON *router_json(geo_router *rt) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "spec", rt ? geo_router_describe(rt) : "geodesic");
    cJSON *arr = cJSON_AddArrayToObject(o, "engines");
    bool all = true;
    size_t n = rt ? geo_router_count(rt) : 0;
    for (size_t i = 0; i < n; i++) {
        geo_router_status s;
        geo_router_status_get(rt, i, true, PROBE_TIMEOUT_MS, &s);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "profile", s.profile[0] ? s.profile : "*");
        cJSON_AddStringToObject(e, "kind", s.kind);
        if (s.url[0]) cJSON_AddStringToObject(e, "url", s.url);
        cJSON_AddBoolToObject(e, "answers", s.answers);
        cJSON_AddStringToObject(e, "detail", s.detail);
        cJSON_AddStringToObject(e, "breaker", geo_breaker_state_name(s.health.state));
        cJSON_AddItemToArray(arr, e);
        all &= s.answers;
    }
    cJSON_AddBoolToObject(o, "answers", all);
    return o;
}

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
    cJSON_AddBoolToObject(o, "leader", lm_leader()); /* several nodes: which runs dispatch */
    cJSON_AddItemToObject(o, "router", router_json(api_app_of(r)->router));
    return http_reply_json(r, 200, o);
}

lm_status api__map_config(http_req *r) {
    const api_app *app = api_app_of(r);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "tiles", app->tiles_url);
    cJSON_AddStringToObject(o, "attribution", app->tiles_attribution);
    cJSON_AddStringToObject(o, "router",
                            app->router ? geo_router_describe(app->router) : "geodesic");
    cJSON_AddBoolToObject(o, "roads", app->router && !geo_router_is_geodesic(app->router));
    return http_reply_json(r, 200, o);
}

lm_status api__openapi(http_req *r) {
    cJSON *doc = http_openapi_build(http_req_app(r));
    if (!doc) return http_error(r, LM_INTERNAL, "", "a route's OpenAPI schema text is invalid");
    return http_reply_json(r, 200, doc);
}
