/* api/promotions.c: the money catalogue over HTTP: a product's price per currency, promotions as
 * data (coupons included), and the money settings (coupon refusal or warning, holding unpaid
 * orders, the payment timeout, tax on shipping). Codec: api/formats/money.h; rules: orders/. */
#include "api/app.h"
#include "api/formats/money.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/money.h"

#include <string.h>

/* ---- PUT /v1/prices/{sku}/{currency}, GET /v1/prices ---- */

static lm_status handle_prices_put(http_req *r, orders_svc *o) {
    orders_price p;
    memset(&p, 0, sizeof p);
    const char *sku = http_param(r, "sku"), *cur = http_param(r, "currency");
    if (!sku || !sku[0] || strlen(sku) > STORE_ID_MAX)
        return http_error(r, LM_INVALID, "sku", "the SKU in the path must be 1..%d characters",
                          STORE_ID_MAX);
    if (!cur || orders_currency_exponent(cur) < 0)
        return http_error(r, LM_INVALID, "currency",
                          "the currency in the path must be an ISO 4217 code such as EUR");
    lm_strlcpy(p.sku, sku, sizeof p.sku);
    lm_strlcpy(p.currency, cur, sizeof p.currency);
    lm_status rc = fmt_price_from_json(r->json, &p, &r->err);
    if (rc == LM_OK) rc = orders_price_put(o, &p, &r->err);
    if (rc != LM_OK) return rc;
    return http_reply_json(r, 200, fmt_price_to_json(&p));
}

lm_status api__prices_put(http_req *r) {
    return api__with_orders(r, handle_prices_put);
}

static lm_status handle_prices_list(http_req *r, orders_svc *o) {
    orders_price *p = NULL;
    size_t n = 0;
    lm_status rc = orders_price_list(o, &p, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "prices");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, fmt_price_to_json(&p[i]));
    lm_free(p);
    return http_reply_json(r, 200, j);
}

lm_status api__prices_list(http_req *r) {
    return api__with_orders(r, handle_prices_list);
}

/* ---- promotions ---- */

static lm_status handle_promotions_put(http_req *r, orders_svc *o) {
    orders_promotion p;
    lm_status rc = fmt_promotion_from_json(r->json, &p, &r->err);
    if (rc != LM_OK) return rc;
    const char *path_id = http_param(r, "id");
    if (path_id && strcmp(path_id, p.id))
        return http_error(r, LM_INVALID, "id", "the body's id must be the one in the path");
    if ((rc = orders_promotion_put(o, &p, &r->err)) != LM_OK) return rc;
    orders_promotion saved;
    if ((rc = orders_promotion_get(o, p.id, &saved, &r->err)) != LM_OK) return rc;
    return http_reply_json(r, path_id ? 200 : 201, fmt_promotion_to_json(&saved));
}

lm_status api__promotions_put(http_req *r) {
    return api__with_orders(r, handle_promotions_put);
}

static lm_status handle_promotions_get(http_req *r, orders_svc *o) {
    const char *id = http_param(r, "id");
    if (!id || !id[0] || strlen(id) > STORE_ID_MAX)
        return http_error(r, LM_INVALID, "id", "the promotion id must be 1..%d characters",
                          STORE_ID_MAX);
    orders_promotion p;
    lm_status rc = orders_promotion_get(o, id, &p, &r->err);
    if (rc != LM_OK) return rc;
    return http_reply_json(r, 200, fmt_promotion_to_json(&p));
}

lm_status api__promotions_get(http_req *r) {
    return api__with_orders(r, handle_promotions_get);
}

static lm_status handle_promotions_list(http_req *r, orders_svc *o) {
    orders_promotion *p = NULL;
    size_t n = 0;
    lm_status rc = orders_promotion_list(o, &p, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "promotions");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, fmt_promotion_to_json(&p[i]));
    lm_free(p);
    return http_reply_json(r, 200, j);
}

lm_status api__promotions_list(http_req *r) {
    return api__with_orders(r, handle_promotions_list);
}

/* ---- GET / PUT /v1/config/money ---- */

static lm_status handle_money_config_get(http_req *r, orders_svc *o) {
    orders_money_config c;
    lm_status rc = orders_money_config_get(o, &c, &r->err);
    if (rc != LM_OK) return rc;
    return http_reply_json(r, 200, fmt_money_config_to_json(&c));
}

lm_status api__money_config_get(http_req *r) {
    return api__with_orders(r, handle_money_config_get);
}

static lm_status handle_money_config_put(http_req *r, orders_svc *o) {
    orders_money_config c;
    lm_status rc = orders_money_config_get(o, &c, &r->err);
    if (rc == LM_OK) rc = fmt_money_config_from_json(r->json, "", &c, &r->err);
    if (rc == LM_OK) rc = orders_money_config_put(o, &c, &r->err);
    if (rc != LM_OK) return rc;
    return http_reply_json(r, 200, fmt_money_config_to_json(&c));
}

lm_status api__money_config_put(http_req *r) {
    return api__with_orders(r, handle_money_config_put);
}
