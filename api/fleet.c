/* api/fleet.c: vehicles and drivers (POST and GET), and GET /v1/fleet/state, over dispatch/. */
#include "api/app.h"
#include "api/formats/fleet_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_vehicle_from_json(r->json, &v, &r->err);
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
    dispatch_driver d;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_driver_from_json(r->json, &d, &r->err);
    if (rc != LM_OK) return rc;
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
