/* api/products.c: POST and GET /v1/products, and the product JSON both use. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/orders.h"

#include <math.h>
#include <string.h>

static cJSON *product_json(const orders_product *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "sku", p->sku);
    cJSON_AddStringToObject(o, "name", p->name);
    cJSON_AddNumberToObject(o, "weight_g", (double)p->weight_g);
    cJSON_AddNumberToObject(o, "volume_cm3", (double)p->volume_cm3);
    cJSON_AddBoolToObject(o, "active", p->active);
    if (p->substitute_sku[0])
        cJSON_AddStringToObject(o, "substitute_sku", p->substitute_sku);
    else
        cJSON_AddNullToObject(o, "substitute_sku");
    return o;
}

lm_status api__product_from_json(http_req *r, const cJSON *j, orders_product *p) {
    lm_status rc;
    memset(p, 0, sizeof *p);
    if ((rc = api__need_object(r, j, "object (a product)")) != LM_OK) return rc;
    if ((rc = api__json_str(r, j, "sku", "sku", p->sku, sizeof p->sku, true)) != LM_OK) return rc;
    if ((rc = api__json_str(r, j, "name", "name", p->name, sizeof p->name, true)) != LM_OK)
        return rc;
    if ((rc = api__json_int(r, j, "weight_g", "weight_g", 0, 10000000, false, &p->weight_g,
                            NULL)) != LM_OK)
        return rc;
    if ((rc = api__json_int(r, j, "volume_cm3", "volume_cm3", 0, 100000000, false, &p->volume_cm3,
                            NULL)) != LM_OK)
        return rc;
    /* weight_kg / volume_l (the demo's units) are accepted and stored as integers */
    const cJSON *kg = cJSON_GetObjectItemCaseSensitive(j, "weight_kg");
    if (kg) {
        if (!cJSON_IsNumber(kg) || !(kg->valuedouble >= 0 && kg->valuedouble <= 10000))
            return http_error(r, LM_INVALID, "weight_kg", "weight_kg must be 0..10000");
        p->weight_g = (int64_t)llround(kg->valuedouble * 1000.0);
    }
    const cJSON *vl = cJSON_GetObjectItemCaseSensitive(j, "volume_l");
    if (vl) {
        if (!cJSON_IsNumber(vl) || !(vl->valuedouble >= 0 && vl->valuedouble <= 100000))
            return http_error(r, LM_INVALID, "volume_l", "volume_l must be 0..100000");
        p->volume_cm3 = (int64_t)llround(vl->valuedouble * 1000.0);
    }
    if ((rc = api__json_str(r, j, "substitute_sku", "substitute_sku", p->substitute_sku,
                            sizeof p->substitute_sku, false)) != LM_OK)
        return rc;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "active");
    p->active = true;
    if (a && !cJSON_IsNull(a)) {
        if (!cJSON_IsBool(a))
            return http_error(r, LM_INVALID, "active", "active must be a boolean");
        p->active = cJSON_IsTrue(a);
    }
    return LM_OK;
}

static lm_status handle_products_create(http_req *r, orders_svc *o) {
    orders_product p;
    lm_status rc = api__product_from_json(r, r->json, &p);
    if (rc != LM_OK) return rc;
    if ((rc = orders_product_put(o, &p, &r->err)) != LM_OK) return rc;
    return http_reply_json(r, 201, product_json(&p));
}

lm_status api__products_create(http_req *r) {
    return api__with_orders(r, handle_products_create);
}

static lm_status handle_products_list(http_req *r, orders_svc *o) {
    orders_product *p = NULL;
    size_t n = 0;
    lm_status rc = orders_product_list(o, &p, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "products");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, product_json(&p[i]));
    lm_free(p);
    return http_reply_json(r, 200, out);
}

lm_status api__products_list(http_req *r) {
    return api__with_orders(r, handle_products_list);
}
