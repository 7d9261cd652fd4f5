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
    /* never the device id itself: it is the phone's only credential (docs/devices.md); it is
     * shown once, where the server made it (the 201 here, or POST /v1/drivers/{id}/device) */
    cJSON_AddBoolToObject(o, "has_device", d->device_id[0] != '\0');
    cJSON_AddBoolToObject(o, "allow_short_device_id", d->allow_short_device_id);
    if (d->vehicle_id[0])
        cJSON_AddStringToObject(o, "vehicle_id", d->vehicle_id);
    else
        cJSON_AddNullToObject(o, "vehicle_id");
    return o;
}

/* ---- Create or replace (POST), change under a version (PUT .../{id}), read one ----
 * Every save records a version (who, when, the record) in its transaction (api/versions.c). */

static lm_status vehicle_decode(const cJSON *j, void *rec, lm_errinfo *err) {
    return fmt_vehicle_from_json(j, rec, err);
}
static lm_status vehicle_save(store_tx *tx, void *rec, char *extra, lm_errinfo *err) {
    (void)extra;
    return dispatch_vehicle_put(tx, rec, err);
}
static lm_status vehicle_get(store_read *r, const char *id, void *rec, lm_errinfo *err) {
    return dispatch_vehicle_get(r, id, rec, err);
}
static cJSON *vehicle_doc(const void *rec) {
    return vehicle_json(rec);
}
static const char *vehicle_id(const void *rec) {
    return ((const dispatch_vehicle *)rec)->id;
}
static const api_record_kind VEHICLE = {
    "vehicle", sizeof(dispatch_vehicle), vehicle_decode, vehicle_save, vehicle_get, vehicle_doc,
    vehicle_id};

static lm_status driver_decode(const cJSON *j, void *rec, lm_errinfo *err) {
    return fmt_driver_from_json(j, rec, err);
}
/* a new driver without a device id gets a generated one, handed back through extra */
static lm_status driver_save(store_tx *tx, void *rec, char *extra, lm_errinfo *err) {
    return dispatch_driver_save(tx, rec, extra, err);
}
static lm_status driver_get(store_read *r, const char *id, void *rec, lm_errinfo *err) {
    return dispatch_driver_get(r, id, rec, err);
}
static cJSON *driver_doc(const void *rec) {
    return driver_json(rec); /* never the device id: the history is readable */
}
static const char *driver_id(const void *rec) {
    return ((const dispatch_driver *)rec)->id;
}
static const api_record_kind DRIVER = {
    "driver", sizeof(dispatch_driver), driver_decode, driver_save, driver_get, driver_doc,
    driver_id};

lm_status api__vehicles_put(http_req *r) {
    return api__record_save(r, &VEHICLE, false);
}

lm_status api__vehicle_put(http_req *r) {
    return api__record_save(r, &VEHICLE, true);
}

lm_status api__drivers_put(http_req *r) {
    return api__record_save(r, &DRIVER, false);
}

lm_status api__driver_put(http_req *r) {
    return api__record_save(r, &DRIVER, true);
}

lm_status api__vehicle_get(http_req *r) {
    return api__record_get(r, &VEHICLE);
}

lm_status api__driver_get(http_req *r) {
    return api__record_get(r, &DRIVER);
}

lm_status api__vehicle_history(http_req *r) {
    return api__record_history(r, "vehicle", http_param(r, "id"));
}

lm_status api__driver_history(http_req *r) {
    return api__record_history(r, "driver", http_param(r, "id"));
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

/* ---- A driver's device: rotation and refused positions (docs/devices.md) ---- */

/* POST /v1/drivers/{id}/device: a fresh device id, answered here once; the old one is refused
 * from the next position on. */
lm_status api__drivers_device_rotate(http_req *r) {
    const char *id = http_param(r, "id");
    char dev[DISPATCH_DEVICE_ID_LEN + 1] = "";
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(api_store(r), &tx);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    if ((rc = dispatch_driver_device_rotate(tx, id, dev, &r->err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) return http_error(r, rc, "", "commit failed");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "driver_id", id);
    cJSON_AddStringToObject(o, "device_id", dev);
    return http_reply_json(r, 200, o);
}

/* A number as sent, or null when it was not one (NAN). */
static void add_num(cJSON *o, const char *k, double x) {
    if (isfinite(x))
        cJSON_AddNumberToObject(o, k, x);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *refusals_json(const char *id, const dispatch_refusals *x) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "driver_id", id);
    int64_t total = 0;
    cJSON *counts = cJSON_AddArrayToObject(o, "counts");
    for (size_t i = 0; i < x->n_counts; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "reason", x->counts[i].reason);
        cJSON_AddNumberToObject(c, "count", (double)x->counts[i].count);
        cJSON_AddNumberToObject(c, "last_ms", (double)x->counts[i].last_ms);
        cJSON_AddItemToArray(counts, c);
        total += x->counts[i].count;
    }
    cJSON_AddNumberToObject(o, "total", (double)total);
    cJSON *last = cJSON_AddArrayToObject(o, "last");
    for (size_t i = 0; i < x->n_last; i++) {
        const dispatch_refused_position *p = &x->last[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "reason", p->reason);
        cJSON_AddStringToObject(e, "device_hint", p->device_hint);
        cJSON_AddNumberToObject(e, "recv_ms", (double)p->recv_ms);
        cJSON_AddNumberToObject(e, "time_ms", (double)p->time_ms);
        add_num(e, "lat", p->lat);
        add_num(e, "lon", p->lon);
        add_num(e, "accuracy_m", p->accuracy_m);
        cJSON_AddItemToArray(last, e);
    }
    return o;
}

/* GET /v1/drivers/{id}/refusals?last=N: the driver's refused positions, counted per reason, and
 * the last N (1..1000, 20 by default) of them, newest first. */
lm_status api__drivers_refusals(http_req *r) {
    const char *id = http_param(r, "id");
    const char *q = http_query(r, "last");
    int64_t last_n = 20;
    if (q && !lm_parse_i64(q, 1, 1000, &last_n))
        return http_error(r, LM_INVALID, "last", "last must be a whole number 1..1000");
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    dispatch_driver d;
    dispatch_refusals x = {0};
    rc = dispatch_driver_get(rd, id, &d, &r->err);
    if (rc == LM_NOT_FOUND) {
        store_read_end(rd);
        return http_error(r, rc, "id", "driver '%s' not found", id);
    }
    if (rc == LM_OK) rc = dispatch_position_refusals(rd, id, (size_t)last_n, &x, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = refusals_json(id, &x);
    dispatch_refusals_clear(&x);
    return http_reply_json(r, 200, o);
}
