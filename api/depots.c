/* api/depots.c: POST and GET /v1/depots, and the depot JSON both use. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/orders.h"

#include <stdio.h>
#include <string.h>

static lm_status hhmm_parse(http_req *r, const char *s, const char *path, int32_t *out) {
    int h, m, n = 0;
    if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] || h < 0 || h > 48 || m < 0 || m > 59)
        return http_error(r, LM_INVALID, path, "%s must be HH:MM", path);
    *out = h * 3600 + m * 60;
    return LM_OK;
}

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

/* Shared by POST /v1/depots and the demo loader. */
lm_status api__depot_from_json(http_req *r, const cJSON *j, orders_depot *d) {
    lm_status rc;
    memset(d, 0, sizeof *d);
    if ((rc = api__need_object(r, j, "object (a depot)")) != LM_OK) return rc;
    if ((rc = api__json_str(r, j, "id", "id", d->id, sizeof d->id, true)) != LM_OK) return rc;
    if ((rc = api__json_str(r, j, "name", "name", d->name, sizeof d->name, true)) != LM_OK)
        return rc;
    const cJSON *loc = cJSON_GetObjectItemCaseSensitive(j, "location");
    if (!loc) return http_error(r, LM_INVALID, "location", "location is required: [lon, lat]");
    if ((rc = api__json_lonlat(r, loc, "location", &d->lon, &d->lat)) != LM_OK) return rc;
    d->open_s = 0;
    d->close_s = 86400;
    const cJSON *oh = cJSON_GetObjectItemCaseSensitive(j, "opening_hours");
    if (cJSON_IsArray(oh)) { /* [open_s, close_s]: seconds after midnight (the demo's form) */
        const cJSON *a = cJSON_GetArrayItem(oh, 0), *b = cJSON_GetArrayItem(oh, 1);
        if (cJSON_GetArraySize(oh) != 2 || !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
            a->valuedouble < 0 || a->valuedouble >= 86400 || b->valuedouble > 2 * 86400)
            return http_error(r, LM_INVALID, "opening_hours",
                              "opening_hours must be [open_s, close_s] seconds after midnight");
        d->open_s = (int32_t)a->valuedouble;
        d->close_s = (int32_t)b->valuedouble;
    } else if (oh && !cJSON_IsNull(oh)) {
        if (!cJSON_IsObject(oh))
            return http_error(r, LM_INVALID, "opening_hours",
                              "opening_hours must be {\"open\": \"HH:MM\", \"close\": \"HH:MM\"}");
        char b[16];
        if ((rc = api__json_str(r, oh, "open", "opening_hours.open", b, sizeof b, true)) != LM_OK ||
            (rc = hhmm_parse(r, b, "opening_hours.open", &d->open_s)) != LM_OK ||
            (rc = api__json_str(r, oh, "close", "opening_hours.close", b, sizeof b, true)) !=
                LM_OK ||
            (rc = hhmm_parse(r, b, "opening_hours.close", &d->close_s)) != LM_OK)
            return rc;
    }
    return LM_OK;
}

static lm_status handle_depots_create(http_req *r, orders_svc *o) {
    orders_depot d;
    lm_status rc = api__depot_from_json(r, r->json, &d);
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
