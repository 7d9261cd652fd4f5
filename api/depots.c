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
 * record the version (who, when, the depot) in the depot's own transaction. */
static lm_status depot_save(http_req *r, bool versioned) {
    orders_depot d;
    int64_t expected = -1, version = 0;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK && versioned) rc = api__precondition_take(r, &expected);
    if (rc == LM_OK && versioned) {
        const char *id = http_param(r, "id");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(r->json, "id");
        if (!b)
            cJSON_AddStringToObject(r->json, "id", id);
        else if (!cJSON_IsString(b) || strcmp(b->valuestring, id))
            rc = http_error(r, LM_INVALID, "id", "the body's id must be the path's ('%s')", id);
    }
    if (rc == LM_OK) rc = fmt_depot_from_json(r->json, &d, &r->err);
    if (rc != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(api_store(r), &tx)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    cJSON *doc = depot_json(&d);
    if ((rc = orders_depot_put_tx(tx, &d, &r->err)) != LM_OK ||
        (rc = api__record_version(r, tx, "depot", d.id, doc, expected, &version)) != LM_OK) {
        store_tx_rollback(tx);
        cJSON_Delete(doc);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) {
        cJSON_Delete(doc);
        return http_error(r, rc, "", "commit failed");
    }
    return api__reply_versioned(r, versioned ? 200 : 201, doc, version);
}

lm_status api__depots_create(http_req *r) {
    return depot_save(r, false);
}

lm_status api__depot_put(http_req *r) {
    return depot_save(r, true);
}

lm_status api__depot_get(http_req *r) {
    const char *id = http_param(r, "id");
    store_depot d;
    int64_t version = 0;
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    rc = store_depot_get(rd, id, &d, &r->err);
    if (rc == LM_OK) rc = store_record_version(rd, "depot", id, &version, &r->err);
    store_read_end(rd);
    if (rc == LM_NOT_FOUND) return http_error(r, rc, "id", "depot '%s' not found", id);
    if (rc != LM_OK) return rc;
    return api__reply_versioned(r, 200, depot_json(&d), version);
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
