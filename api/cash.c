/* api/cash.c: cash on delivery at the depot and the money reports: a driver's cash (held, handed
 * in, discrepancies), the warehouse's count reconciling it under its own key, and the reports
 * the analytics module reads (revenue, promotions and coupon usage, COD per driver, refunds). */
#include "api/app.h"
#include "api/formats/json.h"
#include "api/formats/money.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/money.h"

#include <string.h>

static lm_status driver_param(http_req *r, const char **id) {
    *id = http_param(r, "id");
    if (!*id || !(*id)[0] || strlen(*id) > STORE_ID_MAX)
        return http_error(r, LM_INVALID, "id", "the driver id must be 1..%d characters",
                          STORE_ID_MAX);
    return LM_OK;
}

/* ?from=&to= epoch milliseconds, [from, to); defaults: everything up to now. */
static lm_status window_params(http_req *r, int64_t *from, int64_t *to) {
    *from = 0;
    *to = lm_now_ms() + 1;
    const char *q = http_query(r, "from");
    if (q && !lm_parse_i64(q, 0, INT64_MAX / 2, from))
        return http_error(r, LM_INVALID, "from", "from must be epoch milliseconds");
    if ((q = http_query(r, "to")) && !lm_parse_i64(q, 1, INT64_MAX / 2, to))
        return http_error(r, LM_INVALID, "to", "to must be epoch milliseconds");
    if (*from >= *to) return http_error(r, LM_INVALID, "to", "to must be after from");
    return LM_OK;
}

static cJSON *cod_row_json(const orders_cod_row *c) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "driver_id", c->driver_id);
    cJSON_AddStringToObject(e, "currency", c->currency);
    cJSON_AddNumberToObject(e, "outstanding", (double)c->outstanding);
    cJSON_AddNumberToObject(e, "orders", (double)c->orders);
    cJSON_AddNumberToObject(e, "handed_in", (double)c->handed_in);
    cJSON_AddNumberToObject(e, "discrepancy", (double)c->discrepancy);
    return e;
}

/* ---- GET /v1/drivers/{id}/cash ---- */

static lm_status handle_cash_get(http_req *r, orders_svc *o) {
    const char *driver;
    int64_t from, to;
    lm_status rc = driver_param(r, &driver);
    if (rc == LM_OK) rc = window_params(r, &from, &to);
    if (rc != LM_OK) return rc;
    orders_cod_row *rows = NULL;
    size_t n = 0;
    if ((rc = orders_report_cod(o, from, to, &rows, &n, &r->err)) != LM_OK) return rc;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "driver_id", driver);
    cJSON *arr = cJSON_AddArrayToObject(j, "cash");
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].driver_id, driver)) cJSON_AddItemToArray(arr, cod_row_json(&rows[i]));
    lm_free(rows);
    return http_reply_json(r, 200, j);
}

lm_status api__cash_get(http_req *r) {
    return api__with_orders(r, handle_cash_get);
}

/* ---- POST /v1/drivers/{id}/cash: the warehouse's count ---- */

static lm_status handle_cash_reconcile(http_req *r, orders_svc *o) {
    static const char *const keys[] = {"currency", "handed_in", NULL};
    const char *driver;
    char currency[STORE_CURRENCY_LEN + 1] = "";
    int64_t handed_in = 0;
    lm_status rc = driver_param(r, &driver);
    if (rc == LM_OK) rc = api__need_object(r, r->json, "object {\"currency\", \"handed_in\"}");
    if (rc == LM_OK) rc = fmt_json_only_keys(r->json, "", keys, &r->err);
    if (rc == LM_OK)
        rc = fmt_money_currency(r->json, "currency", "", FMT_JSON_REQUIRED, currency, &r->err);
    if (rc == LM_OK)
        rc = fmt_money_amount(r->json, "handed_in", "", FMT_JSON_REQUIRED, ORDERS_AMOUNT_MAX * 1000,
                              &handed_in, &r->err);
    if (rc != LM_OK) return rc;
    orders_cash_handin h;
    memset(&h, 0, sizeof h);
    /* the key that counted is the caller's own: the hand-in names who vouched for it */
    if ((rc = orders_cash_reconcile(o, driver, currency, handed_in, r->key_id, &h, &r->err)) !=
        LM_OK)
        return rc;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)h.id);
    cJSON_AddStringToObject(j, "driver_id", h.driver_id);
    cJSON_AddStringToObject(j, "currency", h.currency);
    cJSON_AddNumberToObject(j, "expected", (double)h.expected);
    cJSON_AddNumberToObject(j, "handed_in", (double)h.handed_in);
    cJSON_AddNumberToObject(j, "discrepancy", (double)(h.handed_in - h.expected));
    cJSON_AddNumberToObject(j, "orders", (double)h.orders);
    cJSON_AddStringToObject(j, "key_id", h.key_id);
    cJSON_AddNumberToObject(j, "created_ms", (double)h.created_ms);
    return http_reply_json(r, 201, j);
}

lm_status api__cash_reconcile(http_req *r) {
    return api__with_orders(r, handle_cash_reconcile);
}

/* ---- GET /v1/reports/money/{report} ---- */

static cJSON *revenue_json(const orders_revenue_row *v, size_t n) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "currency", v[i].currency);
        cJSON_AddNumberToObject(e, "orders", (double)v[i].orders);
        cJSON_AddNumberToObject(e, "cancelled", (double)v[i].cancelled);
        cJSON_AddNumberToObject(e, "subtotal", (double)v[i].subtotal);
        cJSON_AddNumberToObject(e, "discount", (double)v[i].discount);
        cJSON_AddNumberToObject(e, "shipping", (double)v[i].shipping);
        cJSON_AddNumberToObject(e, "tax", (double)v[i].tax);
        cJSON_AddNumberToObject(e, "total", (double)v[i].total);
        cJSON_AddNumberToObject(e, "paid", (double)v[i].paid);
        cJSON_AddNumberToObject(e, "refunded", (double)v[i].refunded);
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}

static cJSON *promotions_json(const orders_promotion_row *v, size_t n) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "promotion_id", v[i].promotion_id);
        cJSON_AddStringToObject(e, "code", v[i].code);
        cJSON_AddStringToObject(e, "currency", v[i].currency);
        cJSON_AddNumberToObject(e, "uses", (double)v[i].uses);
        cJSON_AddNumberToObject(e, "customers", (double)v[i].customers);
        cJSON_AddNumberToObject(e, "amount", (double)v[i].amount);
        cJSON_AddNumberToObject(e, "limit_total", (double)v[i].limit_total);
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}

static cJSON *refunds_json(const orders_refund_row *v, size_t n) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "currency", v[i].currency);
        cJSON_AddStringToObject(e, "method", v[i].method);
        cJSON_AddNumberToObject(e, "refunds", (double)v[i].refunds);
        cJSON_AddNumberToObject(e, "amount", (double)v[i].amount);
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}

static lm_status handle_money_report(http_req *r, orders_svc *o) {
    const char *kind = http_param(r, "report");
    int64_t from, to;
    lm_status rc = window_params(r, &from, &to);
    if (rc != LM_OK) return rc;
    cJSON *rows = NULL;
    size_t n = 0;
    if (kind && !strcmp(kind, "revenue")) {
        orders_revenue_row *v = NULL;
        if ((rc = orders_report_revenue(o, from, to, &v, &n, &r->err)) == LM_OK)
            rows = revenue_json(v, n);
        lm_free(v);
    } else if (kind && !strcmp(kind, "promotions")) {
        orders_promotion_row *v = NULL;
        if ((rc = orders_report_promotions(o, from, to, &v, &n, &r->err)) == LM_OK)
            rows = promotions_json(v, n);
        lm_free(v);
    } else if (kind && !strcmp(kind, "cod")) {
        orders_cod_row *v = NULL;
        if ((rc = orders_report_cod(o, from, to, &v, &n, &r->err)) == LM_OK) {
            rows = cJSON_CreateArray();
            for (size_t i = 0; i < n; i++)
                cJSON_AddItemToArray(rows, cod_row_json(&v[i]));
        }
        lm_free(v);
    } else if (kind && !strcmp(kind, "refunds")) {
        orders_refund_row *v = NULL;
        if ((rc = orders_report_refunds(o, from, to, &v, &n, &r->err)) == LM_OK)
            rows = refunds_json(v, n);
        lm_free(v);
    } else {
        return http_error(r, LM_NOT_FOUND, "report",
                          "report must be revenue, promotions, cod or refunds");
    }
    if (rc != LM_OK) return rc;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "report", kind);
    cJSON_AddNumberToObject(j, "from_ms", (double)from);
    cJSON_AddNumberToObject(j, "to_ms", (double)to);
    cJSON_AddItemToObject(j, "rows", rows);
    return http_reply_json(r, 200, j);
}

lm_status api__money_report(http_req *r) {
    return api__with_orders(r, handle_money_report);
}
