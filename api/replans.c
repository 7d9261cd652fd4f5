/* api/replans.c: POST /v1/replans (re-plan the remaining work now) and applying a proposal. */
#include "api/app.h"
#include "api/formats/plan_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"

/* A re-plan for a vehicle that does not exist is refused before it is queued. */
static lm_status vehicle_exists(http_req *r, const char *id) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    dispatch_vehicle v;
    lm_errinfo e = {0};
    rc = dispatch_vehicle_get(rd, id, &v, &e);
    store_read_end(rd);
    if (rc == LM_NOT_FOUND)
        return http_error(r, LM_INVALID, "vehicle_id", "no vehicle \"%.64s\"", id);
    if (rc != LM_OK) return http_error(r, rc, "vehicle_id", "the vehicle could not be read");
    return LM_OK;
}

lm_status api__replans_create(http_req *r) {
    dispatch *d = api__need_dispatch(r, "dispatch");
    if (!d) return r->err.code;
    char vehicle[DISPATCH_ID_MAX + 1] = "";
    lm_status rc = api__body(r, FMT_JSON_OPTIONAL);
    if (rc == LM_OK) rc = fmt_replan_from_json(r->json, vehicle, &r->err);
    if (rc == LM_OK && vehicle[0]) rc = vehicle_exists(r, vehicle);
    if (rc != LM_OK) return rc;
    if ((rc = dispatch_replan_request(d, DISPATCH_TRIGGER_MANUAL, vehicle, NULL, &r->err)) != LM_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "queued", true);
    return http_reply_json(r, 202, o);
}

lm_status api__replans_apply(http_req *r) {
    return api__plan_action(r, dispatch_replan_apply);
}
