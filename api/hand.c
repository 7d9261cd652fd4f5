/* api/hand.c: hand dispatch on live routes: POST /v1/plans/{id}/assign, /v1/routes/{vehicle}/stops
 * (GET the route, PUT a new order, POST a stop or an order onto it, DELETE one off it) and the
 * locks. Every edit answers its verdict (feasible, violations, new ETAs, cost before and after);
 * with "dry_run" nothing is stored, otherwise the answer comes after the commit. */
#include "api/app.h"
#include "api/formats/plan_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"

#include <inttypes.h>
#include <string.h>

static cJSON *route_json(const dispatch_route *rt) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "vehicle_id", rt->vehicle_id);
    cJSON_AddStringToObject(o, "driver_id", rt->driver_id);
    cJSON_AddNumberToObject(o, "cost", (double)rt->cost);
    cJSON_AddNumberToObject(o, "distance", (double)rt->distance_m);
    cJSON_AddNumberToObject(o, "duration", (double)rt->duration_s);
    cJSON *stops = cJSON_AddArrayToObject(o, "stops");
    for (size_t k = 0; k < rt->n_stops; k++)
        cJSON_AddItemToArray(stops, api__stop_json(&rt->stops[k]));
    return o;
}

/* Runs the edit and answers: 200 with the verdict (a dry run answers 200 either way), 409 with
 * the violations when a real edit breaks a constraint (nothing changed), the field-named error
 * otherwise. */
static lm_status edit_reply(http_req *r, const dispatch_hand_req *q) {
    dispatch *d = api__need_dispatch(r, "dispatch");
    if (!d) return r->err.code;
    dispatch_hand_result res;
    memset(&res, 0, sizeof res);
    lm_status rc = dispatch_hand_edit(d, q, &res, &r->err);
    bool verdict = rc == LM_OK || (rc == LM_CONFLICT && !res.feasible && res.n_violations);
    if (!verdict) return rc;
    cJSON *o = cJSON_CreateObject();
    if (rc != LM_OK && !q->dry_run) {
        cJSON *e = cJSON_AddObjectToObject(o, "error");
        cJSON_AddStringToObject(e, "code", lm_status_name(LM_CONFLICT));
        cJSON_AddStringToObject(e, "field", r->err.field);
        cJSON_AddStringToObject(e, "message", r->err.message);
    }
    cJSON_AddBoolToObject(o, "feasible", res.feasible);
    cJSON_AddBoolToObject(o, "dry_run", q->dry_run);
    cJSON *viol = cJSON_AddArrayToObject(o, "violations");
    for (size_t i = 0; i < res.n_violations; i++)
        cJSON_AddItemToArray(viol, cJSON_CreateString(res.violations[i].message));
    if (rc == LM_OK) {
        cJSON_AddNumberToObject(o, "cost_before", (double)res.cost_before);
        cJSON_AddNumberToObject(o, "cost_after", (double)res.cost_after);
        cJSON_AddNumberToObject(o, "cost_delta", (double)(res.cost_after - res.cost_before));
        if (q->kind == DISPATCH_HAND_ASSIGN || q->kind == DISPATCH_HAND_MOVE) {
            cJSON_AddNumberToObject(o, "position", res.position);
            if (res.stop_id) cJSON_AddNumberToObject(o, "stop_id", (double)res.stop_id);
        }
        cJSON *routes = cJSON_AddArrayToObject(o, "routes");
        for (size_t k = 0; k < res.n_routes; k++)
            cJSON_AddItemToArray(routes, route_json(&res.routes[k]));
    }
    dispatch_hand_result_clear(&res);
    return http_reply_json(r, rc == LM_OK || q->dry_run ? 200 : 409, o);
}

static lm_status body_of(http_req *r, fmt_hand_shape shape, fmt_hand_body **out) {
    fmt_hand_body *b = lm_arena_alloc(r->arena, sizeof *b);
    if (!b) return http_error(r, LM_NOMEM, "", "out of memory");
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_hand_from_json(r->json, shape, b, &r->err);
    if (rc == LM_OK) *out = b;
    return rc;
}

static lm_status path_stop(http_req *r, int64_t *id) {
    const char *s = http_param(r, "stop");
    if (!s || !lm_parse_i64(s, 1, INT64_MAX, id))
        return http_error(r, LM_INVALID, "stop",
                          "the stop id in the path must be a positive "
                          "integer");
    return LM_OK;
}

/* The stop in the path must be on the live route of the vehicle in the path. */
static lm_status stop_on_route(http_req *r, int64_t stop) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    dispatch_stop st;
    rc = dispatch_stop_get(rd, stop, &st, &r->err);
    store_read_end(rd);
    if (rc == LM_NOT_FOUND)
        return http_error(r, LM_NOT_FOUND, "stop", "stop %" PRId64 " not found", stop);
    if (rc != LM_OK) return rc;
    const char *vid = http_param(r, "vehicle");
    if (!st.live || strcmp(st.vehicle_id, vid ? vid : ""))
        return http_error(r, LM_CONFLICT, "stop", "stop %" PRId64 " is not on %s's live route",
                          stop, vid ? vid : "");
    return LM_OK;
}

lm_status api__plans_assign(http_req *r) {
    int64_t id = 0;
    fmt_hand_body *b = NULL;
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = body_of(r, FMT_HAND_ASSIGN, &b);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    dispatch_plan p;
    rc = dispatch_plan_get(rd, id, &p, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    dispatch_plan_status st = p.status;
    dispatch_plan_clear(&p);
    if (st != DISPATCH_PLAN_COMMITTED)
        return http_error(r, LM_CONFLICT, "id",
                          "plan %" PRId64 " is %s: hand assignment edits the live routes of a "
                          "committed plan (move a proposal's stops with /move)",
                          id, dispatch_plan_status_name(st));
    dispatch_hand_req q = {.kind = DISPATCH_HAND_ASSIGN,
                           .vehicle_id = b->vehicle_id,
                           .order_id = b->order_id,
                           .position = (int)b->position,
                           .dry_run = b->dry_run};
    return edit_reply(r, &q);
}

lm_status api__routes_stops_get(http_req *r) {
    const char *vid = http_param(r, "vehicle");
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    dispatch_live_route rt;
    rc = dispatch_live_route_get(rd, vid ? vid : "", &rt, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "vehicle_id", rt.vehicle_id);
    cJSON_AddStringToObject(o, "driver_id", rt.driver_id);
    cJSON_AddBoolToObject(o, "locked", rt.locked);
    cJSON_AddBoolToObject(o, "started", rt.started);
    cJSON_AddBoolToObject(o, "broken", rt.broken);
    cJSON *stops = cJSON_AddArrayToObject(o, "stops");
    for (size_t i = 0; i < rt.n_stops; i++)
        cJSON_AddItemToArray(stops, api__stop_json(&rt.stops[i]));
    dispatch_live_route_clear(&rt);
    return http_reply_json(r, 200, o);
}

lm_status api__routes_stops_put(http_req *r) {
    fmt_hand_body *b = NULL;
    lm_status rc = body_of(r, FMT_HAND_ORDER, &b);
    if (rc != LM_OK) return rc;
    dispatch_hand_req q = {.kind = DISPATCH_HAND_REORDER,
                           .vehicle_id = http_param(r, "vehicle"),
                           .stop_ids = b->stop_ids,
                           .n_stop_ids = b->n_stop_ids,
                           .dry_run = b->dry_run};
    return edit_reply(r, &q);
}

lm_status api__routes_stops_post(http_req *r) {
    fmt_hand_body *b = NULL;
    lm_status rc = body_of(r, FMT_HAND_INSERT, &b);
    if (rc != LM_OK) return rc;
    dispatch_hand_req q = {.kind = b->order_id ? DISPATCH_HAND_ASSIGN : DISPATCH_HAND_MOVE,
                           .vehicle_id = http_param(r, "vehicle"),
                           .order_id = b->order_id,
                           .stop_id = b->stop_id,
                           .position = (int)b->position,
                           .dry_run = b->dry_run};
    return edit_reply(r, &q);
}

lm_status api__routes_stops_delete(http_req *r) {
    int64_t stop = 0;
    lm_status rc = path_stop(r, &stop);
    if (rc == LM_OK) rc = api__no_body(r);
    if (rc != LM_OK) return rc;
    const char *dry = http_query(r, "dry_run");
    if (dry && strcmp(dry, "true") && strcmp(dry, "false"))
        return http_error(r, LM_INVALID, "dry_run", "dry_run must be true or false");
    if ((rc = stop_on_route(r, stop)) != LM_OK) return rc;
    dispatch_hand_req q = {
        .kind = DISPATCH_HAND_UNASSIGN, .stop_id = stop, .dry_run = dry && !strcmp(dry, "true")};
    return edit_reply(r, &q);
}

static cJSON *lock_reply(const char *vehicle, int64_t stop, bool locked) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "vehicle_id", vehicle);
    if (stop) cJSON_AddNumberToObject(o, "stop_id", (double)stop);
    cJSON_AddBoolToObject(o, "locked", locked);
    return o;
}

lm_status api__routes_lock(http_req *r) {
    dispatch *d = api__need_dispatch(r, "dispatch");
    if (!d) return r->err.code;
    fmt_hand_body *b = NULL;
    lm_status rc = body_of(r, FMT_HAND_LOCK, &b);
    const char *vid = http_param(r, "vehicle");
    if (rc == LM_OK) rc = dispatch_route_lock(d, vid ? vid : "", b->locked, &r->err);
    if (rc != LM_OK) return rc;
    return http_reply_json(r, 200, lock_reply(vid, 0, b->locked));
}

lm_status api__routes_stop_lock(http_req *r) {
    dispatch *d = api__need_dispatch(r, "dispatch");
    if (!d) return r->err.code;
    fmt_hand_body *b = NULL;
    int64_t stop = 0;
    lm_status rc = path_stop(r, &stop);
    if (rc == LM_OK) rc = body_of(r, FMT_HAND_LOCK, &b);
    if (rc != LM_OK) return rc;
    const char *vid = http_param(r, "vehicle");
    if ((rc = stop_on_route(r, stop)) != LM_OK) return rc;
    if ((rc = dispatch_stop_lock(d, stop, b->locked, &r->err)) != LM_OK) return rc;
    return http_reply_json(r, 200, lock_reply(vid, stop, b->locked));
}
