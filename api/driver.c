/* api/driver.c: the driver app's API: the day's route, queued positions (answered after their
 * group commit), and arrived / delivered (with proofs) / failed at a stop. A driver key is bound
 * to one driver, and a driver may act only on the stops of its own route. */
#include "api/app.h"
#include "api/formats/driver_json.h"
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
    if (s->return_id) cJSON_AddNumberToObject(o, "return_id", (double)s->return_id);
    return o;
}

/* Turn-by-turn is the phone's own navigation app's job: links that open it on the stop. */
static cJSON *navigation_json(double lat, double lon) {
    char buf[256];
    cJSON *o = cJSON_CreateObject();
    snprintf(buf, sizeof buf, "geo:%.6f,%.6f?q=%.6f,%.6f", lat, lon, lat, lon);
    cJSON_AddStringToObject(o, "geo", buf);
    snprintf(buf, sizeof buf,
             "osmand.api://navigate?dest_lat=%.6f&dest_lon=%.6f&profile=car&force=true", lat, lon);
    cJSON_AddStringToObject(o, "osmand", buf);
    snprintf(buf, sizeof buf,
             "https://www.google.com/maps/dir/?api=1&destination=%.6f,%.6f&travelmode=driving", lat,
             lon);
    cJSON_AddStringToObject(o, "google_maps", buf);
    return o;
}

/* The road path of the newest plan that put live stops on the route (a re-plan's starts where
 * the van was), or null while the worker has not fetched it. */
static void add_route_geometry(cJSON *o, store_read *rd, const dispatch_driver_route *rt) {
    int64_t plan = 0;
    for (size_t i = 0; i < rt->n_stops; i++)
        if (rt->stops[i].stop.plan_id > plan) plan = rt->stops[i].stop.plan_id;
    char *poly = NULL;
    bool estimated = false;
    if (plan && rt->has_route &&
        store_route_geometry_get(rd, plan, rt->vehicle_id, &poly, &estimated, NULL) == LM_OK) {
        cJSON_AddStringToObject(o, "geometry", poly);
        cJSON_AddBoolToObject(o, "geometry_estimated", estimated);
        cJSON_AddNumberToObject(o, "geometry_plan_id", (double)plan);
    } else {
        cJSON_AddNullToObject(o, "geometry");
    }
    lm_free(poly);
}

/* The breaks the plan placed (stops of kind break) go to "planned_breaks" and leave rt's stop
 * list: apps that list stops see only customers and pickups, and each break keeps its stop id
 * for arrived (started) / delivered (taken). */
static void planned_breaks(dispatch_driver_route *rt, cJSON *o) {
    cJSON *arr = cJSON_AddArrayToObject(o, "planned_breaks");
    size_t kept = 0;
    for (size_t i = 0; i < rt->n_stops; i++) {
        const dispatch_stop *s = &rt->stops[i].stop;
        if (s->kind != DISPATCH_STOP_BREAK) {
            rt->stops[kept++] = rt->stops[i];
            continue;
        }
        cJSON *b = cJSON_CreateObject();
        cJSON_AddNumberToObject(b, "stop_id", (double)s->id);
        cJSON_AddNumberToObject(b, "seq", s->seq);
        cJSON_AddStringToObject(b, "status", dispatch_stop_status_name(s->status));
        cJSON_AddNumberToObject(b, "eta_s", (double)s->eta_s);
        cJSON *tw = cJSON_AddArrayToObject(b, "time_window");
        cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)s->tw_start_s));
        cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)s->tw_end_s));
        cJSON_AddNumberToObject(b, "service_s", (double)s->service_s);
        cJSON_AddItemToArray(arr, b);
    }
    rt->n_stops = kept;
}

lm_status api__driver_route(http_req *r) {
    lm_status rc = api__need_driver(r);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    dispatch_driver_route rt;
    memset(&rt, 0, sizeof rt);
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    rc = dispatch_driver_route_get(rd, r->subject, &rt, &r->err);
    if (rc != LM_OK) {
        store_read_end(rd);
        return rc;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "driver_id", rt.driver.id);
    cJSON_AddStringToObject(o, "driver_name", rt.driver.name);
    if (rt.has_route)
        cJSON_AddStringToObject(o, "vehicle_id", rt.vehicle_id);
    else
        cJSON_AddNullToObject(o, "vehicle_id");
    cJSON_AddBoolToObject(o, "started", rt.started);
    cJSON_AddBoolToObject(o, "broken", rt.broken);
    planned_breaks(&rt, o);
    cJSON *arr = cJSON_AddArrayToObject(o, "stops");
    for (size_t i = 0; i < rt.n_stops; i++) {
        cJSON *sj = stop_json(&rt.stops[i]);
        /* cash on delivery: what to collect at the door (api/cash.c) */
        if (rt.stops[i].stop.kind == DISPATCH_STOP_DELIVERY)
            cJSON_AddItemToObject(sj, "collect",
                                  api__cod_collect_json(rd, rt.stops[i].stop.order_id));
        /* what the customer asked through the tracking link (api/selfservice.c) */
        api__instructions_into(sj, rd, rt.stops[i].stop.order_id);
        api__returns_stop_into(rd, &rt.stops[i].stop, sj); /* a return: what to collect */
        api__pd_stop_into(rd, &rt.stops[i].stop, sj);      /* collect here, deliver there */
        cJSON_AddItemToObject(sj, "navigation",
                              navigation_json(rt.stops[i].stop.lat, rt.stops[i].stop.lon));
        cJSON_AddItemToArray(arr, sj);
    }
    api__driver_day_extras(rd, &rt, o);
    add_route_geometry(o, rd, &rt);
    store_read_end(rd);
    dispatch_driver_route_clear(&rt);
    return http_reply_json(r, 200, o);
}

lm_status api__driver_positions(http_req *r) {
    lm_status rc = api__need_driver(r);
    if (rc != LM_OK) return rc;
    fmt_osmand_pos *pos = NULL;
    size_t n = 0; /* decoded first: a bad body is a 400 whatever the server's state */
    if ((rc = api__body_any(r)) != LM_OK ||
        (rc = fmt_positions_from_json(r->json, "", r->arena, &pos, &n, &r->err)) != LM_OK)
        return rc;
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
    for (size_t k = 0; k < n; k++)
        lm_strlcpy(pos[k].device_id, device, sizeof pos[k].device_id);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "accepted", (double)n);
    if ((rc = http_reply_json(r, 200, o)) != LM_OK) return rc;
    return api__submit_deferred(r, g, pos, n, r->subject);
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
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
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
    bool replayed = false;
    lm_status rc = own_stop(r, &stop_id);
    if (rc == LM_OK) rc = api__idem_replay(r, &replayed); /* an offline queue's retry */
    if (rc != LM_OK || replayed) return rc;
    dispatch *d = api__need_dispatch(r, "live dispatch");
    if (!d) return LM_UNAVAILABLE;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    if ((rc = act(d, tx, r, stop_id, ctx)) != LM_OK) {
        store_tx_rollback(tx);
        return api__idem_after_failure(r, rc);
    }
    dispatch_stop s;
    memset(&s, 0, sizeof s);
    lm_errinfo e;
    if (dispatch_stop_get(store_tx_read(tx), stop_id, &s, &e) != LM_OK) s.id = stop_id;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)stop_id);
    cJSON_AddStringToObject(o, "status", dispatch_stop_status_name(s.status));
    /* the reply is kept in the action's own tx: committed and kept are one fact */
    if ((rc = api__idem_keep(r, tx, 200, o)) != LM_OK) {
        store_tx_rollback(tx);
        cJSON_Delete(o);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) {
        cJSON_Delete(o);
        return http_error(r, rc, "", "the change could not be committed");
    }
    return http_reply_json(r, 200, o);
}

static lm_status act_arrived(dispatch *d, store_tx *tx, http_req *r, int64_t id, void *ctx) {
    (void)ctx;
    return dispatch_stop_arrived(d, tx, r->subject, id, lm_now_ms(), &r->err);
}

lm_status api__driver_arrived(http_req *r) {
    lm_status rc = api__no_body(r);
    if (rc != LM_OK) return rc;
    return run_stop_action(r, act_arrived, NULL);
}

typedef struct delivered_ctx {
    char proof[DISPATCH_NOTE_MAX + 1];
    api_cod_in cod;
} delivered_ctx;

static lm_status act_delivered(dispatch *d, store_tx *tx, http_req *r, int64_t id, void *ctx) {
    delivered_ctx *c = ctx;
    int64_t now = lm_now_ms();
    lm_status rc = api__cod_deliver_tx(tx, r, id, &c->cod, now);
    if (rc == LM_OK) rc = dispatch_stop_delivered(d, tx, r->subject, id, c->proof, now, &r->err);
    if (rc == LM_OK) rc = api__returns_stop_done_tx(tx, r, id, true, NULL);
    return rc;
}

lm_status api__driver_delivered(http_req *r) {
    int64_t stop_id = 0;
    fmt_delivery dv; /* decoding writes nothing: a bad body is a 400 whoever sends it */
    lm_status rc = api__body(r, FMT_JSON_OPTIONAL);
    static const char *const cod_keys[] = {"collected", NULL}; /* api__cod_read's */
    delivered_ctx c;
    memset(&c, 0, sizeof c);
    if (rc == LM_OK) rc = fmt_delivery_from_json(r->json, cod_keys, r->arena, &dv, &r->err);
    if (rc == LM_OK) rc = api__cod_read(r, r->json, &c.cod);
    if (rc == LM_OK) rc = own_stop(r, &stop_id); /* before any file is written */
    bool replayed = false;
    if (rc == LM_OK) rc = api__idem_replay(r, &replayed); /* nor for a replay */
    if (rc != LM_OK || replayed) return rc;
    const char *recipient = dv.recipient_name[0] ? dv.recipient_name : NULL;
    char sig[160] = "", photo[160] = "";
    if (dv.signature.bytes &&
        (rc = api__proof_save(r, &dv.signature, "signature", stop_id, sig, sizeof sig)) != LM_OK)
        return rc;
    if (dv.photo.bytes &&
        (rc = api__proof_save(r, &dv.photo, "photo", stop_id, photo, sizeof photo)) != LM_OK)
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
    lm_status rc =
        dispatch_stop_failed(d, tx, r->subject, id, c->reason, c->note, lm_now_ms(), &r->err);
    if (rc == LM_OK) rc = api__returns_stop_done_tx(tx, r, id, false, c->reason);
    /* the attempt counted and the recovery policy applied in the same transaction */
    if (rc == LM_OK) rc = api__recovery_after_failed(r, tx, id, c->reason);
    return rc;
}

lm_status api__driver_failed(http_req *r) {
    fmt_stop_failed f;
    fmt_image photo;
    int64_t stop_id = 0;
    bool replayed = false;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_stop_failed_proof_from_json(r->json, r->arena, &f, &photo, &r->err);
    if (rc == LM_OK && photo.bytes) rc = own_stop(r, &stop_id); /* before the file is written */
    if (rc == LM_OK && photo.bytes) rc = api__idem_replay(r, &replayed);
    if (rc != LM_OK || replayed) return rc;
    char rel[160] = "", *note = NULL;
    if (photo.bytes) {
        if ((rc = api__proof_save(r, &photo, "photo", stop_id, rel, sizeof rel)) != LM_OK)
            return rc;
        /* the note carries the proof's path like a delivery's proof text does; first, so that a
         * long note is what gets cut */
        size_t cap = DISPATCH_NOTE_MAX + 1;
        note = lm_arena_alloc(r->arena, cap);
        if (!note) return http_error(r, LM_NOMEM, "", "out of memory");
        snprintf(note, cap, "photo %s%s%s", rel, f.note[0] ? "; " : "", f.note);
    }
    failed_ctx c = {f.reason, note ? note : f.note};
    return run_stop_action(r, act_failed, &c);
}
