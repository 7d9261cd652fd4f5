/* api/returns_config.c: the return policy (read by dispatchers, changed by an admin key), the
 * sales block of a product (set by quality returns, cleared by a person), and the return reports
 * analytics reads (docs/returns.md). */
#include "api/app.h"
#include "api/formats/returns_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "returns/returns.h"
#include "store/store_orders.h"

#include <string.h>

static lm_status reply_policy(http_req *r, returns_svc *svc) {
    returns_policy *p = lm_calloc(1, sizeof *p);
    lm_status rc =
        p ? returns_policy_get(svc, p, &r->err) : http_error(r, LM_NOMEM, "", "out of memory");
    cJSON *j = rc == LM_OK ? fmt_ret_policy_json(p) : NULL;
    lm_free(p);
    if (rc != LM_OK) return rc;
    if (!j) return http_error(r, LM_NOMEM, "", "out of memory");
    return http_reply_json(r, 200, j);
}

lm_status api__returns_config_get(http_req *r) {
    api_returns rt;
    lm_status rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    rc = reply_policy(r, rt.svc);
    api__returns_close(&rt);
    return rc;
}

/* PUT: the members given replace the current ones; the whole result is validated by returns/
 * before it is stored (event returns.policy_put). */
lm_status api__returns_config_put(http_req *r) {
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc != LM_OK) return rc;
    api_returns rt;
    if ((rc = api__returns_open(r, &rt)) != LM_OK) return rc;
    returns_policy *cur = lm_calloc(1, sizeof *cur), *next = lm_calloc(1, sizeof *next);
    rc = cur && next ? returns_policy_get(rt.svc, cur, &r->err)
                     : http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) rc = fmt_ret_policy_from_json(r->json, cur, next, &r->err);
    if (rc == LM_OK) rc = returns_policy_put(rt.svc, next, r->key_id, &r->err);
    if (rc == LM_OK) rc = reply_policy(r, rt.svc);
    lm_free(cur);
    lm_free(next);
    api__returns_close(&rt);
    return rc;
}

/* {sku} of the path: 1..STORE_ID_MAX bytes. */
static lm_status path_sku(http_req *r, const char **sku) {
    *sku = http_param(r, "sku");
    if (!*sku || !**sku || strlen(*sku) > STORE_ID_MAX)
        return http_error(r, LM_INVALID, "sku", "the SKU in the path must be 1..%d characters",
                          STORE_ID_MAX);
    return LM_OK;
}

/* 404 naming sku unless it is a product of the catalogue. */
static lm_status known_product(http_req *r, const char *sku) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    store_product p;
    lm_errinfo e;
    rc = store_product_get(rd, sku, &p, &e);
    store_read_end(rd);
    if (rc == LM_NOT_FOUND) return http_error(r, LM_NOT_FOUND, "sku", "no product '%s'", sku);
    if (rc != LM_OK) return http_error(r, rc, "", "the product could not be read");
    return LM_OK;
}

lm_status api__sales_block_get(http_req *r) {
    const char *sku = NULL;
    lm_status rc = path_sku(r, &sku);
    if (rc == LM_OK) rc = known_product(r, sku);
    api_returns rt;
    if (rc == LM_OK) rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    bool blocked = false;
    char reason[160] = "";
    rc = returns_sales_block_get(rt.svc, sku, &blocked, reason, &r->err);
    api__returns_close(&rt);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    if (!o) return http_error(r, LM_NOMEM, "", "out of memory");
    cJSON_AddStringToObject(o, "sku", sku);
    cJSON_AddBoolToObject(o, "sales_blocked", blocked);
    if (blocked)
        cJSON_AddStringToObject(o, "reason", reason);
    else
        cJSON_AddNullToObject(o, "reason");
    return http_reply_json(r, 200, o);
}

/* DELETE: a person lifts the block (event product.sales_cleared); 404 when not blocked. */
lm_status api__sales_block_clear(http_req *r) {
    const char *sku = NULL;
    lm_status rc = path_sku(r, &sku);
    if (rc == LM_OK) rc = api__no_body(r);
    api_returns rt;
    if (rc == LM_OK) rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    rc = returns_sales_block_clear(rt.svc, sku, r->key_id, &r->err);
    api__returns_close(&rt);
    if (rc != LM_OK) return rc;
    return LM_OK; /* 204 */
}

/* GET /v1/reports/returns/{report}: rates (?by=product|reason|channel|depot) or refund-times,
 * over RMAs created in [from, to). */
lm_status api__returns_report(http_req *r) {
    const char *report = http_param(r, "report");
    bool rates = report && !strcmp(report, "rates");
    if (!rates && (!report || strcmp(report, "refund-times")))
        return http_error(r, LM_NOT_FOUND, "report", "reports are rates and refund-times");
    const char *by = http_query(r, "by");
    if (!by) by = "product";
    int64_t from = 0, to = 0;
    lm_status rc = api__window_params(r, &from, &to);
    api_returns rt;
    if (rc == LM_OK) rc = api__returns_open(r, &rt);
    if (rc != LM_OK) return rc;
    cJSON *o = NULL;
    if (rates) {
        returns_rate *g = NULL;
        size_t n = 0;
        rc = returns_report_rates(rt.svc, by, from, to, &g, &n, &r->err);
        if (rc == LM_OK) o = fmt_ret_rates_json(by, from, to, g, n);
        lm_free(g);
    } else {
        int64_t count = 0, mean = 0, max = 0;
        rc = returns_report_refund_times(rt.svc, from, to, &count, &mean, &max, &r->err);
        if (rc == LM_OK && (o = cJSON_CreateObject()) != NULL) {
            cJSON_AddNumberToObject(o, "from_ms", (double)from);
            cJSON_AddNumberToObject(o, "to_ms", (double)to);
            cJSON_AddNumberToObject(o, "count", (double)count);
            cJSON_AddNumberToObject(o, "mean_ms", (double)mean);
            cJSON_AddNumberToObject(o, "max_ms", (double)max);
        }
    }
    api__returns_close(&rt);
    if (rc != LM_OK) return rc;
    if (!o) return http_error(r, LM_NOMEM, "", "out of memory");
    return http_reply_json(r, 200, o);
}
