/* api/payments.c: an order's money over HTTP: the money members of an order reply, the payment
 * provider's reports (POST /v1/orders/{id}/payments) and the payment history, refunds (the
 * returns module's call) and cancelling units of a line before the order is ready. The rules are
 * orders/'s (orders/money.h, docs/money.md); this file reads bodies and writes replies. */
#include "api/app.h"
#include "api/formats/json.h"
#include "api/formats/money.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/money.h"

#include <string.h>

lm_status api__money_into(cJSON *j, const orders_money *m) {
    lm_buf b;
    lm_buf_init(&b, 1u << 20);
    lm_status rc = lm_buf_append(&b, "{", 1);
    if (rc == LM_OK) rc = fmt_money_write(&b, m);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 2); /* with the NUL */
    cJSON *parsed = rc == LM_OK ? cJSON_Parse(b.data) : NULL;
    lm_buf_free(&b);
    if (!parsed) return rc == LM_OK ? LM_NOMEM : rc;
    /* the priced lines are the lines as taken at intake (indexes for cancel-units); the order's
     * own "lines" are what will be delivered (substitutes included), so they keep that name */
    cJSON *it;
    while ((it = parsed->child)) {
        cJSON_DetachItemViaPointer(parsed, it);
        if (!strcmp(it->string, "lines")) {
            cJSON_AddItemToObject(j, "priced_lines", it);
        } else {
            char *name = it->string;
            it->string = NULL;
            cJSON_AddItemToObject(j, name, it);
            cJSON_free(name);
        }
    }
    cJSON_Delete(parsed);
    return LM_OK;
}

/* {"order_id", the money members} for m, consumed. */
static lm_status reply_money(http_req *r, int status, int64_t order_id, orders_money *m) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "order_id", (double)order_id);
    lm_status rc = api__money_into(j, m);
    orders_money_clear(m);
    if (rc != LM_OK) {
        cJSON_Delete(j);
        return http_error(r, rc, "", "out of memory writing the reply");
    }
    return http_reply_json(r, status, j);
}

static lm_status body_object(http_req *r, const char *const *keys, const char *what) {
    lm_status rc = api__need_object(r, r->json, what);
    if (rc != LM_OK) return rc;
    return fmt_json_only_keys(r->json, "", keys, &r->err);
}

/* ---- POST /v1/orders/{id}/payments: the provider reports a change ---- */

static lm_status handle_payment_report(http_req *r, orders_svc *o) {
    static const char *const keys[] = {"status", "amount", "reference", NULL};
    int64_t id;
    orders_payment_report rep;
    memset(&rep, 0, sizeof rep);
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = body_object(r, keys, "object {\"status\", \"amount\", \"reference\"}");
    if (rc == LM_OK)
        rc = api__json_str(r, r->json, "status", "status", rep.status, sizeof rep.status, true);
    if (rc == LM_OK)
        rc = fmt_money_amount(r->json, "amount", "", FMT_JSON_OPTIONAL, ORDERS_AMOUNT_MAX * 1000,
                              &rep.amount, &r->err);
    if (rc == LM_OK)
        rc = api__json_str(r, r->json, "reference", "reference", rep.reference,
                           sizeof rep.reference, false);
    if (rc != LM_OK) return rc;
    if (strcmp(rep.status, "authorized") && strcmp(rep.status, "paid") &&
        strcmp(rep.status, "failed") && strcmp(rep.status, "pending"))
        return http_error(r, LM_INVALID, "status",
                          "status must be authorized, paid, failed or pending (refunds: "
                          "/v1/orders/{id}/refunds)");
    orders_money m = {0};
    if ((rc = orders_payment_report_apply(o, id, &rep, &m, &r->err)) != LM_OK) return rc;
    return reply_money(r, 200, id, &m);
}

lm_status api__payments_report(http_req *r) {
    return api__with_orders(r, handle_payment_report);
}

/* ---- GET /v1/orders/{id}/payments: status and history ---- */

static lm_status handle_payments_list(http_req *r, orders_svc *o) {
    int64_t id;
    lm_status rc = api__path_id(r, &id);
    if (rc != LM_OK) return rc;
    orders_money m = {0};
    if ((rc = orders_money_get(o, id, &m, &r->err)) != LM_OK) return rc;
    orders_payment_event *ev = NULL;
    size_t n = 0;
    if ((rc = orders_payment_history(o, id, &ev, &n, &r->err)) != LM_OK) {
        orders_money_clear(&m);
        return rc;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "order_id", (double)id);
    rc = api__money_into(j, &m);
    orders_money_clear(&m);
    cJSON *arr = cJSON_AddArrayToObject(j, "history");
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "id", (double)ev[i].id);
        cJSON_AddStringToObject(e, "kind", ev[i].kind);
        cJSON_AddStringToObject(e, "from", ev[i].from_status);
        cJSON_AddStringToObject(e, "to", ev[i].to_status);
        cJSON_AddNumberToObject(e, "amount", (double)ev[i].amount);
        cJSON_AddStringToObject(e, "method", ev[i].method);
        cJSON_AddStringToObject(e, "reference", ev[i].reference);
        cJSON_AddNumberToObject(e, "created_ms", (double)ev[i].created_ms);
        cJSON_AddItemToArray(arr, e);
    }
    lm_free(ev);
    if (rc != LM_OK) {
        cJSON_Delete(j);
        return http_error(r, rc, "", "out of memory writing the reply");
    }
    return http_reply_json(r, 200, j);
}

lm_status api__payments_list(http_req *r) {
    return api__with_orders(r, handle_payments_list);
}

/* ---- POST /v1/orders/{id}/refunds ---- */

static lm_status handle_refund(http_req *r, orders_svc *o) {
    static const char *const keys[] = {"amount", "reason", "method", NULL};
    int64_t id;
    orders_refund rf;
    memset(&rf, 0, sizeof rf);
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = body_object(r, keys, "object {\"amount\", \"reason\", \"method\"}");
    if (rc == LM_OK)
        rc = fmt_money_amount(r->json, "amount", "", FMT_JSON_REQUIRED, ORDERS_AMOUNT_MAX * 1000,
                              &rf.amount, &r->err);
    if (rc == LM_OK)
        rc = api__json_str(r, r->json, "reason", "reason", rf.reason, sizeof rf.reason, true);
    if (rc == LM_OK)
        rc = api__json_str(r, r->json, "method", "method", rf.method, sizeof rf.method, false);
    if (rc != LM_OK) return rc;
    if (!rf.method[0]) lm_strlcpy(rf.method, "original", sizeof rf.method);
    orders_money m = {0};
    if ((rc = orders_refund_create(o, id, &rf, &m, &r->err)) != LM_OK) return rc;
    return reply_money(r, 201, id, &m);
}

lm_status api__refunds_create(http_req *r) {
    return api__with_orders(r, handle_refund);
}

/* ---- POST /v1/orders/{id}/cancel-units ---- */

static lm_status handle_cancel_units(http_req *r, orders_svc *o) {
    static const char *const keys[] = {"line", "qty", NULL};
    int64_t id, line = 0, qty = 0;
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = body_object(r, keys, "object {\"line\", \"qty\"}");
    if (rc == LM_OK)
        rc = api__json_int(r, r->json, "line", "line", 0, STORE_LINES_MAX - 1, true, &line, NULL);
    if (rc == LM_OK) rc = api__json_int(r, r->json, "qty", "qty", 1, 1000000, true, &qty, NULL);
    if (rc != LM_OK) return rc;
    orders_money m = {0};
    if ((rc = orders_order_cancel_units(o, id, (size_t)line, qty, &m, &r->err)) != LM_OK) return rc;
    return reply_money(r, 200, id, &m);
}

lm_status api__orders_cancel_units(http_req *r) {
    return api__with_orders(r, handle_cancel_units);
}
