/* api/pd.c: pickup-and-delivery orders over HTTP: intake (POST /v1/orders with
 * "type": "pickup_delivery"), and the collection end shown where the order is shown: the order
 * itself, the driver's pickup stop (what and where to collect, whom to ask) and the tracking page
 * (both stops). */
#include "api/app.h"
#include "api/formats/pd_json.h"
#include "api/formats/rfc3339.h"
#include "api/handlers.h"
#include "api/input.h"
#include "store/store_dispatch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void add_time(cJSON *o, const char *key, int64_t epoch_s) {
    char t[FMT_TIME_RFC3339_LEN];
    fmt_time_format_rfc3339(epoch_s, t);
    cJSON_AddStringToObject(o, key, t);
}

static cJSON *pickup_json(const store_pickup *pk) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "address", pk->address);
    cJSON *loc = cJSON_AddArrayToObject(p, "location");
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(pk->lon));
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(pk->lat));
    cJSON *w = cJSON_AddObjectToObject(p, "window");
    add_time(w, "from", pk->window_start_s);
    add_time(w, "to", pk->window_end_s);
    cJSON *c = cJSON_AddObjectToObject(p, "contact");
    cJSON_AddStringToObject(c, "name", pk->contact_name);
    cJSON_AddStringToObject(c, "phone", pk->contact_phone);
    cJSON_AddStringToObject(p, "notes", pk->notes);
    if (pk->collected_ms)
        add_time(p, "collected_at", pk->collected_ms / 1000);
    else
        cJSON_AddNullToObject(p, "collected_at");
    return p;
}

void api__pd_order_into(cJSON *j, store_read *rd, int64_t order_id) {
    store_pickup pk;
    lm_errinfo e;
    if (store_pickup_get(rd, order_id, &pk, &e) != LM_OK) return; /* a delivery from stock */
    cJSON_AddStringToObject(j, "type", "pickup_delivery");
    cJSON_AddItemToObject(j, "pickup", pickup_json(&pk));
}

/* The order's required skills, saved in its intake transaction (orders_pd_in.in_tx). */
static lm_status requires_in_tx(store_tx *tx, int64_t order_id, void *ctx, lm_errinfo *err) {
    char ref[24];
    snprintf(ref, sizeof ref, "%" PRId64, order_id);
    return api__requires_save(tx, "order", ref, ctx, err);
}

lm_status api__pd_take(http_req *r, orders_svc *o, const api_requires *req, orders_order *out,
                       bool *replayed) {
    orders_order in;
    orders_pd_in pd;
    lm_status rc = fmt_pd_order_from_json(r->json, r->arena, &in, &pd, &r->err);
    if (rc != LM_OK) return rc;
    if (req->n) {
        pd.in_tx = requires_in_tx;
        pd.in_tx_ctx = (void *)req;
    }
    const char *key = http_header(r, "Idempotency-Key");
    if (key && (!key[0] || strlen(key) > STORE_REF_MAX))
        return http_error(r, LM_INVALID, "Idempotency-Key",
                          "Idempotency-Key must be 1..%d characters", STORE_REF_MAX);
    return orders_pd_create(o, &in, &pd, key, out, replayed, &r->err);
}

void api__pd_stop_into(store_read *rd, const dispatch_stop *s, cJSON *sj) {
    store_pickup pk;
    lm_errinfo e;
    if (s->return_id || store_pickup_get(rd, s->order_id, &pk, &e) != LM_OK) return;
    cJSON_AddStringToObject(sj, "order_type", "pickup_delivery");
    if (s->kind != DISPATCH_STOP_PICKUP) return;
    /* at the pickup the driver deals with the sender, not the receiving customer */
    cJSON_ReplaceItemInObjectCaseSensitive(sj, "customer_name",
                                           cJSON_CreateString(pk.contact_name));
    cJSON_ReplaceItemInObjectCaseSensitive(sj, "customer_phone",
                                           cJSON_CreateString(pk.contact_phone));
    cJSON_ReplaceItemInObjectCaseSensitive(sj, "address", cJSON_CreateString(pk.address));
    cJSON *p = pickup_json(&pk);
    cJSON *g = cJSON_AddObjectToObject(p, "goods"); /* what to collect */
    cJSON_AddNumberToObject(g, "parcels", (double)s->parcels);
    cJSON_AddNumberToObject(g, "weight_g", (double)s->weight_g);
    cJSON_AddNumberToObject(g, "volume_cm3", (double)s->volume_cm3);
    cJSON_AddItemToObject(sj, "pickup", p);
}

/* One end of the order as the customer sees it: the live stop's state and estimate, if any. */
static cJSON *end_json(const char *kind, const store_stop *st, int64_t from_s, int64_t to_s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON *w = cJSON_AddObjectToObject(o, "window");
    add_time(w, "from", from_s);
    add_time(w, "to", to_s);
    if (!st) {
        cJSON_AddStringToObject(o, "status", "not_planned");
        cJSON_AddNullToObject(o, "eta");
        return o;
    }
    cJSON_AddStringToObject(o, "status", dispatch_stop_status_name(st->status));
    if (st->status == DISPATCH_STOP_PLANNED || st->status == DISPATCH_STOP_ARRIVED)
        add_time(o, "eta", st->eta_s);
    else
        cJSON_AddNullToObject(o, "eta");
    if (st->done_ms)
        add_time(o, "done_at", st->done_ms / 1000);
    else
        cJSON_AddNullToObject(o, "done_at");
    return o;
}

void api__pd_track_into(cJSON *o, store_read *rd, const store_order *ord) {
    store_pickup pk;
    lm_errinfo e;
    if (store_pickup_get(rd, ord->id, &pk, &e) != LM_OK) return;
    store_stop_filter f = {.order_id = ord->id, .live_only = true};
    store_stop *all = NULL;
    size_t n = 0;
    if (store_stop_query(rd, &f, &all, &n, &e) != LM_OK) n = 0;
    const store_stop *pick = NULL, *drop = NULL; /* the newest of each: re-plans replace */
    for (size_t i = 0; i < n; i++) {
        const store_stop *s = &all[i];
        if (s->return_id) continue;
        if (s->kind == DISPATCH_STOP_PICKUP && (!pick || s->id > pick->id)) pick = s;
        if (s->kind == DISPATCH_STOP_DELIVERY && (!drop || s->id > drop->id)) drop = s;
    }
    cJSON_AddStringToObject(o, "type", "pickup_delivery");
    cJSON *p = cJSON_AddObjectToObject(o, "pickup");
    cJSON_AddStringToObject(p, "address", pk.address);
    if (pk.collected_ms)
        add_time(p, "collected_at", pk.collected_ms / 1000);
    else
        cJSON_AddNullToObject(p, "collected_at");
    cJSON *arr = cJSON_AddArrayToObject(o, "stops");
    cJSON_AddItemToArray(arr, end_json("pickup", pick, pk.window_start_s, pk.window_end_s));
    int64_t a = ord->n_windows ? ord->windows[0].start_s : 0;
    int64_t b = ord->n_windows ? ord->windows[0].end_s : 0;
    if (drop && drop->tw_end_s) { /* the window the plan chose among the order's */
        a = drop->tw_start_s;
        b = drop->tw_end_s;
    }
    cJSON_AddItemToArray(arr, end_json("delivery", drop, a, b));
    lm_free(all);
}
