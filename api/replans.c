/* api/replans.c: POST /v1/replans (re-plan the remaining work now) and applying a proposal. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"

lm_status api__replans_create(http_req *r) {
    dispatch *d = api__need_dispatch(r, "dispatch");
    if (!d) return r->err.code;
    char vehicle[DISPATCH_ID_MAX + 1] = "";
    lm_status rc;
    if (r->json) {
        if (!cJSON_IsObject(r->json))
            return http_error(r, LM_INVALID, "body", "expected a JSON object");
        if ((rc = api__json_str(r, r->json, "vehicle_id", "vehicle_id", vehicle, sizeof vehicle,
                                false)) != LM_OK)
            return rc;
    }
    if ((rc = dispatch_replan_request(d, DISPATCH_TRIGGER_MANUAL, vehicle, NULL, &r->err)) != LM_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "queued", true);
    return http_reply_json(r, 202, o);
}

lm_status api__replans_apply(http_req *r) {
    return api__plan_action(r, dispatch_replan_apply);
}
