/* api/stock.c: PUT /v1/stock/{depot}/{sku} (on hand, reorder point) and GET /v1/stock. */
#include "api/app.h"
#include "api/formats/json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/orders.h"

#include <string.h>

static cJSON *stock_json(const orders_stock *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "depot", s->depot_id);
    cJSON_AddStringToObject(o, "sku", s->sku);
    cJSON_AddNumberToObject(o, "on_hand", (double)s->on_hand);
    cJSON_AddNumberToObject(o, "reserved", (double)s->reserved);
    cJSON_AddNumberToObject(o, "available", (double)(s->on_hand - s->reserved));
    cJSON_AddNumberToObject(o, "reorder_point", (double)s->reorder_point);
    cJSON_AddBoolToObject(o, "low", s->on_hand - s->reserved < s->reorder_point);
    return o;
}

static lm_status handle_stock_put(http_req *r, orders_svc *o) {
    lm_status rc = api__need_object(r, r->json, "object {\"on_hand\": N, \"reorder_point\": M}");
    if (rc != LM_OK) return rc;
    static const char *const keys[] = {"on_hand", "reorder_point", NULL};
    int64_t on_hand = 0, rp = -1;
    if ((rc = fmt_json_only_keys(r->json, "", keys, &r->err)) != LM_OK ||
        (rc = api__json_int(r, r->json, "on_hand", "on_hand", 0, INT32_MAX, true, &on_hand,
                            NULL)) != LM_OK ||
        (rc = api__json_int(r, r->json, "reorder_point", "reorder_point", 0, INT32_MAX, false, &rp,
                            NULL)) != LM_OK)
        return rc;
    orders_stock s;
    rc =
        orders_stock_set(o, http_param(r, "depot"), http_param(r, "sku"), on_hand, rp, &s, &r->err);
    if (rc != LM_OK) return rc;
    return http_reply_json(r, 200, stock_json(&s));
}

lm_status api__stock_put(http_req *r) {
    return api__with_orders(r, handle_stock_put);
}

static lm_status handle_stock_list(http_req *r, orders_svc *o) {
    const char *low = http_query(r, "low");
    if (low && strcmp(low, "true") && strcmp(low, "false"))
        return http_error(r, LM_INVALID, "low", "low must be true or false");
    orders_stock *s = NULL;
    size_t n = 0;
    lm_status rc = orders_stock_list(o, low && !strcmp(low, "true"), &s, &n, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "stock");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, stock_json(&s[i]));
    lm_free(s);
    return http_reply_json(r, 200, out);
}

lm_status api__stock_list(http_req *r) {
    return api__with_orders(r, handle_stock_list);
}
