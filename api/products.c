/* api/products.c: POST and GET /v1/products, and the product JSON both use. */
#include "api/app.h"
#include "api/formats/orders_json.h"
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

static lm_status handle_products_create(http_req *r, orders_svc *o) {
    orders_product p;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_product_from_json(r->json, &p, &r->err);
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
