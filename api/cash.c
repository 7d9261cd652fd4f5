/* api/cash.c: cash on delivery from the door to the depot, and the money reports: what a stop's
 * driver must collect and the collection inside "delivered" (for api/driver.c), a driver's cash
 * (held, handed in, discrepancies), the warehouse's count reconciling it under its own key, and
 * the reports the analytics module reads (revenue, promotions and coupon usage, COD per driver,
 * refunds). */
#include "api/app.h"
#include "api/formats/json.h"
#include "api/formats/money.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"
#include "orders/money.h"
#include "store/store_dispatch.h"
#include "store/store_money.h"

#include <string.h>

static lm_status driver_param(http_req *r, const char **id) {
    *id = http_param(r, "id");
    if (!*id || !(*id)[0] || strlen(*id) > STORE_ID_MAX)
        return http_error(r, LM_INVALID, "id", "the driver id must be 1..%d characters",
                          STORE_ID_MAX);
    return LM_OK;
}

/* ?from=&to= epoch milliseconds, [from, to); defaults: everything up to now. */
lm_status api__window_params(http_req *r, int64_t *from, int64_t *to) {
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
    if (rc == LM_OK) rc = api__window_params(r, &from, &to);
    if (rc != LM_OK) return rc;
    /* an unknown driver is a 404, not an empty list that reads as "owes nothing" */
    store_read *rd = NULL;
    store_driver drv;
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK) return rc;
    rc = store_driver_get(rd, driver, &drv, &r->err);
    store_read_end(rd);
    if (rc == LM_NOT_FOUND)
        return http_error(r, LM_NOT_FOUND, "id", "driver '%s' not found", driver);
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
    lm_status rc = api__window_params(r, &from, &to);
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

/* ---- Cash at the door: the driver's route and "delivered" (api/driver.c) ---- */

cJSON *api__cod_collect_json(store_read *rd, int64_t order_id) {
    orders_money m = {0};
    lm_errinfo e;
    if (store_order_money_get(rd, order_id, &m, &e) != LM_OK) return cJSON_CreateNull();
    int64_t due = orders_money_amount_due(&m);
    bool cod = !strcmp(m.payment_status, "cod_due");
    cJSON *j = cod ? cJSON_CreateObject() : cJSON_CreateNull();
    if (cod) {
        cJSON_AddNumberToObject(j, "amount", (double)due);
        cJSON_AddStringToObject(j, "currency", m.currency);
    }
    orders_money_clear(&m);
    return j;
}

lm_status api__cod_read(http_req *r, const cJSON *body, api_cod_in *out) {
    static const char *const keys[] = {"amount", "method", NULL};
    memset(out, 0, sizeof *out);
    const cJSON *c = body ? fmt_json_get(body, "collected") : NULL;
    if (!c || cJSON_IsNull(c)) return LM_OK;
    lm_status rc = fmt_json_require_object(c, "collected", &r->err);
    if (rc == LM_OK) rc = fmt_json_only_keys(c, "collected", keys, &r->err);
    if (rc == LM_OK)
        rc = fmt_money_amount(c, "amount", "collected", FMT_JSON_REQUIRED, ORDERS_AMOUNT_MAX * 1000,
                              &out->c.amount, &r->err);
    if (rc == LM_OK)
        rc = api__json_str(r, c, "method", "collected.method", out->c.method, sizeof out->c.method,
                           false);
    if (rc != LM_OK) return rc;
    if (!out->c.method[0]) lm_strlcpy(out->c.method, "cash", sizeof out->c.method);
    if (strcmp(out->c.method, "cash") && strcmp(out->c.method, "card_terminal"))
        return http_error(r, LM_INVALID, "collected.method", "must be cash or card_terminal");
    lm_strlcpy(out->c.driver_id, r->subject, sizeof out->c.driver_id);
    out->given = true;
    return LM_OK;
}

lm_status api__cod_deliver_tx(store_tx *tx, http_req *r, int64_t stop_id, const api_cod_in *in,
                              int64_t now_ms) {
    dispatch_stop s;
    memset(&s, 0, sizeof s);
    lm_status rc = dispatch_stop_get(store_tx_read(tx), stop_id, &s, &r->err);
    if (rc != LM_OK || s.kind != DISPATCH_STOP_DELIVERY) return rc;
    orders_money m = {0};
    lm_errinfo e;
    if (store_order_money_get(store_tx_read(tx), s.order_id, &m, &e) != LM_OK) {
        /* an order without money has nothing to collect */
        return in->given ? http_error(r, LM_CONFLICT, "collected",
                                      "order %lld has nothing to collect", (long long)s.order_id)
                         : LM_OK;
    }
    bool cod = !strcmp(m.payment_status, "cod_due");
    int64_t due = orders_money_amount_due(&m);
    char status[24];
    lm_strlcpy(status, m.payment_status, sizeof status);
    orders_money_clear(&m);
    if (!cod && in->given)
        return http_error(r, LM_CONFLICT, "collected",
                          "order %lld has nothing to collect (payment %s)", (long long)s.order_id,
                          status);
    if (!cod) return LM_OK;
    if (!in->given)
        return http_error(r, LM_INVALID, "collected",
                          "order %lld is cash on delivery: send collected {amount, method} (%lld "
                          "minor units due)",
                          (long long)s.order_id, (long long)due);
    /* cash is collected while the order is out for delivery: a stop delivered straight from
     * planned passes through it first, as dispatch would */
    store_order ord = {0};
    if ((rc = store_order_get(store_tx_read(tx), s.order_id, &ord, &r->err)) != LM_OK) return rc;
    bool planned = !strcmp(ord.status, "planned");
    store_order_clear(&ord);
    if (planned && (rc = orders_order_advance_tx(tx, s.order_id, ORDERS_OUT_FOR_DELIVERY, now_ms,
                                                 &r->err)) != LM_OK)
        return rc;
    return orders_cod_collect_tx(tx, s.order_id, &in->c, now_ms, &r->err);
}
