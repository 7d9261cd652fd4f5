/* api/routes_dispatch.c: the HTTP edge of dispatch/: vehicles and drivers, plans (solved on the
 * dispatch worker: POST answers 202 at once), their routes as JSON with GeoJSON geometry and an
 * encoded polyline, commit / discard, hand moves refused with the checker's violations, and
 * re-plans. JSON is converted here; dispatch/ does the work in its own transactions. */
#include "api/routes_dispatch.h"

#include "api/live.h"
#include "dispatch/dispatch.h"
#include "geo/geo.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static dispatch *need_dispatch(http_req *r) {
    dispatch *d = api__live_dispatch(api_live(r));
    if (!d) http_error(r, LM_UNAVAILABLE, "", "dispatch is not configured on this server");
    return d;
}

static lm_status path_id(http_req *r, int64_t *id) {
    const char *s = http_param(r, "id");
    if (!s || !lm_parse_i64(s, 1, INT64_MAX, id))
        return http_error(r, LM_INVALID, "id", "the id in the path must be a positive integer");
    return LM_OK;
}

/* ---- JSON input ---- */

static lm_status j_str(http_req *r, const cJSON *o, const char *key, char *dst, size_t cap,
                       bool required) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    dst[0] = '\0';
    if (!v || cJSON_IsNull(v)) {
        if (required) return http_error(r, LM_INVALID, key, "%s is required", key);
        return LM_OK;
    }
    if (!cJSON_IsString(v)) return http_error(r, LM_INVALID, key, "%s must be a string", key);
    if (strlen(v->valuestring) >= cap)
        return http_error(r, LM_TOO_BIG, key, "%s is longer than %zu characters", key, cap - 1);
    lm_strlcpy(dst, v->valuestring, cap);
    return LM_OK;
}

static lm_status j_num(http_req *r, const cJSON *o, const char *key, double min, double max,
                       double *out, bool *present) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *present = false;
    if (!v || cJSON_IsNull(v)) return LM_OK;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return http_error(r, LM_INVALID, key, "%s must be a number", key);
    if (v->valuedouble < min || v->valuedouble > max)
        return http_error(r, LM_INVALID, key, "%s must be in %g..%g", key, min, max);
    *out = v->valuedouble;
    *present = true;
    return LM_OK;
}

static lm_status j_int(http_req *r, const cJSON *o, const char *key, int64_t min, int64_t max,
                       int64_t *out) {
    double d = 0;
    bool present = false;
    lm_status rc = j_num(r, o, key, (double)min, (double)max, &d, &present);
    if (rc != LM_OK || !present) return rc;
    if (d != floor(d)) return http_error(r, LM_INVALID, key, "%s must be an integer", key);
    *out = (int64_t)d;
    return LM_OK;
}

/* [start, end] of seconds after midnight. */
static lm_status j_window(http_req *r, const cJSON *v, const char *field, int64_t *a, int64_t *b) {
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 ||
        !cJSON_IsNumber(cJSON_GetArrayItem(v, 0)) || !cJSON_IsNumber(cJSON_GetArrayItem(v, 1)))
        return http_error(r, LM_INVALID, field, "%s must be [start, end] in seconds", field);
    double x = cJSON_GetArrayItem(v, 0)->valuedouble, y = cJSON_GetArrayItem(v, 1)->valuedouble;
    if (!(x >= 0 && y <= 2 * 86400 && x <= y))
        return http_error(r, LM_INVALID, field, "%s must satisfy 0 <= start <= end <= 172800",
                          field);
    *a = (int64_t)x;
    *b = (int64_t)y;
    return LM_OK;
}

/* ---- Fleet ---- */

static lm_status vehicle_from_json(http_req *r, const cJSON *j, dispatch_vehicle *v) {
    dispatch_vehicle_init(v);
    if (!cJSON_IsObject(j)) return http_error(r, LM_INVALID, "body", "expected a JSON object");
    lm_status rc;
    if ((rc = j_str(r, j, "id", v->id, sizeof v->id, true)) != LM_OK ||
        (rc = j_str(r, j, "name", v->name, sizeof v->name, false)) != LM_OK ||
        (rc = j_str(r, j, "start_depot", v->start_depot, sizeof v->start_depot, true)) != LM_OK)
        return rc;
    const cJSON *ed = cJSON_GetObjectItemCaseSensitive(j, "end_depot");
    if (!ed) {
        lm_strlcpy(v->end_depot, v->start_depot, sizeof v->end_depot); /* back home by default */
    } else if ((rc = j_str(r, j, "end_depot", v->end_depot, sizeof v->end_depot, false)) != LM_OK) {
        return rc;
    }
    double x;
    bool has;
    if ((rc = j_num(r, j, "capacity_kg", 0, 1e6, &x, &has)) != LM_OK) return rc;
    if (has) v->capacity_g = (int64_t)llround(x * 1000);
    if ((rc = j_num(r, j, "capacity_l", 0, 1e6, &x, &has)) != LM_OK) return rc;
    if (has) v->capacity_cm3 = (int64_t)llround(x * 1000);
    if ((rc = j_int(r, j, "capacity_parcels", 0, 1000000, &v->capacity_parcels)) != LM_OK ||
        (rc = j_int(r, j, "cost_fixed", 0, INT64_C(1) << 40, &v->cost_fixed)) != LM_OK ||
        (rc = j_int(r, j, "cost_per_hour", 0, INT64_C(1) << 30, &v->cost_per_hour)) != LM_OK ||
        (rc = j_int(r, j, "cost_per_km", 0, INT64_C(1) << 30, &v->cost_per_km)) != LM_OK)
        return rc;
    if ((rc = j_num(r, j, "speed_factor", 0.01, 5, &x, &has)) != LM_OK) return rc;
    if (has) v->speed_factor = x;
    const cJSON *tw = cJSON_GetObjectItemCaseSensitive(j, "time_window");
    if (tw && (rc = j_window(r, tw, "time_window", &v->shift_start_s, &v->shift_end_s)) != LM_OK)
        return rc;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(j, "active");
    if (act) {
        if (!cJSON_IsBool(act)) return http_error(r, LM_INVALID, "active", "must be a boolean");
        v->active = cJSON_IsTrue(act);
    }
    const cJSON *sk = cJSON_GetObjectItemCaseSensitive(j, "skills");
    if (sk) {
        if (!cJSON_IsArray(sk) || cJSON_GetArraySize(sk) > DISPATCH_SKILLS_MAX)
            return http_error(r, LM_INVALID, "skills", "skills must be an array of at most %d",
                              DISPATCH_SKILLS_MAX);
        const cJSON *e;
        cJSON_ArrayForEach(e, sk) {
            if (!cJSON_IsString(e) || strlen(e->valuestring) > DISPATCH_ID_MAX)
                return http_error(r, LM_INVALID, "skills", "skills must be short strings");
            lm_strlcpy(v->skills[v->n_skills++], e->valuestring, sizeof v->skills[0]);
        }
    }
    const cJSON *br = cJSON_GetObjectItemCaseSensitive(j, "breaks");
    if (br) {
        if (!cJSON_IsArray(br) || cJSON_GetArraySize(br) > DISPATCH_BREAKS_MAX)
            return http_error(r, LM_INVALID, "breaks", "breaks must be an array of at most %d",
                              DISPATCH_BREAKS_MAX);
        const cJSON *e;
        cJSON_ArrayForEach(e, br) {
            char field[32];
            snprintf(field, sizeof field, "breaks[%zu]", v->n_breaks);
            const cJSON *tws = cJSON_GetObjectItemCaseSensitive(e, "time_windows");
            dispatch_break *b = &v->breaks[v->n_breaks];
            if (!cJSON_IsArray(tws) || cJSON_GetArraySize(tws) < 1)
                return http_error(r, LM_INVALID, field, "%s needs time_windows", field);
            if ((rc = j_window(r, cJSON_GetArrayItem(tws, 0), field, &b->start_s, &b->end_s)) !=
                LM_OK)
                return rc;
            const cJSON *sv = cJSON_GetObjectItemCaseSensitive(e, "service");
            if (!cJSON_IsNumber(sv) || sv->valuedouble < 0 || sv->valuedouble > 86400)
                return http_error(r, LM_INVALID, field, "%s.service must be 0..86400 s", field);
            b->service_s = (int64_t)sv->valuedouble;
            v->n_breaks++;
        }
    }
    return LM_OK;
}

static cJSON *vehicle_json(const dispatch_vehicle *v) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", v->id);
    cJSON_AddStringToObject(o, "name", v->name);
    cJSON_AddNumberToObject(o, "capacity_kg", (double)v->capacity_g / 1000.0);
    cJSON_AddNumberToObject(o, "capacity_l", (double)v->capacity_cm3 / 1000.0);
    cJSON_AddNumberToObject(o, "capacity_parcels", (double)v->capacity_parcels);
    cJSON_AddNumberToObject(o, "cost_fixed", (double)v->cost_fixed);
    cJSON_AddNumberToObject(o, "cost_per_hour", (double)v->cost_per_hour);
    cJSON_AddNumberToObject(o, "cost_per_km", (double)v->cost_per_km);
    cJSON *sk = cJSON_AddArrayToObject(o, "skills");
    for (size_t i = 0; i < v->n_skills; i++)
        cJSON_AddItemToArray(sk, cJSON_CreateString(v->skills[i]));
    cJSON_AddStringToObject(o, "start_depot", v->start_depot);
    cJSON_AddStringToObject(o, "end_depot", v->end_depot);
    cJSON *tw = cJSON_AddArrayToObject(o, "time_window");
    cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)v->shift_start_s));
    cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)v->shift_end_s));
    cJSON *br = cJSON_AddArrayToObject(o, "breaks");
    for (size_t i = 0; i < v->n_breaks; i++) {
        cJSON *b = cJSON_CreateObject(), *tws = cJSON_AddArrayToObject(b, "time_windows");
        cJSON *w = cJSON_CreateArray();
        cJSON_AddItemToArray(w, cJSON_CreateNumber((double)v->breaks[i].start_s));
        cJSON_AddItemToArray(w, cJSON_CreateNumber((double)v->breaks[i].end_s));
        cJSON_AddItemToArray(tws, w);
        cJSON_AddNumberToObject(b, "service", (double)v->breaks[i].service_s);
        cJSON_AddItemToArray(br, b);
    }
    cJSON_AddNumberToObject(o, "speed_factor", v->speed_factor);
    cJSON_AddBoolToObject(o, "active", v->active);
    return o;
}

static cJSON *driver_json(const dispatch_driver *d) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", d->id);
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON_AddStringToObject(o, "phone", d->phone);
    if (d->device_id[0])
        cJSON_AddStringToObject(o, "device_id", d->device_id);
    else
        cJSON_AddNullToObject(o, "device_id");
    if (d->vehicle_id[0])
        cJSON_AddStringToObject(o, "vehicle_id", d->vehicle_id);
    else
        cJSON_AddNullToObject(o, "vehicle_id");
    return o;
}

/* Runs put(tx, rec) in one transaction and answers 201 with json(rec). */
lm_status api__vehicles_put(http_req *r) {
    dispatch_vehicle v;
    lm_status rc = vehicle_from_json(r, r->json, &v);
    if (rc != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(api_store(r), &tx)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    if ((rc = dispatch_vehicle_put(tx, &v, &r->err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) return http_error(r, rc, "", "commit failed");
    return http_reply_json(r, 201, vehicle_json(&v));
}

lm_status api__drivers_put(http_req *r) {
    dispatch_driver d = {0};
    const cJSON *j = r->json;
    if (!cJSON_IsObject(j)) return http_error(r, LM_INVALID, "body", "expected a JSON object");
    lm_status rc;
    if ((rc = j_str(r, j, "id", d.id, sizeof d.id, true)) != LM_OK ||
        (rc = j_str(r, j, "name", d.name, sizeof d.name, true)) != LM_OK ||
        (rc = j_str(r, j, "phone", d.phone, sizeof d.phone, false)) != LM_OK ||
        (rc = j_str(r, j, "device_id", d.device_id, sizeof d.device_id, false)) != LM_OK ||
        (rc = j_str(r, j, "vehicle_id", d.vehicle_id, sizeof d.vehicle_id, false)) != LM_OK)
        return rc;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(api_store(r), &tx)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    if ((rc = dispatch_driver_put(tx, &d, &r->err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) return http_error(r, rc, "", "commit failed");
    return http_reply_json(r, 201, driver_json(&d));
}

lm_status api__vehicles_list(http_req *r) {
    store_read *rd = NULL;
    dispatch_vehicle *vs = NULL;
    size_t n = 0;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    rc = dispatch_vehicle_list(rd, &vs, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "vehicles");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, vehicle_json(&vs[i]));
    lm_free(vs);
    return http_reply_json(r, 200, o);
}

lm_status api__drivers_list(http_req *r) {
    store_read *rd = NULL;
    dispatch_driver *ds = NULL;
    size_t n = 0;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    rc = dispatch_driver_list(rd, &ds, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "drivers");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, driver_json(&ds[i]));
    lm_free(ds);
    return http_reply_json(r, 200, o);
}

lm_status api__fleet_state(http_req *r) {
    store_read *rd = NULL;
    dispatch_vehicle_state *vs = NULL;
    size_t n = 0;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    rc = dispatch_vehicle_states(rd, &vs, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "vehicles");
    for (size_t i = 0; i < n; i++) {
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "vehicle_id", vs[i].vehicle_id);
        cJSON_AddStringToObject(v, "driver_id", vs[i].driver_id);
        if (vs[i].has_position) {
            cJSON *loc = cJSON_AddArrayToObject(v, "location");
            cJSON_AddItemToArray(loc, cJSON_CreateNumber(vs[i].lon));
            cJSON_AddItemToArray(loc, cJSON_CreateNumber(vs[i].lat));
            cJSON_AddNumberToObject(v, "speed_mps", vs[i].speed_mps);
            cJSON_AddNumberToObject(v, "seen_ms", (double)vs[i].seen_ms);
        }
        cJSON_AddNumberToObject(v, "pace", vs[i].pace);
        cJSON_AddBoolToObject(v, "started", vs[i].started);
        cJSON_AddBoolToObject(v, "broken", vs[i].broken);
        cJSON_AddBoolToObject(v, "silent", vs[i].silent);
        cJSON_AddBoolToObject(v, "full", vs[i].full);
        cJSON_AddNumberToObject(v, "next_stop_id", (double)vs[i].next_stop_id);
        cJSON_AddItemToArray(arr, v);
    }
    lm_free(vs);
    return http_reply_json(r, 200, o);
}

/* ---- Plans ---- */

lm_status api__plans_create(http_req *r) {
    dispatch *d = need_dispatch(r);
    if (!d) return r->err.code;
    dispatch_plan_req req = {0};
    char depot[DISPATCH_ID_MAX + 1] = "";
    const char *ids[256];
    const cJSON *j = r->json;
    lm_status rc;
    if (j) {
        if (!cJSON_IsObject(j)) return http_error(r, LM_INVALID, "body", "expected an object");
        if ((rc = j_str(r, j, "depot", depot, sizeof depot, false)) != LM_OK ||
            (rc = j_int(r, j, "time_limit_ms", 0, 600000, &req.time_limit_ms)) != LM_OK ||
            (rc = j_int(r, j, "day_start", 0, INT64_C(1) << 40, &req.day_start_s)) != LM_OK)
            return rc;
        const cJSON *vs = cJSON_GetObjectItemCaseSensitive(j, "vehicles");
        if (vs) {
            if (!cJSON_IsArray(vs) || cJSON_GetArraySize(vs) > 256)
                return http_error(r, LM_INVALID, "vehicles",
                                  "vehicles must be an array of at most 256 ids");
            const cJSON *e;
            cJSON_ArrayForEach(e, vs) {
                if (!cJSON_IsString(e))
                    return http_error(r, LM_INVALID, "vehicles", "vehicle ids are strings");
                ids[req.n_vehicle_ids++] = e->valuestring;
            }
            req.vehicle_ids = ids;
        }
    }
    req.depot_id = depot;
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

/* GeoJSON FeatureCollection: one LineString per route (straight lines between stops). */
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
        add_lonlat(coords, rt->start_lon, rt->start_lat);
        for (size_t k = 0; k < rt->n_stops; k++)
            add_lonlat(coords, rt->stops[k].lon, rt->stops[k].lat);
        if (rt->has_end) add_lonlat(coords, rt->end_lon, rt->end_lat);
        cJSON *pr = cJSON_AddObjectToObject(f, "properties");
        cJSON_AddStringToObject(pr, "vehicle_id", rt->vehicle_id);
        cJSON_AddStringToObject(pr, "driver_id", rt->driver_id);
        cJSON_AddNumberToObject(pr, "stops", (double)rt->n_stops);
        cJSON_AddItemToArray(feats, f);
    }
    return fc;
}

static cJSON *stop_json(const dispatch_stop *s) {
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
    if (s->transfer_from) cJSON_AddNumberToObject(o, "transfer_from", (double)s->transfer_from);
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
            cJSON_AddItemToArray(stops, stop_json(&rt->stops[k]));
        size_t np = 0;
        geo_point *pts = route_points(rt, &np);
        char *poly = NULL;
        if (pts && geo_polyline_encode(pts, np, 5, &poly, NULL) == LM_OK)
            cJSON_AddStringToObject(ro, "polyline", poly);
        lm_free(poly);
        lm_free(pts);
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
    lm_status rc = path_id(r, &id);
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

static lm_status plan_action(http_req *r, lm_status (*fn)(dispatch *, int64_t, lm_errinfo *)) {
    dispatch *d = need_dispatch(r);
    if (!d) return r->err.code;
    int64_t id = 0;
    lm_status rc = path_id(r, &id);
    if (rc != LM_OK) return rc;
    if ((rc = fn(d, id, &r->err)) != LM_OK) return rc;
    dispatch_plan p;
    if ((rc = plan_load(r, &p)) != LM_OK) return rc;
    cJSON *o = plan_json(&p, false);
    dispatch_plan_clear(&p);
    return http_reply_json(r, 200, o);
}

lm_status api__plans_commit(http_req *r) {
    return plan_action(r, dispatch_plan_commit);
}

lm_status api__plans_discard(http_req *r) {
    return plan_action(r, dispatch_plan_discard);
}

lm_status api__replans_apply(http_req *r) {
    return plan_action(r, dispatch_replan_apply);
}

lm_status api__plans_move(http_req *r) {
    dispatch *d = need_dispatch(r);
    if (!d) return r->err.code;
    int64_t id = 0, stop = 0, position = -1;
    char to[DISPATCH_ID_MAX + 1];
    lm_status rc = path_id(r, &id);
    if (rc != LM_OK) return rc;
    const cJSON *j = r->json;
    if (!cJSON_IsObject(j)) return http_error(r, LM_INVALID, "body", "expected a JSON object");
    if (!cJSON_GetObjectItemCaseSensitive(j, "stop"))
        return http_error(r, LM_INVALID, "stop", "stop is required");
    if ((rc = j_int(r, j, "stop", 1, INT64_MAX / 2, &stop)) != LM_OK ||
        (rc = j_int(r, j, "position", -1, 100000, &position)) != LM_OK ||
        (rc = j_str(r, j, "to_vehicle", to, sizeof to, true)) != LM_OK)
        return rc;
    dispatch_violation viol[8];
    size_t nv = 0;
    rc = dispatch_plan_move(d, id, stop, to, (int)position, viol, 8, &nv, &r->err);
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

lm_status api__replans_create(http_req *r) {
    dispatch *d = need_dispatch(r);
    if (!d) return r->err.code;
    char vehicle[DISPATCH_ID_MAX + 1] = "";
    lm_status rc;
    if (r->json) {
        if (!cJSON_IsObject(r->json))
            return http_error(r, LM_INVALID, "body", "expected a JSON object");
        if ((rc = j_str(r, r->json, "vehicle_id", vehicle, sizeof vehicle, false)) != LM_OK)
            return rc;
    }
    if ((rc = dispatch_replan_request(d, DISPATCH_TRIGGER_MANUAL, vehicle, NULL, &r->err)) != LM_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "queued", true);
    return http_reply_json(r, 202, o);
}
