/* api/depots.c: POST and GET /v1/depots, and the depot JSON both use. */
#include "api/app.h"
#include "api/formats/orders_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/orders.h"

#include <stdio.h>
#include <string.h>

static cJSON *depot_json(const orders_depot *d) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", d->id);
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON *loc = cJSON_AddArrayToObject(o, "location");
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(d->lon));
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(d->lat));
    cJSON *oh = cJSON_AddObjectToObject(o, "opening_hours");
    char b[16];
    snprintf(b, sizeof b, "%02d:%02d", (int)(d->open_s / 3600), (int)(d->open_s % 3600 / 60));
    cJSON_AddStringToObject(oh, "open", b);
    snprintf(b, sizeof b, "%02d:%02d", (int)(d->close_s / 3600), (int)(d->close_s % 3600 / 60));
    cJSON_AddStringToObject(oh, "close", b);
    return o;
}

/* POST creates or replaces; PUT /v1/depots/{id} changes under a version precondition. Both
 * record the version (who, when, the depot) in the depot's own transaction (api/versions.c). */
static lm_status depot_decode(const cJSON *j, void *rec, lm_errinfo *err) {
    return fmt_depot_from_json(j, rec, err);
}
static lm_status depot_save(store_tx *tx, void *rec, char *extra, lm_errinfo *err) {
    (void)extra;
    return orders_depot_put_tx(tx, rec, err);
}
static lm_status depot_get(store_read *r, const char *id, void *rec, lm_errinfo *err) {
    return store_depot_get(r, id, rec, err);
}
static cJSON *depot_doc(const void *rec) {
    return depot_json(rec);
}
static const char *depot_id(const void *rec) {
    return ((const orders_depot *)rec)->id;
}
static const api_record_kind DEPOT = {
    "depot", sizeof(orders_depot), depot_decode, depot_save, depot_get, depot_doc, depot_id};

lm_status api__depots_create(http_req *r) {
    return api__record_save(r, &DEPOT, false);
}

lm_status api__depot_put(http_req *r) {
    return api__record_save(r, &DEPOT, true);
}

lm_status api__depot_get(http_req *r) {
    return api__record_get(r, &DEPOT);
}

lm_status api__depot_history(http_req *r) {
    return api__record_history(r, "depot", http_param(r, "id"));
}

static lm_status handle_depots_list(http_req *r, orders_svc *o) {
    orders_depot *d = NULL;
    size_t n = 0;
    lm_status rc = orders_depot_list(o, &d, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "depots");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, depot_json(&d[i]));
    lm_free(d);
    return http_reply_json(r, 200, out);
}

lm_status api__depots_list(http_req *r) {
    return api__with_orders(r, handle_depots_list);
}
