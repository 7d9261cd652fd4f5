/* api/driver.c: the driver app's API: the day's route, queued positions (answered after their
 * group commit), and arrived / delivered (with proofs) / failed at a stop. A driver key is bound
 * to one driver, and a driver may act only on the stops of its own route. */
#include "api/app.h"
#include "api/formats/osmand.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "store/store_orders.h"

#include <stdio.h>
#include <string.h>

lm_status api__need_driver(http_req *r) {
    if (!r->subject[0])
        return http_error(r, LM_FORBIDDEN, "Authorization",
                          "this route needs a driver key (bound to one driver)");
    return LM_OK;
}

static cJSON *stop_json(const dispatch_stop_view *v) {
    const dispatch_stop *s = &v->stop;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)s->id);
    cJSON_AddNumberToObject(o, "seq", s->seq);
    cJSON_AddStringToObject(o, "kind", dispatch_stop_kind_name(s->kind));
    cJSON_AddStringToObject(o, "status", dispatch_stop_status_name(s->status));
    cJSON_AddNumberToObject(o, "order_id", (double)s->order_id);
    cJSON_AddStringToObject(o, "customer_name", v->customer_name);
    cJSON_AddStringToObject(o, "customer_phone", v->customer_phone);
    cJSON_AddStringToObject(o, "address", v->address);
    cJSON_AddStringToObject(o, "instructions", v->instructions);
    cJSON *loc = cJSON_AddArrayToObject(o, "location");
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(s->lon));
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(s->lat));
    if (s->tw_start_s || s->tw_end_s) {
        cJSON *tw = cJSON_AddArrayToObject(o, "time_window");
        cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)s->tw_start_s));
        cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)s->tw_end_s));
    } else {
        cJSON_AddNullToObject(o, "time_window");
    }
    cJSON_AddNumberToObject(o, "eta_s", (double)s->eta_s);
    cJSON_AddNumberToObject(o, "service_s", (double)s->service_s);
    cJSON_AddNumberToObject(o, "parcels", (double)s->parcels);
    cJSON_AddNumberToObject(o, "weight_g", (double)s->weight_g);
    if (s->reason[0]) cJSON_AddStringToObject(o, "reason", s->reason);
    return o;
}

lm_status api__driver_route(http_req *r) {
    lm_status rc = api__need_driver(r);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    dispatch_driver_route rt;
    memset(&rt, 0, sizeof rt);
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK)
        return http_error(r, rc, "", "the store is not available");
    rc = dispatch_driver_route_get(rd, r->subject, &rt, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "driver_id", rt.driver.id);
    cJSON_AddStringToObject(o, "driver_name", rt.driver.name);
    if (rt.has_route)
        cJSON_AddStringToObject(o, "vehicle_id", rt.vehicle_id);
    else
        cJSON_AddNullToObject(o, "vehicle_id");
    cJSON_AddBoolToObject(o, "started", rt.started);
    cJSON_AddBoolToObject(o, "broken", rt.broken);
    cJSON *arr = cJSON_AddArrayToObject(o, "stops");
    for (size_t i = 0; i < rt.n_stops; i++)
        cJSON_AddItemToArray(arr, stop_json(&rt.stops[i]));
    dispatch_driver_route_clear(&rt);
    return http_reply_json(r, 200, o);
}

lm_status api__driver_positions(http_req *r) {
    lm_status rc = api__need_driver(r);
    if (rc != LM_OK) return rc;
    const cJSON *list = r->json;
    if (cJSON_IsObject(list)) list = cJSON_GetObjectItemCaseSensitive(list, "positions");
    if (!cJSON_IsArray(list))
        return http_error(r, LM_INVALID, "positions", "expected {\"positions\": [...]}");
    int count = cJSON_GetArraySize(list);
    if (count < 1 || count > FMT_OSMAND_MAX_BATCH)
        return http_error(r, count ? LM_TOO_BIG : LM_INVALID, "positions",
                          "send 1..%d positions per request", FMT_OSMAND_MAX_BATCH);
    dispatch_ingest *g = api_app_of(r)->ingest;
    if (!g) return http_error(r, LM_UNAVAILABLE, "", "position ingest is not running");
    /* the device id recorded with them: the driver's phone if it has one */
    char device[FMT_OSMAND_DEVICE_MAX];
    snprintf(device, sizeof device, "driver:%.50s", r->subject);
    store_read *rd = NULL;
    if (store_read_begin(api_store(r), &rd) == LM_OK) {
        dispatch_driver dr;
        lm_errinfo e;
        if (dispatch_driver_get(rd, r->subject, &dr, &e) == LM_OK && dr.device_id[0])
            lm_strlcpy(device, dr.device_id, sizeof device);
        store_read_end(rd);
    }
    fmt_osmand_pos *pos = lm_arena_alloc(r->arena, (size_t)count * sizeof *pos);
    if (!pos) return http_error(r, LM_NOMEM, "", "out of memory");
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        char f[48];
        fmt_osmand_pos *p = &pos[i];
        memset(p, 0, sizeof *p);
        lm_strlcpy(p->device_id, device, sizeof p->device_id);
        p->speed_mps = p->heading_deg = p->altitude_m = p->accuracy_m = p->battery_pct = NAN;
        p->charging = -1;
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(it, "lat");
        const cJSON *lon = cJSON_GetObjectItemCaseSensitive(it, "lon");
        geo_point gp = {cJSON_IsNumber(lat) ? lat->valuedouble : NAN,
                        cJSON_IsNumber(lon) ? lon->valuedouble : NAN};
        snprintf(f, sizeof f, "positions[%zu]", i);
        if ((rc = geo_point_check(gp, f, &r->err)) != LM_OK) return rc;
        p->lat = gp.lat;
        p->lon = gp.lon;
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(it, "timestamp");
        char tbuf[40] = "";
        if (cJSON_IsString(ts))
            lm_strlcpy(tbuf, ts->valuestring, sizeof tbuf);
        else if (cJSON_IsNumber(ts) && ts->valuedouble >= 0)
            snprintf(tbuf, sizeof tbuf, "%lld", (long long)ts->valuedouble);
        if (!fmt_osmand_time_parse(tbuf, &p->time_ms)) {
            snprintf(f, sizeof f, "positions[%zu].timestamp", i);
            return http_error(r, LM_INVALID, f,
                              "the device time is required: epoch s, epoch ms or ISO-8601");
        }
        static const char *const opt[] = {"speed", "heading", "accuracy", "battery", "altitude"};
        double *dst[] = {&p->speed_mps, &p->heading_deg, &p->accuracy_m, &p->battery_pct,
                         &p->altitude_m};
        for (size_t k = 0; k < 5; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, opt[k]);
            if (!v || cJSON_IsNull(v)) continue;
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
                snprintf(f, sizeof f, "positions[%zu].%s", i, opt[k]);
                return http_error(r, LM_INVALID, f, "must be a number");
            }
            *dst[k] = v->valuedouble;
        }
        if (!(p->speed_mps >= 0)) p->speed_mps = NAN;
        if (!(p->heading_deg >= 0)) p->heading_deg = NAN;
        if (!(p->accuracy_m >= 0)) p->accuracy_m = NAN;
        if (!(p->battery_pct >= 0 && p->battery_pct <= 100)) p->battery_pct = NAN;
        i++;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "accepted", (double)i);
    if ((rc = http_reply_json(r, 200, o)) != LM_OK) return rc;
    return api__submit_deferred(r, g, pos, i, r->subject);
}

/* The stop id of the path, and that it is on this driver's live route (404 otherwise, so that
 * another driver's stop ids are not even confirmed to exist). */
static lm_status own_stop(http_req *r, int64_t *stop_id) {
    lm_status rc = api__need_driver(r);
    if (rc != LM_OK) return rc;
    int64_t id = 0;
    if (!lm_parse_i64(http_param(r, "id"), 1, INT64_MAX, &id))
        return http_error(r, LM_INVALID, "id", "the stop id must be a positive integer");
    store_read *rd = NULL;
    char owner[DISPATCH_ID_MAX + 1] = "";
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK)
        return http_error(r, rc, "", "the store is not available");
    rc = dispatch_stop_owner(rd, id, owner, &r->err);
    store_read_end(rd);
    if (rc != LM_OK && rc != LM_NOT_FOUND) return rc;
    if (rc == LM_NOT_FOUND || strcmp(owner, r->subject))
        return http_error(r, LM_NOT_FOUND, "id", "no stop %lld on your route", (long long)id);
    *stop_id = id;
    return LM_OK;
}

/* Runs one stop action in its own transaction; answers {id, status} after the commit. */
typedef lm_status (*stop_action)(dispatch *d, store_tx *tx, http_req *r, int64_t stop_id,
                                 void *ctx);

static lm_status run_stop_action(http_req *r, stop_action act, void *ctx) {
    int64_t stop_id = 0;
    lm_status rc = own_stop(r, &stop_id);
    if (rc != LM_OK) return rc;
    dispatch *d = api__need_dispatch(r, "live dispatch");
    if (!d) return LM_UNAVAILABLE;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(api_store(r), &tx)) != LM_OK)
        return http_error(r, rc, "", "the store is not available");
    if ((rc = act(d, tx, r, stop_id, ctx)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK)
        return http_error(r, rc, "", "the change could not be committed");
    store_read *rd = NULL;
    dispatch_stop s;
    memset(&s, 0, sizeof s);
    if (store_read_begin(api_store(r), &rd) == LM_OK) {
        lm_errinfo e;
        if (dispatch_stop_get(rd, stop_id, &s, &e) != LM_OK) s.id = stop_id;
        store_read_end(rd);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)stop_id);
    cJSON_AddStringToObject(o, "status", dispatch_stop_status_name(s.status));
    return http_reply_json(r, 200, o);
}

static lm_status act_arrived(dispatch *d, store_tx *tx, http_req *r, int64_t id, void *ctx) {
    (void)ctx;
    return dispatch_stop_arrived(d, tx, r->subject, id, lm_now_ms(), &r->err);
}

lm_status api__driver_arrived(http_req *r) {
    return run_stop_action(r, act_arrived, NULL);
}

typedef struct delivered_ctx {
    char proof[DISPATCH_NOTE_MAX + 1];
} delivered_ctx;

static lm_status act_delivered(dispatch *d, store_tx *tx, http_req *r, int64_t id, void *ctx) {
    delivered_ctx *c = ctx;
    return dispatch_stop_delivered(d, tx, r->subject, id, c->proof, lm_now_ms(), &r->err);
}

lm_status api__driver_delivered(http_req *r) {
    int64_t stop_id = 0;
    lm_status rc = own_stop(r, &stop_id); /* before any file is written */
    if (rc != LM_OK) return rc;
    delivered_ctx c;
    memset(&c, 0, sizeof c);
    const cJSON *body = r->json;
    if (body && !cJSON_IsObject(body))
        return http_error(r, LM_INVALID, "body", "expected a JSON object");
    const char *recipient = body ? api__json_get_str(body, "recipient") : NULL;
    const cJSON *rv = body ? cJSON_GetObjectItemCaseSensitive(body, "recipient") : NULL;
    if (rv && !cJSON_IsNull(rv) && !recipient)
        return http_error(r, LM_INVALID, "recipient", "recipient must be a string");
    if (recipient && strlen(recipient) > 200)
        return http_error(r, LM_INVALID, "recipient", "at most 200 characters");
    for (const char *p = recipient; p && *p; p++)
        if ((unsigned char)*p < 0x20)
            return http_error(r, LM_INVALID, "recipient", "no control characters");
    char sig[160] = "", photo[160] = "";
    const cJSON *f;
    if (body && (f = cJSON_GetObjectItemCaseSensitive(body, "signature")) && !cJSON_IsNull(f) &&
        (rc = api__proof_save(r, f, "signature", stop_id, sig, sizeof sig)) != LM_OK)
        return rc;
    if (body && (f = cJSON_GetObjectItemCaseSensitive(body, "photo")) && !cJSON_IsNull(f) &&
        (rc = api__proof_save(r, f, "photo", stop_id, photo, sizeof photo)) != LM_OK)
        return rc;
    snprintf(c.proof, sizeof c.proof, "%s%s%s%s%s%s", recipient ? "received by " : "",
             recipient ? recipient : "", sig[0] ? "; signature " : "", sig,
             photo[0] ? "; photo " : "", photo);
    return run_stop_action(r, act_delivered, &c);
}

typedef struct failed_ctx {
    const char *reason, *note;
} failed_ctx;

static lm_status act_failed(dispatch *d, store_tx *tx, http_req *r, int64_t id, void *ctx) {
    failed_ctx *c = ctx;
    return dispatch_stop_failed(d, tx, r->subject, id, c->reason, c->note, lm_now_ms(), &r->err);
}

lm_status api__driver_failed(http_req *r) {
    static const char *const reasons[] = {"not_home", "refused", "address_not_found", "damaged",
                                          "other"};
    if (!cJSON_IsObject(r->json))
        return http_error(r, LM_INVALID, "body", "expected {\"reason\": ..., \"note\": ...}");
    failed_ctx c = {api__json_get_str(r->json, "reason"), api__json_get_str(r->json, "note")};
    bool known = false;
    for (size_t i = 0; c.reason && i < sizeof reasons / sizeof reasons[0]; i++)
        known |= !strcmp(c.reason, reasons[i]);
    if (!known)
        return http_error(r, LM_INVALID, "reason",
                          "reason must be not_home, refused, address_not_found, damaged or other");
    if (c.note && strlen(c.note) > DISPATCH_NOTE_MAX)
        return http_error(r, LM_INVALID, "note", "at most %d characters", DISPATCH_NOTE_MAX);
    if (!c.note) c.note = "";
    return run_stop_action(r, act_failed, &c);
}
