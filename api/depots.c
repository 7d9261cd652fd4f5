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

static lm_status handle_depots_create(http_req *r, orders_svc *o) {
    orders_depot d;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_depot_from_json(r->json, &d, &r->err);
    if (rc != LM_OK) return rc;
    if ((rc = orders_depot_put(o, &d, &r->err)) != LM_OK) return rc;
    return http_reply_json(r, 201, depot_json(&d));
}

lm_status api__depots_create(http_req *r) {
    return api__with_orders(r, handle_depots_create);
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
