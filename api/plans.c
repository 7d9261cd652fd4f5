/* api/plans.c: /v1/plans: create (solved on a worker), list, read with GeoJSON geometry,
 * commit, discard, and hand moves checked by the feasibility checker. */
#include "api/app.h"
#include "api/formats/plan_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"
#include "geo/geo.h"
#include "store/store_orders.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The depot and vehicles a plan request names must exist before anything is queued: a plan for
 * an unknown depot would be accepted (202) and fail on the worker, out of the caller's sight. */
static lm_status plan_refs_exist(http_req *r, const fmt_plan_body *b) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    lm_errinfo e = {0};
    if (b->depot[0]) {
        store_depot dep;
        rc = store_depot_get(rd, b->depot, &dep, &e);
        if (rc == LM_NOT_FOUND)
            rc = http_error(r, LM_INVALID, "depot", "no depot \"%.64s\"", b->depot);
        else if (rc != LM_OK)
            rc = http_error(r, rc, "depot", "the depot could not be read");
    }
    for (size_t i = 0; rc == LM_OK && i < b->n_vehicle_ids; i++) {
        dispatch_vehicle v;
        rc = dispatch_vehicle_get(rd, b->vehicle_ids[i], &v, &e);
        if (rc == LM_NOT_FOUND)
            rc = http_error(r, LM_INVALID, "", "no vehicle \"%.64s\"", b->vehicle_ids[i]);
        else if (rc != LM_OK)
            rc = http_error(r, rc, "", "the vehicle could not be read");
        if (rc != LM_OK) fmt_json_path_index(r->err.field, "vehicles", i);
    }
    store_read_end(rd);
    return rc;
}

lm_status api__plans_create(http_req *r) {
    dispatch *d = api__need_dispatch(r, "dispatch");
    if (!d) return r->err.code;
    fmt_plan_body *b = lm_arena_alloc(r->arena, sizeof *b);
    if (!b) return http_error(r, LM_NOMEM, "", "out of memory");
    lm_status rc = api__body(r, FMT_JSON_OPTIONAL);
    if (rc == LM_OK) rc = fmt_plan_from_json(r->json, b, &r->err);
    if (rc == LM_OK) rc = plan_refs_exist(r, b);
    if (rc != LM_OK) return rc;
    dispatch_plan_req req = {.depot_id = b->depot,
                             .time_limit_ms = b->time_limit_ms,
                             .day_start_s = b->day_start_s,
                             .vehicle_ids = b->has_vehicles ? b->vehicle_ids : NULL,
                             .n_vehicle_ids = b->n_vehicle_ids};
    dispatch_pickup_task *pickups = NULL; /* approved return pickups (api/returns_dispatch.c) */
    if ((rc = api__returns_pickup_tasks(r, &pickups, &req.n_pickups)) != LM_OK) return rc;
    req.pickups = pickups;
    int64_t id = 0;
    if ((rc = dispatch_plan_create(d, &req, &id, &r->err)) != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "status", "solving");
    char loc[64];
    snprintf(loc, sizeof loc, "/v1/plans/%" PRId64, id);
    if (http_reply_header(r, "Location", loc) != LM_OK) {
        cJSON_Delete(o);
        return http_error(r, LM_INTERNAL, "", "could not set a header");
    }
    return http_reply_json(r, 202, o);
}

static void add_lonlat(cJSON *arr, double lon, double lat) {
    cJSON *p = cJSON_CreateArray();
    cJSON_AddItemToArray(p, cJSON_CreateNumber(lon));
    cJSON_AddItemToArray(p, cJSON_CreateNumber(lat));
    cJSON_AddItemToArray(arr, p);
}

/* The route's points in order: start, stops, end. *out lm_free'd by the caller. */
static geo_point *route_points(const dispatch_route *rt, size_t *n) {
    geo_point *pts = lm_calloc(rt->n_stops + 2, sizeof *pts);
    if (!pts) return NULL;
    size_t k = 0;
    pts[k++] = (geo_point){rt->start_lat, rt->start_lon};
    for (size_t i = 0; i < rt->n_stops; i++)
        pts[k++] = (geo_point){rt->stops[i].lat, rt->stops[i].lon};
    if (rt->has_end) pts[k++] = (geo_point){rt->end_lat, rt->end_lon};
    *n = k;
    return pts;
}

/* The route's road path as GeoJSON coordinates; false when it has none (yet). */
static bool add_road(cJSON *coords, const dispatch_route *rt) {
    geo_point *pts = NULL;
    size_t n = 0;
    if (!rt->geometry ||
        geo_polyline_decode(rt->geometry, strlen(rt->geometry), 5, &pts, &n, NULL) != LM_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        add_lonlat(coords, pts[i].lon, pts[i].lat);
    lm_free(pts);
    return n > 0;
}

/* GeoJSON FeatureCollection: one LineString per route, along the roads once the worker fetched
 * the committed route's geometry, else straight lines between stops ("roads": false). */
static cJSON *plan_geojson(const dispatch_plan *p) {
    cJSON *fc = cJSON_CreateObject();
    cJSON_AddStringToObject(fc, "type", "FeatureCollection");
    cJSON *feats = cJSON_AddArrayToObject(fc, "features");
    for (size_t i = 0; i < p->n_routes; i++) {
        const dispatch_route *rt = &p->routes[i];
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "type", "Feature");
        cJSON *g = cJSON_AddObjectToObject(f, "geometry");
        cJSON_AddStringToObject(g, "type", "LineString");
        cJSON *coords = cJSON_AddArrayToObject(g, "coordinates");
        bool roads = add_road(coords, rt);
        if (!roads) {
            add_lonlat(coords, rt->start_lon, rt->start_lat);
            for (size_t k = 0; k < rt->n_stops; k++)
                add_lonlat(coords, rt->stops[k].lon, rt->stops[k].lat);
            if (rt->has_end) add_lonlat(coords, rt->end_lon, rt->end_lat);
        }
        cJSON *pr = cJSON_AddObjectToObject(f, "properties");
        cJSON_AddStringToObject(pr, "vehicle_id", rt->vehicle_id);
        cJSON_AddBoolToObject(pr, "roads", roads && !rt->geometry_estimated);
        cJSON_AddStringToObject(pr, "driver_id", rt->driver_id);
        cJSON_AddNumberToObject(pr, "stops", (double)rt->n_stops);
        cJSON_AddItemToArray(feats, f);
    }
    return fc;
}

cJSON *api__stop_json(const dispatch_stop *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)s->id);
    cJSON_AddNumberToObject(o, "seq", s->seq);
    cJSON_AddStringToObject(o, "kind", dispatch_stop_kind_name((dispatch_stop_kind)s->kind));
    cJSON_AddStringToObject(o, "status",
                            dispatch_stop_status_name((dispatch_stop_status)s->status));
    cJSON_AddNumberToObject(o, "order_id", (double)s->order_id);
    cJSON *loc = cJSON_AddArrayToObject(o, "location");
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(s->lon));
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(s->lat));
    cJSON_AddNumberToObject(o, "lat", s->lat);
    cJSON_AddNumberToObject(o, "lon", s->lon);
    if (s->tw_end_s) {
        cJSON *tw = cJSON_AddArrayToObject(o, "time_window");
        cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)s->tw_start_s));
        cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)s->tw_end_s));
    }
    cJSON_AddNumberToObject(o, "eta", (double)s->eta_s);
    cJSON_AddNumberToObject(o, "planned", (double)s->planned_s);
    cJSON_AddNumberToObject(o, "service", (double)s->service_s);
    cJSON_AddNumberToObject(o, "travel", (double)s->leg_s);
    cJSON_AddNumberToObject(o, "distance", (double)s->leg_m);
    cJSON_AddNumberToObject(o, "weight_g", (double)s->weight_g);
    cJSON_AddNumberToObject(o, "volume_cm3", (double)s->volume_cm3);
    cJSON_AddNumberToObject(o, "parcels", (double)s->parcels);
    cJSON_AddBoolToObject(o, "late", s->late);
    cJSON_AddBoolToObject(o, "locked", s->locked);
    if (s->transfer_from) cJSON_AddNumberToObject(o, "transfer_from", (double)s->transfer_from);
    if (s->return_id) cJSON_AddNumberToObject(o, "return_id", (double)s->return_id);
    return o;
}

static cJSON *plan_json(const dispatch_plan *p, bool full) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)p->id);
    cJSON_AddStringToObject(o, "status", dispatch_plan_status_name(p->status));
    cJSON_AddBoolToObject(o, "is_replan", p->is_replan);
    cJSON_AddNumberToObject(o, "created_ms", (double)p->created_ms);
    cJSON_AddNumberToObject(o, "updated_ms", (double)p->updated_ms);
    cJSON_AddNumberToObject(o, "day_start", (double)p->day_start_s);
    if (p->best_cost >= 0) cJSON_AddNumberToObject(o, "best_cost", (double)p->best_cost);
    cJSON_AddNumberToObject(o, "cost", (double)p->cost);
    cJSON_AddNumberToObject(o, "distance", (double)p->distance_m);
    cJSON_AddNumberToObject(o, "duration", (double)p->duration_s);
    if (p->error[0]) cJSON_AddStringToObject(o, "error", p->error);
    if (p->router[0]) {
        cJSON *ro = cJSON_AddObjectToObject(o, "routing");
        cJSON_AddStringToObject(ro, "router", p->router);
        cJSON_AddNumberToObject(ro, "cells", (double)p->matrix_cells);
        cJSON_AddNumberToObject(ro, "cells_estimated", (double)p->cells_estimated);
        cJSON_AddNumberToObject(
            ro, "estimated_pct",
            p->matrix_cells ? 100.0 * (double)p->cells_estimated / (double)p->matrix_cells : 0.0);
    }
    if (p->is_replan) {
        cJSON *e = cJSON_AddObjectToObject(o, "effect");
        cJSON_AddStringToObject(e, "trigger", p->effect.trigger);
        cJSON_AddStringToObject(e, "vehicle_id", p->effect.trigger_vehicle);
        cJSON_AddNumberToObject(e, "cost_before", (double)p->effect.cost_before);
        cJSON_AddNumberToObject(e, "cost_after", (double)p->effect.cost_after);
        cJSON_AddNumberToObject(e, "cost_delta",
                                p->effect.cost_before >= 0
                                    ? (double)(p->effect.cost_after - p->effect.cost_before)
                                    : 0);
        cJSON_AddNumberToObject(e, "late_before", (double)p->effect.late_before);
        cJSON_AddNumberToObject(e, "late_after", (double)p->effect.late_after);
        cJSON_AddNumberToObject(e, "unassigned_before", (double)p->effect.unassigned_before);
        cJSON_AddNumberToObject(e, "unassigned_after", (double)p->effect.unassigned_after);
        cJSON_AddNumberToObject(e, "routes_changed", (double)p->effect.routes_changed);
        cJSON_AddNumberToObject(e, "stops_moved", (double)p->effect.stops_moved);
        cJSON_AddStringToObject(o, "trigger", p->effect.trigger);
    }
    if (!full) return o;
    cJSON *routes = cJSON_AddArrayToObject(o, "routes");
    for (size_t i = 0; i < p->n_routes; i++) {
        const dispatch_route *rt = &p->routes[i];
        cJSON *ro = cJSON_CreateObject();
        cJSON_AddStringToObject(ro, "vehicle_id", rt->vehicle_id);
        cJSON_AddStringToObject(ro, "driver_id", rt->driver_id);
        cJSON *st = cJSON_AddArrayToObject(ro, "start");
        cJSON_AddItemToArray(st, cJSON_CreateNumber(rt->start_lon));
        cJSON_AddItemToArray(st, cJSON_CreateNumber(rt->start_lat));
        if (rt->has_end) {
            cJSON *en = cJSON_AddArrayToObject(ro, "end");
            cJSON_AddItemToArray(en, cJSON_CreateNumber(rt->end_lon));
            cJSON_AddItemToArray(en, cJSON_CreateNumber(rt->end_lat));
        }
        cJSON_AddNumberToObject(ro, "start_time", (double)rt->start_s);
        cJSON_AddNumberToObject(ro, "end_time", (double)rt->end_s);
        cJSON_AddNumberToObject(ro, "cost", (double)rt->cost);
        cJSON_AddNumberToObject(ro, "distance", (double)rt->distance_m);
        cJSON_AddNumberToObject(ro, "duration", (double)rt->duration_s);
        cJSON *load = cJSON_AddObjectToObject(ro, "load");
        cJSON_AddNumberToObject(load, "kg", (double)rt->load_g / 1000.0);
        cJSON_AddNumberToObject(load, "l", (double)rt->load_cm3 / 1000.0);
        cJSON_AddNumberToObject(load, "parcels", (double)rt->load_parcels);
        cJSON *stops = cJSON_AddArrayToObject(ro, "stops");
        for (size_t k = 0; k < rt->n_stops; k++)
            cJSON_AddItemToArray(stops, api__stop_json(&rt->stops[k]));
        size_t np = 0;
        geo_point *pts = route_points(rt, &np);
        char *poly = NULL;
        if (pts && geo_polyline_encode(pts, np, 5, &poly, NULL) == LM_OK)
            cJSON_AddStringToObject(ro, "polyline", poly);
        lm_free(poly);
        lm_free(pts);
        if (rt->geometry) {
            cJSON_AddStringToObject(ro, "geometry", rt->geometry);
            cJSON_AddBoolToObject(ro, "geometry_estimated", rt->geometry_estimated);
        } else {
            cJSON_AddNullToObject(ro, "geometry");
        }
        cJSON_AddItemToArray(routes, ro);
    }
    cJSON *un = cJSON_AddArrayToObject(o, "unassigned");
    for (size_t i = 0; i < p->n_unassigned; i++) {
        cJSON *u = cJSON_CreateObject();
        cJSON_AddNumberToObject(u, "order_id", (double)p->unassigned[i].order_id);
        cJSON_AddStringToObject(u, "reason", p->unassigned[i].reason);
        cJSON_AddItemToArray(un, u);
    }
    cJSON_AddItemToObject(o, "geometry", plan_geojson(p));
    return o;
}

static lm_status plan_load(http_req *r, dispatch_plan *p) {
    int64_t id = 0;
    lm_status rc = api__path_id(r, &id);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    rc = dispatch_plan_get(rd, id, p, &r->err);
    store_read_end(rd);
    return rc;
}

lm_status api__plans_get(http_req *r) {
    dispatch_plan p;
    lm_status rc = plan_load(r, &p);
    if (rc != LM_OK) return rc;
    cJSON *o = plan_json(&p, true);
    dispatch_plan_clear(&p);
    return http_reply_json(r, 200, o);
}

lm_status api__plans_geojson(http_req *r) {
    dispatch_plan p;
    lm_status rc = plan_load(r, &p);
    if (rc != LM_OK) return rc;
    cJSON *fc = plan_geojson(&p);
    dispatch_plan_clear(&p);
    char *text = cJSON_PrintUnformatted(fc);
    cJSON_Delete(fc);
    if (!text) return http_error(r, LM_NOMEM, "", "could not serialise the reply");
    rc = http_reply_text(r, 200, "application/geo+json", text, strlen(text));
    cJSON_free(text);
    return rc;
}

lm_status api__plans_list(http_req *r) {
    store_read *rd = NULL;
    dispatch_plan *list = NULL;
    size_t n = 0;
    int64_t limit = 100;
    const char *q = http_query(r, "limit");
    if (q && !lm_parse_i64(q, 1, 1000, &limit))
        return http_error(r, LM_INVALID, "limit", "limit must be 1..1000");
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    rc = dispatch_plan_list(rd, (size_t)limit, &list, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "plans");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, plan_json(&list[i], false));
    dispatch_plan_list_free(list, n);
    return http_reply_json(r, 200, o);
}

lm_status api__plan_action(http_req *r, lm_status (*fn)(dispatch *, int64_t, lm_errinfo *)) {
    dispatch *d = api__need_dispatch(r, "dispatch");
    if (!d) return r->err.code;
    int64_t id = 0;
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = api__no_body(r);
    if (rc != LM_OK) return rc;
    if ((rc = fn(d, id, &r->err)) != LM_OK) return rc;
    dispatch_plan p;
    if ((rc = plan_load(r, &p)) != LM_OK) return rc;
    cJSON *o = plan_json(&p, false);
    dispatch_plan_clear(&p);
    return http_reply_json(r, 200, o);
}

lm_status api__plans_commit(http_req *r) {
    lm_status rc = api__plan_action(r, dispatch_plan_commit);
    int64_t id = 0;
    if (rc == LM_OK && api__path_id(r, &id) == LM_OK) api__returns_plan_committed(r, id);
    return rc;
}

lm_status api__plans_discard(http_req *r) {
    return api__plan_action(r, dispatch_plan_discard);
}

lm_status api__plans_move(http_req *r) {
    dispatch *d = api__need_dispatch(r, "dispatch");
    if (!d) return r->err.code;
    int64_t id = 0;
    fmt_plan_move mv;
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_plan_move_from_json(r->json, &mv, &r->err);
    if (rc != LM_OK) return rc;
    dispatch_violation viol[8];
    size_t nv = 0;
    rc = dispatch_plan_move(d, id, mv.stop_id, mv.to_vehicle, (int)mv.position, viol, 8, &nv,
                            &r->err);
    if (rc == LM_CONFLICT && nv > 0) {
        /* the checker's verdict: shown, never applied */
        cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
        cJSON_AddStringToObject(e, "code", lm_status_name(LM_CONFLICT));
        cJSON_AddStringToObject(e, "field", "stop");
        cJSON_AddStringToObject(e, "message", r->err.message);
        cJSON *arr = cJSON_AddArrayToObject(o, "violations");
        for (size_t i = 0; i < nv; i++)
            cJSON_AddItemToArray(arr, cJSON_CreateString(viol[i].message));
        return http_reply_json(r, 409, o);
    }
    if (rc != LM_OK) return rc;
    dispatch_plan p;
    if ((rc = plan_load(r, &p)) != LM_OK) return rc;
    cJSON *o = plan_json(&p, true);
    dispatch_plan_clear(&p);
    return http_reply_json(r, 200, o);
}
