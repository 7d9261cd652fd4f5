/* api/formats/pd_json.c: pickup-and-delivery order bodies (api/formats/pd_json.h): the delivery
 * members are read by the order codec itself, the pickup and package members here. */
#include "api/formats/pd_json.h"

#include "api/formats/json.h"
#include "api/formats/orders_json.h"

#include <string.h>

/* [start, end] or {"start", "end"}, each a time. */
static lm_status window(const cJSON *w, const char *path, int64_t *a, int64_t *b, lm_errinfo *err) {
    const cJSON *x = NULL, *y = NULL;
    if (cJSON_IsArray(w) && cJSON_GetArraySize(w) == 2) {
        x = cJSON_GetArrayItem(w, 0);
        y = cJSON_GetArrayItem(w, 1);
    } else if (cJSON_IsObject(w) && cJSON_GetArraySize(w) == 2) {
        x = fmt_json_get(w, "start");
        y = fmt_json_get(w, "end");
    }
    if (!x || !y) return lm_errinfo_set(err, LM_INVALID, path, "must be [start, end]");
    lm_status rc = fmt_order_time_from_json(x, path, a, err);
    if (rc == LM_OK) rc = fmt_order_time_from_json(y, path, b, err);
    if (rc == LM_OK && *a >= *b)
        rc = lm_errinfo_set(err, LM_INVALID, path, "a window must end after it starts");
    return rc;
}

static lm_status contact(const cJSON *c, store_pickup *pk, lm_errinfo *err) {
    static const char *const keys[] = {"name", "phone", NULL};
    if (!c || cJSON_IsNull(c)) return LM_OK;
    lm_status rc = fmt_json_require_object(c, "pickup.contact", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(c, "pickup.contact", keys, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(c, "name", "pickup.contact", FMT_JSON_OPTIONAL, false,
                                  pk->contact_name, sizeof pk->contact_name, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(c, "phone", "pickup.contact", FMT_JSON_OPTIONAL, false,
                                  pk->contact_phone, sizeof pk->contact_phone, err);
    return rc;
}

static lm_status pickup(const cJSON *p, store_pickup *pk, lm_errinfo *err) {
    static const char *const keys[] = {"address", "location", "window", "contact", "notes", NULL};
    if (!p || cJSON_IsNull(p))
        return lm_errinfo_set(err, LM_INVALID, "pickup",
                              "is required: where and when the goods are collected");
    lm_status rc = fmt_json_require_object(p, "pickup", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(p, "pickup", keys, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(p, "address", "pickup", FMT_JSON_OPTIONAL, false, pk->address,
                                  sizeof pk->address, err);
    if (rc == LM_OK)
        rc = fmt_json_string_into(p, "notes", "pickup", FMT_JSON_OPTIONAL, true, pk->notes,
                                  sizeof pk->notes, err);
    if (rc != LM_OK) return rc;
    const cJSON *loc = fmt_json_get(p, "location");
    if (!loc || cJSON_IsNull(loc))
        return lm_errinfo_set(err, LM_INVALID, "pickup.location", "is required: [lon, lat]");
    if ((rc = fmt_lonlat_from_json(loc, "pickup.location", &pk->lon, &pk->lat, err)) != LM_OK)
        return rc;
    const cJSON *w = fmt_json_get(p, "window");
    if (!w || cJSON_IsNull(w))
        return lm_errinfo_set(err, LM_INVALID, "pickup.window", "is required: [start, end]");
    if ((rc = window(w, "pickup.window", &pk->window_start_s, &pk->window_end_s, err)) != LM_OK)
        return rc;
    return contact(fmt_json_get(p, "contact"), pk, err);
}

static lm_status package(const cJSON *p, orders_pd_in *pd, lm_errinfo *err) {
    static const char *const keys[] = {"weight_g", "volume_cm3", "parcels", NULL};
    if (!p || cJSON_IsNull(p))
        return lm_errinfo_set(err, LM_INVALID, "package",
                              "is required: {\"weight_g\", \"volume_cm3\", \"parcels\"}");
    lm_status rc = fmt_json_require_object(p, "package", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(p, "package", keys, err);
    if (rc == LM_OK)
        rc = fmt_json_int(p, "weight_g", "package", FMT_JSON_REQUIRED, 0, 100000000, &pd->weight_g,
                          err);
    if (rc == LM_OK)
        rc = fmt_json_int(p, "volume_cm3", "package", FMT_JSON_OPTIONAL, 0, 1000000000,
                          &pd->volume_cm3, err);
    pd->parcels = 1;
    if (rc == LM_OK)
        rc = fmt_json_int(p, "parcels", "package", FMT_JSON_OPTIONAL, 1, 1000, &pd->parcels, err);
    return rc;
}

lm_status fmt_pd_order_from_json(const cJSON *j, lm_arena *arena, orders_order *o, orders_pd_in *pd,
                                 lm_errinfo *err) {
    if (!cJSON_IsObject(j))
        return lm_errinfo_set(err, LM_INVALID, "body",
                              "expected a JSON object (a pickup-and-delivery order)");
    const char *type = NULL;
    lm_status rc = fmt_json_string(j, "type", "", FMT_JSON_REQUIRED, 32, &type, err);
    if (rc != LM_OK) return rc;
    if (strcmp(type, "pickup_delivery"))
        return lm_errinfo_set(err, LM_INVALID, "type",
                              "must be \"pickup_delivery\" (leave it out for a delivery from "
                              "stock)");
    memset(pd, 0, sizeof *pd);
    if ((rc = fmt_json_string_into(j, "depot", "", FMT_JSON_OPTIONAL, false, pd->depot_id,
                                   sizeof pd->depot_id, err)) != LM_OK ||
        (rc = pickup(fmt_json_get(j, "pickup"), &pd->pickup, err)) != LM_OK ||
        (rc = package(fmt_json_get(j, "package"), pd, err)) != LM_OK)
        return rc;
    /* the delivery end is an order body: the order codec reads it (unknown keys refused there) */
    cJSON *rest = cJSON_Duplicate(j, true);
    if (!rest) return lm_errinfo_set(err, LM_NOMEM, "body", "out of memory");
    static const char *const ours[] = {"type", "depot", "pickup", "package"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(rest, ours[i]);
    rc = fmt_order_from_json(rest, arena, o, err);
    cJSON_Delete(rest);
    if (rc != LM_OK) return rc;
    return orders_pd_check(o, pd, err);
}
