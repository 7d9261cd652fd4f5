/* api/order_config.c: GET and PUT /v1/config/orders: audit rules, out-of-stock policies, blacklist,
 * service area. */
#include "api/app.h"
#include "api/formats/config_json.h"
#include "api/formats/money.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/money.h"
#include "orders/orders.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static cJSON *config_json(const orders_config *c) {
    cJSON *j = cJSON_CreateObject();
    cJSON *rules = cJSON_AddObjectToObject(j, "rules");
    cJSON_AddBoolToObject(rules, "required_fields", c->rules.rule_required);
    cJSON_AddBoolToObject(rules, "service_area", c->rules.rule_service_area);
    cJSON_AddBoolToObject(rules, "duplicate", c->rules.rule_duplicate);
    cJSON_AddBoolToObject(rules, "blacklist", c->rules.rule_blacklist);
    cJSON_AddBoolToObject(rules, "oversize", c->rules.rule_oversize);
    cJSON *rf = cJSON_AddArrayToObject(j, "required_fields");
    for (const char *p = c->rules.required_fields; *p;) {
        size_t len = strcspn(p, ", ");
        if (len) {
            char name[64];
            lm_strlcpy(name, p, len + 1 < sizeof name ? len + 1 : sizeof name);
            cJSON_AddItemToArray(rf, cJSON_CreateString(name));
        }
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    cJSON_AddNumberToObject(j, "duplicate_window_s", (double)c->rules.duplicate_window_s);
    cJSON_AddNumberToObject(j, "max_weight_g", (double)c->rules.max_weight_g);
    cJSON_AddNumberToObject(j, "max_volume_cm3", (double)c->rules.max_volume_cm3);
    cJSON_AddStringToObject(j, "default_out_of_stock",
                            c->rules.default_oos[0] ? c->rules.default_oos : "backorder");
    cJSON *ch = cJSON_AddObjectToObject(j, "channel_out_of_stock");
    for (size_t i = 0; i < c->n_channels; i++)
        cJSON_AddStringToObject(ch, c->channels[i].channel, c->channels[i].oos_policy);
    cJSON *bl = cJSON_AddObjectToObject(j, "blacklist");
    static const char *const kinds[] = {"phone", "email", "address"};
    for (int k = 0; k < 3; k++) {
        cJSON *a = cJSON_AddArrayToObject(bl, kinds[k]);
        for (size_t i = 0; i < c->n_blacklist; i++)
            if (!strcmp(c->blacklist[i].kind, kinds[k]))
                cJSON_AddItemToArray(a, cJSON_CreateString(c->blacklist[i].value));
    }
    cJSON *area = c->service_area && c->service_area[0] ? cJSON_Parse(c->service_area) : NULL;
    cJSON_AddItemToObject(j, "service_area", area ? area : cJSON_CreateNull());
    return j;
}

/* The money settings ride along as "money" (also GET / PUT /v1/config/money, api/promotions.c). */
static lm_status reply_with_money(http_req *r, orders_svc *o, cJSON *j) {
    orders_money_config mc;
    lm_status rc = orders_money_config_get(o, &mc, &r->err);
    if (rc != LM_OK) {
        cJSON_Delete(j);
        return rc;
    }
    cJSON_AddItemToObject(j, "money", fmt_money_config_to_json(&mc));
    return http_reply_json(r, 200, j);
}

static lm_status handle_orders_config_get(http_req *r, orders_svc *o) {
    orders_config c;
    lm_status rc = orders_config_get(o, &c, &r->err);
    if (rc != LM_OK) return rc;
    cJSON *j = config_json(&c);
    orders_config_clear(&c);
    return reply_with_money(r, o, j);
}

lm_status api__orders_config_get(http_req *r) {
    return api__with_orders(r, handle_orders_config_get);
}

static lm_status handle_orders_config_put(http_req *r, orders_svc *o) {
    orders_config c;
    /* "money" is checked whole before anything is stored, so a bad value changes nothing */
    orders_money_config mc;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    const cJSON *money = rc == LM_OK && cJSON_IsObject(r->json)
                             ? cJSON_GetObjectItemCaseSensitive(r->json, "money")
                             : NULL;
    if (rc == LM_OK) rc = orders_money_config_get(o, &mc, &r->err);
    if (rc == LM_OK && money) rc = fmt_money_config_from_json(money, "money", &mc, &r->err);
    if (rc != LM_OK) return rc;
    if ((rc = orders_config_get(o, &c, &r->err)) != LM_OK) return rc;
    if ((rc = fmt_orders_config_merge(r->json, &c, &r->err)) == LM_OK &&
        (rc = orders_config_put(o, &c, &r->err)) == LM_OK &&
        (!money || (rc = orders_money_config_put(o, &mc, &r->err)) == LM_OK)) {
        orders_config_clear(&c);
        if ((rc = orders_config_get(o, &c, &r->err)) != LM_OK) return rc;
        cJSON *j = config_json(&c);
        orders_config_clear(&c);
        return reply_with_money(r, o, j);
    }
    orders_config_clear(&c);
    return rc;
}

lm_status api__orders_config_put(http_req *r) {
    return api__with_orders(r, handle_orders_config_put);
}
