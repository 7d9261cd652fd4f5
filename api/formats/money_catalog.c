/* api/formats/money_catalog.c: the money catalogue's JSON (api/formats/money.h): a product's
 * price, a promotion, the money settings, in and out. */
#include "api/formats/money.h"

#include <string.h>

static lm_status str_copy(const cJSON *j, const char *key, fmt_json_need need, char *dst,
                          size_t cap, lm_errinfo *err) {
    const char *s = NULL;
    lm_status rc = fmt_json_string(j, key, "", need, cap - 1, &s, err);
    if (rc == LM_OK && s) lm_strlcpy(dst, s, cap);
    return rc;
}

lm_status fmt_price_from_json(const cJSON *j, orders_price *p, lm_errinfo *err) {
    static const char *const keys[] = {"unit_price", "tax_rate_bp", "category", NULL};
    int64_t tax = 0;
    lm_status rc = fmt_json_require_object(j, "body", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK)
        rc = fmt_money_amount(j, "unit_price", "", FMT_JSON_REQUIRED, ORDERS_AMOUNT_MAX,
                              &p->unit_price, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "tax_rate_bp", "", FMT_JSON_OPTIONAL, 0, 10000, &tax, err);
    if (rc == LM_OK)
        rc = str_copy(j, "category", FMT_JSON_OPTIONAL, p->category, sizeof p->category, err);
    p->tax_rate_bp = (int32_t)tax;
    return rc;
}

cJSON *fmt_price_to_json(const orders_price *p) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "sku", p->sku);
    cJSON_AddStringToObject(j, "currency", p->currency);
    cJSON_AddNumberToObject(j, "unit_price", (double)p->unit_price);
    cJSON_AddNumberToObject(j, "tax_rate_bp", p->tax_rate_bp);
    cJSON_AddStringToObject(j, "category", p->category);
    cJSON_AddNumberToObject(j, "updated_ms", (double)p->updated_ms);
    return j;
}

/* The integer members of a promotion, with their ranges (orders_promotion_check judges how they
 * fit together). */
static lm_status promotion_numbers(const cJSON *j, orders_promotion *p, lm_errinfo *err) {
    int64_t pct = 0, buy = 0, get = 0, prio = 0;
    lm_status rc = fmt_json_int(j, "percent_bp", "", FMT_JSON_OPTIONAL, 0, 10000, &pct, err);
    if (rc == LM_OK)
        rc = fmt_money_amount(j, "amount", "", FMT_JSON_OPTIONAL, ORDERS_AMOUNT_MAX, &p->amount,
                              err);
    if (rc == LM_OK) rc = fmt_json_int(j, "buy_qty", "", FMT_JSON_OPTIONAL, 0, 1000000, &buy, err);
    if (rc == LM_OK) rc = fmt_json_int(j, "get_qty", "", FMT_JSON_OPTIONAL, 0, 1000000, &get, err);
    if (rc == LM_OK)
        rc = fmt_money_amount(j, "min_order", "", FMT_JSON_OPTIONAL, ORDERS_AMOUNT_MAX,
                              &p->min_order, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "valid_from_ms", "", FMT_JSON_OPTIONAL, 0, INT64_MAX / 2,
                          &p->valid_from_ms, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "valid_until_ms", "", FMT_JSON_OPTIONAL, 0, INT64_MAX / 2,
                          &p->valid_until_ms, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "limit_total", "", FMT_JSON_OPTIONAL, 0, 1000000000, &p->limit_total,
                          err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "limit_per_customer", "", FMT_JSON_OPTIONAL, 0, 1000000000,
                          &p->limit_per_customer, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "priority", "", FMT_JSON_OPTIONAL, -1000000, 1000000, &prio, err);
    p->percent_bp = (int32_t)pct;
    p->buy_qty = (int32_t)buy;
    p->get_qty = (int32_t)get;
    p->priority = (int32_t)prio;
    return rc;
}

lm_status fmt_promotion_from_json(const cJSON *j, orders_promotion *p, lm_errinfo *err) {
    static const char *const keys[] = {"id",
                                       "kind",
                                       "scope",
                                       "target",
                                       "currency",
                                       "percent_bp",
                                       "amount",
                                       "buy_qty",
                                       "get_qty",
                                       "min_order",
                                       "code",
                                       "channel",
                                       "valid_from_ms",
                                       "valid_until_ms",
                                       "limit_total",
                                       "limit_per_customer",
                                       "combinable",
                                       "priority",
                                       "active",
                                       NULL};
    memset(p, 0, sizeof *p);
    p->combinable = true;
    p->active = true;
    lm_status rc = fmt_json_require_object(j, "body", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, "", keys, err);
    if (rc == LM_OK) rc = str_copy(j, "id", FMT_JSON_REQUIRED, p->id, sizeof p->id, err);
    if (rc == LM_OK) rc = str_copy(j, "kind", FMT_JSON_REQUIRED, p->kind, sizeof p->kind, err);
    if (rc == LM_OK) rc = str_copy(j, "scope", FMT_JSON_OPTIONAL, p->scope, sizeof p->scope, err);
    if (rc == LM_OK)
        rc = str_copy(j, "target", FMT_JSON_OPTIONAL, p->target, sizeof p->target, err);
    /* "" (as written back for a promotion in any currency) is no currency */
    const cJSON *cur = fmt_json_get(j, "currency");
    if (rc == LM_OK && cur && !(cJSON_IsString(cur) && !cur->valuestring[0]))
        rc = fmt_money_currency(j, "currency", "", FMT_JSON_OPTIONAL, p->currency, err);
    if (rc == LM_OK) rc = str_copy(j, "code", FMT_JSON_OPTIONAL, p->code, sizeof p->code, err);
    if (rc == LM_OK)
        rc = str_copy(j, "channel", FMT_JSON_OPTIONAL, p->channel, sizeof p->channel, err);
    if (rc == LM_OK) rc = promotion_numbers(j, p, err);
    if (rc == LM_OK)
        rc = fmt_json_bool(j, "combinable", "", FMT_JSON_OPTIONAL, &p->combinable, err);
    if (rc == LM_OK) rc = fmt_json_bool(j, "active", "", FMT_JSON_OPTIONAL, &p->active, err);
    if (rc == LM_OK && !p->scope[0]) lm_strlcpy(p->scope, "order", sizeof p->scope);
    return rc;
}

cJSON *fmt_promotion_to_json(const orders_promotion *p) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", p->id);
    cJSON_AddStringToObject(j, "kind", p->kind);
    cJSON_AddStringToObject(j, "scope", p->scope);
    cJSON_AddStringToObject(j, "target", p->target);
    cJSON_AddStringToObject(j, "currency", p->currency);
    cJSON_AddNumberToObject(j, "percent_bp", p->percent_bp);
    cJSON_AddNumberToObject(j, "amount", (double)p->amount);
    cJSON_AddNumberToObject(j, "buy_qty", p->buy_qty);
    cJSON_AddNumberToObject(j, "get_qty", p->get_qty);
    cJSON_AddNumberToObject(j, "min_order", (double)p->min_order);
    cJSON_AddStringToObject(j, "code", p->code);
    cJSON_AddStringToObject(j, "channel", p->channel);
    cJSON_AddNumberToObject(j, "valid_from_ms", (double)p->valid_from_ms);
    cJSON_AddNumberToObject(j, "valid_until_ms", (double)p->valid_until_ms);
    cJSON_AddNumberToObject(j, "limit_total", (double)p->limit_total);
    cJSON_AddNumberToObject(j, "limit_per_customer", (double)p->limit_per_customer);
    cJSON_AddBoolToObject(j, "combinable", p->combinable);
    cJSON_AddNumberToObject(j, "priority", p->priority);
    cJSON_AddBoolToObject(j, "active", p->active);
    cJSON_AddNumberToObject(j, "created_ms", (double)p->created_ms);
    cJSON_AddNumberToObject(j, "updated_ms", (double)p->updated_ms);
    return j;
}

lm_status fmt_money_config_from_json(const cJSON *j, const char *parent, orders_money_config *c,
                                     lm_errinfo *err) {
    static const char *const keys[] = {"coupon_refuse", "hold_unpaid", "payment_timeout_s",
                                       "shipping_tax_bp", NULL};
    int64_t tax = c->shipping_tax_bp;
    lm_status rc = fmt_json_require_object(j, parent[0] ? parent : "body", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(j, parent, keys, err);
    if (rc == LM_OK)
        rc = fmt_json_bool(j, "coupon_refuse", parent, FMT_JSON_OPTIONAL, &c->coupon_refuse, err);
    if (rc == LM_OK)
        rc = fmt_json_bool(j, "hold_unpaid", parent, FMT_JSON_OPTIONAL, &c->hold_unpaid, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "payment_timeout_s", parent, FMT_JSON_OPTIONAL, 0, 30 * 86400,
                          &c->payment_timeout_s, err);
    if (rc == LM_OK)
        rc = fmt_json_int(j, "shipping_tax_bp", parent, FMT_JSON_OPTIONAL, 0, 10000, &tax, err);
    c->shipping_tax_bp = (int32_t)tax;
    return rc;
}

cJSON *fmt_money_config_to_json(const orders_money_config *c) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "coupon_refuse", c->coupon_refuse);
    cJSON_AddBoolToObject(j, "hold_unpaid", c->hold_unpaid);
    cJSON_AddNumberToObject(j, "payment_timeout_s", (double)c->payment_timeout_s);
    cJSON_AddNumberToObject(j, "shipping_tax_bp", c->shipping_tax_bp);
    return j;
}
